//! Stage 4: when the arguments or the function are wrong, the function is
//! still emitted as written, beside the errors, so that the user sees the
//! mistake once rather than every use of the function failing with it.

use proc_macro2::TokenStream;

/// `item` unchanged, with `error` reported.
pub(crate) fn with_error(error: syn::Error, item: TokenStream) -> TokenStream {
    with_errors(vec![error], item)
}

/// `item` unchanged, with every error reported.
pub(crate) fn with_errors(errors: Vec<syn::Error>, item: TokenStream) -> TokenStream {
    let mut tokens = item;
    for error in errors {
        tokens.extend(error.into_compile_error());
    }
    tokens
}
