//! Which database a command uses, and how to show its URL without the password.

use std::path::Path;

use super::env_file::{self, EnvFile, EnvFileError};
use crate::config::Config;

/// The kind of database a URL names.
pub use crate::backend::Dialect;

/// Where the URL came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    /// `--database-url`.
    Flag,
    /// The configured environment variable (named), from the environment or `.env`.
    Env(String),
    /// `database-url` in the metadata.
    Metadata,
    /// The embedded default: SQLite `dev.db` beside Cargo.toml.
    Default,
}

/// A database URL, checked for a known scheme.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    pub dialect: Dialect,
    pub source: UrlSource,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("url", &self.redacted())
            .field("dialect", &self.dialect)
            .field("source", &self.source)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    #[error("unknown database URL scheme `{scheme}` in `{redacted}`")]
    UnknownScheme { scheme: String, redacted: String },
    #[error("invalid database URL `{redacted}`: {reason}")]
    Invalid { redacted: String, reason: String },
}

/// The scheme with its `:` (and `//` when there), and the rest. No scheme: an empty prefix.
fn split_scheme(url: &str) -> (&str, &str) {
    let scheme_len = url
        .find(':')
        .filter(|&i| {
            let s = &url[..i];
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
        .map_or(0, |i| i + 1);
    let slashes = if url[scheme_len..].starts_with("//") {
        2
    } else {
        0
    };
    url.split_at(scheme_len + slashes)
}

/// Whether a URL's prefix (`postgres://`) names a server scheme this tool knows.
fn network_scheme(prefix: &str) -> bool {
    let scheme = prefix.trim_end_matches('/').trim_end_matches(':');
    ["postgres", "postgresql", "mysql", "mariadb"]
        .iter()
        .any(|known| scheme.eq_ignore_ascii_case(known))
}

fn is_sqlite(prefix: &str) -> bool {
    prefix.to_ascii_lowercase().starts_with("sqlite:")
}

/// The credentials part of a URL: what lies before the `@` that ends it, as a user would
/// have meant it, or `None` when there is no `@` where credentials could be: the last `@`
/// (an unencoded `/`, `?`, `#` or `@` in a password moves the parser's idea of the host,
/// never the user's). A SQLite URL is a path: it has credentials only when its first segment
/// holds an `@`, or a relative path holds `user:password@`.
fn userinfo_end(prefix: &str, rest: &str) -> Option<usize> {
    if is_sqlite(prefix) {
        // A path, unless it looks like credentials: an `@` in its first segment, or a
        // `user:password@` shape before an `@` in a path that is not absolute.
        let first = rest.find('/').unwrap_or(rest.len());
        let last = rest.rfind('@')?;
        (rest[..first].contains('@') || (!rest.starts_with('/') && rest[..last].contains(':')))
            .then_some(last)
    } else {
        rest.rfind('@')
    }
}

/// Whether a query parameter's name says its value is a secret.
fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "secret", "token"].iter().any(|k| key.contains(k))
}

/// Replaces the credentials in a URL with `****`, whatever its shape: `user:****@host` when
/// the user and password are plain, else everything between `://` and the last `@`; also
/// the values of query parameters such as `password=`.
pub fn redact(url: &str) -> String {
    // Where a secret query value ends cannot be known (it may hold `&`, `#` or `@`): all of
    // it goes, before anything else is looked at.
    let (url, secret_tail) = match secret_value_start(url) {
        Some(start) => (&url[..start], "****"),
        None => (url, ""),
    };
    let (prefix, rest) = split_scheme(url);
    let mut out = String::from(prefix);
    match userinfo_end(prefix, rest) {
        None => out.push_str(rest),
        Some(at) => {
            let userinfo = &rest[..at];
            // A user name is shown only where it cannot be a password: a URL of a known
            // network scheme whose credentials hold nothing a parser would misread
            // (`user:pw@host` without a scheme reads as the scheme `user` and the user `pw`).
            let plain = !userinfo.contains(['/', '?', '#', '@'])
                && prefix.ends_with("//")
                && network_scheme(prefix);
            match userinfo.split_once(':') {
                Some((user, _)) if plain && !user.is_empty() => {
                    out.push_str(user);
                    out.push_str(":****");
                }
                None if plain => out.push_str(userinfo),
                _ => out.push_str("****"),
            }
            out.push_str(&rest[at..]);
        }
    }
    out.push_str(secret_tail);
    out
}

