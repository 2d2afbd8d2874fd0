//! Tests of the diff: an oracle that plays the changes on a model, and properties over random
//! schemas.

use super::*;
use proptest::prelude::*;

/// The changes played on a model, as a database would: the oracle for `diff`. Panics when a
/// change does not fit the state it is applied to (dropping what is not there, a foreign
/// key to a missing table), which is how ordering mistakes show up.
fn apply(schema: &Schema, changes: &[Change]) -> Schema {
    let mut s = schema.clone();
    for c in changes {
        match c {
            Change::CreateEnum(e) => {
                assert!(s.enums.insert(e.name.clone(), e.clone()).is_none())
            }
            Change::AddEnumValues { to, .. } | Change::ReplaceEnum { to, .. } => {
                assert!(s.enums.insert(to.name.clone(), to.clone()).is_some())
            }
            Change::DropEnum(e) => assert!(s.enums.remove(&e.name).is_some()),
            Change::DropView(v) => assert!(s.views.remove(&v.name).is_some()),
            Change::CreateView(v) => {
                assert!(s.views.insert(v.name.clone(), v.clone()).is_none())
            }
            Change::DropTable(t) => {
                assert!(s.tables.remove(&t.name).is_some());
                for other in s.tables.values() {
                    assert!(
                        other
                            .foreign_keys
                            .iter()
                            .all(|fk| fk.referenced_table != t.name),
                        "{} still references {}",
                        other.name,
                        t.name
                    );
                }
            }
            Change::CreateTable(t) => {
                assert!(s.tables.insert(t.name.clone(), t.clone()).is_none());
                for fk in &t.foreign_keys {
                    assert_references(&s, fk, &t.name);
                }
            }
            Change::RenameTable { from, to } => {
                let mut t = s.tables.remove(from).expect("renamed table");
                t.name = to.clone();
                s.tables.insert(to.clone(), t);
                for t in s.tables.values_mut() {
                    for fk in &mut t.foreign_keys {
                        if &fk.referenced_table == from {
                            fk.referenced_table = to.clone();
                        }
                    }
                }
            }
            Change::RenameColumn { table, from, to } => {
                let t = s.tables.get_mut(table).expect("table");
                let col = t
                    .columns
                    .iter_mut()
                    .find(|c| &c.name == from)
                    .expect("column");
                col.name = to.clone();
                let ren = |cs: &mut Vec<String>| {
                    for c in cs {
                        if c == from {
                            *c = to.clone();
                        }
                    }
                };
                if let Some(pk) = &mut t.primary_key {
                    ren(&mut pk.columns);
                }
                t.uniques.iter_mut().for_each(|u| ren(&mut u.columns));
                t.indexes.iter_mut().for_each(|i| ren(&mut i.columns));
                t.foreign_keys.iter_mut().for_each(|f| ren(&mut f.columns));
                let name = table.clone();
                for t in s.tables.values_mut() {
                    for fk in &mut t.foreign_keys {
                        if fk.referenced_table == name {
                            ren(&mut fk.referenced_columns);
                        }
                    }
                }
            }
            Change::AddColumn { table, column } => {
                let t = s.tables.get_mut(table).expect("table");
                assert!(t.column(&column.name).is_none());
                t.columns.push(column.clone());
            }
            Change::AlterColumn { table, from, to } => {
                if from.data_type != to.data_type {
                    assert_unreferenced(&s, table, std::slice::from_ref(&to.name), true);
                }
                let t = s.tables.get_mut(table).expect("table");
                *t.columns
                    .iter_mut()
                    .find(|c| c.name == to.name)
                    .expect("column") = to.clone();
            }
            Change::DropColumn { table, column } => {
                let t = s.tables.get_mut(table).expect("table");
                let uses = |cs: &[String]| cs.contains(&column.name);
                assert!(
                    !t.indexes.iter().any(|i| uses(&i.columns)),
                    "index on dropped column"
                );
                assert!(
                    !t.foreign_keys.iter().any(|f| uses(&f.columns)),
                    "fk on dropped column"
                );
                t.columns.retain(|c| c.name != column.name);
            }
            Change::DropPrimaryKey { table, primary_key } => {
                assert_unreferenced(&s, table, &primary_key.columns, false);
                s.tables.get_mut(table).expect("table").primary_key = None
            }
            Change::AddPrimaryKey { table, primary_key } => {
                let t = s.tables.get_mut(table).expect("table");
                assert!(t.primary_key.is_none());
                t.primary_key = Some(primary_key.clone());
            }
            Change::DropUnique { table, unique } => {
                assert_unreferenced(&s, table, &unique.columns, false);
                remove_one(&mut s.tables.get_mut(table).expect("table").uniques, unique);
            }
            Change::AddUnique { table, unique } => {
                insert_sorted(&mut s.tables.get_mut(table).expect("table").uniques, unique);
            }
            Change::DropIndex { table, index } => {
                remove_one(&mut s.tables.get_mut(table).expect("table").indexes, index);
            }
            Change::CreateIndex { table, index } => {
                let t = s.tables.get_mut(table).expect("table");
                for c in &index.columns {
                    assert!(t.column(c).is_some(), "index on missing column {c}");
                }
                insert_sorted(&mut t.indexes, index);
            }
            Change::DropCheck { table, check } => {
                let t = s.tables.get_mut(table).expect("table");
                t.checks.retain(|c| c != check);
            }
            Change::AddCheck { table, check } => {
                insert_sorted(&mut s.tables.get_mut(table).expect("table").checks, check);
            }
            Change::DropForeignKey { table, foreign_key } => {
                let t = s.tables.get_mut(table).expect("table");
                remove_one(&mut t.foreign_keys, foreign_key);
            }
            Change::AddForeignKey { table, foreign_key } => {
                assert_references(&s, foreign_key, table);
                let t = s.tables.get_mut(table).expect("table");
                insert_sorted(&mut t.foreign_keys, foreign_key);
            }
        }
    }
    s
}

