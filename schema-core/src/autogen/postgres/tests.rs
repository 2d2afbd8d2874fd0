//! Round trips against the PostgreSQL test server (a visible skip without it, a failure with
//! `CI=true`), and rendering without a server.

use crate::autogen::model::{Check, Column, EnumType, ForeignKey, PrimaryKey, UniqueConstraint};
use crate::autogen::roundtrip_tests;
use crate::autogen::{Diff, Schema};
use crate::db::Dialect;

use super::introspect::*;
use super::render::*;
use crate::autogen::{
    ScratchDb, ScratchPair, assert_contains, introspect_sql, roundtrip_case, roundtrip_renamed,
    run_sql,
};

const PG: Dialect = Dialect::Postgres;

/// The round trip; `None` when the server is not there (a visible skip; with `CI=true`
/// `test_server` fails instead).
async fn case(
    s1: &str,
    s2: &str,
    seed: &str,
    query: &str,
    expect: &[&str],
) -> Option<(String, String)> {
    let out = roundtrip_case(PG, s1, s2, seed, Some((query, expect))).await;
    if let Some((up, down)) = &out {
        eprintln!("-- up\n{up}-- down\n{down}");
    }
    out
}

roundtrip_tests! {
    tables_added_and_dropped(
        "CREATE TABLE keep (id integer PRIMARY KEY, name text);
         CREATE TABLE gone (id integer PRIMARY KEY, x text)",
        "CREATE TABLE keep (id integer PRIMARY KEY, name text);
         CREATE TABLE added (id bigint PRIMARY KEY, label varchar(20) NOT NULL DEFAULT 'x')",
        "INSERT INTO keep VALUES (1, 'a'), (2, 'b')",
        "SELECT id, name FROM keep ORDER BY id",
        &["1|a", "2|b"],
    ) => |Some((up, down))| {
        assert_contains(&up, &["CREATE TABLE added", "DROP TABLE gone"]);
        assert!(down.contains("CREATE TABLE gone"), "{down}");
    };

    columns_added_and_dropped(
        "CREATE TABLE t (id integer PRIMARY KEY, a text, old_col integer)",
        "CREATE TABLE t (id integer PRIMARY KEY, a text, b integer NOT NULL DEFAULT 7, c text)",
        "INSERT INTO t VALUES (1, 'x', 10), (2, NULL, 20)",
        "SELECT id, a FROM t ORDER BY id",
        &["1|x", "2|NULL"],
    );

    column_types_widened(
        "CREATE TABLE t (id integer PRIMARY KEY, n integer, s varchar(40), p numeric(8,2), keep text)",
        "CREATE TABLE t (id integer PRIMARY KEY, n bigint, s varchar(80), p numeric(10,2), keep text)",
        "INSERT INTO t VALUES (1, 5, 'abc', 1.25, 'k')",
        "SELECT id, n, s, p::text, keep FROM t",
        &["1|5|abc|1.25|k"],
    ) => |Some((up, _))| {
        assert!(!up.contains("WARNING"), "{up}");
    };

    column_types_narrowed(
        "CREATE TABLE t (id integer PRIMARY KEY, n bigint, s text, keep text)",
        "CREATE TABLE t (id integer PRIMARY KEY, n integer, s varchar(10), keep text)",
        "INSERT INTO t VALUES (1, 5, 'short', 'k')",
        "SELECT id, n, s, keep FROM t",
        &["1|5|short|k"],
    ) => |Some((up, _))| {
        assert!(up.contains("-- WARNING: changes t.n"), "{up}");
    };

    nullability_and_defaults(
        "CREATE TABLE t (id integer PRIMARY KEY, a text NOT NULL, b text,
                         c integer DEFAULT 1, d text DEFAULT 'x', e timestamp)",
        "CREATE TABLE t (id integer PRIMARY KEY, a text, b text NOT NULL DEFAULT 'none',
                         c integer DEFAULT 2, d text, e timestamp DEFAULT now())",
        "INSERT INTO t VALUES (1, 'a', 'b', 5, 'dd', NULL)",
        "SELECT id, a, b, c, d FROM t",
        &["1|a|b|5|dd"],
    );

    type_change_with_a_default(
        "CREATE TABLE t (id integer PRIMARY KEY, code text DEFAULT '12', flag integer DEFAULT 0)",
        "CREATE TABLE t (id integer PRIMARY KEY, code integer DEFAULT 12, flag bigint DEFAULT 1)",
        "INSERT INTO t VALUES (1, '34', 1)",
        "SELECT id, code, flag FROM t",
        &["1|34|1"],
    );

    primary_key_added_and_dropped(
        "CREATE TABLE a (id integer NOT NULL, x text);
         CREATE TABLE b (id integer PRIMARY KEY, y text)",
        "CREATE TABLE a (id integer PRIMARY KEY, x text);
         CREATE TABLE b (id integer NOT NULL, y text)",
        "INSERT INTO a VALUES (1, 'a'); INSERT INTO b VALUES (2, 'b')",
        "SELECT a.x, b.y FROM a, b",
        &["a|b"],
    );

    composite_primary_key_changed(
        "CREATE TABLE m (a integer NOT NULL, b integer NOT NULL, c integer NOT NULL, v text,
                         CONSTRAINT m_pkey PRIMARY KEY (a, b))",
        "CREATE TABLE m (a integer NOT NULL, b integer NOT NULL, c integer NOT NULL, v text,
                         CONSTRAINT m_pk PRIMARY KEY (a, b, c))",
        "INSERT INTO m VALUES (1, 2, 3, 'x'), (1, 3, 3, 'y')",
        "SELECT a, b, c, v FROM m ORDER BY b",
        &["1|2|3|x", "1|3|3|y"],
    );

    unique_constraints(
        "CREATE TABLE u (id integer PRIMARY KEY, email text UNIQUE, a integer, b integer)",
        "CREATE TABLE u (id integer PRIMARY KEY, email text, a integer, b integer,
                         CONSTRAINT u_a_b UNIQUE (a, b))",
        "INSERT INTO u VALUES (1, 'x@y', 1, 2)",
        "SELECT id, email, a, b FROM u",
        &["1|x@y|1|2"],
    );

    indexes_unique_partial_multi_column_expression(
        "CREATE TABLE i (id integer PRIMARY KEY, a text, b integer, c boolean);
         CREATE INDEX i_a ON i (a)",
        "CREATE TABLE i (id integer PRIMARY KEY, a text, b integer, c boolean);
         CREATE UNIQUE INDEX i_ab ON i (a, b DESC);
         CREATE INDEX i_live ON i (b) WHERE c;
         CREATE INDEX i_lower ON i (lower(a)) INCLUDE (b)",
        "INSERT INTO i VALUES (1, 'A', 1, true), (2, 'B', 2, false)",
        "SELECT id, a, b, c FROM i ORDER BY id",
        &["1|A|1|true", "2|B|2|false"],
    ) => |Some((up, _))| {
        assert_contains(&up, &["DROP INDEX i_a;", "WHERE c;"]);
        // The schema the revision runs in, not the one it was generated from.
        assert!(
            up.contains("CREATE INDEX i_live ON i USING btree (b) WHERE c;"),
            "{up}"
        );
        assert!(!up.contains("public."), "{up}");
    };

    foreign_keys_added_dropped_and_actions_changed(
        "CREATE TABLE p (id integer PRIMARY KEY, code text UNIQUE);
         CREATE TABLE c1 (id integer PRIMARY KEY, p_id integer REFERENCES p (id));
         CREATE TABLE c2 (id integer PRIMARY KEY, p_id integer,
             CONSTRAINT c2_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE);
         CREATE TABLE c3 (id integer PRIMARY KEY, p_code text)",
        "CREATE TABLE p (id integer PRIMARY KEY, code text UNIQUE);
         CREATE TABLE c1 (id integer PRIMARY KEY, p_id integer);
         CREATE TABLE c2 (id integer PRIMARY KEY, p_id integer,
             CONSTRAINT c2_p FOREIGN KEY (p_id) REFERENCES p (id)
             ON DELETE SET NULL ON UPDATE RESTRICT);
         CREATE TABLE c3 (id integer PRIMARY KEY, p_code text,
             CONSTRAINT c3_code FOREIGN KEY (p_code) REFERENCES p (code)
             ON DELETE SET DEFAULT ON UPDATE CASCADE)",
        "INSERT INTO p VALUES (1, 'one');
         INSERT INTO c1 VALUES (1, 1); INSERT INTO c2 VALUES (1, 1); INSERT INTO c3 VALUES (1, 'one')",
        "SELECT c1.p_id, c2.p_id, c3.p_code FROM c1, c2, c3",
        &["1|1|one"],
    );

    two_new_tables_that_reference_each_other(
        "CREATE TABLE base (id integer PRIMARY KEY)",
        "CREATE TABLE base (id integer PRIMARY KEY);
         CREATE TABLE a (id integer PRIMARY KEY, b_id integer);
         CREATE TABLE b (id integer PRIMARY KEY, a_id integer REFERENCES a (id) ON DELETE CASCADE);
         ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b (id) ON UPDATE CASCADE",
        "INSERT INTO base VALUES (1), (2)",
        "SELECT id FROM base ORDER BY id",
        &["1", "2"],
    ) => |Some((up, down))| {
        assert!(
            up.contains("ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY"),
            "{up}"
        );
        assert!(
            down.starts_with("ALTER TABLE a DROP CONSTRAINT a_b;"),
            "{down}"
        );
    };

    named_check_constraints(
        "CREATE TABLE t (id integer PRIMARY KEY, price numeric, qty integer,
                         CONSTRAINT price_positive CHECK (price > 0),
                         CONSTRAINT qty_small CHECK (qty < 100))",
        "CREATE TABLE t (id integer PRIMARY KEY, price numeric, qty integer,
                         CONSTRAINT price_positive CHECK (price >= 0),
                         CONSTRAINT \"Qty range\" CHECK (qty BETWEEN 0 AND 1000))",
        "INSERT INTO t VALUES (1, 5, 7)",
        "SELECT id, price::text, qty FROM t",
        &["1|5|7"],
    );

    views_added_dropped_and_changed(
        "CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
         CREATE VIEW gone AS SELECT id FROM t;
         CREATE VIEW changed AS SELECT id, a FROM t;
         CREATE VIEW same AS SELECT a FROM t",
        "CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
         CREATE VIEW changed AS SELECT id, a, b FROM t WHERE b > 0;
         CREATE VIEW same AS SELECT a FROM t;
         CREATE VIEW added AS SELECT count(*) AS n FROM t",
        "INSERT INTO t VALUES (1, 'x', 2)",
        "SELECT * FROM changed",
        &["1|x"],
    );

    view_over_a_table_whose_column_type_changes(
        "CREATE TABLE t (id integer PRIMARY KEY, amount integer, note varchar(20));
         CREATE VIEW totals AS SELECT id, amount * 2 AS twice, note FROM t",
        "CREATE TABLE t (id integer PRIMARY KEY, amount bigint, note text);
         CREATE VIEW totals AS SELECT id, amount * 2 AS twice, note FROM t",
        "INSERT INTO t VALUES (1, 21, 'n')",
        "SELECT id, twice, note FROM totals",
        &["1|42|n"],
    );

    enum_created_and_used(
        "CREATE TABLE t (id integer PRIMARY KEY, note text)",
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
         CREATE TABLE t (id integer PRIMARY KEY, note text, m mood DEFAULT 'ok');
         CREATE TABLE other (id integer PRIMARY KEY, moods mood[] NOT NULL)",
        "INSERT INTO t VALUES (1, 'n')",
        "SELECT id, note FROM t",
        &["1|n"],
    );

    enum_values_added_in_the_middle_and_at_the_end_and_removed_again(
        "CREATE TYPE mood AS ENUM ('sad', 'happy');
         CREATE TABLE t (id integer PRIMARY KEY, m mood NOT NULL DEFAULT 'sad', ms mood[]);
         CREATE VIEW happy AS SELECT id FROM t WHERE m = 'happy'",
        "CREATE TYPE mood AS ENUM ('meh', 'sad', 'ok', 'happy', 'ecstatic');
         CREATE TABLE t (id integer PRIMARY KEY, m mood NOT NULL DEFAULT 'sad', ms mood[]);
         CREATE VIEW happy AS SELECT id FROM t WHERE m = 'happy'",
        "INSERT INTO t VALUES (1, 'sad', '{happy,sad}'), (2, 'happy', NULL)",
        "SELECT id, m::text, ms::text FROM t ORDER BY id",
        &["1|sad|{happy,sad}", "2|happy|NULL"],
    ) => |Some((up, down))| {
        assert_contains(
            &up,
            &[
                "ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad'",
                "ADD VALUE IF NOT EXISTS 'ok' AFTER 'sad'",
                "ADD VALUE IF NOT EXISTS 'ecstatic' AFTER 'happy'",
            ],
        );
        assert!(
            down.contains("-- WARNING: removes meh, ok, ecstatic"),
            "{down}"
        );
    };

