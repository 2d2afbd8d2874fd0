//! Procedural macros for `schema-core`. Use them through `schema-core`'s `macros` feature
//! (`schema_core::embed!`, `#[schema_core::test]`), not from this crate directly.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use proc_macro2::{Delimiter, Literal, Span, TokenTree};
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

/// Turns `async fn name(db: schema_core::testing::TestDatabase) [-> R] { … }` into a `#[test]`
/// that gets a database of its own, migrated to head and dropped afterwards (also when the test
/// panics), cloned from a template instead of replaying the migrations
/// (see `schema_core::testing`).
///
/// The expansion builds a current-thread tokio runtime (the test crate needs `tokio`, feature
/// `rt`, among its dependencies), the `Migrator` from `schema_core::embed!()` (once per test
/// thread: a `Migrator` is not `Sync`, so no `static`), and a `TestDatabase` on the server named by the environment variable
/// `SCHEMA_TEST_DATABASE_URL` (a PostgreSQL or MySQL maintenance database, or `sqlite:` and a
/// directory); without it, SQLite files in `<temp dir>/schema-core-tests/<package name>`.
///
/// `#[schema_core::test(fixtures("fixtures/a.sql", "fixtures/b.sql"))]` runs SQL files
/// (relative to the package's Cargo.toml; a missing one is a compile error) on the copy, in
/// order, before the body. `#[schema_core::test(at = "ae10")]` migrates the copy to that
/// revision instead of head (any target: an id, a prefix, `head-1`, `auth@head`; one that
/// does not resolve fails the test at set-up, naming it), cloned from a template at that
/// revision; the body steps it with `db.up_one()`, `db.up_to("…")`, `db.down_one()`,
/// `db.down_to("…")`. Both: `#[schema_core::test(at = "ae10", fixtures("a.sql"))]`. Other attributes (`#[ignore]`, `#[should_panic]`) are kept on the
/// test. A body returning `Result` makes the test fail on `Err`, as with `#[test]`.
///
/// `#[schema_core::test(transaction)]` on `async fn name(mut tx: schema_core::testing::TestTransaction)`
/// runs the test inside a transaction on the run's shared migrated database (PostgreSQL only),
/// rolled back when the body returns or panics: see `schema_core::testing::TestTransaction`.
/// `#[schema_core::test(at = "ae10", transaction)]`: on the run's shared database at that
/// revision, and the body steps it inside its transaction (`tx.up_one()`, …); fixtures run
/// inside the transaction too.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand_test(args.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err((span, message)) => quote_spanned!(span=> ::core::compile_error!(#message)).into(),
    }
}

