//! Which database a command uses, and how to show its URL without the password.

use std::path::Path;

use crate::config::Config;

/// The kind of database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    MySql,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL",
        }
    }
}

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

/// Replaces the password in a URL with `****`; leaves anything unparsable as it is unless it
/// looks like it has credentials, which are then cut entirely.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}://****@{}", &url[..s], &url[at + 1..]),
            _ => url.to_string(),
        },
    }
}

impl DatabaseUrl {
    /// Checks a URL's scheme.
    pub fn parse(url: &str, source: UrlSource) -> Result<Self, UrlError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        let dialect = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Dialect::Sqlite,
            "postgres" | "postgresql" => Dialect::Postgres,
            "mysql" | "mariadb" => Dialect::MySql,
            _ => {
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
        if dialect != Dialect::Sqlite
            && let Err(e) = url::Url::parse(url)
        {
            return Err(UrlError::Invalid {
                redacted: redact(url),
                reason: e.to_string(),
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

    pub fn redacted(&self) -> String {
        redact(&self.url)
    }

    /// The URL a command uses: `--database-url`, then the configured environment variable
    /// (also read from `.env` beside Cargo.toml), then `database-url` in the metadata, then
    /// the embedded default, a SQLite `dev.db` beside Cargo.toml.
    pub fn resolve(config: &Config, flag: Option<&str>) -> Result<Self, UrlError> {
        if let Some(url) = flag {
            return Self::parse(url, UrlSource::Flag);
        }
        let var = &config.database_url_env;
        let from_env = std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| dotenv_value(&config.root.join(".env"), var));
        if let Some(url) = from_env {
            return Self::parse(&url, UrlSource::Env(var.clone()));
        }
        if let Some(url) = &config.database_url {
            let url = sqlite_relative_to(url, &config.root);
            return Self::parse(&url, UrlSource::Metadata);
        }
        let path = config.root.join("dev.db");
        Self::parse(&format!("sqlite://{}", path.display()), UrlSource::Default)
    }
}

fn dotenv_value(path: &Path, var: &str) -> Option<String> {
    let iter = dotenvy::from_path_iter(path).ok()?;
    iter.flatten()
        .find(|(k, _)| k == var)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
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
