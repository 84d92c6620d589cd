//! Stage 3: the function with its body rebuilt around a retry loop. The
//! signature, attributes and visibility are emitted exactly as written.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Block, Expr, ExprAsync, FnArg, GenericArgument, Ident, ItemFn, Local, LocalInit, Pat,
    PathArguments, ReceiverKind, ReturnType, Signature, Stmt, Type, TypeParamBound,
};

use super::check::{Base, Settings};
use crate::common::{self, is_result, lower};

/// How the function runs its body.
pub(crate) enum Shape {
    /// `async fn`: each attempt is an `async` block.
    Async,
    /// A plain `fn`: each attempt is a closure called at once.
    Blocking,
    /// A method that `#[async_trait]` already rewrote into
    /// `fn f(..) -> Pin<Box<dyn Future<Output = R> + ..>> { Box::pin(async move { .. }) }`:
    /// the loop goes inside that `async move` block.
    AsyncTrait,
}

impl Shape {
    pub(crate) fn of(function: &ItemFn) -> Shape {
        if function.sig.asyncness.is_some() {
            Shape::Async
        } else if async_trait_body(&function.block).is_some() {
            Shape::AsyncTrait
        } else {
            Shape::Blocking
        }
    }

    pub(crate) fn is_async(&self) -> bool {
        !matches!(self, Shape::Blocking)
    }
}

/// The type the function's attempts return, which must look like a
/// `Result`: its last path segment ends in `Result`, and the compiler
/// checks the rest.
pub(crate) fn result_type<'a>(sig: &'a Signature, shape: &Shape) -> syn::Result<&'a Type> {
    let not_result = |span: Span| {
        syn::Error::new(
            span,
            "`#[with_retry]` needs a function that returns a `Result`, as in \
             `-> Result<(), Error>` or `-> io::Result<()>`; only an `Err` can be retried",
        )
    };
    let ty = match &sig.output {
        ReturnType::Default => return Err(not_result(sig.ident.span())),
        ReturnType::Type(_, ty) => &**ty,
    };
    let ty = match shape {
        Shape::AsyncTrait => future_output(ty).ok_or_else(|| not_result(ty.span()))?,
        _ => ty,
    };
    if is_result(ty) {
        Ok(ty)
    } else {
        Err(not_result(ty.span()))
    }
}

/// `R` in `Pin<Box<dyn Future<Output = R> + Send + 'async_trait>>`.
fn future_output(ty: &Type) -> Option<&Type> {
    let mut ty = ty;
    // Through `Pin<..>` and `Box<..>` to the trait object.
    for wrapper in ["Pin", "Box"] {
        let Type::Path(path) = ty else { return None };
        let last = path.path.segments.last()?;
        if last.ident != wrapper {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        ty = args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })?;
    }
    let Type::TraitObject(object) = ty else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// The `async move` block of `Box::pin(async move { .. })`, the last
/// statement of a body that `#[async_trait]` rewrote.
fn async_trait_body(block: &Block) -> Option<&ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last() else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let mut segments = func.path.segments.iter().rev();
    let is_box_pin = segments.next().is_some_and(|s| s.ident == "pin")
        && segments.next().is_some_and(|s| s.ident == "Box");
    match call.args.first() {
        Some(Expr::Async(body)) if is_box_pin && call.args.len() == 1 => Some(body),
        _ => None,
    }
}

fn async_trait_body_mut(block: &mut Block) -> Option<&mut ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last_mut() else {
        return None;
    };
    match call.args.first_mut() {
        Some(Expr::Async(body)) => Some(body),
        _ => None,
    }
}

/// The function with its body rebuilt; `ret` is what its attempts return.
pub(crate) fn expand(
    mut function: ItemFn,
    shape: &Shape,
    settings: &Settings,
    ret: &Type,
) -> TokenStream {
    let ret = ret.clone();
    match shape {
        Shape::AsyncTrait => {
            let sig = function.sig.clone();
            if let Some(body) = async_trait_body_mut(&mut function.block) {
                // Before: `Box::pin(async move { let __self = self; .. })`
                // After:  `Box::pin(async move { <setup> loop { <attempt: ..> } })`
                fresh_self(&sig, &mut body.block);
                let generated = retry_loop(&sig, shape, settings, &ret, &body.block);
                body.block.stmts = vec![Stmt::Expr(Expr::Verbatim(generated), None)];
            }
            function.into_token_stream()
        }
        Shape::Async | Shape::Blocking => {
            let generated = retry_loop(&function.sig, shape, settings, &ret, &function.block);
            // Only the statements change; the braces keep their span.
            common::rebuild(&function, generated)
        }
    }
}

