//! Stage 2: each argument checked against one table, and the rules that
//! involve two arguments. Every mistake becomes a spanned error; all of
//! them are reported together.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, Path, UnOp};

use super::args::{Arg, Args};
use crate::common::{self, distance};

/// What kind of value an argument takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A whole number of attempts, or any `u32` expression.
    Count,
    /// A backoff factor, or any `f64` expression.
    Factor,
    /// Seconds as a number, or any `Duration` expression.
    Delay,
    /// One of the jitter kinds.
    Jitter,
    /// One of the presets.
    Preset,
    /// Any expression.
    Expr,
    /// A path to the runtime crate.
    Path,
}

struct Spec {
    name: &'static str,
    kind: Kind,
    /// How to write it, for error messages.
    example: &'static str,
}

const SPECS: &[Spec] = &[
    spec("max_attempts", Kind::Count, "max_attempts = 3"),
    spec("backoff", Kind::Factor, "backoff = 2.0"),
    spec("initial_delay", Kind::Delay, "initial_delay = 0.5"),
    spec("max_delay", Kind::Delay, "max_delay = 30"),
    spec("timeout", Kind::Delay, "timeout = 10"),
    spec("deadline", Kind::Delay, "deadline = 60"),
    spec("jitter", Kind::Jitter, "jitter = full"),
    spec("preset", Kind::Preset, "preset = network_operation"),
    spec("config", Kind::Expr, "config = RetryConfig::default()"),
    spec("retry_if", Kind::Expr, "retry_if = is_transient"),
    spec("on_retry", Kind::Expr, "on_retry = report_retry"),
    spec("crate", Kind::Path, "crate = ::retry_rollback"),
];

const fn spec(name: &'static str, kind: Kind, example: &'static str) -> Spec {
    Spec {
        name,
        kind,
        example,
    }
}

/// Pairs of arguments that cannot be given together, and what to write
/// instead.
const CONFLICTS: &[(&str, &str, &str)] = &[(
    "preset",
    "config",
    "write `config = RetryConfig::network_operation()` or drop one of them",
)];

const JITTERS: &[(&str, &str)] = &[
    ("none", "None"),
    ("full", "Full"),
    ("equal", "Equal"),
    ("decorrelated", "Decorrelated"),
];

const PRESETS: &[&str] = &[
    "aggressive",
    "conservative",
    "network_operation",
    "file_operation",
];

/// Where the configuration starts before explicit arguments override it.
pub(crate) enum Base {
    Default,
    Preset(Ident),
    Config(Expr),
}

/// A checked delay: the tokens of a `Duration`, and its seconds when it
/// was written as a number.
pub(crate) struct Delay {
    pub(crate) tokens: TokenStream,
    seconds: Option<f64>,
}

/// The arguments once checked, ready to expand.
pub(crate) struct Settings {
    pub(crate) base: Base,
    pub(crate) max_attempts: Option<TokenStream>,
    pub(crate) backoff: Option<TokenStream>,
    pub(crate) initial_delay: Option<Delay>,
    pub(crate) max_delay: Option<Delay>,
    pub(crate) timeout: Option<Delay>,
    pub(crate) deadline: Option<Delay>,
    /// The name of the `Jitter` variant, spanned at the argument.
    pub(crate) jitter: Option<Ident>,
    pub(crate) retry_if: Option<Expr>,
    pub(crate) on_retry: Option<Expr>,
    pub(crate) krate: Option<Path>,
    /// Whether every number was written as a literal, so that the whole
    /// configuration can be built at compile time.
    pub(crate) literal: bool,
}

impl Settings {
    /// Whether an attempt can be cut off, so that the error type must be
    /// `From<TimedOut>`.
    pub(crate) fn may_time_out(&self) -> bool {
        self.timeout.is_some() || self.deadline.is_some() || matches!(self.base, Base::Config(_))
    }

    /// Whether the configuration is built at compile time with no jitter
    /// and no deadline (no preset has either), so that the loop keeps no
    /// clock and no jitter state.
    pub(crate) fn is_lean(&self) -> bool {
        self.literal
            && !matches!(self.base, Base::Config(_))
            && self.deadline.is_none()
            && self.jitter.as_ref().is_none_or(|variant| variant == "None")
    }

    /// Whether any argument overrides the base configuration.
    pub(crate) fn overrides(&self) -> bool {
        self.max_attempts.is_some()
            || self.backoff.is_some()
            || self.initial_delay.is_some()
            || self.max_delay.is_some()
            || self.timeout.is_some()
            || self.deadline.is_some()
            || self.jitter.is_some()
    }
}