/// Where the value of the first query parameter named like a secret (`password=`) starts.
fn secret_value_start(url: &str) -> Option<usize> {
    let query = url.find('?')? + 1;
    let mut pos = query;
    for pair in url[query..].split('&') {
        if let Some((key, _)) = pair.split_once('=')
            && secret_key(key)
        {
            return Some(pos + key.len() + 1);
        }
        pos += pair.len() + 1;
    }
    None
}

/// Percent-decodes text (invalid escapes are kept as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every form in which a URL's secrets could turn up in a message: the credentials as
/// written, the password as written and decoded, and secret query values. Shortest last.
fn secrets(url: &str) -> Vec<String> {
    let (prefix, rest) = split_scheme(url);
    let mut found: Vec<String> = Vec::new();
    if let Some(at) = userinfo_end(prefix, rest) {
        let userinfo = &rest[..at];
        // As `redact` decides: a user name is not a secret only where it cannot be a password
        // (in `user://pw@host`, read from `user:pw@host` without a scheme, it is one).
        if userinfo.contains([':', '/', '?', '#', '@'])
            || !prefix.ends_with("//")
            || !network_scheme(prefix)
        {
            found.push(userinfo.to_string());
        }
        if let Some((_, password)) = userinfo.split_once(':') {
            found.push(password.to_string());
        }
    }
    if let Ok(u) = url::Url::parse(url) {
        if let Some(p) = u.password() {
            found.push(p.to_string());
        }
        for (k, v) in u.query_pairs() {
            if secret_key(&k) {
                found.push(v.into_owned());
            }
        }
    }
    if let Some(start) = secret_value_start(url) {
        found.push(url[start..].to_string());
        found.extend(url[start..].split(['&', '#']).map(str::to_string));
    }
    let decoded: Vec<String> = found.iter().map(|s| percent_decode(s)).collect();
    found.extend(decoded);
    // A secret of one or two characters would blank out ordinary words of a message.
    found.retain(|s| s.chars().count() >= 3);
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.dedup();
    found
}

/// `text` (a message from the driver or the server) with the URL and every form of its
/// secrets replaced: see [`redact`].
pub fn scrub(text: &str, url: &str) -> String {
    let mut text = text.replace(url, &redact(url));
    for secret in secrets(url) {
        text = text.replace(&secret, "****");
    }
    text
}

const ENCODE: &str = "the user or password holds `/`, `?`, `#` or `@`, which must be percent-encoded there (`%2F`, `%3F`, `%23`, `%40`)";

/// Why a URL whose credentials a parser would misread is refused, if it is: `parsed` is how
/// the URL parser read it, or why it could not.
fn misread_credentials(
    url: &str,
    dialect: Dialect,
    parsed: Result<&url::Url, &url::ParseError>,
) -> Option<String> {
    let (prefix, rest) = split_scheme(url);
    if !dialect.is_server() {
        return userinfo_end(prefix, rest).map(|_| {
            "a SQLite URL is a file path and takes no user or password (`sqlite:./NAME` for a file whose name holds `@`)".to_string()
        });
    }
    let odd = userinfo_end(prefix, rest).is_some_and(|at| rest[..at].contains(['/', '?', '#']));
    match parsed {
        Err(e) if odd => Some(format!("{ENCODE} ({e})")),
        Err(e) => Some(e.to_string()),
        Ok(u) => {
            let query_at = u
                .query()
                .is_some_and(|q| q.split('&').any(|p| p.contains('@') && !p.contains('=')));
            (u.path().contains('@') || u.fragment().is_some() || query_at)
                .then(|| ENCODE.to_string())
        }
    }
}