/// Adds `item` to a sorted list of constraints, keeping it sorted.
fn insert_sorted<T: Clone + Ord>(list: &mut Vec<T>, item: &T) {
    list.push(item.clone());
    list.sort();
}

/// Removes `item`, which must be in the list exactly once.
fn remove_one<T: PartialEq>(list: &mut Vec<T>, item: &T) {
    let n = list.len();
    list.retain(|x| x != item);
    assert_eq!(list.len() + 1, n);
}

/// A foreign key may only be declared when its table and the columns on both sides exist.
fn assert_references(s: &Schema, fk: &ForeignKey, table: &str) {
    let target = s.tables.get(&fk.referenced_table).unwrap_or_else(|| {
        panic!(
            "{table} references {} before it exists",
            fk.referenced_table
        )
    });
    for c in &fk.referenced_columns {
        assert!(
            target.column(c).is_some(),
            "{table} references {}.{c} before it exists",
            target.name
        );
    }
    let own = &s.tables[table];
    for c in &fk.columns {
        assert!(
            own.column(c).is_some(),
            "{table}.{c} missing for its foreign key"
        );
    }
}

/// PostgreSQL will not drop a key a foreign key uses, MySQL not retype a column one uses.
fn assert_unreferenced(s: &Schema, table: &str, columns: &[String], either_side: bool) {
    for t in s.tables.values() {
        for fk in &t.foreign_keys {
            let parent = fk.referenced_table == table
                && if either_side {
                    fk.referenced_columns.iter().any(|c| columns.contains(c))
                } else {
                    fk.referenced_columns == columns
                };
            let child =
                either_side && t.name == table && fk.columns.iter().any(|c| columns.contains(c));
            assert!(
                !parent && !child,
                "{table} ({}) is still used by a foreign key of {}",
                columns.join(", "),
                t.name
            );
        }
    }
}

/// A model as introspection leaves it: constraint lists sorted, columns in order.
fn normalized(mut s: Schema) -> Schema {
    for t in s.tables.values_mut() {
        t.uniques.sort();
        t.indexes.sort();
        t.foreign_keys.sort();
        t.checks.sort();
    }
    s
}

/// Column order is the database's; a column added at the end reads back at the end, so the
/// oracle compares columns as sets, like the renderers must.
fn same(a: &Schema, b: &Schema) -> bool {
    let key = |s: &Schema| {
        let mut s = normalized(s.clone());
        for t in s.tables.values_mut() {
            t.columns.sort_by(|x, y| x.name.cmp(&y.name));
        }
        s
    };
    key(a) == key(b)
}