/// Checks `args`; `is_async` tells whether the function can be cut off by a
/// timeout.
pub(crate) fn check(args: Args, is_async: bool) -> syn::Result<Settings> {
    let mut errors = common::Errors::default();
    let mut seen: Vec<&Arg> = Vec::new();
    for arg in &args.0 {
        let name = arg.name.to_string();
        if SPECS.iter().all(|spec| spec.name != name) {
            errors.push(unknown(&arg.name));
            continue;
        }
        if seen.iter().any(|earlier| earlier.name == arg.name) {
            let message = format!("`#[with_retry]` argument `{name}` is given twice; keep one");
            errors.push(syn::Error::new(arg.name.span(), message));
            continue;
        }
        for (first, second, fix) in CONFLICTS {
            let other = match name.as_str() {
                n if n == *first => second,
                n if n == *second => first,
                _ => continue,
            };
            if seen.iter().any(|earlier| earlier.name == other) {
                let message =
                    format!("`#[with_retry]` takes `{first}` or `{second}`, not both; {fix}");
                errors.push(syn::Error::new(arg.name.span(), message));
            }
        }
        seen.push(arg);
    }

    let mut settings = Settings {
        base: Base::Default,
        max_attempts: None,
        backoff: None,
        initial_delay: None,
        max_delay: None,
        timeout: None,
        deadline: None,
        jitter: None,
        retry_if: None,
        on_retry: None,
        krate: None,
        literal: true,
    };
    for arg in seen {
        let name = arg.name.to_string();
        let Some(spec) = SPECS.iter().find(|spec| spec.name == name) else {
            continue;
        };
        let value = &arg.value;
        if matches!(spec.kind, Kind::Count | Kind::Factor | Kind::Delay) && number(value).is_none()
        {
            settings.literal = false;
        }
        let result = match spec.kind {
            Kind::Count => count(spec, value).map(|v| settings.max_attempts = Some(v)),
            Kind::Factor => factor(spec, value).map(|v| settings.backoff = Some(v)),
            Kind::Delay => delay(spec, value).map(|v| match spec.name {
                "initial_delay" => settings.initial_delay = Some(v),
                "max_delay" => settings.max_delay = Some(v),
                "timeout" => settings.timeout = Some(v),
                _ => settings.deadline = Some(v),
            }),
            Kind::Jitter => jitter(spec, value).map(|v| settings.jitter = Some(v)),
            Kind::Preset => preset(spec, value).map(|v| {
                if !matches!(settings.base, Base::Config(_)) {
                    settings.base = Base::Preset(v);
                }
            }),
            Kind::Path => path(spec, value).map(|v| settings.krate = Some(v)),
            Kind::Expr if other_literal(value) => {
                let what = match spec.name {
                    "config" => "an expression of type `RetryConfig`",
                    _ => "a path to a function or a closure",
                };
                Err(wrong_kind(spec, value, what))
            }
            Kind::Expr => {
                match spec.name {
                    "config" => settings.base = Base::Config(value.clone()),
                    "retry_if" => settings.retry_if = Some(value.clone()),
                    _ => settings.on_retry = Some(value.clone()),
                }
                Ok(())
            }
        };
        if let Err(error) = result {
            errors.push(error);
        }
        if spec.name == "timeout" && !is_async {
            let message = "`#[with_retry]` cannot apply `timeout` to a plain `fn`: a synchronous \
                           attempt cannot be cut off; make the function `async`, or use \
                           `deadline` to bound the retries";
            errors.push(syn::Error::new(arg.name.span(), message));
        }
    }

    if let (Some(initial), Some(max)) = (&settings.initial_delay, &settings.max_delay)
        && let (Some(i), Some(m)) = (initial.seconds, max.seconds)
        && i > m
    {
        let message = format!(
            "`#[with_retry]` needs `initial_delay` ({i} s) no longer than `max_delay` \
                     ({m} s); raise `max_delay` or lower `initial_delay`"
        );
        errors.push(syn::Error::new(initial.tokens.span(), message));
    }

    errors.finish(settings)
}

fn unknown(name: &Ident) -> syn::Error {
    let written = name.to_string();
    let nearest = SPECS
        .iter()
        .map(|spec| (distance(&written, spec.name), spec.name))
        .min()
        .filter(|(distance, _)| *distance <= 3);
    let message = match nearest {
        Some((_, known)) => {
            format!("unknown `#[with_retry]` argument `{written}`; did you mean `{known}`?")
        }
        None => {
            let known: Vec<_> = SPECS.iter().map(|spec| spec.name).collect();
            format!(
                "unknown `#[with_retry]` argument `{written}`; expected one of: {}",
                known.join(", ")
            )
        }
    };
    syn::Error::new(name.span(), message)
}

fn wrong_kind(spec: &Spec, value: &Expr, what: &str) -> syn::Error {
    let message = format!(
        "`#[with_retry]` argument `{}` takes {what}, as in `{}`",
        spec.name, spec.example
    );
    syn::Error::new_spanned(value, message)
}

/// The value of a number literal, negative when written with a minus.
fn number(value: &Expr) -> Option<syn::Result<f64>> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => Some(int.base10_parse::<f64>()),
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => Some(float.base10_parse::<f64>()),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => number(expr).map(|n| n.map(|n| -n)),
        _ => None,
    }
}

/// Whether `value` is a literal that cannot be a number (a string, a bool).
fn other_literal(value: &Expr) -> bool {
    matches!(value, Expr::Lit(_))
}

