//! Stage 1: the arguments as written, `name = value` pairs that keep their
//! spans. Nothing is judged here but the syntax.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

/// One `name = value` argument.
pub(crate) struct Arg {
    pub(crate) name: Ident,
    pub(crate) value: Expr,
}

/// Every argument, in the order written.
pub(crate) struct Args(pub(crate) Vec<Arg>);

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `crate` is a keyword, so read any identifier.
        let name = Ident::parse_any(input).map_err(|error| {
            syn::Error::new(
                error.span(),
                "`#[with_retry]` takes `name = value` arguments, as in `max_attempts = 3`",
            )
        })?;
        if !input.peek(Token![=]) {
            let message =
                format!("`#[with_retry]` argument `{name}` needs a value, as in `{name} = ...`");
            return Err(syn::Error::new(name.span(), message));
        }
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(Arg { name, value })
    }
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let args = Punctuated::<Arg, Token![,]>::parse_terminated(input)?;
        Ok(Args(args.into_iter().collect()))
    }
}