fn col(name: &str, ty: &str) -> Column {
    Column {
        name: name.into(),
        data_type: ty.into(),
        nullable: true,
        ..Default::default()
    }
}

/// Random schemas over a small vocabulary of names, so that pairs overlap.
fn schema_strategy() -> impl Strategy<Value = Schema> {
    let table = (
        0usize..4,
        prop::collection::btree_set(0usize..5, 1..5),
        prop::collection::vec(any::<bool>(), 5),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(0usize..4),
        any::<bool>(),
    );
    (
        prop::collection::vec(table, 0..4),
        prop::collection::btree_set(0usize..3, 0..3),
        prop::option::of(prop::collection::vec("[abc]", 1..4)),
    )
        .prop_map(|(tables, views, enum_values)| {
            let mut s = Schema::default();
            for (n, cols, flags, pk, idx, fk, check) in tables {
                let name = format!("t{n}");
                let columns: Vec<Column> = cols
                    .iter()
                    .map(|&c| {
                        let mut column =
                            col(&format!("c{c}"), if flags[c] { "integer" } else { "text" });
                        column.nullable = !flags[(c + 1) % 5];
                        column
                    })
                    .collect();
                let first = columns[0].name.clone();
                let mut t = Table {
                    name: name.clone(),
                    columns,
                    ..Default::default()
                };
                if pk {
                    t.primary_key = Some(PrimaryKey {
                        name: Some(format!("{name}_pkey")),
                        columns: vec![first.clone()],
                    });
                }
                if idx {
                    t.indexes.push(Index {
                        name: format!("{name}_idx"),
                        columns: vec![first.clone()],
                        ..Default::default()
                    });
                }
                if check {
                    t.checks.push(Check {
                        name: None,
                        expression: format!("{first} IS NOT NULL"),
                    });
                }
                if let Some(target) = fk {
                    t.foreign_keys.push(ForeignKey {
                        name: None,
                        columns: vec![first.clone()],
                        referenced_table: format!("t{target}"),
                        referenced_columns: vec!["c0".into()],
                        on_delete: "CASCADE".into(),
                        on_update: "NO ACTION".into(),
                    });
                }
                s.tables.insert(name, t);
            }
            // Foreign keys only to tables that exist (a declared schema cannot have others).
            // They reference the target's first column (its key, when it has one).
            let names: BTreeSet<String> = s.tables.keys().cloned().collect();
            let firsts: BTreeMap<String, String> = s
                .tables
                .values()
                .map(|t| (t.name.clone(), t.columns[0].name.clone()))
                .collect();
            for t in s.tables.values_mut() {
                t.foreign_keys
                    .retain(|fk| names.contains(&fk.referenced_table));
                for fk in &mut t.foreign_keys {
                    fk.referenced_columns = vec![firsts[&fk.referenced_table].clone()];
                }
            }
            for v in views {
                let over = names
                    .iter()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| "nothing".into());
                s.views.insert(
                    format!("v{v}"),
                    View {
                        name: format!("v{v}"),
                        definition: format!("SELECT * FROM {over}"),
                    },
                );
            }
            if let Some(values) = enum_values {
                let mut seen = Vec::new();
                for v in values {
                    if !seen.contains(&v) {
                        seen.push(v);
                    }
                }
                s.enums.insert(
                    "mood".into(),
                    EnumType {
                        name: "mood".into(),
                        values: seen,
                    },
                );
            }
            normalized(s)
        })
}

proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Playing diff(a, b) on a gives b, in an order that never drops what is still used
        /// nor references what is not there yet; and the way back gives a.
        #[test]
        fn the_changes_take_one_schema_to_the_other_and_back(a in schema_strategy(), b in schema_strategy()) {
            // The rules the oracle checks are PostgreSQL's and MySQL's (SQLite's are looser).
            let up = diff_for(Dialect::Postgres, &a, &b, &Renames::default());
            prop_assert!(same(&apply(&a, &up), &b));
            let down = diff_for(Dialect::Postgres, &b, &a, &Renames::default());
            prop_assert!(same(&apply(&b, &down), &a));
            // What `check` reports has no foreign key that is dropped and added unchanged.
            let plain = diff(&a, &b, &Renames::default());
let unchanged_rebuilt = plain.iter().any(|c| match c {
                Change::DropForeignKey { table, foreign_key } => plain.contains(&Change::AddForeignKey {
                    table: table.clone(),
                    foreign_key: foreign_key.clone(),
                }),
                _ => false,
            });
            prop_assert!(!unchanged_rebuilt);
            prop_assert!(diff(&a, &a, &Renames::default()).is_empty());
        }
    }

