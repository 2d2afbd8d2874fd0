//! Fuzzing the code that reads what users (and attackers) write: the revision-file parser and
//! the statement splitter, with arbitrary bytes and with structured revision files built from
//! the pieces that matter to them (header keys in odd spellings, markers and their options,
//! quotes, comments, dollar quotes, `BEGIN … END` blocks, `DELIMITER` lines, NUL bytes, CRLF,
//! byte-order marks, invalid UTF-8).
//!
//! Every case must finish without a panic and within [`LIMIT`], and what comes back must make
//! sense (an error's line is in the file; statements are pieces of their input, in order, on lines of it).
//!
//! The normal test run takes proptest's default number of cases. The long run, 100,000 cases
//! of each target in an optimized build:
//!
//! ```text
//! PROPTEST_CASES=100000 cargo test -p schema-core --release --test fuzz
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::Config;
use schema_core::checksum::checksum;
use schema_core::reparent::rewrite_revises;
use schema_core::revision::{header_line, parse_bytes};
use schema_core::split::{Dialect, split, split_checked};

/// The most one case may take. Unoptimized builds on a busy CI machine get more room; the long
/// run is made in release, where the limit is a second.
const LIMIT: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(10)
} else {
    Duration::from_secs(1)
};

/// Proptest's configuration, whose case count `PROPTEST_CASES` sets; failures are not
/// persisted to files in the source tree (the failing input is printed instead).
fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

