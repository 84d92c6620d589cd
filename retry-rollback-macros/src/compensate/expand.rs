//! Stage 3: the function with its body rebuilt so that, when it returns
//! `Ok`, the undo is registered in the active scope. The signature,
//! attributes and visibility are emitted exactly as written.

use std::collections::BTreeSet;

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{FnArg, ItemFn, Lifetime, Pat, ReceiverKind, Type};

use super::check::{Retry, Settings, Undo};
use crate::common;

/// How the function takes `self`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Receiver {
    /// `&self`: cloned at registration.
    Shared,
    /// `&mut self`: cloned at registration.
    Unique,
    /// `self`, `self: Arc<Self>`: cloned before the body.
    Owned,
}

/// One argument bound to a plain name.
struct Input {
    ident: Ident,
    /// `Some(pointee)` for `&T` or `&mut T`, with its lifetimes erased.
    pointee: Option<(Type, bool)>,
    span: Span,
}

/// The function's `self` and plainly named arguments.
pub(crate) struct Inputs {
    receiver: Option<(Receiver, Span)>,
    args: Vec<Input>,
}

impl Inputs {
    pub(crate) fn of(function: &ItemFn) -> Inputs {
        let mut receiver = None;
        let mut args = Vec::new();
        for input in &function.sig.inputs {
            match input {
                FnArg::Receiver(r) => {
                    let kind = match &r.kind {
                        ReceiverKind::Reference(_, _, None) => Receiver::Shared,
                        ReceiverKind::Reference(_, _, Some(_)) => Receiver::Unique,
                        _ => Receiver::Owned,
                    };
                    receiver = Some((kind, r.span()));
                }
                FnArg::Typed(typed) => {
                    let Pat::Ident(pat) = &*typed.pat else {
                        continue;
                    };
                    let pointee = match &*typed.ty {
                        // A `&'static T` lives long enough: it is copied.
                        Type::Reference(reference)
                            if reference
                                .lifetime
                                .as_ref()
                                .is_some_and(|l| l.ident == "static") =>
                        {
                            None
                        }
                        Type::Reference(reference) => {
                            let mut elem = (*reference.elem).clone();
                            EraseLifetimes.visit_type_mut(&mut elem);
                            Some((elem, reference.mutability.is_some()))
                        }
                        _ => None,
                    };
                    args.push(Input {
                        ident: pat.ident.clone(),
                        pointee,
                        span: typed.span(),
                    });
                }
            }
        }
        Inputs { receiver, args }
    }

    /// Whether an argument is called `value`.
    pub(crate) fn value_arg(&self) -> Option<&Ident> {
        self.args
            .iter()
            .map(|input| &input.ident)
            .find(|ident| *ident == "value")
    }
}

/// Replaces every lifetime with `'_`, so that a type may be written inside
/// the undo, which outlives the function's borrows.
struct EraseLifetimes;

impl VisitMut for EraseLifetimes {
    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        *lifetime = Lifetime::new("'_", lifetime.span());
    }
}

/// The names an expression uses.
fn names(tokens: TokenStream, out: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                out.insert(ident.to_string());
            }
            TokenTree::Group(group) => names(group.stream(), out),
            _ => {}
        }
    }
}

/// `tokens` with `self` (but not `self::`) replaced by `this`.
fn replace_self(tokens: TokenStream, this: &Ident) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    for (i, tree) in trees.iter().enumerate() {
        let path_follows = matches!(
            (trees.get(i + 1), trees.get(i + 2)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':'
        );
        match tree {
            TokenTree::Ident(ident) if ident == "self" && !path_follows => {
                let mut this = this.clone();
                this.set_span(ident.span());
                out.extend(std::iter::once(TokenTree::Ident(this)));
            }
            TokenTree::Group(group) => {
                let mut new = Group::new(group.delimiter(), replace_self(group.stream(), this));
                new.set_span(group.span());
                out.extend(std::iter::once(TokenTree::Group(new)));
            }
            other => out.extend(std::iter::once(other.clone())),
        }
    }
    out
}

/// Whether the undo uses `value`, the success value.
pub(crate) fn uses_value(settings: &Settings) -> bool {
    match &settings.undo {
        Undo::Path(_) => false,
        Undo::Call(expr) => {
            let mut used = BTreeSet::new();
            names(expr.to_token_stream(), &mut used);
            used.contains("value")
        }
    }
}

