//! `#[with_retry]`: parse the arguments, check them, expand the function.

mod args;
mod check;
mod expand;

use proc_macro2::TokenStream;

use self::args::Args;
use self::expand::Shape;
use crate::common;
use crate::fallback;

pub(crate) fn with_retry(args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match common::parse_function(
        &item,
        "`#[with_retry]` goes on a function with a body, such as \
         `async fn install() -> Result<(), Error> { .. }`",
    ) {
        Ok(function) => function,
        Err(tokens) => return tokens,
    };
    let shape = Shape::of(&function);
    let mut errors = Vec::new();
    let settings = syn::parse2::<Args>(args)
        .and_then(|args| check::check(args, shape.is_async()))
        .map_err(|error| errors.push(error))
        .ok();
    let ret = expand::result_type(&function.sig, &shape)
        .map_err(|error| errors.push(error))
        .ok();
    match (settings, ret) {
        (Some(settings), Some(ret)) => {
            let ret = ret.clone();
            expand::expand(function, &shape, &settings, &ret)
        }
        _ => fallback::with_errors(errors, item),
    }
}
