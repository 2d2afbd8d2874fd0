//! Round trips against the MariaDB/MySQL test server (each asserts on the SQL it renders), and
//! rendering without a server.

use crate::autogen::Diff;
use crate::autogen::model::{
    Check, Column, ForeignKey, PrimaryKey, Schema, Table, UniqueConstraint,
};
use crate::autogen::roundtrip_tests;
use crate::db::Dialect;

use super::introspect::*;
use super::render::*;

use crate::autogen::{Renames, ScratchDb, roundtrip_renamed, run_sql};

/// The round trip (see `roundtrip_case`), then the fragments the up and the down section
/// must hold, in this order, compared case-insensitively and written without display widths
/// (`int`, not `int(11)`) so that MariaDB and MySQL 8 both match.
async fn case(
    s1: &str,
    s2: &str,
    seed: &str,
    query: &str,
    expect: &[&str],
    up_has: &[&str],
    down_has: &[&str],
) {
    let out =
        crate::autogen::roundtrip_case(Dialect::MySql, s1, s2, seed, Some((query, expect))).await;
    let Some((up, down)) = out else {
        return;
    };
    println!("-- up\n{up}\n-- down\n{down}");
    assert_in_order("up", &up, up_has);
    assert_in_order("down", &down, down_has);
}

/// Each of `fragments` occurs in `section`, after the one before it.
fn assert_in_order(what: &str, section: &str, fragments: &[&str]) {
    assert!(
        !fragments.is_empty(),
        "no fragments to look for in the {what} section"
    );
    let text = section.to_lowercase();
    let mut from = 0;
    for f in fragments {
        match text[from..].find(&f.to_lowercase()) {
            Some(at) => from += at + f.len(),
            None => panic!("the {what} section lacks {f:?} (in this order):\n{section}"),
        }
    }
}