fn count(spec: &Spec, value: &Expr) -> syn::Result<TokenStream> {
    let written = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<u32>().ok(),
        Expr::Lit(_) | Expr::Unary(_) => {
            return Err(wrong_kind(spec, value, "a whole number of at least 1"));
        }
        _ => return Ok(value.to_token_stream()),
    };
    match written {
        Some(0) => Err(syn::Error::new(
            value.span(),
            "`#[with_retry]` needs `max_attempts` of at least 1, the first try included; \
             write `max_attempts = 1` for no retry",
        )),
        Some(n) => Ok(quote_spanned!(value.span()=> #n)),
        None => Err(wrong_kind(spec, value, "a whole number of at least 1")),
    }
}

fn factor(spec: &Spec, value: &Expr) -> syn::Result<TokenStream> {
    match number(value) {
        Some(Ok(n)) if n.is_finite() && n >= 1.0 => Ok(quote_spanned!(value.span()=> #n)),
        Some(Ok(n)) => {
            let message = format!(
                "`#[with_retry]` needs `backoff` to be a finite factor of at least 1.0, got \
                 {n}; write `backoff = 1.0` for a constant delay"
            );
            Err(syn::Error::new_spanned(value, message))
        }
        Some(Err(_)) => Err(wrong_kind(spec, value, "a number of at least 1.0")),
        None if other_literal(value) => Err(wrong_kind(spec, value, "a number of at least 1.0")),
        None => Ok(value.to_token_stream()),
    }
}

fn delay(spec: &Spec, value: &Expr) -> syn::Result<Delay> {
    let seconds = match number(value) {
        Some(Ok(seconds)) => seconds,
        Some(Err(_)) => return Err(wrong_delay(spec, value)),
        None if other_literal(value) => return Err(wrong_delay(spec, value)),
        None => {
            let span = value.span();
            return Ok(Delay {
                tokens: quote_spanned!(span=> #value),
                seconds: None,
            });
        }
    };
    let name = spec.name;
    // Nanoseconds must fit the `u64` of `Duration::from_nanos`.
    let too_long = seconds >= u64::MAX as f64 / 1e9;
    if !seconds.is_finite() || seconds < 0.0 || too_long {
        let message = format!(
            "`#[with_retry]` needs `{name}` to be a finite, non-negative number of seconds, got \
             {seconds}; write it as in `{}`",
            spec.example
        );
        return Err(syn::Error::new_spanned(value, message));
    }
    if seconds == 0.0 && matches!(name, "timeout" | "deadline") {
        let message =
            format!("`#[with_retry]` needs `{name}` above zero; remove `{name}` to have no limit");
        return Err(syn::Error::new_spanned(value, message));
    }
    let nanos = (seconds * 1e9).round() as u64;
    let span = value.span();
    Ok(Delay {
        tokens: quote_spanned!(span=> ::core::time::Duration::from_nanos(#nanos)),
        seconds: Some(seconds),
    })
}

fn wrong_delay(spec: &Spec, value: &Expr) -> syn::Error {
    let message = format!(
        "`#[with_retry]` argument `{}` takes seconds as a number or a `Duration`, as in `{}` or \
         `{} = Duration::from_millis(500)`",
        spec.name, spec.example, spec.name
    );
    syn::Error::new_spanned(value, message)
}

/// The single identifier of a path such as `full`.
fn word(value: &Expr) -> Option<&Ident> {
    match value {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        _ => None,
    }
}

fn one_of(spec: &Spec, value: &Expr, names: &[&str]) -> syn::Result<Ident> {
    let Some(ident) = word(value) else {
        let what = format!("one of {}", names.join(", "));
        return Err(wrong_kind(spec, value, &what));
    };
    let written = ident.to_string();
    if names.contains(&written.as_str()) {
        return Ok(ident.clone());
    }
    let nearest = names
        .iter()
        .map(|name| (distance(&written, name), *name))
        .min()
        .filter(|(distance, _)| *distance <= 3)
        .or_else(|| {
            // `network` for `network_operation`.
            let prefix = names
                .iter()
                .find(|name| name.starts_with(written.as_str()))?;
            Some((0, *prefix))
        });
    let hint = match nearest {
        Some((_, name)) => format!("did you mean `{} = {name}`?", spec.name),
        None => format!("expected one of: {}", names.join(", ")),
    };
    let message = format!("unknown `#[with_retry]` {} `{written}`; {hint}", spec.name);
    Err(syn::Error::new(ident.span(), message))
}

fn jitter(spec: &Spec, value: &Expr) -> syn::Result<Ident> {
    let names: Vec<&str> = JITTERS.iter().map(|(name, _)| *name).collect();
    let ident = one_of(spec, value, &names)?;
    let variant = JITTERS
        .iter()
        .find(|(name, _)| ident == name)
        .map_or("None", |(_, variant)| *variant);
    Ok(Ident::new(variant, ident.span()))
}

fn preset(spec: &Spec, value: &Expr) -> syn::Result<Ident> {
    one_of(spec, value, PRESETS)
}

fn path(spec: &Spec, value: &Expr) -> syn::Result<Path> {
    match value {
        Expr::Path(path) if path.qself.is_none() => Ok(path.path.clone()),
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => text.parse(),
        _ => Err(wrong_kind(spec, value, "a path to the runtime crate")),
    }
}
