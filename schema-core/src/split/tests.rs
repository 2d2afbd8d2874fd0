use super::*;

fn sqls(sql: &str, dialect: Dialect) -> Vec<String> {
    split(sql, dialect, 1).into_iter().map(|s| s.sql).collect()
}

fn lines(sql: &str, dialect: Dialect, first_line: usize) -> Vec<usize> {
    split(sql, dialect, first_line)
        .into_iter()
        .map(|s| s.line)
        .collect()
}

const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

/// One `#[test]` per row: `name(sql, dialects) => statements;` — in each of `dialects`,
/// `sql` splits into `statements`.
macro_rules! splits {
    ($($name:ident($sql:expr, $dialects:expr $(,)?) => $statements:expr;)+) => {
        $(
            #[test]
            fn $name() {
                for d in $dialects {
                    assert_eq!(sqls($sql, d), $statements, "{d:?}");
                }
            }
        )+
    };
}

// --- basics ----------------------------------------------------------------------------

splits! {
    statements_are_split_at_semicolons(
        "CREATE TABLE a (id int); CREATE TABLE b (id int);",
        ALL,
    ) => ["CREATE TABLE a (id int)", "CREATE TABLE b (id int)"];
}

#[test]
fn the_terminating_semicolon_is_dropped_and_the_text_trimmed() {
    for d in ALL {
        let got = split("\n\n   SELECT 1   ;   \n", d, 1);
        assert_eq!(
            got,
            [Statement {
                sql: "SELECT 1".into(),
                line: 3
            }]
        );
    }
}

splits! {
    the_last_statement_needs_no_semicolon(
        "SELECT 1;\nSELECT 2\n",
        ALL,
    ) => ["SELECT 1", "SELECT 2"];
}

#[test]
fn empty_input_gives_no_statements() {
    for d in ALL {
        assert!(split("", d, 1).is_empty());
        assert!(split("  \n\t\r\n ", d, 1).is_empty());
    }
}

splits! {
    empty_statements_between_semicolons_are_dropped(
        ";;SELECT 1;; ;\n;SELECT 2;;",
        ALL,
    ) => ["SELECT 1", "SELECT 2"];
}

#[test]
fn a_section_of_only_comments_gives_no_statements() {
    for d in ALL {
        let sql = "-- nothing to do here\n/* really; nothing */\n-- ;\n;\n";
        assert!(split(sql, d, 1).is_empty(), "{d:?}");
    }
}

splits! {
    a_statement_of_only_comments_between_real_ones_is_dropped(
        "SELECT 1; -- just a note\n; SELECT 2;",
        ALL,
    ) => ["SELECT 1", "SELECT 2"];

    comments_inside_a_statement_are_kept_as_they_are(
        "SELECT 1, -- the first\n  /* the second */ 2;",
        ALL,
    ) => ["SELECT 1, -- the first\n  /* the second */ 2"];
}

#[test]
fn comments_before_a_statement_are_not_part_of_its_text() {
    for d in ALL {
        let got = split("-- add users\n/* v2 */\nCREATE TABLE users (id int);", d, 1);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].sql, "CREATE TABLE users (id int)");
        assert_eq!(got[0].line, 3);
    }
}

splits! {
    a_comment_after_the_last_token_is_not_part_of_the_statement(
        "SELECT 1 -- trailing\n;\nSELECT 2 -- end of file\n",
        ALL,
    ) => ["SELECT 1", "SELECT 2"];
}

// --- strings and identifiers -------------------------------------------------------------

splits! {
    a_semicolon_inside_a_single_quoted_string_does_not_split(
        "INSERT INTO t VALUES ('a;b'); SELECT 2;",
        ALL,
    ) => ["INSERT INTO t VALUES ('a;b')", "SELECT 2"];

    doubled_single_quotes_stay_inside_the_string(
        "SELECT 'it''s; fine'; SELECT 2",
        ALL,
    ) => ["SELECT 'it''s; fine'", "SELECT 2"];
}

