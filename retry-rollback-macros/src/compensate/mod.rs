//! `#[compensate]`: parse the arguments, check them, expand the function.

mod args;
mod check;
mod doc;
mod expand;

use proc_macro2::{Span, TokenStream};

use self::args::Args;
use crate::common;
use crate::fallback;

pub(crate) fn compensate(args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match common::parse_function(
        &item,
        "`#[compensate]` goes on a function with a body that returns a `Result`, \
         such as `async fn download(&self) -> Result<(), Error> { .. }`",
    ) {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    let mut errors = Vec::new();
    let span = if args.is_empty() {
        Span::call_site()
    } else {
        syn::spanned::Spanned::span(&args)
    };
    let settings = syn::parse2::<Args>(args)
        .and_then(|args| check::check(args, span))
        .map_err(|error| errors.push(error))
        .ok();
    let ret = common::result_type(
        &function.sig,
        "`#[compensate]` needs a function that returns a `Result`, as in \
         `-> Result<(), Error>`: its undo is registered when it returns `Ok`",
    )
    .map_err(|error| errors.push(error))
    .ok();
    if let Some(settings) = &settings {
        let inputs = expand::Inputs::of(&function);
        if let (true, Some(arg)) = (expand::uses_value(settings), inputs.value_arg()) {
            errors.push(syn::Error::new(
                arg.span(),
                "`#[compensate]` calls the success value `value` in the undo, and this \
         argument is called `value` too; rename the argument",
            ));
        }
    }
    match (settings, ret) {
        (Some(settings), Some(ret)) if errors.is_empty() => {
            let ret = ret.clone();
            expand::expand(function, &settings, &ret)
        }
        _ => fallback::with_errors(errors, item),
    }
}
