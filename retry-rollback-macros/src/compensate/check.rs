//! Stage 2: the undo and each option checked against one table. Every
//! mistake becomes a spanned error; all of them are reported together.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Path};

use super::args::{Arg, Args};
use crate::common::{self, Named};

const ATTRIBUTE: &str = "compensate";

/// The options, and how each is written.
const OPTIONS: &[(&str, &str)] = &[
    ("name", "name = \"remove binary\""),
    (
        "description",
        "description = \"Remove the installed binary\"",
    ),
    ("timeout", "timeout = 30"),
    ("retry", "retry = file_operation"),
    ("config", "config = RetryConfig::file_operation()"),
    ("crate", "crate = ::retry_rollback"),
];

const PRESETS: &[&str] = &[
    "aggressive",
    "conservative",
    "network_operation",
    "file_operation",
];

const UNDO_EXAMPLE: &str = "`#[compensate(Self::remove_file)]` or \
                            `#[compensate(self.remove_file(dest))]`";

/// How the undo is written.
pub(crate) enum Undo {
    /// A function path, called with the forward function's arguments.
    Path(Path),
    /// A call or method call over the arguments, `self` and `value`.
    Call(Expr),
}

/// How the undo itself is retried.
pub(crate) enum Retry {
    Preset(Ident),
    Config(Expr),
}

/// The arguments once checked, ready to expand.
pub(crate) struct Settings {
    pub(crate) undo: Undo,
    pub(crate) name: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    /// The tokens of a `Duration`.
    pub(crate) timeout: Option<TokenStream>,
    pub(crate) retry: Option<Retry>,
    pub(crate) krate: Option<Path>,
}

impl Settings {
    /// The undo's name: the one given, or the undo function's or method's.
    pub(crate) fn undo_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.value();
        }
        self.undo_function().unwrap_or_else(|| String::from("undo"))
    }

    /// The name of the function or method the undo calls, if it names one.
    pub(crate) fn undo_function(&self) -> Option<String> {
        let last = |path: &Path| path.segments.last().map(|s| s.ident.to_string());
        match &self.undo {
            Undo::Path(path) => last(path),
            Undo::Call(Expr::Call(call)) => match &*call.func {
                Expr::Path(path) => last(&path.path),
                _ => None,
            },
            Undo::Call(Expr::MethodCall(call)) => Some(call.method.to_string()),
            Undo::Call(_) => None,
        }
    }
}

/// Checks `args`; `span` is where a missing undo is reported.
pub(crate) fn check(args: Args, span: Span) -> syn::Result<Settings> {
    let mut errors = common::Errors::default();
    let mut undo = None;
    let mut seen: Vec<&Named> = Vec::new();
    for arg in &args.0 {
        match arg {
            Arg::Undo(expr) if undo.is_some() => errors.push(syn::Error::new_spanned(
                expr,
                "`#[compensate]` takes one undo; give the others their own step, or write \
                 `name = value` for an option",
            )),
            Arg::Undo(expr) => match undo_of(expr) {
                Ok(checked) => undo = Some(checked),
                Err(error) => {
                    errors.push(error);
                    undo = Some(Undo::Call(expr.clone()));
                }
            },
            Arg::Named(named) => {
                let name = named.name.to_string();
                let known: Vec<&str> = OPTIONS.iter().map(|(name, _)| *name).collect();
                if !known.contains(&name.as_str()) {
                    errors.push(common::unknown(ATTRIBUTE, &named.name, &known));
                } else if seen.iter().any(|earlier| earlier.name == named.name) {
                    errors.push(common::duplicate(ATTRIBUTE, &named.name));
                } else {
                    let other = match name.as_str() {
                        "retry" => Some("config"),
                        "config" => Some("retry"),
                        _ => None,
                    };
                    if other.is_some_and(|other| seen.iter().any(|e| e.name == other)) {
                        errors.push(syn::Error::new(
                            named.name.span(),
                            "`#[compensate]` takes `retry` or `config`, not both; write \
                             `config = RetryConfig::file_operation()` or drop one of them",
                        ));
                    }
                    seen.push(named);
                }
            }
        }
    }
    let Some(undo) = undo else {
        let message =
            format!("`#[compensate]` needs the undo as its first argument, as in {UNDO_EXAMPLE}");
        return Err(errors.fail(syn::Error::new(span, message)));
    };

    let mut settings = Settings {
        undo,
        name: None,
        description: None,
        timeout: None,
        retry: None,
        krate: None,
    };
    for arg in seen {
        let name = arg.name.to_string();
        let example = OPTIONS
            .iter()
            .find(|(known, _)| *known == name)
            .map_or("", |(_, example)| *example);
        let result = match name.as_str() {
            "name" => common::string(ATTRIBUTE, arg, example).map(|v| settings.name = Some(v)),
            "description" => {
                common::string(ATTRIBUTE, arg, example).map(|v| settings.description = Some(v))
            }
            "timeout" => timeout(arg, example).map(|v| settings.timeout = Some(v)),
            "retry" => preset(arg).map(|v| settings.retry = Some(Retry::Preset(v))),
            "config" => match &arg.value {
                Expr::Lit(_) => Err(common::wrong_kind(
                    ATTRIBUTE,
                    arg,
                    "an expression of type `RetryConfig`",
                    example,
                )),
                value => {
                    settings.retry = Some(Retry::Config(value.clone()));
                    Ok(())
                }
            },
            _ => common::crate_path(ATTRIBUTE, arg).map(|v| settings.krate = Some(v)),
        };
        if let Err(error) = result {
            errors.push(error);
        }
    }
    errors.finish(settings)
}

