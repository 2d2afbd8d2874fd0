//! Round trips on in-memory SQLite databases, and the readers of `CREATE` texts.

use crate::autogen::model::{
    Check, Column, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint,
};
use crate::autogen::{Change, Diff, Schema};
use crate::db::{Conn, Dialect};

use super::introspect::*;
use super::lex::*;
use super::render::*;
use crate::autogen::{
    Renames, assert_contains, roundtrip_case, roundtrip_renamed, roundtrip_tests, run_sql,
};

use crate::db::{DatabaseUrl, UrlSource};

async fn memory() -> Conn {
    let url = DatabaseUrl::parse("sqlite::memory:", UrlSource::Flag).expect("url");
    Conn::connect(&url).await.expect("connect")
}

async fn load(ddl: &str) -> Schema {
    let mut c = memory().await;
    run_sql(&mut c, ddl).await;
    let s = introspect(&mut c, &[]).await.expect("introspect");
    c.close().await;
    s
}

/// Runs `diff`'s up section on `conn`, which then holds `to`, and its down, which takes it back
/// to `from`; returns the rows of `query` after that.
async fn up_and_down(
    conn: &mut Conn,
    diff: &Diff,
    (from, to): (&Schema, &Schema),
    query: &str,
) -> Vec<Vec<Option<String>>> {
    run_sql(conn, &crate::autogen::section_text(&diff.render())).await;
    assert_eq!(&introspect(conn, &[]).await.expect("introspect"), to);
    run_sql(
        conn,
        &crate::autogen::section_text(&diff.reverse().render()),
    )
    .await;
    assert_eq!(&introspect(conn, &[]).await.expect("introspect"), from);
    conn.fetch_strings(query).await.expect("rows")
}

async fn case(s1: &str, s2: &str, seed: &str, query: &str, expect: &[&str]) -> (String, String) {
    roundtrip_case(Dialect::Sqlite, s1, s2, seed, Some((query, expect)))
        .await
        .expect("sqlite is always there")
}

#[tokio::test]
async fn empty_database_is_the_default_schema() {
    assert_eq!(load("").await, Schema::default());
    // sqlite_sequence (made by AUTOINCREMENT) and excluded tables are left out.
    let mut c = memory().await;
    run_sql(
        &mut c,
        "CREATE TABLE schema_versions (id INTEGER PRIMARY KEY AUTOINCREMENT);\n\
         INSERT INTO schema_versions DEFAULT VALUES;",
    )
    .await;
    let s = introspect(&mut c, &["schema_versions"])
        .await
        .expect("introspect");
    assert_eq!(s, Schema::default());
    c.close().await;
}

