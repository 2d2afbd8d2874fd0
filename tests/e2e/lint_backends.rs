//! `lint` on MariaDB and SQLite: each of their rules positive and negative (the look-alike: an
//! ALTER the server runs INSTANT or INPLACE, a table created in the same revision, an ENUM
//! value appended), the every-backend rules, a revision that fails, silencing, and no
//! rehearsal database left on the server.

use cargo_schema_e2e::assert::exits;
use cargo_schema_e2e::db::{Server, TestDatabase, run_on};
use cargo_schema_e2e::json::{findings, number, text};
use cargo_schema_e2e::scratch::{owner_running, scratch_databases};
use cargo_schema_e2e::{Output, TestProject, test_database};

/// The first revision, applied by `up`: tables with rows that exist before the linted one.
const MARIADB_BASE: &str = "CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(100), \
status ENUM('new', 'active', 'banned') NOT NULL DEFAULT 'new', bio VARCHAR(50)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;\n\
INSERT INTO users VALUES (1, 'a', 'new', 'x'), (2, 'b', 'active', NULL);\n\
CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, total INT NOT NULL) ENGINE = InnoDB;\n\
INSERT INTO orders VALUES (1, 1, 10);";

const SQLITE_BASE: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, bio TEXT);\n\
INSERT INTO users VALUES (1, 'a', 'x'), (2, 'b', NULL);\n\
CREATE TABLE products (id INTEGER PRIMARY KEY, price TEXT NOT NULL);\n\
INSERT INTO products VALUES (1, '10'), (2, '20');";

/// A revision file whose up section's first statement is on line 6 (line 7 with a comment
/// line before it).
fn revision_text(id: &str, revises: &str, up: &str) -> String {
    format!(
        "-- revision: {id}\n-- revises: {revises}\n-- message: revision {id}\n\n-- migrate:up\n{up}\n"
    )
}

/// A project with the base applied on a database (MariaDB, or SQLite's dev.db).
struct Case {
    p: TestProject,
    db: Option<TestDatabase>,
}

/// One finding: (rule, line, message).
type Found = (String, u64, String);

impl Case {
    fn mariadb(db: TestDatabase) -> Case {
        let c = Case {
            p: TestProject::new(),
            db: Some(db),
        };
        c.p.write(
            "migrations/a1_base.sql",
            revision_text("a1", "", MARIADB_BASE),
        );
        exits(&c.run(&["up"]), 0);
        c
    }

    fn sqlite() -> Case {
        let c = Case {
            p: TestProject::new(),
            db: None,
        };
        c.p.write(
            "migrations/a1_base.sql",
            revision_text("a1", "", SQLITE_BASE),
        );
        exits(&c.run(&["up"]), 0);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        match &self.db {
            Some(db) => run_on(&self.p, &db.url(), args),
            None => self.p.run(args),
        }
    }

    /// Writes a pending revision `b2` (on the base) whose up section is `up`.
    fn pending(&self, up: &str) {
        self.p
            .write("migrations/b2_r.sql", revision_text("b2", "a1", up));
    }

    /// Lints a pending revision `b2` (on the base) whose up section is `up`.
    fn lint(&self, up: &str) -> (Output, Vec<Found>) {
        self.pending(up);
        let out = self.run(&["--format", "json", "lint"]);
        let json = out.json();
        assert_eq!(json["linted"], serde_json::json!(["b2"]), "{}", out.stderr);
        let found = findings(&json, |f| {
            (text(f, "rule"), number(f, "line"), text(f, "message"))
        });
        (out, found)
    }

    /// Asserts that linting `b2` with `up` finds nothing.
    #[track_caller]
    fn finds_nothing(&self, up: &str) {
        let rules = self.rules(up);
        assert!(rules.is_empty(), "{rules:?}");
    }

    fn rules(&self, up: &str) -> Vec<String> {
        self.lint(up).1.into_iter().map(|(r, _, _)| r).collect()
    }
}

#[track_caller]
fn only(found: &[Found], rule: &str, line: u64, says: &[&str]) {
    assert_eq!(found.len(), 1, "{found:?}");
    let (r, l, message) = &found[0];
    assert_eq!((r.as_str(), *l), (rule, line), "{found:?}");
    for s in says {
        assert!(message.contains(s), "{s:?} not in {message:?}");
    }
}