#[test]
fn a_mysql_backslash_escaped_quote_stays_inside_the_string() {
    assert_eq!(
        sqls(r"SELECT 'it\'s; fine', 'back\\'; SELECT 2", Dialect::MySql),
        [r"SELECT 'it\'s; fine', 'back\\'", "SELECT 2"]
    );
    assert_eq!(
        sqls(r#"SELECT "say \"hi\"; now"; SELECT 2"#, Dialect::MySql),
        [r#"SELECT "say \"hi\"; now""#, "SELECT 2"]
    );
}

#[test]
fn a_postgres_plain_string_takes_backslashes_literally() {
    assert_eq!(
        sqls(r"SELECT 'C:\'; SELECT 2", Dialect::Postgres),
        [r"SELECT 'C:\'", "SELECT 2"]
    );
    assert_eq!(
        sqls(r"SELECT 'C:\'; SELECT 2", Dialect::Sqlite),
        [r"SELECT 'C:\'", "SELECT 2"]
    );
}

splits! {
    a_postgres_escape_string_keeps_a_backslash_escaped_quote(
        r"SELECT E'it\'s; fine'; SELECT e'\\'; SELECT 3",
        [Dialect::Postgres],
    ) => [r"SELECT E'it\'s; fine'", r"SELECT e'\\'", "SELECT 3"];
}

#[test]
fn a_word_ending_in_e_before_a_quote_is_not_an_escape_string() {
    // `type'…'` is a typed literal, not E'…': the backslash is literal.
    assert_eq!(
        sqls(r"SELECT date'C:\'; SELECT 2", Dialect::Postgres),
        [r"SELECT date'C:\'", "SELECT 2"]
    );
}

splits! {
    a_semicolon_inside_a_double_quoted_identifier_does_not_split(
        r#"CREATE TABLE "a;b" ("x""; y" int); SELECT 2"#,
        ALL,
    ) => [r#"CREATE TABLE "a;b" ("x""; y" int)"#, "SELECT 2"];

    a_semicolon_inside_a_mysql_backtick_identifier_does_not_split(
        "CREATE TABLE `a;b` (`x``;y` int); SELECT 2",
        [Dialect::MySql],
    ) => ["CREATE TABLE `a;b` (`x``;y` int)", "SELECT 2"];

    sqlite_backtick_and_bracket_identifiers_do_not_split(
        "SELECT `a;b`, [c;d] FROM t; SELECT 2",
        [Dialect::Sqlite],
    ) => ["SELECT `a;b`, [c;d] FROM t", "SELECT 2"];

    postgres_brackets_are_array_subscripts_not_quotes(
        "SELECT a[1] FROM t; SELECT b[2:3] FROM t;",
        [Dialect::Postgres],
    ) => ["SELECT a[1] FROM t", "SELECT b[2:3] FROM t"];
}

#[test]
fn strings_containing_comment_and_dollar_markers_do_not_hide_semicolons() {
    let sql = "SELECT '--', '/*', ';', '$$', '#'; SELECT 2;";
    for d in ALL {
        assert_eq!(
            sqls(sql, d),
            ["SELECT '--', '/*', ';', '$$', '#'", "SELECT 2"],
            "{d:?}"
        );
    }
}

splits! {
    non_ascii_text_is_kept_whole(
        "INSERT INTO straße VALUES ('héllo; wörld'); SELECT '日本';",
        ALL,
    ) => [
                "INSERT INTO straße VALUES ('héllo; wörld')",
                "SELECT '日本'"
            ];

    a_byte_order_mark_counts_as_whitespace("\u{feff}SELECT 1;", ALL) => ["SELECT 1"];
}

// --- comments ----------------------------------------------------------------------------

splits! {
    a_semicolon_inside_a_line_comment_does_not_split(
        "SELECT 1 -- one; two\n, 2; SELECT 3",
        ALL,
    ) => ["SELECT 1 -- one; two\n, 2", "SELECT 3"];
}

#[test]
fn a_mysql_double_dash_without_a_space_is_not_a_comment() {
    assert_eq!(
        sqls("SELECT 1--1; SELECT 2", Dialect::MySql),
        ["SELECT 1--1", "SELECT 2"]
    );
    // Elsewhere `--` always starts a comment, which hides the rest of the line.
    assert_eq!(
        sqls("SELECT 1--1; SELECT 2", Dialect::Postgres),
        ["SELECT 1"]
    );
}

splits! {
    a_mysql_double_dash_before_a_tab_or_line_break_is_a_comment(
        "SELECT 1 --\tx; y\n; SELECT 2 --\n; SELECT 3 --",
        [Dialect::MySql],
    ) => ["SELECT 1", "SELECT 2", "SELECT 3"];

    a_mysql_hash_starts_a_line_comment(
        "SELECT 1 # one; two\n, 2; SELECT 3",
        [Dialect::MySql],
    ) => ["SELECT 1 # one; two\n, 2", "SELECT 3"];

    a_postgres_hash_is_an_operator_not_a_comment(
        "SELECT 5 # 3; SELECT 2",
        [Dialect::Postgres],
    ) => ["SELECT 5 # 3", "SELECT 2"];

    a_semicolon_inside_a_block_comment_does_not_split(
        "SELECT /* a; b */ 1; SELECT 2",
        ALL,
    ) => ["SELECT /* a; b */ 1", "SELECT 2"];
}

#[test]
fn postgres_block_comments_nest() {
    let sql = "SELECT 1 /* outer /* inner */ still; comment */ + 1; SELECT 2";
    assert_eq!(
        sqls(sql, Dialect::Postgres),
        [
            "SELECT 1 /* outer /* inner */ still; comment */ + 1",
            "SELECT 2"
        ]
    );
    // Elsewhere the first */ ends the comment.
    assert_eq!(
        sqls(sql, Dialect::Sqlite),
        [
            "SELECT 1 /* outer /* inner */ still",
            "comment */ + 1",
            "SELECT 2"
        ]
    );
}

splits! {
    a_mysql_executable_comment_is_a_statement(
        "/*!40101 SET NAMES utf8mb4 */;\n/*M!100401 SET x = 1 */;\n/* a note */;",
        [Dialect::MySql],
    ) => ["/*!40101 SET NAMES utf8mb4 */", "/*M!100401 SET x = 1 */"];
}

// --- PostgreSQL dollar quotes, parentheses, BEGIN ------------------------------------------

splits! {
    a_semicolon_inside_a_dollar_quoted_body_does_not_split(
        "SELECT $$a; b$$; SELECT $fn$ c; $$ still; $fn$; SELECT 3",
        [Dialect::Postgres],
    ) => [
            "SELECT $$a; b$$",
            "SELECT $fn$ c; $$ still; $fn$",
            "SELECT 3"
        ];

    dollar_quote_tags_are_case_sensitive(
        "SELECT $A$ x; $a$ y; $A$; SELECT 2",
        [Dialect::Postgres],
    ) => ["SELECT $A$ x; $a$ y; $A$", "SELECT 2"];

    a_dollar_parameter_is_not_a_quote(
        "SELECT $1; SELECT $2::int, $10; SELECT 3",
        [Dialect::Postgres],
    ) => ["SELECT $1", "SELECT $2::int, $10", "SELECT 3"];

    a_dollar_inside_an_identifier_is_not_a_quote(
        "SELECT a$b$c FROM t; SELECT 2",
        [Dialect::Postgres],
    ) => ["SELECT a$b$c FROM t", "SELECT 2"];

    dollars_mean_nothing_outside_postgres(
        "SELECT $$a; b$$; SELECT 2",
        [Dialect::Sqlite],
    ) => ["SELECT $$a", "b$$", "SELECT 2"];

    a_postgres_top_level_begin_is_a_plain_statement(
        "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;",
        [Dialect::Postgres],
    ) => ["BEGIN", "CREATE TABLE t (id int)", "COMMIT"];
}

#[test]
fn a_postgres_sql_standard_function_body_stays_whole() {
    let body = "CREATE OR REPLACE PROCEDURE insert_data(a integer, b integer)\nLANGUAGE SQL\n\
                BEGIN ATOMIC\n  INSERT INTO tbl VALUES (a);\n  \
                SELECT CASE WHEN b > 0 THEN b END;\n  INSERT INTO tbl VALUES (b);\nEND";
    let sql = format!("{body};\nCALL insert_data(1, 2);");
    assert_eq!(
        sqls(&sql, Dialect::Postgres),
        [body, "CALL insert_data(1, 2)"]
    );
}

#[test]
fn a_postgres_case_outside_a_begin_atomic_body_is_not_tracked() {
    let sql = "CREATE FUNCTION sign_of(x int) RETURNS int LANGUAGE sql\n\
               RETURN CASE WHEN x > 0 THEN 1 ELSE 0 END;\n\
               CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();\n\
               SELECT 1;";
    let got = split(sql, Dialect::Postgres, 1);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert_eq!(got.iter().map(|s| s.line).collect::<Vec<_>>(), [1, 3, 4]);
}

#[test]
fn a_postgres_semicolon_inside_parentheses_does_not_split() {
    let rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); \
                INSERT INTO log VALUES (2))";
    let sql = format!("{rule};\nSELECT 2;");
    assert_eq!(sqls(&sql, Dialect::Postgres), [rule, "SELECT 2"]);
}

#[test]
fn a_realistic_postgres_section_is_split_statement_by_statement() {
    let sql = r#"-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx
ON orders (user_id) WHERE deleted_at IS NULL;

CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
-- keep the row's timestamp fresh; always
NEW.updated_at := now();
IF NEW.note = 'a;b' THEN
    RAISE NOTICE 'odd note; %', NEW.note;
END IF;
RETURN NEW;
END;
$$;

DO $body$
DECLARE
r record;
BEGIN
FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('ANALYZE %I;', r.tablename);
END LOOP;
END
$body$;
"#;
    let got = split(sql, Dialect::Postgres, 10);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert_eq!(
        got[0].sql,
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email)"
    );
    assert_eq!(got[0].line, 11);
    assert!(
        got[1]
            .sql
            .starts_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS")
    );
    assert!(got[1].sql.ends_with("WHERE deleted_at IS NULL"));
    assert_eq!(got[1].line, 12);
    assert!(
        got[2]
            .sql
            .starts_with("CREATE OR REPLACE FUNCTION touch_updated_at()")
    );
    assert!(got[2].sql.ends_with("END;\n$$"));
    assert_eq!(got[2].line, 15);
    assert!(got[3].sql.starts_with("DO $body$"));
    assert!(got[3].sql.ends_with("END\n$body$"));
    assert_eq!(got[3].line, 27);
}