#[tokio::test]
async fn introspects_a_rich_schema() {
    let s = load(
        "CREATE TABLE users (\n\
           id INTEGER PRIMARY KEY AUTOINCREMENT,\n\
           email varchar(200) NOT NULL UNIQUE,\n\
           status TEXT NOT NULL DEFAULT 'active' CONSTRAINT status_ok CHECK (status IN ('active', 'gone')), -- a comment with CHECK (x)\n\
           score REAL DEFAULT (1 + 1),\n\
           CHECK (score >= 0 /* never negative */)\n\
         );\n\
         CREATE TABLE posts (\n\
           id INTEGER, author_id INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,\n\
           slug TEXT, \"Title\" TEXT,\n\
           PRIMARY KEY (id, slug),\n\
           FOREIGN KEY (slug) REFERENCES Users(EMAIL) ON UPDATE SET NULL\n\
         );\n\
         CREATE INDEX posts_author ON posts (author_id, lower(\"Title\") DESC);\n\
         CREATE UNIQUE INDEX IF NOT EXISTS posts_live ON posts (slug) WHERE author_id > 0;\n\
         CREATE VIEW active_users (id) AS SELECT id FROM users WHERE status = 'active';\n\
         CREATE VIRTUAL TABLE docs USING fts5(body);",
    )
    .await;
    assert_eq!(
        s.tables.keys().collect::<Vec<_>>(),
        ["posts", "users"],
        "the virtual table and its shadow tables are left out"
    );
    let users = &s.tables["users"];
    assert_eq!(
        users.columns,
        vec![
            Column {
                name: "id".into(),
                data_type: "INTEGER".into(),
                nullable: false,
                default: None,
                auto_increment: true,
            },
            Column {
                name: "email".into(),
                data_type: "VARCHAR(200)".into(),
                nullable: false,
                default: None,
                auto_increment: false,
            },
            Column {
                name: "status".into(),
                data_type: "TEXT".into(),
                nullable: false,
                default: Some("'active'".into()),
                auto_increment: false,
            },
            Column {
                name: "score".into(),
                data_type: "REAL".into(),
                nullable: true,
                default: Some("1 + 1".into()),
                auto_increment: false,
            },
        ]
    );
    assert_eq!(users.primary_key, Some(PrimaryKey::on(None, &["id"])));
    assert_eq!(users.uniques, vec![UniqueConstraint::on(None, &["email"])]);
    assert_eq!(
        users.checks,
        vec![
            Check::on(None, "score >= 0"),
            Check::on(Some("status_ok"), "status IN ('active', 'gone')"),
        ]
    );
    let posts = &s.tables["posts"];
    assert_eq!(
        posts.primary_key.as_ref().map(|p| p.columns.clone()),
        Some(vec!["id".to_string(), "slug".to_string()])
    );
    assert!(!posts.columns[0].auto_increment);
    assert_eq!(
        posts.foreign_keys,
        vec![
            ForeignKey::on(
                None,
                &["author_id"],
                ("users", &["id"]),
                ("CASCADE", "NO ACTION")
            ),
            ForeignKey::on(
                None,
                &["slug"],
                ("users", &["email"]),
                ("NO ACTION", "SET NULL")
            ),
        ]
    );
    assert_eq!(
        posts.indexes,
        vec![
            Index {
                name: "posts_author".into(),
                columns: vec!["author_id".into(), "lower(\"Title\") DESC".into()],
                unique: false,
                predicate: None,
                definition: Some(
                    "CREATE INDEX posts_author ON posts (author_id, lower(\"Title\") DESC)".into()
                ),
            },
            Index {
                name: "posts_live".into(),
                columns: vec!["slug".into()],
                unique: true,
                predicate: Some("author_id > 0".into()),
                definition: Some(
                    "CREATE UNIQUE INDEX posts_live ON posts (slug) WHERE author_id > 0".into()
                ),
            },
        ]
    );
    assert_eq!(
        s.views["active_users"].definition,
        "SELECT id FROM users WHERE status = 'active'"
    );
    assert!(s.enums.is_empty());
}

