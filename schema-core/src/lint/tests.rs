use std::collections::BTreeMap;

use super::allow::parse;
use super::*;

#[test]
fn allow_comments_name_rules_and_a_reason() {
    assert_eq!(
        parse("-- lint: allow table-rewrite, drop-column the table is empty"),
        Some((
            vec!["table-rewrite".to_string(), "drop-column".to_string()],
            "the table is empty".to_string()
        ))
    );
    assert_eq!(
        parse("  --lint:allow drop-table"),
        Some((vec!["drop-table".to_string()], String::new()))
    );
    assert_eq!(parse("-- lint: allowed x"), None);
    assert_eq!(parse("-- a comment"), None);
    assert_eq!(parse("SELECT 1; -- lint: allow x y"), None);
    // In the header it is a comment, not an unknown key.
    assert_eq!(
        crate::revision::header_line("-- lint: allow drop-table gone since v2"),
        crate::revision::HeaderLine::Comment
    );
}

#[test]
fn levels_come_from_the_configuration_and_name_what_is_wrong() {
    let table = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let levels = Levels::from_config(&table(&[("drop-table", "error"), ("table-rewrite", "off")]))
        .expect("valid");
    assert_eq!(levels.severity("drop-table"), Some(Severity::Error));
    assert_eq!(levels.severity("table-rewrite"), None);
    assert_eq!(levels.severity("drop-column"), Some(Severity::Warning));
    assert_eq!(
        levels.severity("require-concurrent-index"),
        Some(Severity::Error)
    );
    match Levels::from_config(&table(&[("table-rewrites", "off")])) {
        Err(LevelError::UnknownRule { rule, suggestion }) => {
            assert_eq!(rule, "table-rewrites");
            assert_eq!(suggestion, Some("table-rewrite"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Levels::from_config(&table(&[("drop-table", "fatal")])),
        Err(LevelError::UnknownLevel { .. })
    ));
}

#[test]
fn the_contract_names_every_rule() {
    for name in [
        "require-concurrent-index",
        "require-concurrent-index-drop",
        "concurrent-index-in-transaction",
        "table-rewrite",
        "set-not-null-scan",
        "constraint-missing-not-valid",
        "unique-constraint-without-index",
        "access-exclusive-held",
        "missing-lock-timeout",
        "not-null-without-default",
        "mysql-table-copy",
        "enum-reorder",
        "sqlite-table-rebuild",
        "rename-column",
        "rename-table",
        "drop-column",
        "drop-table",
        "fk-without-index",
        "revision-fails",
    ] {
        assert_eq!(rule(name), Some(name));
    }
}