// --- SQLite triggers ---------------------------------------------------------------------

#[test]
fn an_sqlite_trigger_is_one_statement() {
    let trigger = "CREATE TRIGGER log_insert AFTER INSERT ON users\nBEGIN\n  \
                   INSERT INTO log (msg) VALUES ('insert');\n  \
                   UPDATE stats SET n = n + 1;\nEND";
    let sql = format!("{trigger};\nSELECT 1;");
    assert_eq!(sqls(&sql, Dialect::Sqlite), [trigger, "SELECT 1"]);
}

#[test]
fn an_sqlite_trigger_with_case_inside_is_not_closed_early() {
    let trigger = "CREATE TRIGGER grade AFTER UPDATE OF score ON students\n\
                   WHEN CASE WHEN NEW.score > 0 THEN 1 ELSE 0 END\nBEGIN\n  \
                   UPDATE students SET grade = CASE\n    WHEN NEW.score >= 90 THEN 'A'\n    \
                   ELSE 'B'\n  END\n  WHERE id = NEW.id;\n  \
                   INSERT INTO log VALUES (CASE NEW.score WHEN 0 THEN 'zero' END);\nEND";
    let sql = format!("{trigger};\nSELECT 1;");
    assert_eq!(sqls(&sql, Dialect::Sqlite), [trigger, "SELECT 1"]);
}