#[tokio::test]
async fn column_and_table_level_forms_read_back_equal() {
    let a = load(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n\
         CREATE TABLE c (id INTEGER PRIMARY KEY, email TEXT UNIQUE CHECK (email <> ''),\n\
           pid INTEGER REFERENCES p ON DELETE CASCADE);",
    )
    .await;
    let b = load(
        "CREATE TABLE \"p\" (id integer NOT NULL, code text, PRIMARY KEY (id), UNIQUE (code));\n\
         create table if not exists c (id INTEGER, email TEXT, pid INTEGER,\n\
           PRIMARY KEY (id), UNIQUE (email), CHECK (email <> ''),\n\
           FOREIGN KEY (pid) REFERENCES P (ID) ON DELETE CASCADE ON UPDATE NO ACTION);",
    )
    .await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn rendered_create_table_reads_back_equal() {
    let ddl = "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT UNIQUE);\n\
         CREATE TABLE \"Odd Name\" (\"select\" TEXT DEFAULT CURRENT_TIMESTAMP COLLATE \"rtrim\",\n\
           n NUMERIC(10, 2) NOT NULL DEFAULT -1.5, b BLOB DEFAULT X'00', e DEFAULT (abs(-3)),\n\
           s TEXT DEFAULT 'it''s', d DEFAULT \"dq\", pid INTEGER,\n\
           CONSTRAINT \"n ok\" CHECK (n > -100), CHECK (\"select\" IS NOT NULL),\n\
           FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL ON UPDATE RESTRICT,\n\
           PRIMARY KEY (n, s)) ;";
    let s = load(ddl).await;
    let mut text = String::new();
    for t in s.tables.values() {
        text.push_str(&create_table(&t.name, t));
        text.push_str(";\n");
    }
    assert_eq!(load(&text).await, s, "{text}");
}

#[test]
fn scanner_respects_quotes_comments_and_parentheses() {
    let t = scan_create_table(
        "CREATE TABLE \"t(\" (a TEXT DEFAULT 'CHECK (no)' /* CHECK (no) */, \
         \"check\" INT COLLATE nocase CONSTRAINT [c 1] CHECK ((\"check\" > 0) AND a <> ')'), -- CHECK (x)\n\
         CONSTRAINT c2 CHECK (length(a) < 10))",
    );
    assert_eq!(
        t,
        TableText {
            checks: vec![
                Check::on(Some("c 1"), "(\"check\" > 0) AND a <> ')'"),
                Check::on(Some("c2"), "length(a) < 10"),
            ],
            autoincrement: false,
            collations: vec![("check".into(), "NOCASE".into())],
        }
    );
    assert_eq!(strip_comments(" a -- x\n + b "), "a + b");
    assert_eq!(
        view_query("CREATE VIEW \"as\" (x) AS SELECT 1 AS x -- c"),
        "SELECT 1 AS x"
    );
    assert_eq!(constant_default("-1.5"), Some(false));
    assert_eq!(constant_default("NULL"), Some(true));
    assert_eq!(constant_default("CURRENT_TIMESTAMP"), None);
    assert_eq!(constant_default("1+1"), None);
    assert_eq!(default_sql("1 + 1"), "(1 + 1)");
    assert_eq!(default_sql("'a b'"), "'a b'");
    assert!(mentions("lower(\"Email\")", "email"));
    assert!(!mentions("'email'", "email"));
}

/// The splitter's lexer gives numbers in pieces; the readers see one number, as SQLite does.
#[test]
fn numbers_are_one_token() {
    for n in ["1.5", ".5", "1e-3", "2.5E+10", "0x1F", "7."] {
        assert_eq!(constant_default(n), Some(false), "{n}");
        assert_eq!(default_sql(n), n);
        assert_eq!(default_sql(&format!("-{n}")), format!("-{n}"));
    }
    assert_eq!(default_sql("1 - 2"), "(1 - 2)");
    assert_eq!(default_sql("1-2"), "(1-2)");
    assert_eq!(default_sql("X'0a'"), "X'0a'");
    assert_eq!(constant_default("a.5"), None);
    // A bracketed name and a doubled quote are single tokens; comments are left out.
    assert!(mentions("[My Col] /* x */ + 1", "my col"));
    assert!(!mentions("'it''s x' -- x\n", "x"));
}

roundtrip_tests! {
    tables_added_and_dropped(
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT);\n\
         CREATE TABLE old (id INTEGER PRIMARY KEY);",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT);\n\
         CREATE TABLE fresh (id INTEGER PRIMARY KEY, keep_id INTEGER REFERENCES keep (id));\n\
         CREATE INDEX fresh_keep ON fresh (keep_id);",
        "INSERT INTO keep VALUES (1, 'a'), (2, 'b');",
        "SELECT id, v FROM keep ORDER BY id",
        &["1|a", "2|b"],
    );
}

#[tokio::test]
async fn columns_added_natively_and_by_rebuild() {
    let (up, down) = case(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, a TEXT, b INTEGER NOT NULL DEFAULT 0,\n\
           c TEXT DEFAULT 'x');",
        "INSERT INTO t VALUES (1, 'a'), (2, NULL);",
        "SELECT id, v FROM t ORDER BY id",
        &["1|a", "2|NULL"],
    )
    .await;
    assert!(
        up.contains("ADD COLUMN b INTEGER NOT NULL DEFAULT 0"),
        "{up}"
    );
    assert!(!up.contains("PRAGMA"), "{up}");
    assert!(down.contains("DROP COLUMN a"), "{down}");
    // A default that is an expression cannot be added in place: rebuild.
    let (up, _) = case(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\
           n INTEGER DEFAULT (2 * 3));",
        "INSERT INTO t VALUES (1, 'a');",
        "SELECT id, v FROM t ORDER BY id",
        &["1|a"],
    )
    .await;
    assert!(up.starts_with("PRAGMA foreign_keys = OFF;\n"), "{up}");
    assert!(
        up.contains("INSERT INTO _t_new (id, v) SELECT id, v FROM t"),
        "{up}"
    );
}