/// Each a warning that is the only finding: renaming `users`.`name`, `rename_table` (which
/// renames `table` to `to`), dropping `users`.`bio`, and dropping `table` on line 7.
#[track_caller]
fn drops_and_renames_are_warnings(c: &Case, rename_table: &str, [table, to]: [&str; 2]) {
    let (out, found) = c.lint("ALTER TABLE users RENAME COLUMN name TO full_name;");
    exits(&out, 0);
    only(
        &found,
        "rename-column",
        6,
        &["`users`.`name`", "`full_name`"],
    );
    let (_, found) = c.lint(rename_table);
    only(
        &found,
        "rename-table",
        6,
        &[&format!("`{table}`"), &format!("`{to}`")],
    );
    let (_, found) = c.lint("ALTER TABLE users DROP COLUMN bio;");
    only(&found, "drop-column", 6, &["`users`.`bio`"]);
    let (_, found) = c.lint(&format!("SELECT 1;\nDROP TABLE {table};"));
    only(&found, "drop-table", 7, &[&format!("`{table}`")]);
}

// ---------------------------------------------------------------------------------------
// MariaDB
// ---------------------------------------------------------------------------------------

#[test]
fn mariadb_an_alter_that_copies_the_table_is_an_error_with_the_servers_reason() {
    let c = Case::mariadb(test_database!(Server::MySql));
    let (out, found) = c.lint("ALTER TABLE orders MODIFY total BIGINT NOT NULL;");
    exits(&out, 1);
    only(
        &found,
        "mysql-table-copy",
        6,
        &["`orders`", "ALGORITHM=INSTANT", "LOCK=NONE", "copied"],
    );
    // What the server runs INSTANT or INPLACE without a lock: nothing.
    c.finds_nothing("ALTER TABLE users ADD COLUMN nickname VARCHAR(100);");
    c.finds_nothing("CREATE INDEX users_name_idx ON users (name);\nALTER TABLE users ADD INDEX users_bio_idx (bio);");
    // A FULLTEXT index is built under a lock that blocks writes.
    let (_, found) = c.lint("CREATE FULLTEXT INDEX users_bio_ft ON users (bio);");
    only(&found, "mysql-table-copy", 6, &["`users`", "Fulltext"]);
    // The same copying ALTER on a table created in the same revision: no traffic.
    c.finds_nothing("CREATE TABLE tags (id INT PRIMARY KEY, n INT) ENGINE = InnoDB;\nALTER TABLE tags MODIFY n BIGINT;");
    // The revision really ran: the copy's effect is what later statements see.
    let (out, found) = c.lint(
        "ALTER TABLE orders MODIFY total BIGINT NOT NULL;\nALTER TABLE orders MODIFY total INT NOT NULL;",
    );
    exits(&out, 1);
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn mariadb_enum_values_removed_or_reordered_but_not_appended() {
    let c = Case::mariadb(test_database!(Server::MySql));
    let rules = c.rules(
        "ALTER TABLE users MODIFY status ENUM('active', 'new', 'banned') NOT NULL DEFAULT 'new';",
    );
    assert!(rules.contains(&"enum-reorder".to_string()), "{rules:?}");
    let (_, found) =
        c.lint("ALTER TABLE users MODIFY status ENUM('new', 'active') NOT NULL DEFAULT 'new';");
    let reorder: Vec<_> = found.iter().filter(|f| f.0 == "enum-reorder").collect();
    assert_eq!(reorder.len(), 1, "{found:?}");
    assert!(reorder[0].2.contains("`users`.`status`"), "{found:?}");
    assert!(reorder[0].2.contains("'banned'"), "{found:?}");
    let (out, found) = c.lint(
        "ALTER TABLE users MODIFY status ENUM('new', 'active', 'banned', 'deleted') NOT NULL DEFAULT 'new';",
    );
    exits(&out, 0);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn mariadb_drops_and_renames_of_existing_objects_are_warnings() {
    let c = Case::mariadb(test_database!(Server::MySql));
    drops_and_renames_are_warnings(
        &c,
        "RENAME TABLE orders TO purchases;",
        ["orders", "purchases"],
    );
    // The same on a table created in the same revision.
    c.finds_nothing("CREATE TABLE tags (id INT PRIMARY KEY, n INT);\nALTER TABLE tags RENAME COLUMN n TO m;\nALTER TABLE tags DROP COLUMN m;\nRENAME TABLE tags TO tags2;\nDROP TABLE tags2;");
    // InnoDB indexes a FOREIGN KEY's columns itself: never fk-without-index.
    c.finds_nothing("CREATE TABLE comments (id INT PRIMARY KEY, user_id BIGINT, FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE = InnoDB;");
}

#[test]
fn mariadb_a_revision_that_fails_is_an_error_with_the_servers_message_and_allow_silences() {
    let c = Case::mariadb(test_database!(Server::MySql));
    let (out, found) = c.lint("ALTER TABLE nowhere ADD COLUMN y INT;");
    exits(&out, 1);
    only(&found, "revision-fails", 6, &["nowhere"]);
    let (out, found) = c.lint(
        "-- lint: allow mysql-table-copy the table has ten rows\nALTER TABLE orders MODIFY total BIGINT NOT NULL;",
    );
    exits(&out, 0);
    assert!(found.is_empty(), "{found:?}");
}

/// The scratch databases on MariaDB whose owner process (in the name) no longer runs here.
fn orphan_scratch(db: &TestDatabase) -> Vec<String> {
    scratch_databases(db)
        .into_iter()
        .filter(|n| !owner_running(n))
        .collect()
}

#[test]
fn mariadb_no_rehearsal_database_is_left_behind() {
    let c = Case::mariadb(test_database!(Server::MySql));
    let db = c.db.as_ref().expect("a MariaDB database");
    let before = orphan_scratch(db);
    // A revision that copies, one that fails, and one whose parents are replayed.
    c.p.write(
        "migrations/c3_r.sql",
        revision_text("c3", "b2", "ALTER TABLE nowhere ADD y INT;"),
    );
    c.pending("ALTER TABLE orders MODIFY total BIGINT NOT NULL;");
    let out = c.run(&["lint"]);
    exits(&out, 1);
    let left: Vec<String> = orphan_scratch(db)
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    assert!(left.is_empty(), "lint left {left:?}");
}

// ---------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------

/// The 12-step recipe on `products`: new table, copy, drop, rename.
const REBUILD: &str = "CREATE TABLE new_products (id INTEGER PRIMARY KEY, price NUMERIC NOT NULL);\n\
INSERT INTO new_products SELECT id, price FROM products;\n\
DROP TABLE products;\n\
ALTER TABLE new_products RENAME TO products;";

#[test]
fn sqlite_a_table_rebuild_is_an_error_placed_at_the_drop() {
    let c = Case::sqlite();
    let (out, found) = c.lint(REBUILD);
    exits(&out, 1);
    only(
        &found,
        "sqlite-table-rebuild",
        8,
        &["`products`", "whole database"],
    );
    // Not a rebuild: a column added in place, an index built.
    let (out, found) = c.lint(
        "ALTER TABLE users ADD COLUMN nickname TEXT;\nCREATE INDEX users_name_idx ON users (name);",
    );
    exits(&out, 0);
    assert!(found.is_empty(), "{found:?}");
    // The same steps on a table created in the same revision.
    c.finds_nothing(&format!(
        "CREATE TABLE things (id INTEGER PRIMARY KEY, n TEXT);\n{}",
        REBUILD
            .replace("products", "things")
            .replace("price NUMERIC NOT NULL", "n INTEGER")
            .replace("id, price", "id, n")
    ));
}

#[test]
fn sqlite_drops_and_renames_of_existing_objects_are_warnings() {
    let c = Case::sqlite();
    drops_and_renames_are_warnings(
        &c,
        "ALTER TABLE products RENAME TO items;",
        ["products", "items"],
    );
    // Dropping a table and creating another (which may reuse its root page) is a drop.
    let (_, found) = c.lint(
        "DROP TABLE products;\nCREATE TABLE items (id INTEGER PRIMARY KEY, price TEXT NOT NULL);",
    );
    only(&found, "drop-table", 6, &["`products`"]);
    // The same on a table created in the same revision.
    c.finds_nothing("CREATE TABLE tags (id INTEGER PRIMARY KEY, n INT);\nALTER TABLE tags RENAME COLUMN n TO m;\nALTER TABLE tags RENAME TO tags2;\nDROP TABLE tags2;");
}

#[test]
fn sqlite_foreign_keys_want_an_index_on_their_columns() {
    let c = Case::sqlite();
    let table = "CREATE TABLE comments (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), body TEXT);";
    let (out, found) = c.lint(table);
    exits(&out, 0);
    only(
        &found,
        "fk-without-index",
        6,
        &["`comments`", "user_id", "`users`"],
    );
    let (_, found) = c.lint(&format!(
        "{table}\nCREATE INDEX comments_user_id_idx ON comments (user_id);"
    ));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn sqlite_a_revision_that_fails_is_an_error_with_the_databases_message() {
    let c = Case::sqlite();
    let (out, found) = c.lint("SELECT 1;\nALTER TABLE nowhere ADD COLUMN y INT;");
    exits(&out, 1);
    only(&found, "revision-fails", 7, &["nowhere"]);
    // The configured database is left as it was: b2 is still pending.
    let (_, again) = c.lint("SELECT 1;\nALTER TABLE nowhere ADD COLUMN y INT;");
    assert_eq!(again, found);
}

// ---------------------------------------------------------------------------------------
// check and new --autogenerate
// ---------------------------------------------------------------------------------------

#[test]
fn sqlite_check_lints_the_pending_revisions() {
    let c = Case::sqlite();
    c.pending(REBUILD);
    let out = c.run(&["check"]);
    exits(&out, 1);
    out.stderr_has("migrations/b2_r.sql:8")
        .stderr_has("sqlite-table-rebuild");
    exits(&c.run(&["up"]), 0);
    let out = c.run(&["check"]);
    exits(&out, 0);
    out.stderr_lacks("sqlite-table-rebuild");
}

#[test]
fn mariadb_check_lints_the_pending_revisions() {
    let c = Case::mariadb(test_database!(Server::MySql));
    c.pending("ALTER TABLE orders MODIFY total BIGINT NOT NULL;");
    let out = c.run(&["check"]);
    exits(&out, 1);
    out.stderr_has("migrations/b2_r.sql:6")
        .stderr_has("mysql-table-copy");
}

#[test]
fn sqlite_autogenerate_lints_the_revision_it_wrote() {
    let c = Case::sqlite();
    c.p.write(
        "Cargo.toml",
        format!(
            "{}schema = \"schema.sql\"\n",
            cargo_schema_e2e::project::MANIFEST
        ),
    );
    c.p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, bio TEXT);\n\
         CREATE TABLE products (id INTEGER PRIMARY KEY, price TEXT NOT NULL);\n\
         CREATE TABLE comments (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\n",
    );
    let out = c.run(&["new", "--autogenerate", "-m", "comments"]);
    exits(&out, 0);
    out.stderr_has("warning[fk-without-index]")
        .stderr_has("`comments`");
}

// ---------------------------------------------------------------------------------------
// Snapshots of the human output
// ---------------------------------------------------------------------------------------

fn snapshot(name: &str, c: &Case, out: &Output) {
    let mut text = format!(
        "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.code, out.stdout, out.stderr
    );
    if let Some(db) = &c.db {
        text = text.replace(db.name(), "[DB]");
    }
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        filters => vec![(r"(mysql|sqlite):/[^ \n]*", "[URL]")],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn output_lint_sqlite_findings() {
    let c = Case::sqlite();
    c.pending(&format!("{REBUILD}\nALTER TABLE users DROP COLUMN bio;\nCREATE TABLE comments (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));"));
    snapshot("output_lint_sqlite_findings", &c, &c.run(&["lint"]));
}

#[test]
fn output_lint_mariadb_findings() {
    let c = Case::mariadb(test_database!(Server::MySql));
    c.pending("ALTER TABLE orders MODIFY total BIGINT NOT NULL;\nALTER TABLE users MODIFY status ENUM('active', 'new') NOT NULL DEFAULT 'new';\nRENAME TABLE orders TO purchases;");
    snapshot("output_lint_mariadb_findings", &c, &c.run(&["lint"]));
}

// ---------------------------------------------------------------------------------------
// No server, no right to create the rehearsal database
// ---------------------------------------------------------------------------------------

#[test]
fn mariadb_no_server_is_an_error_that_says_lint_needs_one() {
    let p = TestProject::new();
    p.write(
        "migrations/a1_base.sql",
        revision_text("a1", "", "CREATE TABLE t (id INT);"),
    );
    let out = p.run(&["--database-url", "mysql://root@127.0.0.1:1/x", "lint"]);
    exits(&out, 1);
    cargo_schema_e2e::assert::error_line_has(&out, &["cannot connect", "127.0.0.1:1"]);
    cargo_schema_e2e::assert::help_has(&out, "scratch database");
}

/// A MariaDB user with every right on one database and none to create others; dropped after.
struct User(TestDatabase, String);

impl Drop for User {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.0
                .query(&format!("DROP USER IF EXISTS '{}'@'%'", self.1))
        }));
    }
}

#[test]
fn mariadb_a_user_who_may_not_create_databases_is_told_lint_needs_one() {
    let db = test_database!(Server::MySql);
    let name = format!("cs_lint_user_{}", std::process::id());
    db.query(&format!(
        "CREATE USER IF NOT EXISTS '{name}'@'%'; GRANT ALL ON `{}`.* TO '{name}'@'%'",
        db.name()
    ));
    let url = db.url().replacen("root@", &format!("{name}@"), 1);
    let user = User(db, name);
    let p = TestProject::new();
    p.write(
        "migrations/a1_base.sql",
        revision_text("a1", "", "CREATE TABLE t (id INT);"),
    );
    let out = run_on(&p, &url, &["lint"]);
    exits(&out, 1);
    cargo_schema_e2e::assert::error_line_has(
        &out,
        &["lint cannot use a scratch database", "Access denied"],
    );
    cargo_schema_e2e::assert::help_has(&out, "CREATE and DROP privileges");
    drop(user);
}