#[test]
fn an_sqlite_temp_trigger_if_not_exists_is_one_statement() {
    let trigger = "create temp trigger if not exists t1 before delete on a for each row \
                   begin delete from b where b.a_id = old.id; end";
    let sql = format!("{trigger}; select 1");
    assert_eq!(sqls(&sql, Dialect::Sqlite), [trigger, "select 1"]);
}

splits! {
    an_sqlite_begin_transaction_is_a_plain_statement(
        "BEGIN TRANSACTION; CREATE TABLE t (x); END TRANSACTION;",
        [Dialect::Sqlite],
    ) => ["BEGIN TRANSACTION", "CREATE TABLE t (x)", "END TRANSACTION"];
}

#[test]
fn columns_named_like_keywords_are_not_keywords() {
    let trigger = "CREATE TRIGGER t AFTER INSERT ON spans BEGIN\n  \
                   UPDATE spans SET begin_at = NEW.begin_at, end_date = NEW.end, \"end\" = 1;\n  \
                   INSERT INTO casebook (ending, beginning) VALUES (NEW.end, 2);\nEND";
    let sql = format!("{trigger};\nSELECT 1;");
    assert_eq!(sqls(&sql, Dialect::Sqlite), [trigger, "SELECT 1"]);
}

splits! {
    a_table_named_trigger_does_not_start_a_trigger(
        "CREATE TABLE trigger_log (x); BEGIN; SELECT 1; END;",
        [Dialect::Sqlite],
    ) => ["CREATE TABLE trigger_log (x)", "BEGIN", "SELECT 1", "END"];
}

// --- MySQL routines ----------------------------------------------------------------------

const MYSQL_PROC: &str = "CREATE PROCEDURE fill(IN n INT)\nBEGIN\n  \
    DECLARE i INT DEFAULT 0;\n  \
    outer_block: BEGIN\n    \
    IF n > 100 THEN\n      SET n = 100;\n    ELSEIF n < 0 THEN\n      SET n = 0;\n    \
    ELSE\n      BEGIN\n        SELECT 'no change; ok';\n      END;\n    END IF;\n  \
    END outer_block;\n  \
    WHILE i < n DO\n    INSERT INTO t VALUES (i);\n    SET i = i + 1;\n  END WHILE;\nEND";

#[test]
fn a_mysql_procedure_with_nested_blocks_is_one_statement() {
    let sql = format!("{MYSQL_PROC};\nCALL fill(3);");
    assert_eq!(sqls(&sql, Dialect::MySql), [MYSQL_PROC, "CALL fill(3)"]);
}

#[test]
fn a_mysql_procedure_between_delimiter_lines_is_one_statement() {
    let sql = format!(
        "DROP PROCEDURE IF EXISTS fill;\nDELIMITER //\n{MYSQL_PROC}//\nDELIMITER ;\nCALL fill(3);"
    );
    let got = split(&sql, Dialect::MySql, 1);
    assert_eq!(
        got.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(),
        ["DROP PROCEDURE IF EXISTS fill", MYSQL_PROC, "CALL fill(3)"]
    );
    assert_eq!(got[1].line, 3);
    assert_eq!(got[2].line, 3 + MYSQL_PROC.matches('\n').count() + 2);
}