#[tokio::test]
async fn columns_dropped_natively_and_by_rebuild() {
    let (up, _) = case(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, gone TEXT, ix TEXT);\n\
         CREATE INDEX t_ix ON t (ix, v);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
        "INSERT INTO t VALUES (1, 'a', 'g', 'i');",
        "SELECT id, v FROM t ORDER BY id",
        &["1|a"],
    )
    .await;
    // `ix` goes with its index: DROP INDEX first, then a native drop.
    assert_contains(&up, &["DROP COLUMN gone", "DROP COLUMN ix"]);
    // A column named in a check constraint that stays needs a rebuild.
    let (up, _) = case(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, w INT, CHECK (w > 0 OR v IS NULL));",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, w INT, CHECK (w > 0 OR w IS NULL));",
        "INSERT INTO t VALUES (1, 'a', 5);",
        "SELECT id, w FROM t ORDER BY id",
        &["1|5"],
    )
    .await;
    assert!(up.contains("_t_new"), "{up}");
}

roundtrip_tests! {
    column_types_widened_and_narrowed(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, small SMALLINT, name VARCHAR(10), keep TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, small BIGINT, name VARCHAR(5), keep TEXT);",
        "INSERT INTO t VALUES (1, 7, 'abc', 'k');",
        "SELECT id, small, name, keep FROM t ORDER BY id",
        &["1|7|abc|k"],
    ) => |(up, _)| {
        assert!(
            up.contains("-- WARNING: changes t.name from VARCHAR(10) to VARCHAR(5)"),
            "{up}"
        );
    };

    nullability_changed(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT);",
        "INSERT INTO t VALUES (1, 'x', 'y');",
        "SELECT id, a, b FROM t ORDER BY id",
        &["1|x|y"],
    );

    server_defaults_changed(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'x', b INT, c TEXT DEFAULT CURRENT_DATE);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'y', b INT DEFAULT (1 + 1), c TEXT);",
        "INSERT INTO t (id, a, b, c) VALUES (1, 'v', 3, 'd');",
        "SELECT id, a, b, c FROM t ORDER BY id",
        &["1|v|3|d"],
    );

    primary_keys_added_dropped_and_changed(
        "CREATE TABLE a (x INTEGER, y TEXT);\n\
         CREATE TABLE b (x INTEGER PRIMARY KEY, y TEXT);\n\
         CREATE TABLE c (x INTEGER, y TEXT NOT NULL, PRIMARY KEY (x));",
        "CREATE TABLE a (x INTEGER PRIMARY KEY, y TEXT);\n\
         CREATE TABLE b (x INTEGER, y TEXT);\n\
         CREATE TABLE c (x INTEGER, y TEXT NOT NULL, PRIMARY KEY (y, x));",
        "INSERT INTO a VALUES (1, 'a');\n\
         INSERT INTO b VALUES (2, 'b');\n\
         INSERT INTO c VALUES (3, 'c');",
        "SELECT x, y FROM a UNION ALL SELECT x, y FROM b UNION ALL SELECT x, y FROM c",
        &["1|a", "2|b", "3|c"],
    );

    collation_changed(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT NOT NULL, n TEXT COLLATE RTRIM);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE NOT NULL, n TEXT);",
        "INSERT INTO t VALUES (1, 'A@x', 'n ');",
        "SELECT id, email, n FROM t ORDER BY id",
        &["1|A@x|n "],
    ) => |(up, _)| {
        assert!(up.contains("email TEXT COLLATE NOCASE NOT NULL"), "{up}");
    };

    autoincrement_changed(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);",
        "INSERT INTO t VALUES (5, 'a');",
        "SELECT id, v FROM t ORDER BY id",
        &["5|a"],
    );

    unique_constraints_added_and_dropped(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b TEXT, c TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, UNIQUE (b, c));",
        "INSERT INTO t VALUES (1, 'a', 'b', 'c'), (2, 'a2', 'b', 'c2');",
        "SELECT id, a, b, c FROM t ORDER BY id",
        &["1|a|b|c", "2|a2|b|c2"],
    );

    indexes_unique_partial_multi_column_and_expression(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);\n\
         CREATE INDEX t_a ON t (a);\n\
         CREATE INDEX t_changes ON t (a, b);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);\n\
         CREATE UNIQUE INDEX t_b ON t (b) WHERE b IS NOT NULL;\n\
         CREATE INDEX t_changes ON t (b, a);\n\
         CREATE INDEX t_lower ON t (lower(a), b DESC);",
        "INSERT INTO t VALUES (1, 'x', 'y'), (2, 'x', NULL), (3, 'z', NULL);",
        "SELECT id, a, b FROM t ORDER BY id",
        &["1|x|y", "2|x|NULL", "3|z|NULL"],
    ) => |(up, _)| {
        assert!(!up.contains("PRAGMA"), "indexes change in place:\n{up}");
    };

    foreign_keys_added_dropped_and_actions_changed(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n\
         CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id) ON DELETE CASCADE,\n\
           code TEXT, other INTEGER REFERENCES p (id));",
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n\
         CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id) ON DELETE SET NULL ON UPDATE CASCADE,\n\
           code TEXT REFERENCES p (code) ON UPDATE CASCADE, other INTEGER);",
        "INSERT INTO p VALUES (1, 'one'), (2, 'two');\n\
         INSERT INTO c VALUES (10, 1, 'one', 2), (11, 2, 'two', NULL);",
        "SELECT c.id, c.pid, c.code, c.other, p.code FROM c JOIN p ON p.id = c.pid ORDER BY c.id",
        &["10|1|one|2|one", "11|2|two|NULL|two"],
    );

    two_new_tables_referencing_each_other(
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT);",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT);\n\
         CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id) ON DELETE SET NULL);\n\
         CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id) ON DELETE CASCADE);",
        "INSERT INTO keep VALUES (1, 'k');",
        "SELECT id, v FROM keep",
        &["1|k"],
    ) => |(up, down)| {
        assert!(
            !up.contains("_new"),
            "no rebuild for tables made here:\n{up}"
        );
        assert!(down.starts_with("PRAGMA foreign_keys = OFF;\n"), "{down}");
    };

    check_constraints_added_dropped_and_renamed(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT CHECK (n > 0), m INT,\n\
           CONSTRAINT m_small CHECK (m < 100));",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT, m INT,\n\
           CONSTRAINT m_tiny CHECK (m < 100), CONSTRAINT n_pos CHECK (n >= 0));",
        "INSERT INTO t VALUES (1, 5, 50);",
        "SELECT id, n, m FROM t ORDER BY id",
        &["1|5|50"],
    );

    views_added_dropped_changed_and_over_a_changed_table(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT);\n\
         CREATE VIEW gone AS SELECT id FROM t;\n\
         CREATE VIEW changes AS SELECT id, a FROM t;\n\
         CREATE VIEW over AS SELECT id, b FROM t WHERE b > 0;",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL);\n\
         CREATE VIEW fresh AS SELECT a FROM t;\n\
         CREATE VIEW changes AS SELECT id, a, b FROM t;\n\
         CREATE VIEW over AS SELECT id, b FROM t WHERE b > 0;",
        "INSERT INTO t VALUES (1, 'x', 2);",
        "SELECT id, a, b FROM over JOIN t USING (id, b)",
        &["1|x|2"],
    );

    rebuilt_parent_keeps_cascading_children(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\n\
         CREATE TABLE child (id INTEGER PRIMARY KEY,\n\
           parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE, v TEXT);\n\
         CREATE INDEX child_parent ON child (parent_id);",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '',\n\
           CHECK (length(name) < 50));\n\
         CREATE TABLE child (id INTEGER PRIMARY KEY,\n\
           parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE, v TEXT);\n\
         CREATE INDEX child_parent ON child (parent_id);",
        "INSERT INTO parent VALUES (1, 'p1'), (2, 'p2');\n\
         INSERT INTO child VALUES (10, 1, 'a'), (11, 2, 'b'), (12, 2, 'c');",
        "SELECT c.id, c.parent_id, c.v, p.name FROM child c JOIN parent p ON p.id = c.parent_id \
         ORDER BY c.id",
        &["10|1|a|p1", "11|2|b|p2", "12|2|c|p2"],
    ) => |(up, down)| {
        for section in [&up, &down] {
            assert!(
                section.starts_with("PRAGMA foreign_keys = OFF;\n"),
                "{section}"
            );
            assert!(section.contains("DROP TABLE parent;"), "{section}");
        }
    };
}

