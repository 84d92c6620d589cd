//! Stage 3: the body run in an active scope. The signature, attributes and
//! visibility are emitted exactly as written.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{GenericArgument, ItemFn, PathArguments, Type};

use super::check::Settings;
use crate::common;

/// `T` and `E` of a return type written `Result<T, RollbackError<E>>`.
fn report_style(ret: &Type) -> Option<(&Type, &Type)> {
    let Type::Path(path) = ret else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let (ok, err) = (types.next()?, types.next()?);
    let Type::Path(err_path) = err else {
        return None;
    };
    let last = err_path.path.segments.last()?;
    if last.ident != "RollbackError" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let inner = args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })?;
    Some((ok, inner))
}

pub(crate) fn expand(function: ItemFn, settings: &Settings, ret: &Type) -> TokenStream {
    let krate = common::krate(settings.krate.as_ref());
    let ItemFn { sig, block, .. } = &function;
    let name = match &settings.name {
        Some(name) => quote!(#name),
        None => {
            let name = sig.ident.to_string();
            quote!(#name)
        }
    };
    let generated = match report_style(ret) {
        Some((ok, err)) => {
            let inner: Type = syn::parse_quote!(::core::result::Result<#ok, #err>);
            let typed = common::typed(&inner);
            quote! {
                #krate::__private::scope(#name, async { #typed #block }).await
            }
        }
        None => {
            let typed = common::typed(ret);
            quote! {
                match #krate::__private::scope(#name, async { #typed #block }).await {
                    ::core::result::Result::Ok(value) => ::core::result::Result::Ok(value),
                    ::core::result::Result::Err(error) => {
                        ::core::result::Result::Err(::core::convert::From::from(error))
                    }
                }
            }
        }
    };
    common::rebuild(&function, generated)
}