impl DatabaseUrl {
    /// Checks a URL's scheme.
    pub fn parse(url: &str, source: UrlSource) -> Result<Self, UrlError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        let dialect = match Dialect::from_scheme(scheme) {
            Some(d) => d,
            None => {
                return Err(UrlError::UnknownScheme {
                    scheme: if scheme.is_empty() {
                        "(none)".to_string()
                    } else {
                        scheme.to_string()
                    },
                    redacted: redact(url),
                });
            }
        };
        if let Some(reason) = misread_credentials(url, dialect, url::Url::parse(url).as_ref()) {
            return Err(UrlError::Invalid {
                redacted: redact(url),
                reason: reason.to_string(),
            });
        }
        // sqlx names the scheme `mysql`; MariaDB users write `mariadb://` too.
        let url = match scheme.to_ascii_lowercase().as_str() {
            "mariadb" => format!("mysql{}", &url[scheme.len()..]),
            _ => url.to_string(),
        };
        Ok(DatabaseUrl {
            url,
            dialect,
            source,
        })
    }

    /// The same server with another database (for scratch databases).
    pub fn with_database(&self, name: &str) -> Result<Self, UrlError> {
        let mut u = url::Url::parse(&self.url).map_err(|e| UrlError::Invalid {
            redacted: self.redacted(),
            reason: e.to_string(),
        })?;
        u.set_path(&format!("/{name}"));
        // sqlx lets a `dbname=` parameter win over the path: it must not point elsewhere.
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| k != "dbname")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
        Ok(DatabaseUrl {
            url: u.to_string(),
            dialect: self.dialect,
            source: self.source.clone(),
        })
    }

    /// The URL to connect with. Never print it: use [`DatabaseUrl::redacted`].
    pub fn secret(&self) -> &str {
        &self.url
    }

    /// Whether this is a server URL for this machine (`localhost`, `127.x`, `::1`) that does
    /// not say how to use TLS (`sslmode`, `ssl-mode`): on the loopback interface a TLS
    /// handshake protects nothing and costs ~90 ms a connection with a server that has a
    /// certificate (Debian's default one does), so such a connection is made without it. A
    /// URL that asks for TLS, and a remote server, keep the driver's default.
    pub fn loopback_without_tls_setting(&self) -> bool {
        if !self.dialect.is_server() {
            return false;
        }
        let Ok(url) = url::Url::parse(&self.url) else {
            return false;
        };
        let local = match url.host() {
            // `postgres:` is not a special scheme to the url crate: its IP hosts come as text.
            Some(url::Host::Domain(d)) => {
                d.eq_ignore_ascii_case("localhost")
                    || d.trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        local
            && !url.query_pairs().any(|(k, _)| {
                let k = k.to_ascii_lowercase().replace(['-', '_'], "");
                k == "sslmode"
                    || k == "ssl"
                    || k.starts_with("sslrootcert")
                    || k.starts_with("sslca")
            })
    }

    pub fn redacted(&self) -> String {
        redact(&self.url)
    }

    /// A message from the driver or the server about this URL, with its secrets replaced.
    pub fn scrub(&self, text: &str) -> String {
        scrub(text, &self.url)
    }

    /// The URL a command uses: `--database-url`, then the configured environment variable
    /// (also read from `.env` beside Cargo.toml), then `database-url` in the metadata, then
    /// the embedded default, a SQLite `dev.db` beside Cargo.toml.
    pub fn resolve(config: &Config, flag: Option<&str>) -> Result<ResolvedUrl, ResolveUrlError> {
        let mut warnings = Vec::new();
        let url = Self::choose(config, flag, &mut warnings)?;
        Ok(ResolvedUrl { url, warnings })
    }

    fn choose(
        config: &Config,
        flag: Option<&str>,
        warnings: &mut Vec<String>,
    ) -> Result<Self, ResolveUrlError> {
        let refused = |from: String| move |source| ResolveUrlError::Url { source, from };
        if let Some(url) = flag {
            return Self::parse(url, UrlSource::Flag).map_err(refused("`--database-url`".into()));
        }
        let var = &config.database_url_env;
        let env_path = config.root.join(".env");
        let from_env = match std::env::var(var).ok().filter(|v| !v.is_empty()) {
            Some(v) => Some((v, format!("the environment variable `{var}`"))),
            None => match env_file::read(&env_path)? {
                EnvFile::Ignored(why) => {
                    warnings.push(format!("{why} (`{var}` is not read from it)"));
                    None
                }
                env => env
                    .get(var)
                    .map(|v| (v.to_string(), format!("`{var}` in {}", env_path.display()))),
            },
        };
        if let Some((url, from)) = from_env {
            return Self::parse(&url, UrlSource::Env(var.clone())).map_err(refused(from));
        }
        if let Some(url) = &config.database_url {
            let url = sqlite_relative_to(url, &config.root);
            return Self::parse(&url, UrlSource::Metadata)
                .map_err(refused("`database-url` in the metadata".into()));
        }
        let path = config.root.join("dev.db");
        Self::parse(&format!("sqlite://{}", path.display()), UrlSource::Default)
            .map_err(refused("the default `dev.db`".into()))
    }
}

/// The URL a command uses, and what to warn about on the way (a `.env` that was ignored).
#[derive(Debug)]
pub struct ResolvedUrl {
    pub url: DatabaseUrl,
    pub warnings: Vec<String>,
}

/// Why no URL could be chosen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveUrlError {
    /// The URL chosen is refused; `from` says where it came from.
    #[error("{source}")]
    Url {
        #[source]
        source: UrlError,
        from: String,
    },
    #[error(transparent)]
    EnvFile(#[from] EnvFileError),
}

/// A relative SQLite path in the metadata is relative to the Cargo.toml that holds it.
fn sqlite_relative_to(url: &str, root: &Path) -> String {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return url.to_string();
    };
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest
        .split_once('?')
        .map_or((rest, None), |(p, q)| (p, Some(q)));
    if path.is_empty() || path.starts_with('/') || path == ":memory:" {
        return url.to_string();
    }
    let joined = root.join(path);
    match query {
        Some(q) => format!("sqlite://{}?{q}", joined.display()),
        None => format!("sqlite://{}", joined.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_database_on_the_same_server_drops_a_dbname_parameter() {
        let url = DatabaseUrl::parse(
            "postgres://u:p@127.0.0.1/?dbname=app&sslmode=disable",
            UrlSource::Flag,
        )
        .expect("url");
        let scratch = url.with_database("scratch").expect("with");
        assert_eq!(
            scratch.secret(),
            "postgres://u:p@127.0.0.1/scratch?sslmode=disable"
        );
        let plain = DatabaseUrl::parse("mysql://root@127.0.0.1:3306/app", UrlSource::Flag)
            .expect("url")
            .with_database("x")
            .expect("with");
        assert_eq!(plain.secret(), "mysql://root@127.0.0.1:3306/x");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:s3cret@db.example:5432/prod"),
            "postgres://app:****@db.example:5432/prod"
        );
        assert_eq!(
            redact("mysql://root@127.0.0.1/test"),
            "mysql://root@127.0.0.1/test"
        );
        assert!(!redact("postgres://u:p@ss@w0rd@host/db").contains("w0rd"));
        assert!(!redact("postgres://u:pä ss@ho st/db").contains("pä"));
    }

    #[test]
    fn credentials_the_parser_would_misread_are_redacted_and_refused() {
        for (url, secret) in [
            ("postgres://user:5432/pw@host/db", "5432/pw"),
            ("postgres://u:p@ss/w#rd?x@127.0.0.1/db", "ss/w#rd"),
            ("postgres://u:1#secret@host/db", "secret"),
            ("mysql://u:s3cret@h:notaport/db", "s3cret"),
            ("sqlite://user:hunter2@/tmp/x.db", "hunter2"),
            ("sqlite:user:hunter2@/tmp/x.db", "hunter2"),
            ("user:hunter2@host/db", "hunter2"),
            ("postgres:user:hunter2@host/db", "hunter2"),
            (
                "postgres://host/db?password=hunter2&sslmode=disable",
                "hunter2",
            ),
        ] {
            let shown = redact(url);
            assert!(!shown.contains(secret), "{url} -> {shown}");
            let e = DatabaseUrl::parse(url, UrlSource::Flag)
                .map(|u| format!("{:?} {}", u, u.redacted()))
                .unwrap_or_else(|e| e.to_string());
            assert!(!e.contains(secret), "{url} -> {e}");
        }
        // Those a parser misreads are refused, naming what to do.
        for url in [
            "postgres://user:5432/pw@host/db",
            "postgres://u:1#secret@host/db",
            "sqlite://user:hunter2@/tmp/x.db",
            "mysql://u:pa/ss@127.0.0.1:3306/db",
        ] {
            let e = DatabaseUrl::parse(url, UrlSource::Flag).expect_err(url);
            assert!(
                e.to_string().contains("percent-encoded")
                    || e.to_string().contains("no user or password"),
                "{e}"
            );
        }
        // A path with `@` further down, and a percent-encoded password, are fine.
        assert_eq!(redact("sqlite:///tmp/a@b.db"), "sqlite:///tmp/a@b.db");
        assert!(DatabaseUrl::parse("sqlite:///tmp/a@b.db", UrlSource::Flag).is_ok());
        let u = DatabaseUrl::parse("postgres://u:p%40ss%2Fw0rd@host/db", UrlSource::Flag)
            .expect("encoded");
        assert_eq!(u.redacted(), "postgres://u:****@host/db");
    }

    #[test]
    fn driver_messages_lose_the_url_and_every_form_of_the_password() {
        let url = "postgres://app:p%40ssw0rd@db.example/prod";
        let said = format!("error with {url}: password p@ssw0rd rejected (p%40ssw0rd)");
        let clean = scrub(&said, url);
        assert!(!clean.contains("ssw0rd"), "{clean}");
        assert!(
            clean.contains("postgres://app:****@db.example/prod"),
            "{clean}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]
        /// Whatever a password holds and whatever the URL's shape, neither the redacted URL,
        /// nor a refusal, nor a scrubbed driver message holds it, as written or decoded.
        #[test]
        fn no_password_is_ever_shown(
            password in "[a-zA-Z0-9@/#?:%&=+ ._~!$-]{6,24}",
            shape in 0usize..8,
            scheme in proptest::sample::select(vec!["postgres", "postgresql", "mysql", "mariadb", "sqlite", "oracle"]),
        ) {
            let template = [
                "{s}://user:{p}@host:5432/db",
                "{s}://user:{p}@127.0.0.1/db?sslmode=disable",
                "{s}://us%40er:{p}@/path/x.db",
                "{s}:user:{p}@host/db",
                "{s}://host/db?password={p}",
                "user:{p}@host/db",
                "{s}://user:{p}@host:notaport/db",
                "{s}://:{p}@[::1]:5432/db",
            ][shape];
            let without = template.replace("{s}", scheme).replace("{p}", "");
            let decoded = percent_decode(&password);
            let fixed = "error: cannot connect to : password for is wrong Using database";
            // A password that is part of the rest of the text cannot be told apart from it.
            proptest::prop_assume!(!without.contains(&password) && !fixed.contains(&password));
            proptest::prop_assume!(!without.contains(&decoded) && !fixed.contains(&decoded));
            let url = template.replace("{s}", scheme).replace("{p}", &password);
            let mut shown = vec![redact(&url)];
            match DatabaseUrl::parse(&url, UrlSource::Flag) {
                Ok(u) => {
                    shown.push(u.redacted());
                    shown.push(format!("{u:?}"));
                    shown.push(u.scrub(&format!("{fixed} {url} {password} {decoded}")));
                }
                Err(e) => shown.push(e.to_string()),
            }
            shown.push(scrub(&format!("{fixed} {url} {password} {decoded}"), &url));
            for s in shown {
                proptest::prop_assert!(!s.contains(&password), "{} -> {}", url, s);
                proptest::prop_assert!(!s.contains(&decoded), "{} -> {}", url, s);
            }
        }
    }

    /// Found by `no_password_is_ever_shown`: without a scheme, `user:` reads as one and the
    /// password as a user name, which must not be shown either.
    #[test]
    fn a_password_read_as_the_user_of_an_unknown_scheme_is_hidden() {
        for url in [
            "user://aa_ @host/db",
            "oracle://secret@host/db",
            "x://a:b@h/d",
        ] {
            let shown = redact(url);
            assert!(shown.contains("****@"), "{url} -> {shown}");
            assert!(
                !shown.contains("aa_") && !shown.contains("secret") && !shown.contains(":b"),
                "{url} -> {shown}"
            );
        }
        // The same password in a driver's message is scrubbed too (`user:` + `//$+~a`).
        let url = "user://$+~a@host/db";
        let said = scrub("password //$+~a for $+~a is wrong", url);
        assert!(!said.contains("$+~a"), "{said}");
        assert_eq!(redact("postgres://me@host/db"), "postgres://me@host/db");
        assert_eq!(
            redact("postgres://me:pw@host/db"),
            "postgres://me:****@host/db"
        );
    }

    #[test]
    fn only_a_loopback_server_url_without_a_tls_setting_goes_without_tls() {
        let plain = |u: &str| {
            DatabaseUrl::parse(u, UrlSource::Flag)
                .expect("url")
                .loopback_without_tls_setting()
        };
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgresql://u:p@localhost/db",
            "postgres://u@[::1]:5432/db",
            "mysql://root@127.0.0.1:3306/test",
            "mariadb://root@localhost/test",
            "postgres://u@127.0.0.1/db?application_name=x",
        ] {
            assert!(plain(url), "{url}");
        }
        for url in [
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@localhost/db?sslmode=verify-full&sslrootcert=/ca.pem",
            "mysql://root@127.0.0.1/test?ssl-mode=REQUIRED",
            "mysql://root@127.0.0.1/test?ssl-ca=/ca.pem",
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.5/db",
            "mysql://root@192.168.1.2/test",
            "sqlite:dev.db",
        ] {
            assert!(!plain(url), "{url}");
        }
    }

    #[test]
    fn schemes_pick_the_dialect() {
        let p = |u| DatabaseUrl::parse(u, UrlSource::Flag).map(|d| d.dialect);
        assert_eq!(p("sqlite:dev.db"), Ok(Dialect::Sqlite));
        assert_eq!(p("postgresql://x@h/db"), Ok(Dialect::Postgres));
        assert_eq!(p("mariadb://x@h/db"), Ok(Dialect::MySql));
        assert!(matches!(
            p("oracle://x@h/db"),
            Err(UrlError::UnknownScheme { .. })
        ));
        assert!(matches!(p("dev.db"), Err(UrlError::UnknownScheme { .. })));
        let e = DatabaseUrl::parse("postgres://u:hunter2@/[", UrlSource::Flag).expect_err("bad");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn relative_sqlite_paths_in_metadata_are_relative_to_the_manifest() {
        let root = Path::new("/p");
        assert_eq!(
            sqlite_relative_to("sqlite:dev.db", root),
            "sqlite:///p/dev.db"
        );
        assert_eq!(
            sqlite_relative_to("sqlite://data/x.db?mode=rwc", root),
            "sqlite:///p/data/x.db?mode=rwc"
        );
        assert_eq!(
            sqlite_relative_to("sqlite:///abs.db", root),
            "sqlite:///abs.db"
        );
        assert_eq!(
            sqlite_relative_to("sqlite::memory:", root),
            "sqlite::memory:"
        );
        assert_eq!(
            sqlite_relative_to("postgres://h/db", root),
            "postgres://h/db"
        );
    }
}
