//! One attempt of a function's body as a labeled block of the function
//! itself, rather than as an inner `async` block or closure. An inner
//! block is a second state machine that every call builds and polls, even
//! one that succeeds at once; a labeled block costs nothing.
//!
//! `?` and `return` that belong to the function must then end the attempt
//! instead of the function:
//!
//! Before: `{ let page = fetch(url).await?; if page.is_empty() { return Err(Empty) } Ok(page) }`
//! After:  `'attempt: { let page = match Branch::branch(fetch(url).await) { Ok(v) => v,
//!          Err(e) => break 'attempt Err(From::from(e)) }; if page.is_empty() {
//!          break 'attempt Err(Empty) } Ok(page) }`
//!
//! Those inside closures, `async` blocks and nested items belong to them
//! and stay as written. A macro can expand to a `return` that is not in
//! its tokens (`anyhow::bail!` does), so a body that calls a macro outside
//! a short list from `std`, `core`, `alloc`, `tracing` and `log`, or passes
//! one a `?` or a `return`, is not lowered: the caller then keeps the
//! inner block, which is always correct.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, ExprAsync, ExprBreak, ExprClosure, Item, Lifetime, Macro};

/// The label of the block that holds one attempt.
pub(crate) fn label() -> Lifetime {
    Lifetime::new("'__retry_rollback_attempt", Span::call_site())
}

/// A body whose `?` and `return` end an attempt.
pub(crate) struct Lowered {
    /// The body, to be labeled with [`label`] when `breaks`.
    pub(crate) block: Block,
    /// Whether any `?` or `return` became a `break`: when none did, the
    /// block needs no label (and an unused one would be linted).
    pub(crate) breaks: bool,
}

/// `block` with every `?` and `return` that belongs to the function turned
/// into a `break` out of the block labeled [`label`], or `None` when a
/// macro in it could hide a `return`.
///
/// `krate` is the path to the runtime crate, for its `Branch` trait.
pub(crate) fn lower(block: &Block, krate: &TokenStream) -> Option<Lowered> {
    let mut lower = Lower {
        label: label(),
        krate,
        breaks: false,
        hidden_exit: false,
    };
    let mut block = block.clone();
    lower.visit_block_mut(&mut block);
    (!lower.hidden_exit).then_some(Lowered {
        block,
        breaks: lower.breaks,
    })
}

struct Lower<'a> {
    label: Lifetime,
    krate: &'a TokenStream,
    /// A `?` or `return` was rewritten.
    breaks: bool,
    /// A macro was met that might return from the function.
    hidden_exit: bool,
}

impl VisitMut for Lower<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        visit_mut::visit_expr_mut(self, expr);
        match expr {
            Expr::Try(tried) => {
                let span = tried.question_token.span;
                let krate = respan(self.krate.clone(), span);
                let label = &self.label;
                let operand = &tried.expr;
                // Spanned at the `?`, so that a type error points there.
                let lowered: Expr = syn::parse_quote_spanned! {span=>
                    match #krate::__private::Branch::branch(#operand) {
                        ::core::result::Result::Ok(__retry_rollback_value) => __retry_rollback_value,
                        // `?` converts even to the same type; so does this.
                        #[allow(clippy::useless_conversion)]
                        ::core::result::Result::Err(__retry_rollback_error) => {
                            break #label ::core::result::Result::Err(
                                ::core::convert::From::from(__retry_rollback_error),
                            )
                        }
                    }
                };
                let Expr::Match(mut lowered) = lowered else {
                    unreachable!("a `match` parses as a match expression");
                };
                lowered.attrs = std::mem::take(&mut tried.attrs);
                *expr = Expr::Match(lowered);
                self.breaks = true;
            }
            Expr::Return(ret) => {
                let mut label = self.label.clone();
                label.apostrophe = ret.return_token.span;
                label.ident.set_span(ret.return_token.span);
                *expr = Expr::Break(ExprBreak {
                    attrs: std::mem::take(&mut ret.attrs),
                    break_token: syn::Token![break](ret.return_token.span),
                    label: Some(label),
                    expr: ret.expr.take(),
                });
                self.breaks = true;
            }
            _ => {}
        }
    }

    // Their `?` and `return` are their own.
    fn visit_expr_closure_mut(&mut self, _: &mut ExprClosure) {}
    fn visit_expr_async_mut(&mut self, _: &mut ExprAsync) {}
    fn visit_item_mut(&mut self, _: &mut Item) {}

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        if !is_transparent(mac) {
            self.hidden_exit = true;
        }
    }
}

/// `tokens` with every span set to `span`, so that an error in what they
/// name points at the user's code rather than at the attribute.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            }
            token.set_span(span);
            token
        })
        .collect()
}