/// The function with its body rebuilt; `ret` is its return type.
pub(crate) fn expand(function: ItemFn, settings: &Settings, ret: &Type) -> TokenStream {
    let inputs = Inputs::of(&function);
    let krate = common::krate(settings.krate.as_ref());
    let ItemFn { sig, block, .. } = &function;

    // What the undo uses.
    let (uses_self, used_args, uses_value): (bool, Vec<&Input>, bool) = match &settings.undo {
        Undo::Path(_) => (
            inputs.receiver.is_some(),
            inputs.args.iter().collect(),
            false,
        ),
        Undo::Call(expr) => {
            let mut used = BTreeSet::new();
            names(expr.to_token_stream(), &mut used);
            let args = inputs
                .args
                .iter()
                .filter(|input| used.contains(&input.ident.to_string()))
                .collect();
            (
                used.contains("self") && inputs.receiver.is_some(),
                args,
                used.contains("value"),
            )
        }
    };

    let captured = |ident: &Ident| format_ident!("__retry_rollback_captured_{}", ident);
    let fresh = |ident: &Ident| format_ident!("__retry_rollback_fresh_{}", ident);
    let this = common::ident("__retry_rollback_this");
    let this_captured = common::ident("__retry_rollback_captured_self");
    let this_fresh = common::ident("__retry_rollback_fresh_self");
    let value = common::ident("value");
    let value_captured = common::ident("__retry_rollback_captured_value");
    let value_fresh = common::ident("__retry_rollback_fresh_value");
    let ok = common::ident("__retry_rollback_ok");

    // Before the body: owned values, which the body may move.
    let mut before = TokenStream::new();
    // At registration: references and the success value.
    let mut at_registration = TokenStream::new();
    // In each call of the undo: fresh copies of what was captured.
    let mut per_call = TokenStream::new();
    // In the undo's future: the names the undo expression uses.
    let mut bindings = TokenStream::new();

    if let (true, Some((receiver, span))) = (uses_self, inputs.receiver) {
        let clone = match receiver {
            Receiver::Shared => quote_spanned!(span=> ::core::clone::Clone::clone(self)),
            Receiver::Unique => quote_spanned!(span=> ::core::clone::Clone::clone(&*self)),
            Receiver::Owned => quote_spanned!(span=> ::core::clone::Clone::clone(&self)),
        };
        let capture = quote!(let #this_captured = #clone;);
        match receiver {
            Receiver::Owned => before.extend(capture),
            _ => at_registration.extend(capture),
        }
        per_call.extend(quote_spanned! {span=>
            let #this_fresh = ::core::clone::Clone::clone(&#this_captured);
        });
        bindings.extend(quote!(#[allow(unused_mut)] let mut #this = #this_fresh;));
    }
    for input in &used_args {
        let ident = &input.ident;
        let (captured, fresh) = (captured(ident), fresh(ident));
        let span = input.span;
        match &input.pointee {
            None => {
                before.extend(quote_spanned! {span=>
                    let #captured = ::core::clone::Clone::clone(&#ident);
                });
                bindings.extend(quote!(let #ident = #fresh;));
            }
            Some((pointee, mutable)) => {
                at_registration.extend(quote_spanned! {span=>
                    let #captured = #krate::__private::to_owned::<#pointee>(&*#ident);
                });
                if *mutable {
                    bindings.extend(quote_spanned! {span=>
                        let mut #fresh = #fresh;
                        let #ident: &mut #pointee = ::core::borrow::BorrowMut::borrow_mut(&mut #fresh);
                    });
                } else {
                    bindings.extend(quote_spanned! {span=>
                        let #ident: &#pointee = ::core::borrow::Borrow::borrow(&#fresh);
                    });
                }
            }
        }
        per_call.extend(quote_spanned! {span=>
            let #fresh = ::core::clone::Clone::clone(&#captured);
        });
    }
    if uses_value {
        let span = ret.span();
        at_registration.extend(quote_spanned! {span=>
            let #value_captured = ::core::clone::Clone::clone(#ok);
        });
        per_call.extend(quote!(let #value_fresh = ::core::clone::Clone::clone(&#value_captured);));
        bindings.extend(quote!(let #value = #value_fresh;));
    }

    let call = match &settings.undo {
        Undo::Path(path) => {
            let receiver = match inputs.receiver {
                Some((Receiver::Shared, _)) => Some(quote!(&#this,)),
                Some((Receiver::Unique, _)) => Some(quote!(&mut #this,)),
                Some((Receiver::Owned, _)) => Some(quote!(#this,)),
                None => None,
            };
            let args = inputs.args.iter().map(|input| &input.ident);
            quote!(#path(#receiver #(#args),*))
        }
        Undo::Call(expr) => replace_self(expr.to_token_stream(), &this),
    };

    let step = sig.ident.to_string();
    let undo_name = settings.undo_name();
    let description = match &settings.description {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => match settings
            .undo_function()
            .and_then(|name| super::doc::first_line(&name))
        {
            Some(text) => quote!(::core::option::Option::Some(#text)),
            None => quote!(::core::option::Option::None),
        },
    };
    let timeout = match &settings.timeout {
        Some(tokens) => quote!(::core::option::Option::Some(#tokens)),
        None => quote!(::core::option::Option::None),
    };
    let retry = match &settings.retry {
        Some(Retry::Preset(preset)) => {
            quote!(::core::option::Option::Some(#krate::RetryConfig::#preset()))
        }
        Some(Retry::Config(expr)) => {
            quote!(::core::option::Option::Some(#krate::__private::config(&(#expr))))
        }
        None => quote!(::core::option::Option::None),
    };

    let typed = common::typed(ret);
    let run = match sig.asyncness {
        Some(_) => quote!(async { #typed #block }.await),
        None => quote!((|| { #typed #block })()),
    };
    let result = common::ident("__retry_rollback_result");
    let generated = quote! {
        #before
        #[allow(clippy::redundant_closure_call)]
        let #result: #ret = #run;
        if let ::core::result::Result::Ok(#ok) = &#result {
            let _ = #ok;
            #at_registration
            #krate::__private::register(
                #step,
                #undo_name,
                #krate::__private::UndoOptions {
                    description: #description,
                    timeout: #timeout,
                    retry: #retry,
                },
                move || {
                    #per_call
                    async move {
                        #bindings
                        #call.await
                    }
                },
            );
        }
        #result
    };

    common::rebuild(&function, generated)
}
