//! Reading the current schema from `pg_catalog` into the model.

use std::collections::BTreeMap;

use crate::autogen::Schema;
use crate::autogen::model::{
    Check, Column, EnumType, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint, View,
};
use crate::db::{Conn, DbError};

/// Separates the items of a list aggregated in SQL (names cannot hold it in practice).
pub(super) const SEP: char = '\u{1f}';

/// The namespace of the current schema.
pub(super) const NS: &str = "(SELECT n.oid FROM pg_namespace n WHERE n.nspname = current_schema())";

/// Objects owned by an extension are the extension's, not the application's.
pub(super) fn not_extension(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend ext WHERE ext.classid = '{class}'::regclass \
         AND ext.objid = {oid} AND ext.deptype = 'e')"
    )
}

/// The application's tables: plain and partitioned tables of the current schema. Partitions
/// (`relispartition`) are left out: they are their parent's storage, and what changes on the
/// parent (columns, indexes, constraints) reaches them by itself.
pub(super) fn tables_cte() -> String {
    format!(
        "WITH tabs AS (SELECT c.oid, c.relname::text AS relname FROM pg_class c \
         WHERE c.relnamespace = {NS} AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
         AND {})",
        not_extension("pg_class", "c.oid")
    )
}

pub(super) fn split_list(s: Option<&String>) -> Vec<String> {
    match s {
        Some(s) if !s.is_empty() => s.split(SEP).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn field(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

pub(super) fn opt_field(row: &[Option<String>], i: usize) -> Option<String> {
    row.get(i).cloned().flatten()
}

pub(super) fn is_true(row: &[Option<String>], i: usize) -> bool {
    matches!(field(row, i).as_str(), "true" | "t")
}

/// `pg_constraint.confdeltype` / `confupdtype` as the model spells the action.
pub(super) fn fk_action(code: &str) -> String {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
    .to_string()
}

/// The expression of `CHECK (expr) [NO INHERIT] [NOT VALID]`.
pub(super) fn check_expression(def: &str) -> String {
    let def = def.trim();
    match (def.strip_prefix("CHECK ("), def.rfind(')')) {
        (Some(_), Some(end)) if end >= "CHECK (".len() => def["CHECK (".len()..end].to_string(),
        _ => def.to_string(),
    }
}

/// Whether `name` is one of the excluded tables (also when given schema-qualified).
pub(super) fn excluded(name: &str, exclude: &[&str]) -> bool {
    exclude
        .iter()
        .any(|e| *e == name || e.rsplit_once('.').is_some_and(|(_, n)| n == name))
}

/// `pg_get_indexdef` without the current schema on the table (`CREATE INDEX i ON public.t …`
/// becomes `CREATE INDEX i ON t …`), so that the revision makes the index in the schema it
/// runs in and databases in differently named schemas compare equal. `ON ONLY` (which
/// PostgreSQL writes for a partitioned table's index) goes too: run as it is, it would make an
/// invalid index on the parent alone instead of one on every partition. `quoted_name` and
/// `quoted_schema` are `quote_ident` of the index's name and of the current schema.
pub(super) fn unqualified_index_def(
    def: &str,
    unique: bool,
    quoted_name: &str,
    quoted_schema: &str,
) -> String {
    let head = format!(
        "CREATE {}INDEX {quoted_name} ",
        if unique { "UNIQUE " } else { "" }
    );
    let Some(rest) = def.strip_prefix(&head) else {
        return def.to_string();
    };
    for on in [
        format!("ON ONLY {quoted_schema}."),
        format!("ON {quoted_schema}."),
    ] {
        if let Some(tail) = rest.strip_prefix(&on) {
            return format!("{head}ON {tail}");
        }
    }
    def.to_string()
}

pub async fn introspect(conn: &mut Conn, exclude: &[&str]) -> Result<Schema, DbError> {
    let cte = tables_cte();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in conn
        .fetch_strings(&format!("{cte} SELECT relname FROM tabs ORDER BY relname"))
        .await?
    {
        let name = field(&row, 0);
        if !excluded(&name, exclude) {
            tables.insert(
                name.clone(),
                Table {
                    name,
                    ..Default::default()
                },
            );
        }
    }

    // Columns. A serial is a `nextval` default of a sequence the column owns (deptype 'a').
    let columns_sql = format!(
        "{cte} SELECT t.relname, a.attname::text, format_type(a.atttypid, a.atttypmod), \
         a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, \
         a.attgenerated::text, \
         (d.adbin IS NOT NULL AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' AND EXISTS ( \
            SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid \
            WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass \
            AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum \
            AND dep.deptype = 'a' AND s.relkind = 'S'))::text \
         FROM tabs t JOIN pg_attribute a ON a.attrelid = t.oid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY t.relname, a.attnum"
    );
    for row in conn.fetch_strings(&columns_sql).await? {
        let Some(table) = tables.get_mut(&field(&row, 0)) else {
            continue;
        };
        let mut data_type = field(&row, 2);
        let mut default = opt_field(&row, 4);
        let identity = !field(&row, 5).is_empty();
        let serial = is_true(&row, 7);
        if field(&row, 6) == "s" {
            data_type = format!(
                "{data_type} GENERATED ALWAYS AS ({}) STORED",
                default.take().unwrap_or_default()
            );
        }
        if serial {
            default = None;
        }
        table.columns.push(Column {
            name: field(&row, 1),
            data_type,
            nullable: !is_true(&row, 3),
            default,
            auto_increment: identity || serial,
        });
    }

    // Constraints: primary keys, uniques, foreign keys, checks (exclusion constraints are not
    // in the model). A constraint with a parent (`conparentid`) is PostgreSQL's own copy, such
    // as the one per partition that a foreign key to a partitioned table adds to its table.
    let list = |arr: &str, rel: &str| {
        format!(
            "(SELECT string_agg(a.attname::text, chr(31) ORDER BY u.i) \
             FROM unnest({arr}) WITH ORDINALITY u(n, i) \
             JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = u.n)"
        )
    };
    let constraints_sql = format!(
        "{cte} SELECT t.relname, k.conname::text, k.contype::text, pg_get_constraintdef(k.oid), \
         {}, rt.relname::text, {}, k.confdeltype::text, k.confupdtype::text \
         FROM tabs t JOIN pg_constraint k ON k.conrelid = t.oid \
         LEFT JOIN pg_class rt ON rt.oid = k.confrelid \
         WHERE k.contype IN ('p', 'u', 'f', 'c') AND k.conparentid = 0 \
         ORDER BY t.relname, k.conname",
        list("k.conkey", "k.conrelid"),
        list("k.confkey", "k.confrelid"),
    );
    for row in conn.fetch_strings(&constraints_sql).await? {
        let Some(table) = tables.get_mut(&field(&row, 0)) else {
            continue;
        };
        let name = Some(field(&row, 1));
        let columns = split_list(row.get(4).and_then(Option::as_ref));
        match field(&row, 2).as_str() {
            "p" => table.primary_key = Some(PrimaryKey { name, columns }),
            "u" => table.uniques.push(UniqueConstraint { name, columns }),
            "f" => table.foreign_keys.push(ForeignKey {
                name,
                columns,
                referenced_table: field(&row, 5),
                referenced_columns: split_list(row.get(6).and_then(Option::as_ref)),
                on_delete: fk_action(&field(&row, 7)),
                on_update: fk_action(&field(&row, 8)),
            }),
            _ => table.checks.push(Check {
                name,
                expression: check_expression(&field(&row, 3)),
            }),
        }
    }

    // Indexes that do not back a primary key, unique or exclusion constraint. (A foreign key's
    // `conindid` is the referenced table's index, hence the contype filter.) Partitions of a
    // partitioned index are left out with the partitions they are on.
    let indexes_sql = format!(
        "{cte} SELECT t.relname, ic.relname::text, i.indisunique::text, \
         pg_get_indexdef(i.indexrelid), pg_get_expr(i.indpred, i.indrelid), \
         (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true), chr(31) ORDER BY k) \
          FROM generate_series(1, i.indnkeyatts) k), \
         quote_ident(ic.relname::text), quote_ident(current_schema()::text) \
         FROM tabs t JOIN pg_index i ON i.indrelid = t.oid \
         JOIN pg_class ic ON ic.oid = i.indexrelid \
         WHERE NOT ic.relispartition \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid \
         AND k.contype IN ('p', 'u', 'x')) ORDER BY t.relname, ic.relname"
    );
    for row in conn.fetch_strings(&indexes_sql).await? {
        let Some(table) = tables.get_mut(&field(&row, 0)) else {
            continue;
        };
        let unique = is_true(&row, 2);
        let definition = opt_field(&row, 3)
            .map(|d| unqualified_index_def(&d, unique, &field(&row, 6), &field(&row, 7)));
        table.indexes.push(Index {
            name: field(&row, 1),
            columns: split_list(row.get(5).and_then(Option::as_ref)),
            unique,
            predicate: opt_field(&row, 4),
            definition,
        });
    }

    for table in tables.values_mut() {
        table.uniques.sort();
        table.indexes.sort();
        table.checks.sort();
        table.foreign_keys.sort_by(|a, b| {
            (&a.columns, &a.referenced_table, a).cmp(&(&b.columns, &b.referenced_table, b))
        });
    }

    let mut views = BTreeMap::new();
    let views_sql = format!(
        "SELECT c.relname::text, pg_get_viewdef(c.oid) FROM pg_class c \
         WHERE c.relnamespace = {NS} AND c.relkind = 'v' AND {} ORDER BY c.relname",
        not_extension("pg_class", "c.oid")
    );
    for row in conn.fetch_strings(&views_sql).await? {
        let name = field(&row, 0);
        let definition = field(&row, 1);
        let definition = definition
            .trim()
            .trim_end_matches(';')
            .trim_end()
            .to_string();
        views.insert(name.clone(), View { name, definition });
    }

    let mut enums = BTreeMap::new();
    let enums_sql = format!(
        "SELECT t.typname::text, (SELECT string_agg(e.enumlabel::text, chr(31) \
         ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) \
         FROM pg_type t WHERE t.typnamespace = {NS} AND t.typtype = 'e' AND {} \
         ORDER BY t.typname",
        not_extension("pg_type", "t.oid")
    );
    for row in conn.fetch_strings(&enums_sql).await? {
        let name = field(&row, 0);
        let values = split_list(row.get(1).and_then(Option::as_ref));
        enums.insert(name.clone(), EnumType { name, values });
    }

    Ok(Schema {
        tables,
        views,
        enums,
    })
}