#[test]
fn a_mysql_delimiter_line_changes_what_ends_a_statement() {
    let cases: [(&str, &[&str]); 5] = [
        // The line is not a statement, and what follows the delimiter on it is ignored.
        (
            "delimiter $$ # switch\nSELECT 1; SELECT 2$$\nSELECT 3 $$\nDELIMITER ; # back\nSELECT 4;",
            &["SELECT 1; SELECT 2", "SELECT 3", "SELECT 4"],
        ),
        // The delimiter ends a statement even right after a word.
        (
            "DELIMITER $$\nCREATE FUNCTION f() RETURNS INT BEGIN RETURN 1; END$$\nDELIMITER ;",
            &["CREATE FUNCTION f() RETURNS INT BEGIN RETURN 1; END"],
        ),
        // A quoted delimiter is unquoted.
        (
            "DELIMITER ';;'\nSELECT 1;;\nDELIMITER ';'\nSELECT 2; SELECT 3",
            &["SELECT 1", "SELECT 2", "SELECT 3"],
        ),
        // Inside a string or a comment it does not split.
        (
            "DELIMITER //\nSELECT '//', \"a//b\" -- c//d\n# e//f\n/* g//h */ FROM t//",
            &["SELECT '//', \"a//b\" -- c//d\n# e//f\n/* g//h */ FROM t"],
        ),
        // `DELIMITER` is a command only at the start of a statement.
        (
            "CREATE TABLE t (\n  delimiter VARCHAR(3)\n);\nDELIMITER\nSELECT 1;",
            &[
                "CREATE TABLE t (\n  delimiter VARCHAR(3)\n)",
                "DELIMITER\nSELECT 1",
            ],
        ),
    ];
    for (sql, statements) in cases {
        assert_eq!(sqls(sql, Dialect::MySql), statements, "{sql}");
    }
    // Outside MySQL it is just a word.
    assert_eq!(
        sqls("DELIMITER //\nSELECT 1//", Dialect::Postgres),
        ["DELIMITER //\nSELECT 1//"]
    );
}

#[test]
fn a_mysql_trigger_with_a_single_if_body_is_one_statement() {
    let trigger = "CREATE TRIGGER clamp BEFORE INSERT ON t FOR EACH ROW\n\
                   IF NEW.a < 0 THEN SET NEW.a = 0; ELSE SET NEW.a = IF(NEW.a > 9, 9, NEW.a); END IF";
    let sql = format!("{trigger};\nINSERT INTO t VALUES (1);");
    assert_eq!(
        sqls(&sql, Dialect::MySql),
        [trigger, "INSERT INTO t VALUES (1)"]
    );
}

splits! {
    a_mysql_trigger_with_a_plain_body_ends_at_its_semicolon(
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.end = IF(NEW.a, 1, 0);\nSELECT 1;",
        [Dialect::MySql],
    ) => [
            "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.end = IF(NEW.a, 1, 0)",
            "SELECT 1"
        ];
}

#[test]
fn mysql_loops_and_labels_are_tracked() {
    let proc = "CREATE DEFINER=`admin`@`%` PROCEDURE loops()\nBEGIN\n  \
                DECLARE i INT DEFAULT 0;\n  \
                l1: LOOP\n    SET i = i + 1;\n    IF i > 3 THEN LEAVE l1; END IF;\n  END LOOP l1;\n  \
                REPEAT\n    SET i = i - 1;\n  UNTIL i = 0 END REPEAT;\n  \
                w: WHILE i < 2 DO\n    SET i = i + 1;\n  END WHILE w;\n  \
                SELECT REPEAT('ab', 2), IF(i > 1, 'a', 'b');\nEND";
    let sql = format!("{proc};\nCALL loops();");
    assert_eq!(sqls(&sql, Dialect::MySql), [proc, "CALL loops()"]);
}

#[test]
fn mysql_if_exists_and_the_if_function_do_not_open_blocks() {
    let proc = "CREATE PROCEDURE IF NOT EXISTS p()\nBEGIN\n  \
                DROP TABLE IF EXISTS tmp;\n  CREATE TABLE IF NOT EXISTS tmp (a INT);\n  \
                SET @x = IF(1 > 0, 'y', 'n');\n  \
                IF EXISTS (SELECT 1 FROM tmp) THEN\n    DELETE FROM tmp;\n  END IF;\n  \
                IF NOT EXISTS (SELECT 1 FROM tmp) THEN SELECT 1; END IF;\n  \
                IF (@x = 'y') THEN SELECT 2; END IF;\nEND";
    let sql = format!("{proc};\nCALL p();");
    assert_eq!(sqls(&sql, Dialect::MySql), [proc, "CALL p()"]);
}

#[test]
fn mysql_case_statements_and_case_expressions_are_tracked() {
    let func = "CREATE FUNCTION label(n INT) RETURNS VARCHAR(10) DETERMINISTIC\nBEGIN\n  \
                DECLARE s VARCHAR(10);\n  \
                CASE n\n    WHEN 0 THEN SET s = 'zero';\n    \
                ELSE SET s = CASE WHEN n > 0 THEN 'pos' ELSE 'neg' END;\n  END CASE;\n  \
                RETURN s;\nEND";
    let sql = format!("{func};\nSELECT label(1);");
    assert_eq!(sqls(&sql, Dialect::MySql), [func, "SELECT label(1)"]);
}

#[test]
fn a_mysql_column_named_end_does_not_close_a_block() {
    let proc = "CREATE PROCEDURE spans()\nBEGIN\n  \
                SELECT begin, end FROM spans ORDER BY end;\n  \
                SELECT s.end, t.begin FROM s JOIN t;\nEND";
    let sql = format!("{proc};\nCALL spans();");
    assert_eq!(sqls(&sql, Dialect::MySql), [proc, "CALL spans()"]);
}