/// In the `async move` block of an `#[async_trait]` method, `let __self =
/// self;` moves the receiver into one attempt. Each attempt gets its own:
/// `&mut self` is reborrowed and an owned `self` is cloned.
fn fresh_self(sig: &Signature, block: &mut Block) {
    let Some(FnArg::Receiver(receiver)) = sig.inputs.first() else {
        return;
    };
    let init = match &receiver.kind {
        ReceiverKind::Reference(_, _, None) => return,
        ReceiverKind::Reference(_, _, Some(_)) => quote!(&mut *self),
        _ => quote!(::core::clone::Clone::clone(&self)),
    };
    for stmt in &mut block.stmts {
        if let Stmt::Local(Local {
            pat: Pat::Ident(pat),
            init: Some(LocalInit { expr, .. }),
            ..
        }) = stmt
            && pat.ident == "__self"
        {
            **expr = Expr::Verbatim(init.clone());
        }
    }
}

/// The statements that replace the body: the configuration, the driver,
/// and the loop that runs `attempt` (the body) until the driver says stop.
fn retry_loop(
    sig: &Signature,
    shape: &Shape,
    settings: &Settings,
    ret: &Type,
    attempt: &Block,
) -> TokenStream {
    let krate = match &settings.krate {
        Some(path) => path.to_token_stream(),
        None => quote!(::retry_rollback),
    };
    let config = config_ref(settings, &krate);
    let ret_span = ret.span();
    let new = match shape {
        // Known at compile time to need no clock and no jitter state.
        _ if settings.is_lean() => quote!(lean),
        Shape::Blocking => quote!(blocking),
        _ => quote!(new),
    };
    let retry_if = settings.retry_if.as_ref().map(|p| quote!(.retry_if(#p)));
    let on_retry = settings.on_retry.as_ref().map(|h| quote!(.on_retry(#h)));
    let (once, fresh) = fresh_args(sig);
    let args = match shape {
        Shape::Async => carried_args(sig),
        _ => quote!(()),
    };
    // An attempt under a time limit must be a future of its own, and an
    // `#[async_trait]` body is boxed anyway; any other runs in place.
    let lowered = match shape {
        Shape::AsyncTrait => None,
        _ if settings.may_time_out() => None,
        _ => lower::lower(attempt, &krate),
    };
    // An inner block or closure fixes the attempt's type before the user's
    // body, so that `?` and `return` convert into the function's own
    // return type; the labeled block's `let` does the same.
    let typed = || common::typed(ret);
    let run = match (lowered, shape) {
        (Some(lowered), _) => {
            let label = lowered.breaks.then(|| {
                let label = lower::label();
                quote!(#label:)
            });
            let stmts = &lowered.block.stmts;
            quote! {
                let __retry_rollback_result: #ret = #label {
                    #fresh
                    #(#stmts)*
                };
                __retry_rollback_result
            }
        }
        (None, Shape::Blocking) => {
            let typed = typed();
            quote! {
                #fresh
                #[allow(clippy::redundant_closure_call)]
                (|| { #typed #attempt })()
            }
        }
        (None, _) => {
            let typed = typed();
            let future = quote!(async { #typed #attempt });
            let run = if settings.may_time_out() {
                quote_spanned! {ret_span=>
                    __retry_rollback_driver
                        .timed(#future)
                        .await
                }
            } else {
                quote!(#future.await)
            };
            quote!(#fresh #run)
        }
    };
    // Between attempts the driver and the arguments are only ever moved,
    // never borrowed: the function's future keeps a borrowed local for as
    // long as it is in scope, so what each attempt borrows is scoped to the
    // attempt, and in the async shapes it all waits out the delay inside
    // the pause. For a body that does not await, a first-try success then
    // stores nothing of the retry loop at all.
    let sleep = match shape {
        Shape::Blocking => quote! {
            ::std::thread::sleep(__retry_rollback_delay);
            __retry_rollback_carried = (__retry_rollback_driver, #args);
        },
        _ => quote! {
            let __retry_rollback_pause = #krate::__private::sleep(
                __retry_rollback_delay,
                (__retry_rollback_driver, #args),
            );
            __retry_rollback_carried = __retry_rollback_pause.await;
        },
    };
    let failed = quote_spanned! {ret_span=>
        __retry_rollback_driver.failed(
            &__retry_rollback_error,
            {
                #[allow(unused_imports)]
                use #krate::__private::{WithHint as _, WithoutHint as _};
                (&#krate::__private::Hint(&__retry_rollback_error)).retry_after_hint()
            },
        )
    };
    quote! {
        #config
        #once
        let mut __retry_rollback_carried = (
            #krate::__private::Driver::#new(
                __retry_rollback_config,
                ::core::marker::PhantomData::<#ret>,
            ) #retry_if #on_retry,
            #args,
        );
        loop {
            // The attempt's result and its error live in this block alone,
            // so that the function's future does not keep them during the
            // sleep.
            let (__retry_rollback_delay, __retry_rollback_driver, #args) = {
                let (mut __retry_rollback_driver, #args) = __retry_rollback_carried;
                __retry_rollback_driver.start();
                let __retry_rollback_result = { #run };
                let __retry_rollback_error = match __retry_rollback_result {
                    ::core::result::Result::Ok(__retry_rollback_value) => {
                        __retry_rollback_driver.succeeded();
                        return ::core::result::Result::Ok(__retry_rollback_value);
                    }
                    ::core::result::Result::Err(__retry_rollback_error) => __retry_rollback_error,
                };
                let __retry_rollback_delay = match #failed {
                    ::core::option::Option::Some(__retry_rollback_delay) => __retry_rollback_delay,
                    ::core::option::Option::None => {
                        return ::core::result::Result::Err(__retry_rollback_error);
                    }
                };
                // A zero delay retries at once, as the runtime's loop does.
                if __retry_rollback_delay.is_zero() {
                    __retry_rollback_carried = (__retry_rollback_driver, #args);
                    continue;
                }
                (__retry_rollback_delay, __retry_rollback_driver, #args)
            };
            #sleep
        }
    }
}

/// A reference to the configuration. When it depends on literals alone it
/// is built once, at compile time, into a `static`: the function's future
/// then holds a pointer rather than the whole configuration.
fn config_ref(settings: &Settings, krate: &TokenStream) -> TokenStream {
    if !settings.literal || matches!(settings.base, Base::Config(_)) {
        let config = config(settings, krate);
        return quote!(let __retry_rollback_config: &#krate::RetryConfig = &#config;);
    }
    let base = match &settings.base {
        Base::Preset(preset) => quote!(#krate::RetryConfig::#preset()),
        _ => quote!(#krate::__private::DEFAULT),
    };
    let mut fields = TokenStream::new();
    if let Some(v) = &settings.max_attempts {
        fields.extend(quote!(max_attempts: ::core::option::Option::Some(#v),));
    }
    if let Some(v) = &settings.backoff {
        fields.extend(quote!(backoff_factor: ::core::option::Option::Some(#v),));
    }
    for (field, delay) in [
        ("initial_delay", &settings.initial_delay),
        ("max_delay", &settings.max_delay),
        ("attempt_timeout", &settings.timeout),
        ("deadline", &settings.deadline),
    ] {
        if let Some(delay) = delay {
            let field = Ident::new(field, Span::call_site());
            let tokens = &delay.tokens;
            fields.extend(quote!(#field: ::core::option::Option::Some(#tokens),));
        }
    }
    if let Some(variant) = &settings.jitter {
        fields.extend(quote!(jitter: ::core::option::Option::Some(#krate::Jitter::#variant),));
    }
    // A path to a `static` needs no binding that the future would keep.
    quote! {
        static __RETRY_ROLLBACK_CONFIG: #krate::RetryConfig = #krate::__private::overridden(
            #base,
            #krate::__private::Overrides { #fields ..#krate::__private::Overrides::NONE },
        );
        #[allow(non_upper_case_globals)]
        const __retry_rollback_config: &#krate::RetryConfig = &__RETRY_ROLLBACK_CONFIG;
    }
}

/// The configuration expression: the base, then the explicit arguments.
fn config(settings: &Settings, krate: &TokenStream) -> TokenStream {
    let base = match &settings.base {
        Base::Default if settings.overrides() => quote!(#krate::RetryConfig::builder()),
        Base::Default => quote!(<#krate::RetryConfig as ::core::default::Default>::default()),
        Base::Preset(preset) => quote!(#krate::RetryConfig::#preset()),
        Base::Config(expr) => quote!(#krate::__private::config(&(#expr))),
    };
    if !settings.overrides() {
        return base;
    }
    let base = match settings.base {
        Base::Default => base,
        _ => quote!(#base.to_builder()),
    };
    let mut calls = TokenStream::new();
    if let Some(v) = &settings.max_attempts {
        calls.extend(quote!(.max_attempts(#v)));
    }
    if let Some(v) = &settings.backoff {
        calls.extend(quote!(.backoff_factor(#v)));
    }
    for (setter, delay) in [
        ("initial_delay", &settings.initial_delay),
        ("max_delay", &settings.max_delay),
        ("attempt_timeout", &settings.timeout),
        ("deadline", &settings.deadline),
    ] {
        if let Some(delay) = delay {
            let setter = Ident::new(setter, Span::call_site());
            let tokens = &delay.tokens;
            calls.extend(quote!(.#setter(#tokens)));
        }
    }
    if let Some(variant) = &settings.jitter {
        calls.extend(quote!(.jitter(#krate::Jitter::#variant)));
    }
    quote!(#krate::__private::built(#base #calls .build()))
}

/// Fresh arguments for each attempt: `once` runs before the loop, `fresh`
/// at the start of each attempt.
///
/// Before: `fn f(url: &str, dest: &mut Dest, mut name: String)`
/// After, per attempt: `let dest = &mut *dest; let mut name = name.clone();`
/// and once, so that `mut name` stays used: `let _ = &mut name;`
fn fresh_args(sig: &Signature) -> (TokenStream, TokenStream) {
    let mut once = TokenStream::new();
    let mut fresh = TokenStream::new();
    for input in &sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        let span = arg.span();
        let mut bindings = Vec::new();
        collect_bindings(&arg.pat, &mut bindings);
        for (mutability, ident) in &bindings {
            if *mutability {
                once.extend(quote_spanned!(span=> let _ = &mut #ident;));
            }
        }
        let mutable_ref = match &*arg.ty {
            Type::Reference(reference) => reference.mutability.is_some(),
            _ => false,
        };
        match &*arg.ty {
            Type::Reference(_) if !mutable_ref => {}
            Type::Reference(_) => {
                if let Pat::Ident(pat) = &*arg.pat {
                    let ident = &pat.ident;
                    let mutability = pat.mutability;
                    fresh.extend(quote_spanned! {span=>
                        #[allow(unused_variables)]
                        let #mutability #ident = &mut *#ident;
                    });
                }
            }
            // Limitation: the last attempt clones too, rather than moving
            // the argument; moving it would need the loop to know, before
            // the body borrows it, that no attempt follows.
            _ => {
                for (mutability, ident) in &bindings {
                    let mutability = mutability.then(|| quote!(mut));
                    fresh.extend(quote_spanned! {span=>
                        #[allow(unused_variables, unused_mut)]
                        let #mutability #ident = ::core::clone::Clone::clone(&#ident);
                    });
                }
            }
        }
    }
    (once, fresh)
}

/// The arguments' bindings as a tuple, `(url, dest, name,)`, which the
/// loop moves from attempt to attempt (and through the pause) rather than
/// keeping them in place, where the function's future would store each on
/// every call. `()` when a binding is by `ref` or has a subpattern: those
/// borrow from the argument itself, and stay where they are.
fn carried_args(sig: &Signature) -> TokenStream {
    let mut bindings = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(arg) = input else { continue };
        if binds_by_ref(&arg.pat) {
            return quote!(());
        }
        collect_bindings(&arg.pat, &mut bindings);
    }
    let idents = bindings.iter().map(|(_, ident)| ident);
    quote!((#(#idents,)*))
}

/// Whether `pat` has a `ref` binding or a `name @ subpattern`.
fn binds_by_ref(pat: &Pat) -> bool {
    match pat {
        Pat::Ident(pat) => pat.by_ref.is_some() || pat.subpat.is_some(),
        Pat::Tuple(tuple) => tuple.elems.iter().any(binds_by_ref),
        Pat::TupleStruct(tuple) => tuple.elems.iter().any(binds_by_ref),
        Pat::Slice(slice) => slice.elems.iter().any(binds_by_ref),
        Pat::Struct(strukt) => strukt.fields.iter().any(|field| binds_by_ref(&field.pat)),
        Pat::Reference(reference) => binds_by_ref(&reference.pat),
        Pat::Paren(paren) => binds_by_ref(&paren.pat),
        Pat::Type(typed) => binds_by_ref(&typed.pat),
        Pat::Or(or) => or.cases.iter().any(binds_by_ref),
        _ => false,
    }
}

/// The names a pattern binds, and whether each is `mut`.
fn collect_bindings(pat: &Pat, out: &mut Vec<(bool, Ident)>) {
    match pat {
        Pat::Ident(pat) => {
            out.push((pat.mutability.is_some(), pat.ident.clone()));
            if let Some((_, sub)) = &pat.subpat {
                collect_bindings(sub, out);
            }
        }
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::Struct(strukt) => strukt
            .fields
            .iter()
            .for_each(|field| collect_bindings(&field.pat, out)),
        Pat::Reference(reference) => collect_bindings(&reference.pat, out),
        Pat::Paren(paren) => collect_bindings(&paren.pat, out),
        Pat::Type(typed) => collect_bindings(&typed.pat, out),
        Pat::Or(or) => {
            if let Some(first) = or.cases.first() {
                collect_bindings(first, out);
            }
        }
        _ => {}
    }
}