fn users(cols: &[(&str, &str)]) -> Schema {
    let mut s = Schema::default();
    s.tables.insert(
        "users".into(),
        Table {
            name: "users".into(),
            columns: cols.iter().map(|(n, t)| col(n, t)).collect(),
            ..Default::default()
        },
    );
    s
}

#[test]
fn a_confirmed_column_rename_is_a_rename_both_ways() {
    let a = users(&[("id", "integer"), ("name", "text")]);
    let b = users(&[("id", "integer"), ("full_name", "text")]);
    let candidates = rename_candidates(&a, &b, &Renames::default());
    assert_eq!(
        candidates,
        [RenameCandidate::Column {
            table: "users".into(),
            from: "name".into(),
            to: "full_name".into()
        }]
    );
    let renames = Renames {
        tables: vec![],
        columns: vec![("users".into(), "name".into(), "full_name".into())],
    };
    let up = diff(&a, &b, &renames);
    assert_eq!(
        up,
        [Change::RenameColumn {
            table: "users".into(),
            from: "name".into(),
            to: "full_name".into()
        }]
    );
    let down = diff(&b, &a, &renames.inverse());
    assert!(matches!(&down[..], [Change::RenameColumn { from, .. }] if from == "full_name"));
    // Unconfirmed: a drop and an add, the drop flagged.
    let plain = diff(&a, &b, &Renames::default());
    assert_eq!(plain.len(), 2);
    assert!(plain.iter().any(|c| {
        c.warning()
            .is_some_and(|w| w.contains("drops column users.name"))
    }));
}

#[test]
fn a_renamed_table_with_a_renamed_column_is_seen_through_both() {
    let a = users(&[("id", "integer"), ("name", "text")]);
    let mut b = Schema::default();
    let mut t = a.tables["users"].clone();
    t.name = "people".into();
    t.columns[1].name = "full_name".into();
    b.tables.insert("people".into(), t);
    // Different columns: no table candidate until the column is renamed too.
    assert!(rename_candidates(&a, &b, &Renames::default()).is_empty());
    let renames = Renames {
        tables: vec![("users".into(), "people".into())],
        columns: vec![],
    };
    assert_eq!(
        rename_candidates(&a, &b, &renames),
        [RenameCandidate::Column {
            table: "people".into(),
            from: "name".into(),
            to: "full_name".into()
        }]
    );
    let renames = Renames {
        tables: vec![("users".into(), "people".into())],
        columns: vec![("people".into(), "name".into(), "full_name".into())],
    };
    assert!(same(&apply(&a, &diff(&a, &b, &renames)), &b));
    assert!(same(&apply(&b, &diff(&b, &a, &renames.inverse())), &a));
}

#[test]
fn two_new_tables_that_reference_each_other_get_one_key_afterwards() {
    let fk = |to: &str| ForeignKey {
        columns: vec!["other".into()],
        referenced_table: to.into(),
        referenced_columns: vec!["id".into()],
        on_delete: "NO ACTION".into(),
        on_update: "NO ACTION".into(),
        ..Default::default()
    };
    let mut b = Schema::default();
    for (n, to) in [("a", "b"), ("b", "a")] {
        b.tables.insert(
            n.into(),
            Table {
                name: n.into(),
                columns: vec![col("id", "integer"), col("other", "integer")],
                foreign_keys: vec![fk(to)],
                ..Default::default()
            },
        );
    }
    let up = diff(&Schema::default(), &b, &Renames::default());
    assert!(
        matches!(up.last(), Some(Change::AddForeignKey { .. })),
        "{up:?}"
    );
    assert!(same(&apply(&Schema::default(), &up), &b));
    let down = diff(&b, &Schema::default(), &Renames::default());
    assert!(
        matches!(down.first(), Some(Change::DropForeignKey { .. })),
        "{down:?}"
    );
    assert!(same(&apply(&b, &down), &Schema::default()));
}