fn expand_test(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> Result<proc_macro2::TokenStream, Error> {
    // `transaction`: a `TestTransaction` on the run's shared database instead of a database.
    let Args {
        at,
        fixtures,
        transaction,
    } = parse_args(args)?;
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let usage = |span: Span| {
        (
            span,
            "#[schema_core::test] goes on `async fn name(db: schema_core::testing::TestDatabase) { … }`"
                .to_string(),
        )
    };
    let mut i = 0;
    // Outer attributes: kept on the generated test.
    let mut attrs = Vec::new();
    while let (Some(TokenTree::Punct(p)), Some(TokenTree::Group(g))) =
        (tokens.get(i), tokens.get(i + 1))
    {
        if p.as_char() != '#' || g.delimiter() != Delimiter::Bracket {
            break;
        }
        attrs.push(tokens[i].clone());
        attrs.push(tokens[i + 1].clone());
        i += 2;
    }
    // Visibility, dropped: a test is not called by name.
    if matches!(tokens.get(i), Some(TokenTree::Ident(id)) if id == "pub") {
        i += 1;
        if matches!(tokens.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            i += 1;
        }
    }
    let span_at = |i: usize| tokens.get(i).map_or(Span::call_site(), TokenTree::span);
    if !matches!(tokens.get(i), Some(TokenTree::Ident(id)) if id == "async") {
        return Err(usage(span_at(i)));
    }
    if !matches!(tokens.get(i + 1), Some(TokenTree::Ident(id)) if id == "fn") {
        return Err(usage(span_at(i + 1)));
    }
    let Some(TokenTree::Ident(name)) = tokens.get(i + 2) else {
        return Err(usage(span_at(i + 2)));
    };
    let params = match tokens.get(i + 3) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => g,
        _ => {
            return Err((
                span_at(i + 3),
                "#[schema_core::test]: no generics; the function takes one parameter, the \
                 schema_core::testing::TestDatabase"
                    .to_string(),
            ));
        }
    };
    if params.stream().is_empty() {
        return Err((
            params.span(),
            "#[schema_core::test]: the function takes one parameter, \
             `db: schema_core::testing::TestDatabase`"
                .to_string(),
        ));
    }
    // The return type (if any) and the body, as written.
    let Some(TokenTree::Group(body)) = tokens.last() else {
        return Err(usage(span_at(tokens.len())));
    };
    if body.delimiter() != Delimiter::Brace || tokens.len() < i + 5 {
        return Err(usage(body.span()));
    }
    let ret: proc_macro2::TokenStream = tokens[i + 4..tokens.len() - 1].iter().cloned().collect();

    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let mut fixture_paths = Vec::with_capacity(fixtures.len());
    for (path, span) in &fixtures {
        if let Some(dir) = &manifest_dir
            && !dir.join(path).is_file()
        {
            let message = format!(
                "#[schema_core::test]: no fixture file `{}`",
                dir.join(path).display()
            );
            return Err((*span, message));
        }
        let path = Literal::string(path);
        fixture_paths.push(quote!(::std::path::Path::new(::core::concat!(
            ::core::env!("CARGO_MANIFEST_DIR"),
            "/",
            #path
        ))));
    }
    let apply_fixtures = (!fixture_paths.is_empty()).then(|| {
        let db = if transaction { quote!(mut db) } else { quote!(db) };
        quote! {
            let #db = db;
            if let ::core::result::Result::Err(e) = db.apply_fixtures(&[#(#fixture_paths),*]).await {
                ::core::panic!("schema_core::test: {e}");
            }
        }
    });
    let kind = if transaction {
        quote!(TestTransaction)
    } else {
        quote!(TestDatabase)
    };
    let create = match (&at, transaction) {
        (Some((target, span)), _) => {
            let target = Literal::string(target);
            quote_spanned!(*span=> ::schema_core::testing::#kind::at(migrator, &server, #target))
        }
        (None, true) => quote!(::schema_core::testing::TestTransaction::begin(
            migrator, &server
        )),
        (None, false) => quote!(::schema_core::testing::TestDatabase::new(migrator, &server)),
    };
    let setup = quote! {
        let db = #create
            .await
            .unwrap_or_else(|e| ::core::panic!("schema_core::test: {e}"));
        #apply_fixtures
    };
    Ok(quote! {
        #[::core::prelude::v1::test]
        #(#attrs)*
        fn #name() #ret {
            async fn __schema_test_body #params #ret #body

            // A thread-local rather than a `static OnceLock`: a `Migrator` is not `Sync`.
            // Built once per test thread (so once per process under nextest).
            ::std::thread_local! {
                static MIGRATOR: ::schema_core::Migrator =
                    ::schema_core::Migrator::from_embedded(::schema_core::embed!())
                        .unwrap_or_else(|e| ::core::panic!("schema_core::test: the embedded revisions: {e}"));
            }
            let server = ::std::env::var("SCHEMA_TEST_DATABASE_URL").unwrap_or_else(|_| {
                let dir = ::std::env::temp_dir()
                    .join("schema-core-tests")
                    .join(::core::env!("CARGO_PKG_NAME"));
                ::std::format!("sqlite://{}", dir.display())
            });
            let runtime = ::tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("schema_core::test: building a tokio runtime");
            MIGRATOR.with(|migrator| runtime.block_on(async move {
                #setup
                // Dropped (the database with it) when the body returns or panics.
                __schema_test_body(db).await
            }))
        }
    })
}

/// The attribute's arguments: nothing, `at = "REV"`, `fixtures("a.sql", …)`, `transaction`,
/// or several, separated by commas.
struct Args {
    at: Option<(String, Span)>,
    fixtures: Vec<(String, Span)>,
    transaction: bool,
}

fn parse_args(args: proc_macro2::TokenStream) -> Result<Args, Error> {
    let expected = |span: Span| {
        (
            span,
            "#[schema_core::test] takes nothing, `at = \"REVISION\"` (any target: an id, a \
             prefix, `head-1`, `auth@head`), `fixtures(\"path.sql\", …)` (paths relative to \
             the package's Cargo.toml) and/or `transaction` (PostgreSQL: the test runs in a \
             transaction on a shared database, rolled back at the end)"
                .to_string(),
        )
    };
    let mut out = Args {
        at: None,
        fixtures: Vec::new(),
        transaction: false,
    };
    let tokens: Vec<TokenTree> = args.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match (&tokens[i], tokens.get(i + 1), tokens.get(i + 2)) {
            (TokenTree::Ident(id), Some(TokenTree::Punct(eq)), Some(TokenTree::Literal(lit)))
                if id == "at" && eq.as_char() == '=' && out.at.is_none() =>
            {
                let target = string_value(&lit.to_string()).ok_or_else(|| expected(lit.span()))?;
                if target.trim().is_empty() {
                    return Err((
                        lit.span(),
                        "#[schema_core::test]: `at` is empty".to_string(),
                    ));
                }
                out.at = Some((target, lit.span()));
                i += 3;
            }
            (TokenTree::Ident(id), next, _)
                if id == "transaction"
                    && !out.transaction
                    && matches!(next, None | Some(TokenTree::Punct(_))) =>
            {
                out.transaction = true;
                i += 1;
            }
            (TokenTree::Ident(id), Some(TokenTree::Group(g)), _)
                if id == "fixtures"
                    && g.delimiter() == Delimiter::Parenthesis
                    && out.fixtures.is_empty() =>
            {
                out.fixtures = fixture_list(g, expected)?;
                i += 2;
            }
            (other, ..) => return Err(expected(other.span())),
        }
        match tokens.get(i) {
            None => {}
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => i += 1,
            Some(other) => return Err(expected(other.span())),
        }
    }
    Ok(out)
}

/// The paths in `fixtures(…)`.
fn fixture_list(
    group: &proc_macro2::Group,
    expected: impl Fn(Span) -> Error,
) -> Result<Vec<(String, Span)>, Error> {
    let mut paths = Vec::new();
    let mut want_literal = true;
    for token in group.stream() {
        match (&token, want_literal) {
            (TokenTree::Literal(lit), true) => {
                let path = string_value(&lit.to_string()).ok_or_else(|| expected(lit.span()))?;
                paths.push((path, lit.span()));
            }
            (TokenTree::Punct(p), false) if p.as_char() == ',' => {}
            _ => return Err(expected(token.span())),
        }
        want_literal = !want_literal;
    }
    Ok(paths)
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