/// Macros known not to return from the function that calls them.
const TRANSPARENT: &[&str] = &[
    // std, core and alloc
    "assert",
    "assert_eq",
    "assert_ne",
    "cfg",
    "column",
    "concat",
    "dbg",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "env",
    "eprint",
    "eprintln",
    "file",
    "format",
    "format_args",
    "include_bytes",
    "include_str",
    "line",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "stringify",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
    // tracing and log
    "debug",
    "debug_span",
    "enabled",
    "error",
    "error_span",
    "event",
    "info",
    "info_span",
    "span",
    "trace",
    "trace_span",
    "warn",
    "warn_span",
];

/// Whether `mac` is one of [`TRANSPARENT`], named alone or through its
/// crate, and its tokens hold no `?` operator and no `return`.
///
/// A macro named alone could be the user's own of the same name; one that
/// returns while named like `format` would be a surprise, and is not
/// guarded against.
fn is_transparent(mac: &Macro) -> bool {
    let segments: Vec<String> = mac
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let known = match segments.as_slice() {
        [name] => TRANSPARENT.contains(&name.as_str()),
        [krate, name] => {
            ["std", "core", "alloc", "tracing", "log"].contains(&krate.as_str())
                && TRANSPARENT.contains(&name.as_str())
        }
        _ => false,
    };
    known && !exits(mac.tokens.clone())
}

/// Whether `tokens` hold a `return` or a `?` operator. tracing's `?x`
/// and `field = ?x` (record with `Debug`) are not operators: an operator
/// follows an operand, never a `,`, a `=`, a `%` or the start of a group.
fn exits(tokens: TokenStream) -> bool {
    let mut after_operand = false;
    for token in tokens {
        match &token {
            TokenTree::Ident(ident) if ident == "return" => return true,
            TokenTree::Punct(punct) if punct.as_char() == '?' && after_operand => return true,
            TokenTree::Group(group) if exits(group.stream()) => return true,
            _ => {}
        }
        after_operand = match &token {
            TokenTree::Punct(punct) => punct.as_char() == '?',
            _ => true,
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use quote::{ToTokens, quote};

    use super::*;

    fn lowered(body: TokenStream) -> Option<String> {
        let block: Block = syn::parse2(body).expect("a block");
        lower(&block, &quote!(::retry_rollback))
            .map(|lowered| lowered.block.to_token_stream().to_string())
    }

    #[test]
    fn question_mark_and_return_become_breaks() {
        let out = lowered(quote!({
            let page = fetch().await?;
            if page.is_empty() {
                return Err(Empty);
            }
            Ok(page)
        }))
        .expect("lowered");
        assert!(!out.contains("return"), "{out}");
        assert!(!out.contains('?'), "{out}");
        assert_eq!(
            out.matches("break '__retry_rollback_attempt").count(),
            2,
            "{out}"
        );
        assert!(
            out.contains(":: retry_rollback :: __private :: Branch :: branch (fetch () . await)")
        );
    }

    #[test]
    fn closures_async_blocks_and_items_keep_their_own() {
        let out = lowered(quote!({
            let parse = |s: &str| -> Result<u32, E> { return Ok(s.parse()?) };
            let task = async {
                step().await?;
                Ok::<_, E>(())
            };
            fn helper() -> Result<(), E> {
                other()?;
                return Ok(());
            }
            Ok(())
        }))
        .expect("lowered");
        assert!(!out.contains("break"), "{out}");
        assert_eq!(out.matches('?').count(), 3, "{out}");
        assert_eq!(out.matches("return").count(), 2, "{out}");
    }

    #[test]
    fn method_call_on_a_question_mark_at_statement_start_still_parses() {
        let out = lowered(quote!({
            open()?.close();
            Ok(())
        }))
        .expect("lowered");
        // Printed as it must be read back: the `match` cannot start the
        // statement, or `.close()` would not parse.
        let reparsed: Block = syn::parse_str(&out).expect("the lowered body parses");
        assert!(matches!(
            reparsed.stmts[0],
            syn::Stmt::Expr(Expr::MethodCall(_), Some(_))
        ));
    }

    #[test]
    fn macros_that_may_return_keep_the_inner_block() {
        for body in [
            quote!({
                bail!("no");
            }),
            quote!({
                anyhow::ensure!(ok, "no");
                Ok(())
            }),
            quote!({
                println!("{}", read()?);
                Ok(())
            }),
            quote!({
                info!(x = return_it());
                format!("{}", { return Err(E) });
                Ok(())
            }),
            quote!({
                my::info!("x");
                Ok(())
            }),
        ] {
            assert_eq!(lowered(body.clone()), None, "{body}");
        }
    }

    #[test]
    fn known_macros_and_debug_sigils_are_lowered() {
        for body in [
            quote!({
                tracing::info!(?host, port = ?port, "connecting");
                Ok(())
            }),
            quote!({
                println!("{:?}", value);
                assert!(ok, "{}", x);
                Ok(vec![1])
            }),
            quote!({
                let line = format!("{}", f(a, b));
                std::println!("{line}");
                Ok(())
            }),
        ] {
            assert!(lowered(body.clone()).is_some(), "{body}");
        }
    }
}
