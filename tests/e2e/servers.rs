//! up, down, current, stamp and repair on PostgreSQL and MariaDB: transactions, dirty revisions, locking.
