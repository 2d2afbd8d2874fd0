//! Procedural macros for `schema-core`. Use them through `schema-core`'s `macros` feature
//! (`schema_core::embed!`), not from this crate directly.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use proc_macro2::{Literal, Span, TokenTree};
use quote::{quote, quote_spanned};

/// Embeds a package's revision files in the binary, for `schema_core::Migrator::from_embedded`.
///
/// Expands to a `&'static [(&'static str, &'static str)]`: every `*.sql` file below the
/// migrations directory (recursively, sorted by path, hidden entries skipped), as its path
/// relative to the package's Cargo.toml and its contents (through `include_str!`, so that editing
/// a revision file rebuilds the crate).
///
/// `embed!()` finds the directory as `cargo schema` does: `migrations` in the package's
/// `[package.metadata.schema]`, else in the workspace's `[workspace.metadata.schema]` (relative
/// to the workspace root), else `migrations`. `embed!("db")` names it, relative to the package's
/// Cargo.toml. A missing directory or an unreadable Cargo.toml is a compile error.
///
/// A proc macro cannot watch a directory (sqlx#681), so new revision files are not noticed by
/// itself: add a build.rs with `fn main() { schema_build::watch_migrations(); }` so that
/// new revision files are picked up.
#[proc_macro]
pub fn embed(input: TokenStream) -> TokenStream {
    match expand(input.into()) {
        Ok(tokens) => tokens.into(),
        Err((span, message)) => quote_spanned!(span=> ::core::compile_error!(#message)).into(),
    }
}

type Error = (Span, String);

fn expand(input: proc_macro2::TokenStream) -> Result<proc_macro2::TokenStream, Error> {
    let site = Span::call_site();
    let argument = argument(input)?;
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| {
            (
                site,
                "schema_core::embed!: CARGO_MANIFEST_DIR is not set".into(),
            )
        })?;
    let (dir, manifests, span) = match argument {
        Some((path, span)) => (manifest_dir.join(path), Vec::new(), span),
        None => {
            let found = schema_build::migrations_dir(&manifest_dir).map_err(|e| (site, e))?;
            (found.dir, found.manifests, site)
        }
    };
    let files = schema_build::sql_files(&dir).map_err(|e| (span, e))?;

    let include = |path: &Path| -> Result<Literal, Error> {
        path.to_str()
            .map(Literal::string)
            .ok_or_else(|| (span, format!("`{}` is not UTF-8", path.display())))
    };
    let manifests = manifests
        .iter()
        .map(|m| include(m))
        .collect::<Result<Vec<_>, _>>()?;
    let mut entries = Vec::with_capacity(files.len());
    for file in &files {
        let name = Literal::string(&schema_build::relative(file, &manifest_dir));
        let absolute = include(file)?;
        entries.push(quote!((#name, ::core::include_str!(#absolute))));
    }
    Ok(quote! {{
        // Editing the configuration re-expands the macro.
        #(const _: &str = ::core::include_str!(#manifests);)*
        const FILES: &[(&str, &str)] = &[#(#entries),*];
        FILES
    }})
}

/// The optional string literal argument, unescaped, with its span.
fn argument(input: proc_macro2::TokenStream) -> Result<Option<(String, Span)>, Error> {
    let mut tokens = input.into_iter();
    let Some(first) = tokens.next() else {
        return Ok(None);
    };
    let span = first.span();
    let expected = || {
        (
            span,
            "schema_core::embed! takes nothing or a string literal: the migrations directory, \
             relative to the package's Cargo.toml"
                .to_string(),
        )
    };
    let rest: Vec<TokenTree> = tokens.collect();
    let trailing_comma = matches!(rest.as_slice(), [TokenTree::Punct(p)] if p.as_char() == ',');
    if !(rest.is_empty() || trailing_comma) {
        return Err(expected());
    }
    let TokenTree::Literal(lit) = first else {
        return Err(expected());
    };
    string_value(&lit.to_string())
        .map(|s| Some((s, span)))
        .ok_or_else(expected)
}

/// The value of a string literal's source text: `"…"` (with the common escapes) or `r#"…"#`.
fn string_value(source: &str) -> Option<String> {
    if let Some(raw) = source.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw[hashes..].strip_prefix('"')?;
        return Some(
            body.strip_suffix(&format!("\"{}", "#".repeat(hashes)))?
                .to_string(),
        );
    }
    let body = source.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            '"' => '"',
            '\'' => '\'',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            _ => return None, // \x, \u{…} and line continuations: not for a directory name
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::string_value;

    #[test]
    fn string_literals_are_unescaped() {
        assert_eq!(string_value(r#""db""#).as_deref(), Some("db"));
        assert_eq!(string_value(r#""a\\b\"c""#).as_deref(), Some(r#"a\b"c"#));
        assert_eq!(string_value(r###"r#"x"y"#"###).as_deref(), Some(r#"x"y"#));
        assert_eq!(string_value(r#"r"db""#).as_deref(), Some("db"));
        assert_eq!(string_value("3"), None);
        assert_eq!(string_value(r#"b"db""#), None);
    }
}