roundtrip_tests! {
    tables_added_and_dropped(
        "CREATE TABLE keep_me (id INT PRIMARY KEY, v VARCHAR(10));
         CREATE TABLE old_t (id INT PRIMARY KEY, note TEXT);",
        "CREATE TABLE keep_me (id INT PRIMARY KEY, v VARCHAR(10));
         CREATE TABLE new_t (id INT AUTO_INCREMENT PRIMARY KEY,
             name VARCHAR(20) NOT NULL DEFAULT 'x' CHECK (name <> ''), keep_id INT, n INT,
             KEY ix_name (name), CONSTRAINT uq_n UNIQUE (n), CHECK (n > 0),
             CONSTRAINT fk_keep FOREIGN KEY (keep_id) REFERENCES keep_me (id) ON DELETE CASCADE);",
        "INSERT INTO keep_me VALUES (1, 'a'), (2, NULL); INSERT INTO old_t VALUES (1, 'n');",
        "SELECT id, v FROM keep_me ORDER BY id",
        &["1|a", "2|NULL"],
        &["DROP TABLE old_t", "CREATE TABLE new_t (", "CONSTRAINT uq_n UNIQUE (n)", "INDEX ix_name (name)", "ALTER TABLE new_t ADD CONSTRAINT fk_keep FOREIGN KEY (keep_id) REFERENCES keep_me (id) ON DELETE CASCADE"],
        &["DROP TABLE new_t", "CREATE TABLE old_t ("],
    );

    columns_added_and_dropped(
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, gone VARCHAR(5));",
        "CREATE TABLE t (lead_col INT, id INT PRIMARY KEY, a INT,
             added VARCHAR(20) NOT NULL DEFAULT 'n', b DATETIME NULL);",
        "INSERT INTO t VALUES (1, 10, 'x'), (2, NULL, 'y');",
        "SELECT id, a FROM t ORDER BY id",
        &["1|10", "2|NULL"],
        &[
            "ALTER TABLE t ADD COLUMN lead_col int",
            " FIRST",
            "ADD COLUMN added varchar(20) NOT NULL DEFAULT 'n' AFTER a",
            "ALTER TABLE t DROP COLUMN gone",
        ],
        &[
            "ADD COLUMN gone varchar(5) NULL AFTER a",
            "DROP COLUMN lead_col",
        ],
    );

    column_type_widened(
        "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20), n INT, d DECIMAL(5,2), c CHAR(3));",
        "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(200), n BIGINT, d DECIMAL(10,4), c TEXT);",
        "INSERT INTO t VALUES (1, 'hello', 42, 123.45, 'abc');",
        "SELECT id, s, n, CAST(d AS CHAR), c FROM t",
        &["1|hello|42|123.45|abc"],
        &[
            "MODIFY COLUMN s varchar(200) NULL",
            "MODIFY COLUMN n bigint",
            "MODIFY COLUMN d decimal(10,4) NULL",
            "MODIFY COLUMN c text NULL",
        ],
        &[
            "-- WARNING: changes t.s from varchar(200) to varchar(20)",
            "MODIFY COLUMN c char(3) NULL",
        ],
    );

    auto_increment_key_widened(
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(5));",
        "CREATE TABLE t (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v VARCHAR(5));",
        "INSERT INTO t (v) VALUES ('a'), ('b');",
        "SELECT id, v FROM t ORDER BY id",
        &["1|a", "2|b"],
        &[
            "MODIFY COLUMN id bigint",
            "unsigned NOT NULL AUTO_INCREMENT",
        ],
        &[
            "-- WARNING: changes t.id from bigint",
            "NOT NULL AUTO_INCREMENT",
        ],
    );

    generated_and_on_update_columns(
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, touched TIMESTAMP NULL);",
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, touched TIMESTAMP NULL ON UPDATE CURRENT_TIMESTAMP,
             twice INT AS (a * 2) VIRTUAL, plus INT GENERATED ALWAYS AS (a + 1) STORED);",
        "INSERT INTO t VALUES (1, 21, NULL);",
        "SELECT id, a, touched FROM t",
        &["1|21|NULL"],
        &["MODIFY COLUMN touched timestamp ON UPDATE current_timestamp", "GENERATED ALWAYS AS (`a` * 2) VIRTUAL AFTER touched", "GENERATED ALWAYS AS (`a` + 1) STORED AFTER twice"],
        &["MODIFY COLUMN touched timestamp NULL", "DROP COLUMN twice", "DROP COLUMN plus"],
    );

    column_type_narrowed(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, s VARCHAR(100), body TEXT, f DOUBLE);",
        "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(10), body VARCHAR(50), f FLOAT);",
        "INSERT INTO t VALUES (7, 'short', 'body text', 1.5);",
        "SELECT id, s, body, CAST(f AS CHAR) FROM t",
        &["7|short|body text|1.5"],
        &[
            "-- WARNING: changes t.s from varchar(100) to varchar(10)",
            "MODIFY COLUMN body varchar(50) NULL",
            "MODIFY COLUMN f float NULL",
        ],
        &[
            "MODIFY COLUMN body text NULL",
            "MODIFY COLUMN f double NULL",
        ],
    );

    enum_and_set_column_types_change(
        "CREATE TABLE t (id INT PRIMARY KEY, st ENUM('a','b') NOT NULL DEFAULT 'a', tags SET('x','y'));",
        "CREATE TABLE t (id INT PRIMARY KEY, st ENUM('a','b','c') NOT NULL DEFAULT 'b', tags SET('x','y','z'));",
        "INSERT INTO t VALUES (1, 'b', 'x,y'), (2, 'a', NULL);",
        "SELECT id, st, tags FROM t ORDER BY id",
        &["1|b|x,y", "2|a|NULL"],
        &["MODIFY COLUMN st enum('a','b','c') NOT NULL DEFAULT 'b'", "MODIFY COLUMN tags set('x','y','z') NULL"],
        &["-- WARNING: changes t.st from enum('a','b','c') to enum('a','b')", "MODIFY COLUMN st enum('a','b') NOT NULL DEFAULT 'a'"],
    );

    nullability_changes(
        "CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(10) NULL);",
        "CREATE TABLE t (id INT PRIMARY KEY, a INT NULL, b VARCHAR(10) NOT NULL);",
        "INSERT INTO t VALUES (1, 5, 'x'), (2, 6, 'y');",
        "SELECT id, a, b FROM t ORDER BY id",
        &["1|5|x", "2|6|y"],
        &[
            "-- WARNING: makes t.b NOT NULL",
            "MODIFY COLUMN b varchar(10) NOT NULL",
        ],
        &[
            "-- WARNING: makes t.a NOT NULL",
            "MODIFY COLUMN b varchar(10) NULL",
        ],
    );

    server_defaults_change(
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10) DEFAULT 'old', c INT DEFAULT 1,
             ts TIMESTAMP NULL, e INT, s VARCHAR(10) NOT NULL DEFAULT '');",
        "CREATE TABLE t (id INT PRIMARY KEY, a INT DEFAULT 0, b VARCHAR(10) DEFAULT 'it''s', c INT,
             ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
             e INT DEFAULT (1 + 2), s VARCHAR(10) NOT NULL DEFAULT 'NULL');",
        "INSERT INTO t (id, a, b, c, ts, e) VALUES (1, 3, 'bb', 4, '2020-01-02 03:04:05', 9);",
        "SELECT id, a, b, c, CAST(ts AS CHAR), e FROM t",
        &["1|3|bb|4|2020-01-02 03:04:05|9"],
        &[
            "MODIFY COLUMN b varchar(10) NULL DEFAULT 'it''s'",
            "-- WARNING: makes t.ts NOT NULL",
            "NULL DEFAULT (1 + 2)",
            "MODIFY COLUMN s varchar(10) NOT NULL DEFAULT 'NULL'",
        ],
        &[
            "MODIFY COLUMN b varchar(10) NULL DEFAULT 'old'",
            "MODIFY COLUMN s varchar(10) NOT NULL DEFAULT ''",
        ],
    );

