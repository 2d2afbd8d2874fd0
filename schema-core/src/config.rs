//! The `[package.metadata.schema]` / `[workspace.metadata.schema]` configuration.
//!
//! The CLI finds the tables through `cargo metadata`; this module turns them into a
//! [`Config`] with every path made absolute and every default filled in. Reading the tables
//! from JSON (serde) is the `config` feature's, which the CLI turns on: an application that
//! builds a [`Migrator`](crate::Migrator) in code compiles no serde.

use std::path::{Path, PathBuf};

#[cfg(feature = "config")]
use serde::Deserialize;

/// How concurrent runs against one database are serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "config",
    derive(Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum LockMode {
    /// PostgreSQL advisory lock, MySQL `GET_LOCK`, SQLite's own locking.
    #[default]
    Advisory,
    /// A lock row with a lease in a table (PgBouncer transaction pooling, CockroachDB).
    Table,
    None,
}

/// The metadata table as written, before defaults. Unknown keys are errors: a misspelt
/// `migration = …` silently ignored would point the tool at the wrong directory.
#[derive(Debug, Clone, Default)]
#[cfg_attr(
    feature = "config",
    derive(Deserialize),
    serde(deny_unknown_fields, rename_all = "kebab-case")
)]
pub struct RawConfig {
    pub migrations: Option<String>,
    pub database_url_env: Option<String>,
    pub database_url: Option<String>,
    pub schema: Option<String>,
    pub templates: Option<String>,
    pub version_table: Option<String>,
    pub auto_apply: Option<bool>,
    pub lock: Option<LockMode>,
    pub lock_timeout: Option<LockTimeout>,
    pub statement_timeout: Option<LockTimeout>,
    pub lock_retries: Option<Retries>,
    /// How long revisions in quick succession go on committing together (SQLite) or a
    /// revision's final update waits for the next one's mark (MySQL) (`group-commit =
    /// "100ms"`; `"0s"`: each alone).
    pub group_commit: Option<LockTimeout>,
    /// `[package.metadata.schema.lint]`: `RULE = "error" | "warning" | "off"`, checked by
    /// lint (which knows the rules).
    pub lint: Option<std::collections::BTreeMap<String, String>>,
}

/// A duration as written in the table (`lock-timeout = "30s"`, `statement-timeout = "10min"`):
/// `500ms`, `10s`, `2m`, `1h` or `1m30s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockTimeout(pub std::time::Duration);

#[cfg(feature = "config")]
impl<'de> Deserialize<'de> for LockTimeout {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text)
            .map(LockTimeout)
            .map_err(serde::de::Error::custom)
    }
}

/// How many times a revision rolled back by a lock timeout is tried again
/// (`lock-retries = 3`): a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries(pub u32);

#[cfg(feature = "config")]
impl<'de> Deserialize<'de> for Retries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Count;
        impl serde::de::Visitor<'_> for Count {
            type Value = Retries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number of retries, such as 3")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Retries, E> {
                u32::try_from(v)
                    .map(Retries)
                    .map_err(|_| E::custom(format!("{v} retries are too many")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Retries, E> {
                u64::try_from(v)
                    .map_err(|_| {
                        E::custom(format!("{v} is not a number of retries: write 0 or more"))
                    })
                    .and_then(|v| self.visit_u64(v))
            }
        }
        d.deserialize_u32(Count)
    }
}

/// A duration as written in `--lock-timeout` and `lock-timeout`: one or more numbers, each
/// with its unit (`ms`, `s`, `m`, `h`): `500ms`, `10s`, `2m`, `1m30s`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let invalid = || {
        format!(
            "`{}` is not a duration: write a number and a unit, e.g. `500ms`, `10s`, `2m`, `1h` or `1m30s`",
            text.escape_debug()
        )
    };
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total = std::time::Duration::ZERO;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => std::time::Duration::from_millis(1),
            "s" | "sec" | "secs" => std::time::Duration::from_secs(1),
            "m" | "min" | "mins" => std::time::Duration::from_secs(60),
            "h" => std::time::Duration::from_secs(3600),
            _ => return Err(invalid()),
        };
        let part = u32::try_from(number)
            .ok()
            .and_then(|n| unit.checked_mul(n))
            .ok_or_else(invalid)?;
        total = total.checked_add(part).ok_or_else(invalid)?;
        rest = rest[unit_len..].trim_start();
    }
    Ok(total)
}

/// Where a configuration table was found, for messages.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The Cargo.toml holding the table.
    pub manifest: PathBuf,
    /// `package.metadata.schema` or `workspace.metadata.schema`.
    pub table: &'static str,
}

#[derive(Debug, thiserror::Error)]
#[error("{}: invalid `[{}]`: {message}", origin.manifest.display(), origin.table)]
pub struct ConfigError {
    pub origin: Origin,
    pub message: String,
    /// The known key an unknown one was probably meant to be.
    pub suggestion: Option<&'static str>,
}