/// (PostgreSQL adds a column at the end, so the down section can only give the same table
/// back when the dropped column was the last one.)
    enum_dropped_with_its_column(
        "CREATE TYPE status AS ENUM ('new', 'done');
         CREATE TABLE t (id integer PRIMARY KEY, keep text, s status)",
        "CREATE TABLE t (id integer PRIMARY KEY, keep text)",
        "INSERT INTO t VALUES (1, 'k', 'done')",
        "SELECT id, keep FROM t",
        &["1|k"],
    );

    column_changed_between_text_and_enum(
        "CREATE TYPE status AS ENUM ('new', 'done');
         CREATE TABLE t (id integer PRIMARY KEY, s text DEFAULT 'new')",
        "CREATE TYPE status AS ENUM ('new', 'done');
         CREATE TABLE t (id integer PRIMARY KEY, s status DEFAULT 'new')",
        "INSERT INTO t VALUES (1, 'done')",
        "SELECT id, s FROM t",
        &["1|done"],
    );

    identity_and_serial_columns_added_and_dropped(
        "CREATE TABLE a (id integer NOT NULL PRIMARY KEY, v text);
         CREATE TABLE b (id serial PRIMARY KEY, v text);
         CREATE TABLE c (v text)",
        "CREATE TABLE a (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v text);
         CREATE TABLE b (id integer NOT NULL PRIMARY KEY, v text);
         CREATE TABLE c (v text, n bigint GENERATED ALWAYS AS IDENTITY)",
        "INSERT INTO a VALUES (5, 'a'); INSERT INTO b (v) VALUES ('b1'), ('b2');
         INSERT INTO c VALUES ('c')",
        "SELECT a.id, a.v, b.id, b.v, c.v FROM a, b, c ORDER BY b.id",
        &["5|a|1|b1|c", "5|a|2|b2|c"],
    );
}

