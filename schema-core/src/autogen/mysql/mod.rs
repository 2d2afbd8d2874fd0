//! MySQL and MariaDB: the connected database read from `information_schema`, and the changes
//! rendered as `ALTER TABLE` statements.
//!
//! Tested against MariaDB 10.11; where MySQL 8 differs (defaults, check constraints, functional
//! index parts) the catalog is read the MySQL way when `VERSION()` does not say MariaDB, and the
//! statements are ones both accept (`DROP CONSTRAINT` is MySQL 8.0.19+, `RENAME COLUMN` is
//! MariaDB 10.5+ / MySQL 8).
//!
//! Modelling choices that keep render → introspect stable:
//! - unique indexes and unique constraints are the same thing here: every unique index other
//!   than `PRIMARY` is a [`UniqueConstraint`] with its name;
//! - the index InnoDB creates for a foreign key that has none is an ordinary [`Index`] named
//!   after the constraint, so the diff creates it before the `AddForeignKey` and drops it after
//!   the `DropForeignKey`; `CREATE TABLE` declares all of a table's indexes inline;
//! - `ON UPDATE …` and generated columns' `GENERATED ALWAYS AS (…)` are part of `data_type`
//!   (the model has no field for them, and they render back in that place);
//! - MariaDB names a column-level check after its column and only `MODIFY COLUMN` can drop it,

mod confine;
mod introspect;
mod render;
#[cfg(test)]
mod tests;

pub use introspect::introspect;
pub use render::render;

use crate::backend::{Backend, MySql};

fn q(name: &str) -> String {
    crate::autogen::render::q(MySql::DIALECT, name)
}

crate::autogen::autogen_backend!(MySql {
    #[cfg(test)]
    const TEST_SERVER: Option<(&'static str, &'static str)> = Some((
        "SCHEMA_TEST_MYSQL_URL",
        "mysql://root@127.0.0.1:3306/test",
    ));
    const SCRATCH_GRANT: &'static str = "the CREATE and DROP privileges on them (`GRANT CREATE, DROP ON `cargo\\_schema\\_%`.* TO …`)";
    const FINGERPRINT: &'static str = "\
        SELECT CAST('column' AS CHAR), CAST(CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS CHAR), \
               CAST(CONCAT_WS(' ', COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, 'NULL'), \
               EXTRA) AS CHAR) \
        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
        UNION ALL SELECT CAST('index' AS CHAR), \
               CAST(CONCAT(TABLE_NAME, '.', INDEX_NAME, '.', SEQ_IN_INDEX) AS CHAR), \
               CAST(CONCAT_WS(' ', COLUMN_NAME, NON_UNIQUE, SUB_PART) AS CHAR) \
        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
        UNION ALL SELECT CAST('constraint' AS CHAR), \
               CAST(CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME) AS CHAR), \
               CAST(CONSTRAINT_TYPE AS CHAR) \
        FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
        UNION ALL SELECT CAST('check' AS CHAR), CAST(CONSTRAINT_NAME AS CHAR), \
               CAST(CHECK_CLAUSE AS CHAR) \
        FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
        UNION ALL SELECT CAST('reference' AS CHAR), \
               CAST(CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME, '.', ORDINAL_POSITION) AS CHAR), \
               CAST(CONCAT_WS(' ', COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME) \
               AS CHAR) \
        FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() \
        UNION ALL SELECT CAST('rule' AS CHAR), \
               CAST(CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME) AS CHAR), \
               CAST(CONCAT_WS(' ', UPDATE_RULE, DELETE_RULE) AS CHAR) \
        FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
        UNION ALL SELECT CAST('view' AS CHAR), CAST(TABLE_NAME AS CHAR), \
               CAST(VIEW_DEFINITION AS CHAR) \
        FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() \
        ORDER BY 1, 2, 3";
    const IDENT_QUOTES: &'static [char] = &['`', '"'];
    const EXECUTABLE_COMMENTS: bool = true;
    const CHECKS_CURRENT_DATABASE: bool = true;
});
