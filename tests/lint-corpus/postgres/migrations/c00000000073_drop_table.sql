-- revision: c00000000073
-- revises: ba5e00000000
-- message: drop table

-- migrate:up
SET lock_timeout = '5s';
DROP TABLE legacy_reports;
