//! Stages 1 and 2: the `name = value` arguments, parsed and checked.

use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Path, Token};

use crate::common::{self, Named};

const ATTRIBUTE: &str = "with_rollback";

const OPTIONS: &[&str] = &["name", "crate"];

/// Every argument, in the order written.
pub(crate) struct Args(Vec<Named>);

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Vec::new();
        while !input.is_empty() {
            if !Named::peek(input) {
                return Err(input.error(
                    "`#[with_rollback]` takes `name = value` arguments, as in \
                     `#[with_rollback(name = \"install node_exporter\")]`",
                ));
            }
            args.push(Named::parse(input)?);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(Args(args))
    }
}

/// The arguments once checked.
pub(crate) struct Settings {
    pub(crate) name: Option<LitStr>,
    pub(crate) krate: Option<Path>,
}

pub(crate) fn check(args: Args) -> syn::Result<Settings> {
    let mut errors = common::Errors::default();
    let mut settings = Settings {
        name: None,
        krate: None,
    };
    let mut seen: Vec<&Named> = Vec::new();
    for arg in &args.0 {
        let name = arg.name.to_string();
        if !OPTIONS.contains(&name.as_str()) {
            errors.push(common::unknown(ATTRIBUTE, &arg.name, OPTIONS));
            continue;
        }
        if seen.iter().any(|earlier| earlier.name == arg.name) {
            errors.push(common::duplicate(ATTRIBUTE, &arg.name));
            continue;
        }
        seen.push(arg);
        let result = match name.as_str() {
            "name" => common::string(ATTRIBUTE, arg, "name = \"install node_exporter\"")
                .map(|v| settings.name = Some(v)),
            _ => common::crate_path(ATTRIBUTE, arg).map(|v| settings.krate = Some(v)),
        };
        if let Err(error) = result {
            errors.push(error);
        }
    }
    errors.finish(settings)
}