#[tokio::test]
async fn an_added_identity_continues_after_existing_values() {
    let Some(mut db) = ScratchDb::open(PG).await else {
        return;
    };
    let conn = &mut db.conn;
    run_sql(conn, "CREATE TABLE a (id integer PRIMARY KEY, v text)").await;
    run_sql(conn, "INSERT INTO a VALUES (1, 'x'), (7, 'y')").await;
    let from = introspect(conn, &[]).await.expect("introspect");
    let mut to = from.clone();
    if let Some(t) = to.tables.get_mut("a") {
        t.columns[0].auto_increment = true;
    }
    let diff = Diff::new(PG, &from, &to, &Default::default());
    run_sql(conn, &crate::autogen::section_text(&render(&diff))).await;
    run_sql(conn, "INSERT INTO a (v) VALUES ('z')").await;
    let rows = conn
        .fetch_strings("SELECT id::text FROM a WHERE v = 'z'")
        .await;
    let after = introspect(conn, &[]).await;
    db.close().await;
    assert_eq!(rows.expect("rows"), vec![vec![Some("8".to_string())]]);
    assert_eq!(after.expect("introspect"), to);
}

roundtrip_tests! {
    generated_columns_added_and_dropped(
        "CREATE TABLE t (id integer PRIMARY KEY, a integer, twice integer GENERATED ALWAYS AS (a * 2) STORED)",
        "CREATE TABLE t (id integer PRIMARY KEY, a integer, thrice integer GENERATED ALWAYS AS (a * 3) STORED)",
        "INSERT INTO t (id, a) VALUES (1, 4)",
        "SELECT id, a, twice FROM t",
        &["1|4|8"],
    );

    generated_column_made_plain_keeps_its_values(
        "CREATE TABLE t (id integer PRIMARY KEY, a integer, g integer GENERATED ALWAYS AS (a * 2) STORED)",
        "CREATE TABLE t (id integer PRIMARY KEY, a integer, g bigint DEFAULT 0)",
        "INSERT INTO t (id, a) VALUES (1, 4)",
        "SELECT id, a, g FROM t",
        &["1|4|8"],
    );
}