/// Backslashes and quotes in string defaults: `C:\` and `it's\` (MariaDB's catalog gives
/// them as SQL already; the value must survive up and down).
    string_defaults_with_backslashes_and_quotes(
        r"CREATE TABLE t (id INT PRIMARY KEY, p VARCHAR(10), q VARCHAR(10) DEFAULT 'x');",
        r"CREATE TABLE t (id INT PRIMARY KEY, p VARCHAR(10) DEFAULT 'C:\\',
             q VARCHAR(10) DEFAULT 'it''s\\', r VARCHAR(10) NOT NULL DEFAULT 'a\\''b');",
        "INSERT INTO t (id, p) VALUES (1, 'v');",
        "SELECT id, p, q FROM t",
        &["1|v|x"],
        &[
            r#"MODIFY COLUMN p varchar(10) NULL DEFAULT 'C:\\'"#,
            r#"MODIFY COLUMN q varchar(10) NULL DEFAULT 'it''s\\'"#,
            r#"ADD COLUMN r varchar(10) NOT NULL DEFAULT 'a\\''b' AFTER q"#,
        ],
        &[
            "MODIFY COLUMN q varchar(10) NULL DEFAULT 'x'",
            "DROP COLUMN r",
        ],
    );
}

/// MySQL 8 gives a literal default as its bare value: written back, a backslash is doubled
/// (else `'C:\'` runs on into the rest of the statement) and a quote too. The rendered
/// defaults, run on the server, give the values back.
#[tokio::test]
async fn mysql8_bare_string_defaults_are_escaped() {
    let row = |default: &str| {
        vec![
            Some("t".to_string()),
            Some("p".to_string()),
            Some("varchar(10)".to_string()),
            Some("YES".to_string()),
            Some(default.to_string()),
            Some(String::new()),
            None,
        ]
    };
    let values = [r"C:\", r"it's\", r"a\'b", r"\n"];
    let defaults: Vec<String> = values
        .iter()
        .map(|v| read_column(&row(v), false).default.unwrap_or_default())
        .collect();
    assert_eq!(
        defaults,
        [r"'C:\\'", r"'it''s\\'", r"'a\\''b'", r"'\\n'"],
        "as SQL"
    );
    let Some(mut db) = ScratchDb::open(Dialect::MySql).await else {
        return;
    };
    let c = &mut db.conn;
    let columns: Vec<String> = defaults
        .iter()
        .enumerate()
        .map(|(i, d)| format!("c{i} VARCHAR(10) DEFAULT {d}"))
        .collect();
    run_sql(
        c,
        &format!(
            "CREATE TABLE t (id INT, {});\nINSERT INTO t (id) VALUES (1);",
            columns.join(", ")
        ),
    )
    .await;
    let rows = c.fetch_strings("SELECT c0, c1, c2, c3 FROM t").await;
    db.close().await;
    let expect: Vec<Option<String>> = values.iter().map(|v| Some(v.to_string())).collect();
    assert_eq!(rows.expect("rows"), vec![expect]);
}

roundtrip_tests! {
    primary_key_added_with_auto_increment(
        "CREATE TABLE t (id INT NOT NULL, v VARCHAR(10));",
        "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10));",
        "INSERT INTO t VALUES (1, 'a'), (5, 'b');",
        "SELECT id, v FROM t ORDER BY id",
        &["1|a", "5|b"],
        &[
            "ALTER TABLE t ADD PRIMARY KEY (id)",
            "NOT NULL AUTO_INCREMENT",
        ],
        &["DROP PRIMARY KEY"],
    );

    primary_key_dropped(
        "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10));",
        "CREATE TABLE t (id INT NOT NULL, v VARCHAR(10));",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b');",
        "SELECT id, v FROM t ORDER BY id",
        &["1|a", "2|b"],
        &["ALTER TABLE t DROP PRIMARY KEY"],
        &["ALTER TABLE t ADD PRIMARY KEY (id)"],
    );

    primary_key_changed_keeping_auto_increment(
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, v VARCHAR(5));",
        "CREATE TABLE t (id INT AUTO_INCREMENT, k INT NOT NULL, v VARCHAR(5), PRIMARY KEY (id, k));",
        "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b');",
        "SELECT id, k, v FROM t ORDER BY id",
        &["1|10|a", "2|20|b"],
        &["DROP PRIMARY KEY", "ADD PRIMARY KEY (id, k)", "NOT NULL AUTO_INCREMENT"],
        &["ADD PRIMARY KEY (id)", "NOT NULL AUTO_INCREMENT"],
    );

    primary_key_moved_to_other_columns(
        "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, v VARCHAR(5), PRIMARY KEY (a));",
        "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, v VARCHAR(5), PRIMARY KEY (b, a));",
        "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b');",
        "SELECT a, b, v FROM t ORDER BY a",
        &["1|10|a", "2|20|b"],
        &["DROP PRIMARY KEY", "ADD PRIMARY KEY (b, a)"],
        &["ADD PRIMARY KEY (a)"],
    );

    new_auto_increment_primary_key_column(
        "CREATE TABLE t (code VARCHAR(10) PRIMARY KEY, v INT);",
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(10) NOT NULL, v INT);",
        "INSERT INTO t VALUES ('a', 1), ('b', 2);",
        "SELECT code, v FROM t ORDER BY code",
        &["a|1", "b|2"],
        &[
            "ADD COLUMN id int",
            "NOT NULL AUTO_INCREMENT FIRST, ADD PRIMARY KEY (id)",
        ],
        &["DROP COLUMN id", "ADD PRIMARY KEY (code)"],
    );

    unique_constraints(
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, c INT,
             CONSTRAINT uq_a UNIQUE (a), CONSTRAINT uq_bc UNIQUE (b, c));",
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, c INT,
             CONSTRAINT uq_b UNIQUE (b), CONSTRAINT uq_ca UNIQUE (c, a));",
        "INSERT INTO t VALUES (1, 1, 1, 1), (2, 2, 2, 2);",
        "SELECT id, a, b, c FROM t ORDER BY id",
        &["1|1|1|1", "2|2|2|2"],
        &[
            "DROP INDEX uq_a",
            "ADD CONSTRAINT uq_b UNIQUE (b)",
            "ADD CONSTRAINT uq_ca UNIQUE (c, a)",
        ],
        &["ADD CONSTRAINT uq_bc UNIQUE (b, c)"],
    );

    indexes_unique_multi_column_prefix_desc(
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(100), c INT, body TEXT,
             KEY ix_a (a), KEY ix_gone (c));",
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(100), c INT, body TEXT,
             KEY ix_a (a, c), KEY ix_b_prefix (b(10)), KEY ix_c_desc (c DESC),
             FULLTEXT KEY ft_body (body));
         CREATE UNIQUE INDEX ux_b ON t (b);",
        "INSERT INTO t VALUES (1, 1, 'x', 1, 'hello world'), (2, 2, 'y', 2, NULL);",
        "SELECT id, a, b, c, body FROM t ORDER BY id",
        &["1|1|x|1|hello world", "2|2|y|2|NULL"],
        &[
            "ADD CONSTRAINT ux_b UNIQUE (b)",
            "CREATE FULLTEXT INDEX ft_body ON t (body)",
            "CREATE INDEX ix_a ON t (a, c)",
            "CREATE INDEX ix_b_prefix ON t (b(10))",
            "CREATE INDEX ix_c_desc ON t (c DESC)",
        ],
        &["DROP INDEX ft_body", "CREATE INDEX ix_gone ON t (c)"],
    );

    foreign_keys_added_dropped_and_actions_changed(
        "CREATE TABLE parent (id INT PRIMARY KEY, code INT NOT NULL, UNIQUE KEY uq_code (code));
         CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, code INT, other INT,
             CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE,
             CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES parent (code));",
        "CREATE TABLE parent (id INT PRIMARY KEY, code INT NOT NULL, UNIQUE KEY uq_code (code));
         CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, code INT, other INT,
             CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
                 ON DELETE SET NULL ON UPDATE CASCADE,
             CONSTRAINT fk_other FOREIGN KEY (other) REFERENCES parent (id));",
        "INSERT INTO parent VALUES (1, 100), (2, 200);
         INSERT INTO child VALUES (1, 1, 100, 2), (2, 2, 200, NULL);",
        "SELECT id, parent_id, code, other FROM child ORDER BY id",
        &["1|1|100|2", "2|2|200|NULL"],
        &["DROP FOREIGN KEY fk_code", "ADD CONSTRAINT fk_other FOREIGN KEY (other) REFERENCES parent (id)", "ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE SET NULL ON UPDATE CASCADE"],
        &["ADD CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES parent (code)", "ON DELETE CASCADE"],
    );

    foreign_key_index_replaced_by_declared_index(
        "CREATE TABLE parent (id INT PRIMARY KEY);
         CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, n INT,
             CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id));",
        "CREATE TABLE parent (id INT PRIMARY KEY);
         CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, n INT, KEY ix_pn (parent_id, n),
             CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id));",
        "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1, 5);",
        "SELECT id, parent_id, n FROM child",
        &["1|1|5"],
        &["DROP INDEX fk_p, ADD INDEX ix_pn (parent_id, n)"],
        &["DROP INDEX ix_pn, ADD INDEX fk_p (parent_id)"],
    );

    new_tables_referencing_each_other(
        "CREATE TABLE base (id INT PRIMARY KEY, v INT);",
        "CREATE TABLE base (id INT PRIMARY KEY, v INT);
         CREATE TABLE a (id INT PRIMARY KEY, b_id INT);
         CREATE TABLE b (id INT PRIMARY KEY, a_id INT,
             CONSTRAINT fk_b_a FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE SET NULL);
         ALTER TABLE a ADD CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES b (id) ON UPDATE CASCADE;",
        "INSERT INTO base VALUES (1, 11);",
        "SELECT id, v FROM base",
        &["1|11"],
        &["CREATE TABLE a (", "CREATE TABLE b (", "CONSTRAINT fk_b_a FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE SET NULL", "ALTER TABLE a ADD CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES b (id)"],
        &["ALTER TABLE a DROP FOREIGN KEY fk_a_b", "DROP TABLE b", "DROP TABLE a"],
    );

    check_constraints(
        "CREATE TABLE t (id INT PRIMARY KEY, age INT CHECK (age >= 0), n INT, m INT,
             CONSTRAINT ck_n CHECK (n < 100), CHECK (m > 0));",
        "CREATE TABLE t (id INT PRIMARY KEY, age INT, n INT CHECK (n <> 13), m INT,
             CONSTRAINT ck_n CHECK (n < 1000), CONSTRAINT ck_age CHECK (age < 200));",
        "INSERT INTO t VALUES (1, 30, 5, 1);",
        "SELECT id, age, n, m FROM t",
        &["1|30|5|1"],
        &[
            "ALTER TABLE t ADD CONSTRAINT ck_age CHECK (`age` < 200)",
            "ADD CONSTRAINT ck_n CHECK (`n` < 1000)",
            "CHECK (`n` <> 13)",
        ],
        &["ALTER TABLE t DROP CONSTRAINT ck_age", "CHECK (`age` >= 0)"],
    );

    column_check_survives_a_type_change(
        "CREATE TABLE t (id INT PRIMARY KEY, age INT CHECK (age >= 0));",
        "CREATE TABLE t (id INT PRIMARY KEY, age BIGINT NOT NULL CHECK (age >= 0));",
        "INSERT INTO t VALUES (1, 30);",
        "SELECT id, age FROM t",
        &["1|30"],
        &["MODIFY COLUMN age bigint", "NOT NULL CHECK (`age` >= 0)"],
        &["NULL CHECK (`age` >= 0)"],
    );

    views_added_dropped_changed(
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT);
         CREATE VIEW v_gone AS SELECT id FROM t;
         CREATE VIEW v_change AS SELECT id, a FROM t WHERE a > 0;
         CREATE VIEW v_col AS SELECT id, b FROM t;",
        "CREATE TABLE t (id INT PRIMARY KEY, a INT, b BIGINT);
         CREATE VIEW v_change AS SELECT id, a, b FROM t WHERE a > 1;
         CREATE VIEW v_col AS SELECT id, b FROM t;
         CREATE VIEW v_new AS SELECT id FROM t;
         CREATE VIEW a_on_view AS SELECT id FROM v_new;",
        "INSERT INTO t VALUES (1, 2, 3);",
        "SELECT id, a, b FROM t",
        &["1|2|3"],
        &[
            "DROP VIEW v_gone",
            "CREATE VIEW v_new AS",
            "CREATE VIEW a_on_view AS",
        ],
        &["DROP VIEW a_on_view", "CREATE VIEW v_gone AS"],
    );
}