#[test]
fn a_mysql_event_with_a_block_body_is_one_statement() {
    let event = "CREATE DEFINER = 'admin'@'localhost' EVENT purge\n  ON SCHEDULE EVERY 1 DAY\n  \
                 DO BEGIN\n    DELETE FROM log WHERE at < NOW() - INTERVAL 30 DAY;\n    \
                 DELETE FROM audit WHERE at < NOW() - INTERVAL 90 DAY;\n  END";
    let sql = format!("{event};\nSELECT 1;");
    assert_eq!(sqls(&sql, Dialect::MySql), [event, "SELECT 1"]);
}

#[test]
fn a_mysql_alter_event_with_a_block_body_is_one_statement() {
    let event = "ALTER EVENT purge DO BEGIN DELETE FROM log; DELETE FROM audit; END";
    let sql = format!("{event};\nSELECT 1;");
    assert_eq!(sqls(&sql, Dialect::MySql), [event, "SELECT 1"]);
}

splits! {
    a_mysql_begin_transaction_is_a_plain_statement(
        "BEGIN; INSERT INTO t VALUES (1); COMMIT; BEGIN WORK; END;",
        [Dialect::MySql],
    ) => [
            "BEGIN",
            "INSERT INTO t VALUES (1)",
            "COMMIT",
            "BEGIN WORK",
            "END"
        ];
}

#[test]
fn a_mariadb_anonymous_block_is_one_statement() {
    let block = "BEGIN NOT ATOMIC\n  DECLARE x INT DEFAULT 1;\n  SELECT x;\nEND";
    let sql = format!("{block};\nSELECT 2;");
    assert_eq!(sqls(&sql, Dialect::MySql), [block, "SELECT 2"]);
}

#[test]
fn keyword_matching_is_case_insensitive() {
    let trigger =
        "create Trigger t after insert on a for each row bEgIn insert into b values (1); eNd";
    let sql = format!("{trigger};select 2");
    for d in [Dialect::MySql, Dialect::Sqlite] {
        assert_eq!(sqls(&sql, d), [trigger, "select 2"]);
    }
}

splits! {
    a_mysql_create_table_with_a_column_named_event_is_plain(
        "CREATE TABLE log (event VARCHAR(9), begin INT, end INT); SELECT 1;",
        [Dialect::MySql],
    ) => [
            "CREATE TABLE log (event VARCHAR(9), begin INT, end INT)",
            "SELECT 1"
        ];
}

// --- unterminated input ------------------------------------------------------------------

splits! {
    an_unterminated_string_runs_to_the_end_as_the_last_statement(
        "SELECT 1; SELECT 'oops; SELECT 2;\n",
        ALL,
    ) => ["SELECT 1", "SELECT 'oops; SELECT 2;"];
}

#[test]
fn an_unterminated_quoted_identifier_runs_to_the_end() {
    for d in ALL {
        assert_eq!(sqls("SELECT \"a; b", d), ["SELECT \"a; b"]);
    }
    assert_eq!(sqls("SELECT `a; b", Dialect::MySql), ["SELECT `a; b"]);
    assert_eq!(sqls("SELECT [a; b", Dialect::Sqlite), ["SELECT [a; b"]);
}

#[test]
fn an_unterminated_block_comment_is_kept_for_the_database_to_reject() {
    for d in [Dialect::Postgres, Dialect::MySql] {
        assert_eq!(
            sqls("SELECT 1; /* oops; SELECT 2;", d),
            ["SELECT 1", "/* oops; SELECT 2;"]
        );
    }
    assert_eq!(
        sqls("SELECT 1 /* a /* b */ c; d", Dialect::Postgres),
        ["SELECT 1 /* a /* b */ c; d"]
    );
}

splits! {
    an_unterminated_block_comment_ends_the_input_quietly_in_sqlite(
        "SELECT 1; /* oops; SELECT 2;",
        [Dialect::Sqlite],
    ) => ["SELECT 1"];

    an_unterminated_dollar_quote_runs_to_the_end(
        "SELECT 1; DO $x$ BEGIN; END; $$;",
        [Dialect::Postgres],
    ) => ["SELECT 1", "DO $x$ BEGIN; END; $$;"];

    an_unterminated_block_runs_to_the_end(
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2;",
        [Dialect::Sqlite],
    ) => ["CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2;"];
}

#[test]
fn trailing_escapes_and_lone_quotes_do_not_panic() {
    for d in ALL {
        for sql in [
            "'", "\"", "`", "[", "$", "E'", "E'\\", "'\\", "/*", "--", "#", "$a", "$a$", "$$",
        ] {
            let got = split(sql, d, 1);
            assert!(got.len() <= 1, "{d:?} {sql:?}: {got:?}");
        }
    }
}

// --- lines -------------------------------------------------------------------------------