#[tokio::test]
async fn renamed_table_and_column_keep_their_data() {
    let renames = crate::autogen::Renames {
        tables: vec![("users".into(), "people".into())],
        columns: vec![("people".into(), "name".into(), "full_name".into())],
    };
    roundtrip_renamed(
        PG,
        &renames,
        "CREATE TABLE users (id serial PRIMARY KEY, name text)",
        "CREATE TABLE people (id serial PRIMARY KEY, full_name text)",
        "INSERT INTO users (name) VALUES ('ann')",
        Some(("SELECT id::text, name FROM users", &["1|ann"])),
    )
    .await;
}

#[tokio::test]
async fn an_empty_database_is_the_empty_schema() {
    if let Some(schema) = introspect_sql(PG, "", &[]).await {
        assert_eq!(schema, Schema::default());
    }
}

#[tokio::test]
async fn introspects_a_rich_schema() {
    let Some(schema) = introspect_sql(
        PG,
        "CREATE EXTENSION IF NOT EXISTS plpgsql;
         CREATE TYPE mood AS ENUM ('sad', 'happy');
         CREATE TABLE parent (id serial PRIMARY KEY, code varchar(10) NOT NULL UNIQUE);
         CREATE TABLE \"Child\" (
             id bigint GENERATED ALWAYS AS IDENTITY,
             parent_id integer NOT NULL,
             m mood DEFAULT 'happy',
             price numeric(8,2) DEFAULT 0,
             CONSTRAINT child_pk PRIMARY KEY (id, parent_id),
             CONSTRAINT price_ok CHECK (price >= 0),
             CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
                 ON DELETE CASCADE ON UPDATE SET NULL
         );
         CREATE INDEX child_m ON \"Child\" (m, price) WHERE price > 1;
         CREATE TABLE schema_version (id integer);
         CREATE VIEW happy AS SELECT id FROM \"Child\" WHERE m = 'happy';",
        &["schema_version"],
    )
    .await
    else {
        return;
    };

    assert_eq!(
        schema.tables.keys().collect::<Vec<_>>(),
        ["Child", "parent"],
        "excluded table left out"
    );
    assert_eq!(
        schema.enums["mood"],
        EnumType {
            name: "mood".into(),
            values: vec!["sad".into(), "happy".into()]
        }
    );
    let parent = &schema.tables["parent"];
    assert_eq!(
        parent.columns,
        vec![
            Column {
                name: "id".into(),
                data_type: "integer".into(),
                nullable: false,
                default: None,
                auto_increment: true,
            },
            Column {
                name: "code".into(),
                data_type: "character varying(10)".into(),
                nullable: false,
                default: None,
                auto_increment: false,
            },
        ]
    );
    assert_eq!(
        parent.uniques,
        vec![UniqueConstraint::on(Some("parent_code_key"), &["code"])]
    );
    let child = &schema.tables["Child"];
    assert_eq!(child.columns[0].data_type, "bigint");
    assert!(child.columns[0].auto_increment && !child.columns[0].nullable);
    assert_eq!(child.columns[2].data_type, "mood");
    assert_eq!(child.columns[2].default.as_deref(), Some("'happy'::mood"));
    assert_eq!(child.columns[3].data_type, "numeric(8,2)");
    assert_eq!(
        child.primary_key,
        Some(PrimaryKey::on(Some("child_pk"), &["id", "parent_id"]))
    );
    assert_eq!(
        child.checks,
        vec![Check::on(Some("price_ok"), "(price >= (0)::numeric)")]
    );
    assert_eq!(
        child.foreign_keys,
        vec![ForeignKey::on(
            Some("child_parent"),
            &["parent_id"],
            ("parent", &["id"]),
            ("CASCADE", "SET NULL")
        )]
    );
    assert_eq!(child.indexes.len(), 1, "{:?}", child.indexes);
    let index = &child.indexes[0];
    assert_eq!(index.name, "child_m");
    assert_eq!(index.columns, ["m", "price"]);
    assert!(!index.unique);
    assert_eq!(index.predicate.as_deref(), Some("(price > (1)::numeric)"));
    assert_eq!(
        index.definition.as_deref(),
        Some(
            "CREATE INDEX child_m ON \"Child\" USING btree (m, price) \
             WHERE (price > (1)::numeric)"
        )
    );
    let view = &schema.views["happy"];
    assert!(view.definition.starts_with("SELECT"), "{}", view.definition);
    assert!(!view.definition.ends_with(';'));
    assert!(
        view.definition.contains("'happy'::mood"),
        "{}",
        view.definition
    );
}