/// Renames are not part of `roundtrip_case`: the same round trip with a table and a
/// column renamed.
#[tokio::test]
async fn renames_keep_data() {
    let renames = Renames {
        tables: vec![("old_t".into(), "new_t".into())],
        columns: vec![("new_t".into(), "old_c".into(), "new_c".into())],
    };
    roundtrip_renamed(
        Dialect::MySql,
        &renames,
        "CREATE TABLE old_t (id INT AUTO_INCREMENT PRIMARY KEY, old_c VARCHAR(10), KEY ix (old_c));",
        "CREATE TABLE new_t (id INT AUTO_INCREMENT PRIMARY KEY, new_c VARCHAR(10), KEY ix (new_c));",
        "INSERT INTO old_t VALUES (1, 'kept');",
        Some(("SELECT id, old_c FROM old_t", &["1|kept"])),
    )
    .await;
}

async fn introspect_sql(sql: &str, exclude: &[&str]) -> Option<Schema> {
    crate::autogen::introspect_sql(Dialect::MySql, sql, exclude).await
}

#[tokio::test]
async fn empty_database_is_empty_schema() {
    if let Some(m) = introspect_sql("", &[]).await {
        assert_eq!(m, Schema::default());
    }
}

#[tokio::test]
async fn introspects_a_rich_schema() {
    let Some(m) = introspect_sql(
        "CREATE TABLE users (
             id INT AUTO_INCREMENT PRIMARY KEY,
             email VARCHAR(100) NOT NULL,
             name VARCHAR(40) DEFAULT 'it''s',
             age INT CHECK (age >= 0),
             status ENUM('a','b') NOT NULL DEFAULT 'a',
             updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
             CONSTRAINT uq_email UNIQUE (email),
             CONSTRAINT ck_name CHECK (name <> ''),
             KEY ix_name (name(10), age DESC));
         CREATE TABLE posts (id INT PRIMARY KEY, user_id INT,
             CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);
         CREATE TABLE schema_versions (id INT);
         CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18;",
        &["schema_versions"],
    )
    .await
    else {
        return;
    };
    assert_eq!(m.tables.keys().collect::<Vec<_>>(), ["posts", "users"]);
    let users = &m.tables["users"];
    let names: Vec<&str> = users.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "email", "name", "age", "status", "updated"]);
    let id = &users.columns[0];
    assert!(id.auto_increment && !id.nullable && id.default.is_none());
    assert!(id.data_type.starts_with("int"));
    assert_eq!(users.columns[1].data_type, "varchar(100)");
    assert_eq!(users.columns[2].default.as_deref(), Some("'it''s'"));
    assert!(users.columns[2].nullable);
    assert_eq!(users.columns[3].default, None);
    assert_eq!(users.columns[4].data_type, "enum('a','b')");
    assert_eq!(users.columns[4].default.as_deref(), Some("'a'"));
    assert_eq!(
        users.columns[5].data_type,
        "timestamp ON UPDATE current_timestamp()"
    );
    assert_eq!(
        users.columns[5].default.as_deref(),
        Some("current_timestamp()")
    );
    assert_eq!(users.primary_key, Some(PrimaryKey::on(None, &["id"])));
    assert_eq!(
        users.uniques,
        vec![UniqueConstraint::on(Some("uq_email"), &["email"])]
    );
    assert_eq!(users.indexes.len(), 1);
    assert_eq!(users.indexes[0].name, "ix_name");
    assert_eq!(users.indexes[0].columns, ["name(10)", "age DESC"]);
    assert_eq!(
        users.checks,
        vec![
            Check::on(Some("age"), "`age` >= 0"),
            Check::on(Some("ck_name"), "`name` <> ''"),
        ]
    );
    let posts = &m.tables["posts"];
    assert_eq!(
        posts.foreign_keys,
        vec![ForeignKey::on(
            Some("fk_user"),
            &["user_id"],
            ("users", &["id"]),
            ("CASCADE", "RESTRICT")
        )]
    );
    // InnoDB's index for the foreign key is an ordinary index named after it.
    assert_eq!(posts.indexes.len(), 1);
    assert_eq!(posts.indexes[0].name, "fk_user");
    let view = &m.views["adults"];
    assert!(
        !view.definition.contains("cargo_schema_scratch"),
        "{}",
        view.definition
    );
    assert!(
        view.definition.contains("from `users`"),
        "{}",
        view.definition
    );
}

#[test]
fn renders_without_a_server() {
    let table = Table {
        name: "order".into(),
        columns: vec![Column {
            name: "id".into(),
            data_type: "int(11)".into(),
            nullable: false,
            default: None,
            auto_increment: true,
        }],
        primary_key: Some(PrimaryKey::on(None, &["id"])),
        ..Table::default()
    };
    let to = Schema {
        tables: [("order".to_string(), table)].into(),
        ..Schema::default()
    };
    let diff = Diff::new(Dialect::MySql, &Schema::default(), &to, &Renames::default());
    let steps = render(&diff);
    assert_eq!(
        steps[0].sql,
        ["CREATE TABLE `order` (\n  id int(11) NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (id)\n)"]
    );
    let back = render(&diff.reverse());
    assert_eq!(back[0].sql, ["DROP TABLE `order`"]);
    assert!(back[0].warning.is_some());
}
