-- revision: c00000000077
-- revises: ba5e00000000
-- message: silenced header

-- lint: allow drop-table nothing has read legacy_reports since release 3.0

-- migrate:up
SET lock_timeout = '5s';
DROP TABLE legacy_reports;