#[tokio::test]
async fn renames_keep_data_and_rebuild_under_the_new_names() {
    let renames = Renames {
        tables: vec![("old".into(), "new".into())],
        columns: vec![("new".into(), "a".into(), "b".into())],
    };
    roundtrip_renamed(
        Dialect::Sqlite,
        &renames,
        "CREATE TABLE old (id INTEGER PRIMARY KEY, a TEXT, n INT);\n\
         CREATE TABLE other (id INTEGER PRIMARY KEY, old_id INTEGER REFERENCES old (id));",
        "CREATE TABLE new (id INTEGER PRIMARY KEY, b TEXT, n INT NOT NULL DEFAULT 0);\n\
         CREATE TABLE other (id INTEGER PRIMARY KEY, old_id INTEGER REFERENCES new (id));",
        "INSERT INTO old VALUES (1, 'x', 3); INSERT INTO other VALUES (7, 1);",
        Some((
            "SELECT o.id, old.a, old.n FROM other o JOIN old ON old.id = o.old_id",
            &["7|x|3"],
        )),
    )
    .await;
}

#[tokio::test]
async fn file_backed_database_behaves_like_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("dev.db");
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}", path.display()), UrlSource::Flag).expect("url");
    let s1 = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);\n\
              CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p ON DELETE CASCADE);\n\
              CREATE VIEW names AS SELECT name FROM p;";
    let s2 = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL, UNIQUE (name));\n\
              CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p ON DELETE CASCADE);\n\
              CREATE VIEW names AS SELECT name FROM p;";
    let mut f = Conn::connect(&url).await.expect("file");
    run_sql(&mut f, s1).await;
    run_sql(
        &mut f,
        "INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (1, 1);",
    )
    .await;
    let m1 = introspect(&mut f, &[]).await.expect("introspect");
    assert_eq!(m1, load(s1).await);
    let m2 = load(s2).await;
    let diff = Diff::new(Dialect::Sqlite, &m1, &m2, &Renames::default());
    let rows = up_and_down(&mut f, &diff, (&m1, &m2), "SELECT count(*) FROM c").await;
    assert_eq!(rows, vec![vec![Some("1".into())]]);
    let check = f
        .fetch_strings("PRAGMA foreign_key_check")
        .await
        .expect("check");
    assert!(check.is_empty(), "{check:?}");
    f.close().await;
}

