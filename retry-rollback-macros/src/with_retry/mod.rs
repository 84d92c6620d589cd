//! `#[with_retry]`: parse the arguments, check them, expand the function.

mod args;
mod check;
mod expand;

use proc_macro2::TokenStream;
use syn::ItemFn;

use self::args::Args;
use self::expand::Shape;
use crate::common::RawFn;
use crate::fallback;

pub(crate) fn with_retry(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        // A function whose body does not parse (mid-edit, say) is left to
        // the compiler, which reports the syntax error itself.
        Err(_) if syn::parse2::<RawFn>(item.clone()).is_ok() => return item,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &item,
                "`#[with_retry]` goes on a function with a body, such as \
                 `async fn install() -> Result<(), Error> { .. }`",
            );
            return fallback::with_error(error, item);
        }
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