#[test]
fn narrowing_is_told_from_widening() {
    for (from, to) in [
        ("integer", "bigint"),
        ("int(11)", "bigint(20)"),
        ("character varying(40)", "character varying(80)"),
        ("varchar(40)", "text"),
        ("numeric(8,2)", "numeric(10,2)"),
        ("character varying(40)", "character varying"),
        ("enum('a','b')", "enum('a','b','c')"),
        ("timestamp", "timestamp ON UPDATE current_timestamp()"),
    ] {
        assert!(!is_narrowing(from, to), "{from} -> {to}");
    }
    for (from, to) in [
        ("bigint", "integer"),
        ("varchar(80)", "varchar(40)"),
        ("text", "varchar(10)"),
        ("numeric(10,2)", "numeric(10,4)"),
        ("text", "integer"),
        ("enum('a','b','c')", "enum('a','c')"),
    ] {
        assert!(is_narrowing(from, to), "{from} -> {to}");
    }
}

#[test]
fn a_view_over_a_view_that_changes_is_dropped_first_and_made_again_last() {
    let view = |n: &str, over: &str| View {
        name: n.into(),
        definition: format!("SELECT * FROM {over}"),
    };
    let mut a = users(&[("id", "integer")]);
    a.views.insert("v1".into(), view("v1", "users"));
    a.views.insert("v2".into(), view("v2", "v1"));
    a.views.insert("other".into(), view("other", "elsewhere"));
    let mut b = a.clone();
    b.views.insert(
        "v1".into(),
        View {
            name: "v1".into(),
            definition: "SELECT id FROM users".into(),
        },
    );
    let names = |cs: &[Change]| -> Vec<String> {
        cs.iter()
            .filter_map(|c| match c {
                Change::DropView(v) => Some(format!("drop {}", v.name)),
                Change::CreateView(v) => Some(format!("create {}", v.name)),
                _ => None,
            })
            .collect()
    };
    let up = diff(&a, &b, &Renames::default());
    assert_eq!(names(&up), ["drop v2", "drop v1", "create v1", "create v2"]);
    // A change to the table reaches both views through v1.
    let mut c = users(&[("id", "integer"), ("name", "text")]);
    c.views = a.views.clone();
    assert_eq!(
        names(&diff(&a, &c, &Renames::default())),
        ["drop v2", "drop v1", "create v1", "create v2"]
    );
}

#[test]
fn a_new_table_references_a_new_key_of_a_table_that_stays_only_once_it_exists() {
    let mut a = users(&[("id", "integer")]);
    a.tables.get_mut("users").expect("users").primary_key = Some(PrimaryKey {
        name: Some("users_pkey".into()),
        columns: vec!["id".into()],
    });
    let mut b = a.clone();
    let u = b.tables.get_mut("users").expect("users");
    u.columns.push(col("uuid", "uuid"));
    u.uniques.push(UniqueConstraint {
        name: Some("users_uuid_key".into()),
        columns: vec!["uuid".into()],
    });
    b.tables.insert(
        "tokens".into(),
        Table {
            name: "tokens".into(),
            columns: vec![col("user_uuid", "uuid")],
            foreign_keys: vec![ForeignKey {
                columns: vec!["user_uuid".into()],
                referenced_table: "users".into(),
                referenced_columns: vec!["uuid".into()],
                on_delete: "CASCADE".into(),
                on_update: "NO ACTION".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
    );
    let up = diff(&a, &b, &Renames::default());
    let kinds: Vec<String> = up.iter().map(|c| c.describe()).collect();
    assert_eq!(
        kinds,
        [
            "create table tokens",
            "add column users.uuid uuid",
            "add unique constraint on users (uuid)",
            "add foreign key tokens (user_uuid) -> users (uuid)"
        ]
    );
    assert!(matches!(&up[0], Change::CreateTable(t) if t.foreign_keys.is_empty()));
    assert!(same(&apply(&a, &up), &b));
    // Down: the table goes before the key it references.
    let down = diff(&b, &a, &Renames::default());
    let kinds: Vec<String> = down.iter().map(|c| c.describe()).collect();
    assert_eq!(kinds[0], "drop table tokens", "{kinds:?}");
    assert!(same(&apply(&b, &down), &a));
}
