//! Stage 1: the arguments as written: the undo, an expression, then
//! `name = value` pairs. Nothing is judged here but the syntax.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, Token};

use crate::common::Named;

/// One argument as written.
pub(crate) enum Arg {
    /// An expression that is not `name = value`: the undo.
    Undo(Expr),
    /// A `name = value` option.
    Named(Named),
}

/// Every argument, in the order written.
pub(crate) struct Args(pub(crate) Vec<Arg>);

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Vec::new();
        while !input.is_empty() {
            let arg = if Named::peek(input) {
                Arg::Named(Named::parse(input)?)
            } else {
                Arg::Undo(input.parse().map_err(|error| {
                    syn::Error::new(
                        error.span(),
                        "`#[compensate]` takes the undo, then `name = value` options, as in \
                         `#[compensate(Self::remove_file, timeout = 30)]`",
                    )
                })?)
            };
            args.push(arg);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(Args(args))
    }
}