/// Runs `f`, failing the case when it took longer than [`LIMIT`].
fn timed<T>(what: &str, input: &[u8], f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    prop_assert!(
        took <= LIMIT,
        "{what} took {took:?} on {} bytes: {:?}",
        input.len(),
        String::from_utf8_lossy(&input[..input.len().min(400)])
    );
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Checks on what comes back
// ---------------------------------------------------------------------------------------------

/// Parses `bytes` as a revision file, and everything the loader does after: the checksum, and
/// splitting each section in every dialect.
fn parse_all(bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = Path::new("migrations/ab12_fuzz.sql");
    let parsed = timed("parsing", bytes, || parse_bytes(path, bytes))?;
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    match parsed {
        Err(e) => {
            prop_assert!(
                (1..=lines).contains(&e.line),
                "error line {} outside 1..={lines}: {e}",
                e.line
            );
            prop_assert!(e.to_string().starts_with("migrations/ab12_fuzz.sql:"));
            let _ = e.kind.help();
        }
        Ok((revision, _warnings)) => {
            prop_assert!(!bytes.contains(&0), "a NUL byte was accepted");
            prop_assert!(!revision.id.is_empty());
            let _ = timed("the checksum", bytes, || checksum(&revision))?;
            for section in std::iter::once(&revision.up).chain(revision.down.as_ref()) {
                prop_assert!((1..=lines).contains(&section.line));
                for dialect in DIALECTS {
                    check_split(&section.sql, dialect, section.line + 1)?;
                }
            }
            if revision.lines.revises > 0
                && let Ok(text) = std::str::from_utf8(bytes)
            {
                let out = timed("rewriting `revises`", bytes, || {
                    rewrite_revises(text, revision.lines.revises, &["cd34".to_string()])
                })?;
                prop_assert!(
                    out.is_some(),
                    "the revises line parsed but was not rewritten"
                );
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        for line in text.lines().take(50) {
            let _ = header_line(line);
        }
    }
    Ok(())
}

/// Splits `sql` in `dialect`: each statement is non-empty, a piece of the input, in order, with
/// a line in the input's range; [`split_checked`] gives the same statements or an error on a
/// line of the input.
fn check_split(sql: &str, dialect: Dialect, first_line: usize) -> Result<(), TestCaseError> {
    let statements = timed("splitting", sql.as_bytes(), || {
        split(sql, dialect, first_line)
    })?;
    let last_line = first_line + sql.matches('\n').count();
    let mut from = 0;
    let mut line = first_line;
    for s in &statements {
        prop_assert!(
            !s.sql.trim().is_empty(),
            "an empty statement: {statements:?}"
        );
        prop_assert!(
            (line..=last_line).contains(&s.line),
            "{dialect:?}: line {} not in {line}..={last_line}: {statements:?}",
            s.line
        );
        line = s.line;
        // The statement's text as written (a `DELIMITER` line is left out between statements).
        let at = sql[from..].find(&s.sql);
        prop_assert!(
            at.is_some(),
            "{dialect:?}: {:?} is not in the input after byte {from}",
            s.sql
        );
        from += at.unwrap_or_default() + s.sql.len();
    }
    // The checked split (what runs a section) agrees, or names a line of the input.
    match timed("checked splitting", sql.as_bytes(), || {
        split_checked(sql, dialect, first_line)
    })? {
        Ok(checked) => prop_assert_eq!(checked, statements),
        Err(e) => prop_assert!(
            (first_line..=last_line).contains(&e.line),
            "{dialect:?}: error line {} not in {first_line}..={last_line}: {e}",
            e.line
        ),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Structured input
// ---------------------------------------------------------------------------------------------

/// A header line: known keys in odd spellings, near misses, comments, blanks, odd bytes.
fn header_piece() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "revision",
        "Revision",
        "REVISES",
        "revises",
        "revises ",
        "Depends-On",
        "depends-on",
        "depend-on",
        "branch-labels",
        "Branch_Labels",
        "message",
        "created",
        "Revision ID",
        "Create Date",
        "note",
        "TODO",
        "x",
        "",
    ]);
    let value = prop::sample::select(vec![
        "",
        " ab12",
        " cd34",
        " ab12, cd34",
        ":",
        " head",
        " a b",
        "\t\u{feff}",
        " ü€",
        " --",
        " \0",
        " ab12,,",
        " ,",
        " 'x'",
    ]);
    prop_oneof![
        4 => (key, value, prop::bool::ANY).prop_map(|(k, v, tight)| {
            format!("--{}{k}:{v}", if tight { "" } else { " " })
        }),
        1 => Just(String::new()),
        1 => Just("-- a comment".to_string()),
        1 => Just("--".to_string()),
        1 => "[ -~]{0,20}".prop_map(|s| format!("-- {s}")),
    ]
}

/// A marker line, with options real and not.
fn marker() -> impl Strategy<Value = String> {
    let section = prop::sample::select(vec!["up", "down", "UP", "sideways", ""]);
    let option = prop::sample::select(vec![
        "",
        " transaction:false",
        " transaction:true",
        " transaction:",
        " notransaction",
        " transaction:false transaction:false",
    ]);
    (section, option).prop_map(|(s, o)| format!("-- migrate:{s}{o}"))
}

/// A fragment of SQL that matters to the splitter.
fn sql_piece() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "SELECT 1",
        ";",
        ";;",
        " ",
        "\n",
        "\r\n",
        "\t",
        "'",
        "''",
        "\"",
        "`",
        "\\",
        "\\'",
        "E'\\''",
        "$$",
        "$a$",
        "$a",
        "$1",
        "--",
        "-- c\n",
        "#",
        "# c\n",
        "/*",
        "*/",
        "/* c */",
        "/*/",
        "(",
        ")",
        "BEGIN",
        "BEGIN ATOMIC",
        "END",
        "END IF",
        "END;",
        "IF",
        "THEN",
        "CASE",
        "LOOP",
        "WHILE",
        "REPEAT",
        "FOR",
        "DO",
        "CREATE TRIGGER t",
        "CREATE FUNCTION f",
        "CREATE PROCEDURE p",
        "CREATE OR REPLACE FUNCTION f",
        "CREATE EVENT e",
        "CREATE DEFINER=x@y TRIGGER t",
        "CREATE TEMP TRIGGER t",
        "BEGIN NOT ATOMIC",
        "DELIMITER //",
        "DELIMITER ;",
        "DELIMITER",
        "//",
        "\nDELIMITER $$\n",
        "-- migrate:up",
        "-- migrate:down",
        "\0",
        "\u{feff}",
        "é",
        "€",
        "\u{2028}",
        "x",
        "a_b",
        "1e5",
        "INSERT INTO t VALUES ('a;b')",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT s",
    ]);
    prop_oneof![
        8 => fixed.prop_map(str::to_string),
        1 => "[ -~\n]{0,12}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

/// SQL built from [`sql_piece`]s.
fn sql() -> impl Strategy<Value = String> {
    prop::collection::vec(sql_piece(), 0..60).prop_map(|pieces| pieces.concat())
}

/// A revision file: a header, then sections, with the line ending and a byte-order mark drawn.
fn revision_file() -> impl Strategy<Value = Vec<u8>> {
    let header = prop::collection::vec(header_piece(), 0..8);
    let sections = prop::collection::vec((marker(), sql()), 0..4);
    (
        prop::bool::ANY,
        header,
        sections,
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(with_id, header, sections, crlf, bom)| {
            let mut lines = Vec::new();
            if with_id {
                lines.push("-- revision: ab12".to_string());
            }
            lines.extend(header);
            for (marker, sql) in sections {
                lines.push(marker);
                lines.push(sql);
            }
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(eol);
            if bom {
                text.insert(0, '\u{feff}');
            }
            text.into_bytes()
        })
}

/// A structured file with a few bytes changed: invalid UTF-8 and cut characters included.
fn mutated_file() -> impl Strategy<Value = Vec<u8>> {
    (
        revision_file(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    )
        .prop_map(|(mut bytes, edits)| {
            if !bytes.is_empty() {
                for (at, b) in edits {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
            }
            bytes
        })
}

// ---------------------------------------------------------------------------------------------
// The targets
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_parser_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        parse_all(&bytes)?;
    }

    #[test]
    fn fuzz_parser_structured_files(bytes in revision_file()) {
        parse_all(&bytes)?;
    }

    #[test]
    fn fuzz_parser_mutated_files(bytes in mutated_file()) {
        parse_all(&bytes)?;
    }

    #[test]
    fn fuzz_splitter_arbitrary_text(text in any::<String>(), first_line in 1usize..100_000) {
        for dialect in DIALECTS {
            check_split(&text, dialect, first_line)?;
        }
    }

    #[test]
    fn fuzz_splitter_structured_sql(text in sql(), first_line in 1usize..10) {
        for dialect in DIALECTS {
            check_split(&text, dialect, first_line)?;
        }
    }
}

/// Large inputs made of one piece repeated, where a quadratic pass would show: each must
/// still finish within the limit.
#[test]
fn fuzz_large_repetitive_inputs_finish_in_time() {
    let pieces = [
        "'",
        "(",
        "BEGIN ",
        "CREATE TRIGGER t BEGIN ",
        "/*",
        "$a$",
        "-- c\n",
        "\n",
        ";",
        "DELIMITER //\n",
        "IF ",
        "CASE ",
        "`",
        "\\",
        "x",
        "SELECT 1;\n",
        "--\n",
        "\r\n",
    ];
    for piece in pieces {
        let sql = piece.repeat(200_000 / piece.len());
        let file = format!("-- revision: ab12\n-- migrate:up\n{sql}\n-- migrate:down\n{sql}\n");
        parse_all(file.as_bytes()).unwrap_or_else(|e| panic!("{piece:?}: {e}"));
        for dialect in DIALECTS {
            check_split(&sql, dialect, 1).unwrap_or_else(|e| panic!("{piece:?}: {e}"));
        }
    }
    for line in [
        "-- note: x\n",
        "\n",
        "-- revises: ab12\n",
        "-- Revision ID: x\n",
    ] {
        let file = format!("-- revision: ab12\n{}-- migrate:up\n", line.repeat(20_000));
        parse_all(file.as_bytes()).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    }
}