#[test]
fn lines_skip_leading_blank_lines_and_comments() {
    let sql = "\n\n-- first\n/* a\n   b */\n\n  SELECT 1;\n\n# mysql only\nSELECT\n2;";
    assert_eq!(lines(sql, Dialect::MySql, 1), [7, 10]);
}

#[test]
fn lines_are_reported_as_file_lines() {
    let sql = "SELECT 1;\n\nSELECT 2; SELECT 3;";
    for d in ALL {
        assert_eq!(lines(sql, d, 1), [1, 3, 3]);
        assert_eq!(lines(sql, d, 42), [42, 44, 44]);
    }
}

#[test]
fn lines_count_newlines_inside_strings_and_comments() {
    let sql = "SELECT 'a\nb\nc'; /* x\ny */ SELECT $$\n$$;\nSELECT 3";
    assert_eq!(lines(sql, Dialect::Postgres, 1), [1, 4, 6]);
}

#[test]
fn a_huge_first_line_saturates_instead_of_overflowing() {
    assert_eq!(
        lines("\n\nSELECT 1", Dialect::Postgres, usize::MAX),
        [usize::MAX]
    );
}

#[test]
fn crlf_line_breaks_count_once_and_are_kept_inside_statements() {
    let sql =
        "-- up\r\nCREATE TABLE a (\r\n  id int -- key\r\n);\r\n\r\nCREATE TABLE b (id int);\r\n";
    for d in ALL {
        let got = split(sql, d, 1);
        assert_eq!(
            got,
            [
                Statement {
                    sql: "CREATE TABLE a (\r\n  id int -- key\r\n)".into(),
                    line: 2
                },
                Statement {
                    sql: "CREATE TABLE b (id int)".into(),
                    line: 6
                },
            ],
            "{d:?}"
        );
    }
}

#[test]
fn crlf_delimiter_lines_work() {
    let sql = "DELIMITER //\r\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\r\nDELIMITER ;\r\nCALL p();\r\n";
    let got = split(sql, Dialect::MySql, 1);
    assert_eq!(
        got,
        [
            Statement {
                sql: "CREATE PROCEDURE p() BEGIN SELECT 1; END".into(),
                line: 2
            },
            Statement {
                sql: "CALL p()".into(),
                line: 4
            },
        ]
    );
}

// --- robustness --------------------------------------------------------------------------

const TRICKY: &str = "-- héad\r\n/* a /* nested */ ; */ SELECT 'it''s; \\' ok', E'\\';', \"q;\"\"\", `b;``t`, [x;y] -- c;\n\
    # hash; comment\nFROM t WHERE a $1 = $$ d; $$ AND $tag$ e; $$ $tag$;\n\
    DELIMITER //\nCREATE DEFINER=`r`@`%` TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN \
    IF NEW.a THEN SET NEW.b = CASE WHEN 1 THEN 2 END; END IF; l: LOOP LEAVE l; END LOOP l; END//\n\
    DELIMITER ;\nCREATE TRIGGER s AFTER INSERT ON y BEGIN SELECT CASE 1 WHEN 1 THEN 'ü' END; END;\n\
    CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT (1); END; BEGIN; 1--1; \u{feff}日本 /*! x */ '\\";

#[test]
fn no_prefix_of_a_tricky_input_makes_split_panic() {
    for d in ALL {
        for (i, _) in TRICKY.char_indices().chain([(TRICKY.len(), ' ')]) {
            let prefix = &TRICKY[..i];
            check_invariants(prefix, split(prefix, d, 1));
            let suffix = &TRICKY[i..];
            check_invariants(suffix, split(suffix, d, 1));
        }
    }
}

#[test]
fn random_mixes_of_tricky_fragments_do_not_make_split_panic() {
    const FRAGMENTS: &[&str] = &[
        ";",
        "'",
        "''",
        "\"",
        "`",
        "[",
        "]",
        "$",
        "$$",
        "$a$",
        "$1",
        "E'",
        "\\",
        "--",
        "-- ",
        "#",
        "/*",
        "*/",
        "/*!",
        "\n",
        "\r\n",
        " ",
        "(",
        ")",
        ".",
        ",",
        "=",
        ":",
        "BEGIN",
        "END",
        "CASE",
        "IF",
        "LOOP",
        "WHILE",
        "REPEAT",
        "FOR",
        "NOT",
        "EXISTS",
        "ATOMIC",
        "CREATE",
        "TRIGGER",
        "PROCEDURE",
        "FUNCTION",
        "EVENT",
        "DEFINER",
        "ALTER",
        "DELIMITER",
        "DELIMITER //",
        "//",
        "x",
        "1",
        "é",
        "日",
        "\u{feff}",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let n = (next() % 40) as usize;
        let mut sql = String::new();
        for _ in 0..n {
            let i = (next() % FRAGMENTS.len() as u64) as usize;
            sql.push_str(FRAGMENTS[i]);
            if next() % 3 == 0 {
                sql.push(' ');
            }
        }
        for d in ALL {
            check_invariants(&sql, split(&sql, d, 7));
        }
    }
}