/// The names of the fields a struct deserializes from, as serde knows them (renamed): the one
/// list of the configuration's keys, so that it cannot drift from [`RawConfig`].
#[cfg(feature = "config")]
fn struct_fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    struct Fields(Option<&'static [&'static str]>);
    struct Probe<'a>(&'a mut Fields);
    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only structs are probed"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.0 = Some(fields);
            Err(de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields = Fields(None);
    let _ = T::deserialize(Probe(&mut fields));
    fields.0.unwrap_or(&[])
}

#[cfg(feature = "config")]
impl RawConfig {
    /// The keys of the table, as written in Cargo.toml.
    pub fn keys() -> &'static [&'static str] {
        struct_fields::<RawConfig>()
    }

    /// Reads the table from `cargo metadata`'s JSON for it.
    pub fn from_json(value: &serde_json::Value, origin: &Origin) -> Result<Self, ConfigError> {
        // An unknown key is named with the known one it was probably meant to be.
        if let Some(table) = value.as_object() {
            let keys = Self::keys();
            if let Some(unknown) = table.keys().find(|k| !keys.contains(&k.as_str())) {
                return Err(ConfigError {
                    origin: origin.clone(),
                    message: format!("unknown key `{unknown}`"),
                    suggestion: crate::suggest::closest(unknown, keys.iter().copied()),
                });
            }
        }
        // Through serde_path_to_error, so a wrong value names its key.
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            ConfigError {
                origin: origin.clone(),
                message: if path == "." {
                    inner.to_string()
                } else {
                    format!("`{path}`: {inner}")
                },
                suggestion: None,
            }
        })
    }
}

impl RawConfig {
    /// The same table with its relative paths made absolute from `root`, the directory of the
    /// Cargo.toml that holds it; a merged table then keeps each key's own base.
    pub fn absolute(mut self, root: &Path) -> RawConfig {
        let abs = |p: Option<String>| p.map(|p| root.join(p).to_string_lossy().into_owned());
        self.migrations = abs(self.migrations);
        self.schema = abs(self.schema);
        self.templates = abs(self.templates);
        self
    }

    /// Each key of `self`, or else of `fallback` (package keys win over workspace keys).
    pub fn or(self, fallback: RawConfig) -> RawConfig {
        RawConfig {
            migrations: self.migrations.or(fallback.migrations),
            database_url_env: self.database_url_env.or(fallback.database_url_env),
            database_url: self.database_url.or(fallback.database_url),
            schema: self.schema.or(fallback.schema),
            templates: self.templates.or(fallback.templates),
            version_table: self.version_table.or(fallback.version_table),
            auto_apply: self.auto_apply.or(fallback.auto_apply),
            lock: self.lock.or(fallback.lock),
            lock_timeout: self.lock_timeout.or(fallback.lock_timeout),
            statement_timeout: self.statement_timeout.or(fallback.statement_timeout),
            lock_retries: self.lock_retries.or(fallback.lock_retries),
            group_commit: self.group_commit.or(fallback.group_commit),
            lint: self.lint.or(fallback.lint),
        }
    }
}

/// The resolved configuration of one package's migrations.
#[derive(Debug, Clone)]
pub struct Config {
    /// The package whose migrations these are, if any.
    pub package: Option<String>,
    /// The directory of the Cargo.toml that the paths are relative to.
    pub root: PathBuf,
    pub migrations: PathBuf,
    pub database_url_env: String,
    pub database_url: Option<String>,
    pub schema: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    pub version_table: String,
    pub auto_apply: bool,
    pub lock: LockMode,
    /// How long a run waits for the migration lock, and each revision's statements for the
    /// locks they need; `None` (the default): as long as it takes, saying for whom it waits.
    pub lock_timeout: Option<std::time::Duration>,
    /// How long one statement of a revision may run, where the server supports it; `None`:
    /// the server's own setting.
    pub statement_timeout: Option<std::time::Duration>,
    /// How many times a revision rolled back by a lock timeout is tried again (0: never).
    pub lock_retries: u32,
    /// SQLite: how long revisions in quick succession go on committing together; `None`:
    /// the runner's default (`schema_core::migrate::GROUP_COMMIT`).
    pub group_commit: Option<std::time::Duration>,
    /// Each lint rule's configured severity (`"error"`, `"warning"`, `"off"`), as written.
    pub lint: std::collections::BTreeMap<String, String>,
}

impl Config {
    /// Fills in the defaults; relative paths are taken from `root`.
    pub fn resolve(raw: RawConfig, root: &Path, package: Option<String>) -> Config {
        let path = |p: String| root.join(p);
        Config {
            package,
            root: root.to_path_buf(),
            migrations: path(raw.migrations.unwrap_or_else(|| "migrations".into())),
            database_url_env: raw
                .database_url_env
                .unwrap_or_else(|| "DATABASE_URL".into()),
            database_url: raw.database_url,
            schema: raw.schema.map(path),
            templates: raw.templates.map(path),
            version_table: raw.version_table.unwrap_or_else(|| "schema_version".into()),
            auto_apply: raw.auto_apply.unwrap_or(false),
            lock: raw.lock.unwrap_or_default(),
            lock_timeout: raw.lock_timeout.map(|t| t.0),
            statement_timeout: raw.statement_timeout.map(|t| t.0),
            lock_retries: raw.lock_retries.map_or(0, |r| r.0),
            group_commit: raw.group_commit.map(|t| t.0),
            lint: raw.lint.unwrap_or_default(),
        }
    }
}

