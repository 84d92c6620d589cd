//! `#[with_rollback]`: parse the arguments, check them, expand the
//! function into a body run in an active rollback scope.

mod check;
mod expand;

use proc_macro2::TokenStream;

use crate::common;
use crate::fallback;

pub(crate) fn with_rollback(args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match common::parse_function(
        &item,
        "`#[with_rollback]` goes on an `async fn` with a body that returns a `Result`, \
         such as `async fn install(&self) -> Result<(), RollbackError<Error>> { .. }`",
    ) {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    let mut errors = Vec::new();
    let settings = syn::parse2::<check::Args>(args)
        .and_then(check::check)
        .map_err(|error| errors.push(error))
        .ok();
    if function.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            function.sig.fn_token.span,
            "`#[with_rollback]` needs an `async fn`: undo actions are awaited; write \
         `async fn`",
        ));
    }
    let ret = common::result_type(
        &function.sig,
        "`#[with_rollback]` needs a function that returns a `Result`, as in \
         `-> Result<(), RollbackError<Error>>`: an `Err` rolls the scope back",
    )
    .map_err(|error| errors.push(error))
    .ok();
    match (settings, ret) {
        (Some(settings), Some(ret)) if errors.is_empty() => {
            let ret = ret.clone();
            expand::expand(function, &settings, &ret)
        }
        _ => fallback::with_errors(errors, item),
    }
}
