//! The default description of an undo: the first line of its function's
//! doc comment.
//!
//! A macro sees only the item it is on, so the undo function's doc comment
//! is read from the source file of the step, where installers define their
//! undo methods beside their steps. An undo defined in another file, or a
//! name that several functions of the file share with different docs,
//! gives no description; so does a file that does not parse (a user
//! mid-edit), and the compiler reports that file itself.

use syn::{Attribute, Expr, ExprLit, ImplItem, Item, Lit, Meta, TraitItem};

/// The first line of the doc comment of the function `name` in the file
/// that holds the attribute being expanded.
pub(crate) fn first_line(name: &str) -> Option<String> {
    let path = proc_macro::Span::call_site().local_file()?;
    let source = std::fs::read_to_string(path).ok()?;
    let file = syn::parse_file(&source).ok()?;
    let mut lines = Vec::new();
    find(&file.items, name, &mut lines);
    lines.dedup();
    match lines.as_slice() {
        [line] => line.clone(),
        _ => None,
    }
}

/// Collects the first doc line of every function called `name` in `items`,
/// nested modules, impl blocks and traits included.
fn find(items: &[Item], name: &str, lines: &mut Vec<Option<String>>) {
    for item in items {
        match item {
            Item::Fn(function) if function.sig.ident == name => {
                lines.push(first_doc_line(&function.attrs));
            }
            Item::Impl(block) => {
                for item in &block.items {
                    if let ImplItem::Fn(function) = item
                        && function.sig.ident == name
                    {
                        lines.push(first_doc_line(&function.attrs));
                    }
                }
            }
            Item::Trait(block) => {
                for item in &block.items {
                    if let TraitItem::Fn(function) = item
                        && function.sig.ident == name
                    {
                        lines.push(first_doc_line(&function.attrs));
                    }
                }
            }
            Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    find(items, name, lines);
                }
            }
            _ => {}
        }
    }
}

/// The first non-empty line of the `///` comments among `attrs`.
fn first_doc_line(attrs: &[Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|text| {
            text.lines()
                .map(|line| line.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .find(|line| !line.is_empty())
}