/// A partitioned table reads as one table: its partitions, their indexes and the copies
/// of a foreign key to it that PostgreSQL keeps per partition are left out, so a column
/// and an index added to it are added once, on the parent.
#[tokio::test]
async fn partitioned_table_gets_a_column_and_an_index() {
    let partitioned = "CREATE TABLE m (id integer NOT NULL, ts date NOT NULL, v text,
                           PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
         CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE c (id integer PRIMARY KEY, mid integer, mts date,
                         CONSTRAINT c_m FOREIGN KEY (mid, mts) REFERENCES m (id, ts))";
    let Some((up, down)) = case(
        partitioned,
        &format!(
            "{partitioned};
             ALTER TABLE m ADD COLUMN note text DEFAULT 'n';
             CREATE INDEX m_v ON m (v)"
        ),
        "INSERT INTO m VALUES (1, '2024-05-01', 'x'); INSERT INTO c VALUES (1, 1, '2024-05-01')",
        "SELECT m.id, m.ts::text, m.v, c.id FROM m JOIN c ON c.mid = m.id",
        &["1|2024-05-01|x|1"],
    )
    .await
    else {
        return;
    };
    assert_eq!(up.matches("ADD COLUMN").count(), 1, "{up}");
    assert!(
        up.contains("CREATE INDEX m_v ON m USING btree (v);"),
        "{up}"
    );
    assert!(
        !up.contains("m_2024") && !down.contains("m_2024"),
        "{up}{down}"
    );
}

