//! What the attributes share: `name = value` arguments checked against a
//! table, suggestions for misspelt names, the check that a function
//! returns a `Result`, the guard that fixes the type of a rebuilt body, the
//! function whose body does not parse, and (in [`lower`]) an attempt as a
//! labeled block.

pub(crate) mod lower;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Path, Signature, Token, Type, Visibility};

/// One `name = value` argument, spans kept.
pub(crate) struct Named {
    pub(crate) name: Ident,
    pub(crate) value: Expr,
}

impl Named {
    /// Whether the next tokens are `name = ..` (and not `name == ..`).
    pub(crate) fn peek(input: ParseStream<'_>) -> bool {
        let fork = input.fork();
        Ident::parse_any(&fork).is_ok() && fork.peek(Token![=]) && !fork.peek(Token![==])
    }

    pub(crate) fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `crate` is a keyword, so read any identifier.
        let name = Ident::parse_any(input)?;
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(Named { name, value })
    }
}

/// The nearest of `known` to `written`, when it is near enough to be a
/// slip of the keyboard.
pub(crate) fn nearest<'k>(written: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|name| (distance(written, name), *name))
        .min()
        .filter(|(distance, _)| *distance <= 3)
        .map(|(_, name)| name)
}

/// The error for an argument `attribute` does not know.
pub(crate) fn unknown(attribute: &str, name: &Ident, known: &[&str]) -> syn::Error {
    let written = name.to_string();
    let message = match nearest(&written, known) {
        Some(known) => {
            format!("unknown `#[{attribute}]` argument `{written}`; did you mean `{known}`?")
        }
        None => format!(
            "unknown `#[{attribute}]` argument `{written}`; expected one of: {}",
            known.join(", ")
        ),
    };
    syn::Error::new(name.span(), message)
}

/// The error for an argument given twice.
pub(crate) fn duplicate(attribute: &str, name: &Ident) -> syn::Error {
    let message = format!("`#[{attribute}]` argument `{name}` is given twice; keep one");
    syn::Error::new(name.span(), message)
}

/// The error for an argument whose value is of the wrong kind.
pub(crate) fn wrong_kind(attribute: &str, arg: &Named, what: &str, example: &str) -> syn::Error {
    let message = format!(
        "`#[{attribute}]` argument `{}` takes {what}, as in `{example}`",
        arg.name
    );
    syn::Error::new_spanned(&arg.value, message)
}

/// A string literal.
pub(crate) fn string(attribute: &str, arg: &Named, example: &str) -> syn::Result<LitStr> {
    match &arg.value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Ok(text.clone()),
        _ => Err(wrong_kind(attribute, arg, "a string literal", example)),
    }
}

/// A path to the runtime crate, written as a path or a string.
pub(crate) fn crate_path(attribute: &str, arg: &Named) -> syn::Result<Path> {
    match &arg.value {
        Expr::Path(path) if path.qself.is_none() => Ok(path.path.clone()),
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => text.parse(),
        _ => Err(wrong_kind(
            attribute,
            arg,
            "a path to the runtime crate",
            "crate = ::retry_rollback",
        )),
    }
}

/// The runtime crate's path, `::retry_rollback` unless given.
pub(crate) fn krate(path: Option<&Path>) -> TokenStream {
    match path {
        Some(path) => path.to_token_stream(),
        None => quote!(::retry_rollback),
    }
}

/// Edit distance between two names, for suggestions.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(current)
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// Whether `ty` looks like a `Result`: its last path segment ends in
/// `Result`; the compiler checks the rest.
pub(crate) fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident.to_string().ends_with("Result")),
        Type::Paren(paren) => is_result(&paren.elem),
        Type::Group(group) => is_result(&group.elem),
        _ => false,
    }
}

/// The return type of `sig` if it looks like a `Result`, or the error
/// `message` spanned at the return type (or the name, when there is none).
pub(crate) fn result_type<'s>(sig: &'s Signature, message: &str) -> syn::Result<&'s Type> {
    match &sig.output {
        syn::ReturnType::Type(_, ty) if is_result(ty) => Ok(ty),
        syn::ReturnType::Type(_, ty) => Err(syn::Error::new_spanned(ty, message)),
        syn::ReturnType::Default => Err(syn::Error::new(sig.ident.span(), message)),
    }
}

/// Statements that fix the type of the block they open to `ret`, so that
/// `?` and `return` in the user's body convert into it.
pub(crate) fn typed(ret: &Type) -> TokenStream {
    quote! {
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::needless_return
        )]
        if false {
            let __retry_rollback_typed: #ret = loop {};
            return __retry_rollback_typed;
        }
    }
}

/// An identifier for generated code, at the call site.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// A function whose body is kept as raw tokens: what is left when the body
/// does not parse, mid-edit, say.
pub(crate) struct RawFn;

impl Parse for RawFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        input.call(Attribute::parse_outer)?;
        input.parse::<Visibility>()?;
        input.parse::<Signature>()?;
        let body;
        syn::braced!(body in input);
        body.parse::<TokenStream>()?;
        Ok(RawFn)
    }
}

/// `function` with `generated` as its body: the signature, visibility and
/// outer attributes as written, the body's inner attributes kept, and the
/// braces keeping their span so that errors point into the user's code.
pub(crate) fn rebuild(function: &syn::ItemFn, generated: TokenStream) -> TokenStream {
    let syn::ItemFn {
        attrs,
        vis,
        sig,
        block,
        ..
    } = function;
    let outer = attrs
        .iter()
        .filter(|a| matches!(a.style, syn::AttrStyle::Outer));
    let inner = attrs
        .iter()
        .filter(|a| !matches!(a.style, syn::AttrStyle::Outer));
    let mut body =
        proc_macro2::Group::new(proc_macro2::Delimiter::Brace, quote!(#(#inner)* #generated));
    body.set_span(block.brace_token.span.join());
    quote!(#(#outer)* #vis #sig #body)
}

/// The function an attribute is on, or the tokens to emit instead: the
/// item untouched when it is a function whose body does not parse (a user
/// mid-edit; the compiler reports the syntax error itself), or the item
/// with `message` when it is no function at all.
pub(crate) fn parse_function(
    item: &TokenStream,
    message: &str,
) -> Result<syn::ItemFn, TokenStream> {
    match syn::parse2(item.clone()) {
        Ok(function) => Ok(function),
        Err(_) if syn::parse2::<RawFn>(item.clone()).is_ok() => Err(item.clone()),
        Err(_) => {
            let error = syn::Error::new_spanned(item, message);
            Err(crate::fallback::with_error(error, item.clone()))
        }
    }
}

/// Every error of one attribute's arguments, so that all are reported
/// together.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds `error` to the others.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// All the errors, `error` last: for a mistake that stops the check.
    pub(crate) fn fail(self, error: syn::Error) -> syn::Error {
        match self.0 {
            Some(mut errors) => {
                errors.combine(error);
                errors
            }
            None => error,
        }
    }

    /// `value` when there was no error, or all of them.
    pub(crate) fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(errors) => Err(errors),
            None => Ok(value),
        }
    }
}