fn undo_of(expr: &Expr) -> syn::Result<Undo> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => Ok(Undo::Path(path.path.clone())),
        Expr::Call(_) | Expr::MethodCall(_) => Ok(Undo::Call(expr.clone())),
        Expr::Await(_) => Err(syn::Error::new_spanned(
            expr,
            "`#[compensate]` awaits the undo itself; remove the `.await`",
        )),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!(
                "`#[compensate]` takes as its undo a path to a function or a call, as in \
                 {UNDO_EXAMPLE}"
            ),
        )),
    }
}

fn timeout(arg: &Named, example: &str) -> syn::Result<TokenStream> {
    let value = &arg.value;
    let seconds = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<f64>().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => float.base10_parse::<f64>().ok(),
        Expr::Lit(_) | Expr::Unary(_) => None,
        _ => {
            let span = value.span();
            return Ok(quote_spanned!(span=> #value));
        }
    };
    match seconds {
        Some(seconds) if seconds.is_finite() && seconds > 0.0 && seconds < 1e9 => {
            let nanos = (seconds * 1e9).round() as u64;
            Ok(quote!(::core::time::Duration::from_nanos(#nanos)))
        }
        _ => Err(common::wrong_kind(
            ATTRIBUTE,
            arg,
            "a number of seconds above zero or a `Duration`",
            &format!("{example}` or `timeout = Duration::from_millis(500)"),
        )),
    }
}

fn preset(arg: &Named) -> syn::Result<Ident> {
    let ident = match &arg.value {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        _ => None,
    };
    let Some(ident) = ident else {
        let what = format!("one of {}", PRESETS.join(", "));
        return Err(common::wrong_kind(
            ATTRIBUTE,
            arg,
            &what,
            "retry = file_operation",
        ));
    };
    let written = ident.to_string();
    if PRESETS.contains(&written.as_str()) {
        return Ok(ident.clone());
    }
    let nearest = common::nearest(&written, PRESETS)
        .or_else(|| PRESETS.iter().copied().find(|p| p.starts_with(&written)));
    let hint = match nearest {
        Some(preset) => format!("did you mean `retry = {preset}`?"),
        None => format!(
            "expected one of: {}, or `config = ..` for any `RetryConfig`",
            PRESETS.join(", ")
        ),
    };
    let message = format!("unknown `#[compensate]` retry preset `{written}`; {hint}");
    Err(syn::Error::new(ident.span(), message))
}