roundtrip_tests! {
/// A new partitioned table is made as a plain table with the same columns, keys and
/// indexes (the model has no partitioning, and the partitions are not in it): not the
/// declared layout, but nothing in either section fails.
    new_partitioned_table_is_made_plain(
        "CREATE TABLE keep (id integer PRIMARY KEY)",
        "CREATE TABLE keep (id integer PRIMARY KEY);
         CREATE TABLE m (id integer NOT NULL, ts date NOT NULL, v text,
                         PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
         CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE INDEX m_v ON m (v)",
        "INSERT INTO keep VALUES (1)",
        "SELECT id FROM keep",
        &["1"],
    ) => |Some((up, down))| {
        assert!(
            !up.contains("m_2024") && !down.contains("m_2024"),
            "{up}{down}"
        );
        assert!(
            up.contains("CREATE INDEX m_v ON m USING btree (v);"),
            "{up}"
        );
    };
}

#[tokio::test]
async fn introspects_a_partitioned_table_as_one() {
    let Some(schema) = introspect_sql(
        PG,
        "CREATE TABLE m (id integer NOT NULL, ts date NOT NULL, v text,
                         PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
         CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
         CREATE TABLE m_rest PARTITION OF m DEFAULT;
         CREATE INDEX m_v ON m (v);
         CREATE TABLE c (id integer PRIMARY KEY, mid integer, mts date,
                         CONSTRAINT c_m FOREIGN KEY (mid, mts) REFERENCES m (id, ts))",
        &[],
    )
    .await
    else {
        return;
    };
    assert_eq!(schema.tables.keys().collect::<Vec<_>>(), ["c", "m"]);
    let c = &schema.tables["c"];
    assert_eq!(c.foreign_keys.len(), 1, "{:?}", c.foreign_keys);
    let m = &schema.tables["m"];
    assert_eq!(m.indexes.len(), 1, "{:?}", m.indexes);
    assert_eq!(
        m.indexes[0].definition.as_deref(),
        Some("CREATE INDEX m_v ON m USING btree (v)")
    );
}

/// The views rebuilt around a replaced enum are all that read its tables, also through
/// other views: dropped readers first, made again in reading order.
#[tokio::test]
async fn enum_value_removed_under_views_over_views() {
    let views = "CREATE VIEW v1 AS SELECT id, m FROM t;
         CREATE VIEW v2 AS SELECT * FROM v1;
         CREATE VIEW a_top AS SELECT m FROM v2 WHERE id > 0";
    let Some((up, _)) = case(
        &format!(
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
             CREATE TABLE t (id integer PRIMARY KEY, m mood);
             {views}"
        ),
        &format!(
            "CREATE TYPE mood AS ENUM ('sad', 'happy');
             CREATE TABLE t (id integer PRIMARY KEY, m mood);
             {views}"
        ),
        "INSERT INTO t VALUES (1, 'sad'), (2, 'happy')",
        "SELECT m::text FROM a_top ORDER BY 1",
        &["happy", "sad"],
    )
    .await
    else {
        return;
    };
    let at = |s: &str| up.find(s).unwrap_or(usize::MAX);
    assert!(
        at("DROP VIEW a_top") < at("DROP VIEW v2")
            && at("DROP VIEW v2") < at("DROP VIEW v1")
            && at("DROP VIEW v1") < at("ALTER TYPE mood RENAME")
            && at("CREATE VIEW v1") < at("CREATE VIEW v2")
            && at("CREATE VIEW v2") < at("CREATE VIEW a_top")
            && at("CREATE VIEW a_top") < usize::MAX,
        "{up}"
    );
}

/// Index definitions do not name the schema they were read in: a database whose current
/// schema is not `public` reads the same.
#[tokio::test]
async fn index_definitions_are_the_same_in_another_schema() {
    let Some(mut pair) = ScratchPair::open(PG).await else {
        return;
    };
    let (ca, cb) = pair.conns();
    let sql = "CREATE TABLE \"T\" (id integer PRIMARY KEY, a text, b integer);
         CREATE INDEX t_a ON \"T\" (lower(a)) WHERE b > 0;
         CREATE UNIQUE INDEX \"T b\" ON \"T\" (b DESC)";
    run_sql(ca, sql).await;
    run_sql(
        cb,
        "CREATE SCHEMA \"My App\"; SET search_path TO \"My App\"",
    )
    .await;
    run_sql(cb, sql).await;
    let ma = introspect(ca, &[]).await;
    let mb = introspect(cb, &[]).await;
    pair.close().await;
    let (ma, mb) = (ma.expect("introspect a"), mb.expect("introspect b"));
    assert_eq!(ma, mb);
    let defs: Vec<Option<&str>> = ma.tables["T"]
        .indexes
        .iter()
        .map(|i| i.definition.as_deref())
        .collect();
    assert_eq!(
        defs,
        [
            Some("CREATE UNIQUE INDEX \"T b\" ON \"T\" USING btree (b DESC)"),
            Some("CREATE INDEX t_a ON \"T\" USING btree (lower(a)) WHERE (b > 0)"),
        ]
    );
}

/// A serial's sequence keeps `AS integer` when its column is widened: the up section
/// makes it `bigint` (numbers past 2^31 - 1 then work) and the down section `integer`
/// again. An identity's sequence follows its column either way.
#[tokio::test]
async fn widened_serial_and_identity_widen_their_sequences() {
    let Some(mut pair) = ScratchPair::open(PG).await else {
        return;
    };
    let (ca, cb) = pair.conns();
    run_sql(
        ca,
        "CREATE TABLE \"Orders\" (id serial PRIMARY KEY, v text);
         CREATE TABLE items (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);
         INSERT INTO \"Orders\" (v) VALUES ('a')",
    )
    .await;
    run_sql(
        cb,
        "CREATE TABLE \"Orders\" (id bigserial PRIMARY KEY, v text);
         CREATE TABLE items (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)",
    )
    .await;
    let types = "SELECT (SELECT data_type FROM information_schema.sequences \
                 WHERE sequence_name = 'Orders_id_seq'), \
                 (SELECT format_type(seqtypid, NULL) FROM pg_sequence \
                 WHERE seqrelid = pg_get_serial_sequence('items', 'id')::regclass)";
    let m1 = introspect(ca, &[]).await.expect("m1");
    let m2 = introspect(cb, &[]).await.expect("m2");
    let diff = Diff::new(PG, &m1, &m2, &Default::default());
    let up = crate::autogen::section_text(&render(&diff));
    let down = crate::autogen::section_text(&render(&diff.reverse()));
    run_sql(ca, &up).await;
    let after_up = ca.fetch_strings(types).await;
    let after_up_model = introspect(ca, &[]).await;
    let big = ca
        .fetch_strings(
            "SELECT setval(pg_get_serial_sequence('\"Orders\"', 'id'), 3000000000)::text",
        )
        .await
        .map(|_| ());
    let big_row = ca
        .fetch_strings("INSERT INTO \"Orders\" (v) VALUES ('big') RETURNING id::text")
        .await;
    let _ = ca
        .fetch_strings("DELETE FROM \"Orders\" WHERE v = 'big'")
        .await;
    let _ = ca
        .fetch_strings("SELECT setval(pg_get_serial_sequence('\"Orders\"', 'id'), 1)::text")
        .await;
    run_sql(ca, &down).await;
    let after_down = ca.fetch_strings(types).await;
    let after_down_model = introspect(ca, &[]).await;
    pair.close().await;
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        after_up.expect("after up"),
        vec![vec![s("bigint"), s("bigint")]],
        "{up}"
    );
    assert!(big.is_ok(), "{big:?}");
    assert_eq!(
        big_row.expect("insert past 2^31"),
        vec![vec![s("3000000001")]],
        "{up}"
    );
    assert_eq!(after_up_model.expect("after up"), m2);
    assert_eq!(
        after_down.expect("after down"),
        vec![vec![s("integer"), s("integer")]],
        "{down}"
    );
    assert_eq!(after_down_model.expect("after down"), m1);
}