#[cfg(all(test, feature = "config"))]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            manifest: PathBuf::from("/p/Cargo.toml"),
            table: "package.metadata.schema",
        }
    }

    #[test]
    fn defaults_fill_an_empty_table() {
        let raw = RawConfig::from_json(&serde_json::json!({}), &origin()).expect("ok");
        let c = Config::resolve(raw, Path::new("/p"), None);
        assert_eq!(c.migrations, Path::new("/p/migrations"));
        assert_eq!(c.version_table, "schema_version");
        assert_eq!(c.database_url_env, "DATABASE_URL");
        assert_eq!(c.lock, LockMode::Advisory);
    }

    #[test]
    fn package_keys_win_over_workspace_keys() {
        let pkg =
            RawConfig::from_json(&serde_json::json!({"migrations": "db"}), &origin()).expect("ok");
        let ws = RawConfig::from_json(
            &serde_json::json!({"migrations": "x", "version-table": "v", "lock": "table"}),
            &origin(),
        )
        .expect("ok");
        let c = Config::resolve(pkg.or(ws), Path::new("/p"), None);
        assert_eq!(c.migrations, Path::new("/p/db"));
        assert_eq!(c.version_table, "v");
        assert_eq!(c.lock, LockMode::Table);
    }

    #[test]
    fn the_keys_are_those_of_the_table() {
        let keys = RawConfig::keys();
        for key in ["migrations", "database-url-env", "auto-apply", "lock"] {
            assert!(keys.contains(&key), "{keys:?}");
        }
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_manifest() {
        let e = RawConfig::from_json(&serde_json::json!({"migration": "db"}), &origin())
            .expect_err("unknown key");
        assert!(e.to_string().contains("/p/Cargo.toml"));
        assert!(e.to_string().contains("migration"));
        let e = RawConfig::from_json(&serde_json::json!({"auto_apply": true}), &origin())
            .expect_err("unknown key");
        assert!(e.to_string().contains("unknown key `auto_apply`"), "{e}");
        assert_eq!(e.suggestion, Some("auto-apply"));
        let e = RawConfig::from_json(&serde_json::json!({"lock": "sometimes"}), &origin())
            .expect_err("bad value");
        assert!(
            e.to_string()
                .contains("`lock`: unknown variant `sometimes`")
        );
    }

    #[test]
    fn lock_timeout_takes_durations_and_names_the_key_when_wrong() {
        let raw = RawConfig::from_json(&serde_json::json!({"lock-timeout": "1m30s"}), &origin())
            .expect("ok");
        let c = Config::resolve(raw, Path::new("/p"), None);
        assert_eq!(c.lock_timeout, Some(std::time::Duration::from_secs(90)));
        let e = RawConfig::from_json(&serde_json::json!({"lock-timeout": "soon"}), &origin())
            .expect_err("bad value");
        assert!(
            e.to_string()
                .contains("`lock-timeout`: `soon` is not a duration"),
            "{e}"
        );
    }

    #[test]
    fn statement_timeout_and_lock_retries_name_their_key_when_wrong() {
        let json = serde_json::json!({"statement-timeout": "10min", "lock-retries": 3});
        let c = Config::resolve(
            RawConfig::from_json(&json, &origin()).unwrap(),
            Path::new("/p"),
            None,
        );
        assert_eq!(
            c.statement_timeout,
            Some(std::time::Duration::from_secs(600))
        );
        assert_eq!(c.lock_retries, 3);
        let e = RawConfig::from_json(&serde_json::json!({"statement-timeout": "long"}), &origin())
            .unwrap_err();
        assert!(
            e.message
                .contains("`statement-timeout`: `long` is not a duration")
        );
        let e = RawConfig::from_json(&serde_json::json!({"lock-retries": "three"}), &origin())
            .unwrap_err();
        assert!(e.message.contains("`lock-retries`"), "{}", e.message);
    }

    #[test]
    fn group_commit_is_a_duration_and_unset_by_default() {
        let resolve = |json: serde_json::Value| {
            Config::resolve(
                RawConfig::from_json(&json, &origin()).unwrap(),
                Path::new("/p"),
                None,
            )
        };
        let zero = resolve(serde_json::json!({"group-commit": "0s"}));
        assert_eq!(zero.group_commit, Some(std::time::Duration::ZERO));
        assert_eq!(resolve(serde_json::json!({})).group_commit, None);
        let e =
            RawConfig::from_json(&serde_json::json!({"group-commit": 100}), &origin()).unwrap_err();
        assert!(e.message.contains("`group-commit`"), "{}", e.message);
    }

    #[test]
    fn durations_have_units() {
        use std::time::Duration;
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2 s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h1m1s"), Ok(Duration::from_secs(3661)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for bad in ["", "5", "s", "1 day", "-1s", "1.5s", "99999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