/// Every statement is a non-empty, trimmed piece of the input, in order, with plausible lines.
fn check_invariants(input: &str, got: Vec<Statement>) {
    let total_lines = input.matches('\n').count();
    let mut from = 0;
    let mut last_line = 0;
    for s in got {
        assert!(!s.sql.is_empty(), "{input:?}");
        assert_eq!(s.sql.trim(), s.sql);
        let at = input
            .get(from..)
            .and_then(|rest| rest.find(&s.sql))
            .map(|i| i + from);
        let Some(at) = at else {
            panic!("{:?} is not in order in {input:?}", s.sql);
        };
        from = at + s.sql.len();
        assert!(
            s.line >= last_line && s.line <= 1 + total_lines + 7,
            "{input:?}"
        );
        last_line = s.line;
    }
}

// --- split_checked ------------------------------------------------------------------------

fn refused(sql: &str, d: Dialect) -> SplitError {
    match split_checked(sql, d, 10) {
        Err(e) => e,
        Ok(v) => panic!("{d:?}: {sql:?} was split into {v:?}"),
    }
}

#[test]
fn unterminated_quotes_and_comments_are_refused_with_the_line_they_start_on() {
    for d in ALL {
        for (sql, kind) in [
            ("SELECT 1;\nSELECT 'oops;\nSELECT 2;", "quote"),
            ("SELECT 1;\nSELECT \"oops;\nSELECT 2;", "quote"),
            ("SELECT 1;\n/* never closed\nSELECT 2;", "comment"),
        ] {
            let e = refused(sql, d);
            assert_eq!(e.line, 11, "{d:?} {sql:?}");
            assert!(e.to_string().contains(kind), "{d:?}: {e}");
            assert!(e.to_string().starts_with("unterminated"), "{e}");
        }
    }
    assert_eq!(refused("SELECT 1;\nSELECT [a;", Dialect::Sqlite).line, 11);
    assert_eq!(refused("SELECT `a;", Dialect::MySql).line, 10);
    assert_eq!(refused("SELECT 'it\\'s;", Dialect::MySql).line, 10);
    assert_eq!(refused("SELECT E'it\\';", Dialect::Postgres).line, 10);
    assert_eq!(
        refused("/* a /* b */\nSELECT 1;", Dialect::Postgres).line,
        10
    );
    let e = refused(
        "SELECT 1;\n\nCREATE FUNCTION f() AS $body$ SELECT 1;",
        Dialect::Postgres,
    );
    assert_eq!(
        (e.line, e.kind),
        (12, Unterminated::DollarQuote("$body$".into()))
    );
}

#[test]
fn an_unclosed_block_or_delimiter_is_refused_at_its_statement() {
    let e = refused(
        "SELECT 1;\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  SELECT 1;\n",
        Dialect::Sqlite,
    );
    assert_eq!((e.line, e.kind), (11, Unterminated::Block));
    let e = refused(
        "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END;\n",
        Dialect::MySql,
    );
    assert_eq!((e.line, e.kind), (11, Unterminated::Delimiter("$$".into())));
}

#[test]
fn well_formed_input_splits_as_split_does() {
    for (sql, d) in [
        ("SELECT 'a;b'; SELECT \"c\" -- end", Dialect::Postgres),
        (
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT $1;",
            Dialect::Postgres,
        ),
        ("/* a /* nested */ b */ SELECT 1;", Dialect::Postgres),
        ("SELECT '$$'; SELECT 1", Dialect::Postgres),
        (
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\nSELECT [x] FROM a",
            Dialect::Sqlite,
        ),
        (
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 'it\\'s'; # c",
            Dialect::MySql,
        ),
        (
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\n",
            Dialect::MySql,
        ),
        ("/*!40101 SET NAMES utf8 */;", Dialect::MySql),
        ("", Dialect::Sqlite),
        // Transaction statements and CASE … END are no blocks, even last and unended.
        ("BEGIN;\nCREATE TABLE t (id int);\nCOMMIT", Dialect::Sqlite),
        ("BEGIN;\nSELECT 1;\nEND", Dialect::Postgres),
        ("BEGIN;\nSELECT 1;\nCOMMIT", Dialect::MySql),
        ("SELECT CASE WHEN 1 THEN 2 END", Dialect::Sqlite),
        ("SELECT CASE WHEN 1 THEN 2 END", Dialect::Postgres),
        ("SELECT CASE WHEN 1 THEN 2 END", Dialect::MySql),
        (
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT CASE WHEN 1 THEN 2 END; END",
            Dialect::Sqlite,
        ),
        (
            "CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; END",
            Dialect::MySql,
        ),
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
            Dialect::Postgres,
        ),
        ("SELECT 'it''s', \"a\"\"b\", $q$x$q$", Dialect::Postgres),
        ("SELECT 'a' -- it's", Dialect::Sqlite),
        ("SELECT 1 # it's", Dialect::MySql),
    ] {
        assert_eq!(
            split_checked(sql, d, 1),
            Ok(split(sql, d, 1)),
            "{d:?}: {sql:?}"
        );
    }
}