#[test]
fn index_definitions_lose_the_schema() {
    assert_eq!(
        unqualified_index_def(
            "CREATE UNIQUE INDEX \"I\" ON ONLY \"my app\".m USING btree (a)",
            true,
            "\"I\"",
            "\"my app\""
        ),
        "CREATE UNIQUE INDEX \"I\" ON m USING btree (a)"
    );
    assert_eq!(
        unqualified_index_def(
            "CREATE INDEX i ON public.t USING btree (a)",
            false,
            "i",
            "public"
        ),
        "CREATE INDEX i ON t USING btree (a)"
    );
    // Another schema's table stays qualified.
    assert_eq!(
        unqualified_index_def(
            "CREATE INDEX i ON other.t USING btree (a)",
            false,
            "i",
            "public"
        ),
        "CREATE INDEX i ON other.t USING btree (a)"
    );
    assert_eq!(
        alter_sequence_type("Orders", "id", "bigint"),
        "DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS bigint', \
         pg_get_serial_sequence('\"Orders\"', 'id')); END $$"
    );
}

#[test]
fn renders_enum_value_positions_and_identity() {
    let e = |vs: &[&str]| EnumType {
        name: "mood".into(),
        values: vs.iter().map(|v| v.to_string()).collect(),
    };
    assert_eq!(
        add_enum_values(&e(&["b"]), &e(&["a", "b", "c", "d"])),
        [
            "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'a' BEFORE 'b'",
            "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'c' AFTER 'b'",
            "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'd' AFTER 'c'",
        ]
    );
    let c = Column {
        name: "id".into(),
        data_type: "bigint".into(),
        nullable: false,
        default: None,
        auto_increment: true,
    };
    assert_eq!(
        column_def(&c),
        "id bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL"
    );
    assert_eq!(check_expression("CHECK ((a > 0)) NOT VALID"), "(a > 0)");
    assert_eq!(enum_use("\"Mood\"[]", "Mood"), Some(true));
    assert_eq!(enum_use("moods", "mood"), None);
}