#[test]
fn every_change_renders_without_panicking() {
    use crate::autogen::model::EnumType;
    let e = EnumType {
        name: "mood".into(),
        values: vec!["a".into()],
    };
    let t = Table {
        name: "t".into(),
        columns: vec![Column {
            name: "a".into(),
            data_type: "TEXT".into(),
            nullable: true,
            ..Column::default()
        }],
        ..Table::default()
    };
    let from = Schema::default();
    let to = Schema::default();
    let changes = vec![
        Change::CreateEnum(e.clone()),
        Change::AddEnumValues {
            from: e.clone(),
            to: e.clone(),
        },
        Change::ReplaceEnum {
            from: e.clone(),
            to: e.clone(),
        },
        Change::DropEnum(e),
        // Tables that are in neither schema: nothing to rebuild, no panic.
        Change::AlterColumn {
            table: "zz".into(),
            from: t.columns[0].clone(),
            to: t.columns[0].clone(),
        },
        Change::AddCheck {
            table: "zz".into(),
            check: Check::default(),
        },
        Change::CreateTable(t),
    ];
    let diff = Diff {
        dialect: Dialect::Sqlite,
        from,
        to,
        renames: Renames::default(),
        changes,
    };
    let steps = render(&diff);
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert!(steps[0].sql[0].starts_with("CREATE TABLE t ("));
}
