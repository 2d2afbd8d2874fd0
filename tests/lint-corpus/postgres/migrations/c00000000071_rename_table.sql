-- revision: c00000000071
-- revises: ba5e00000000
-- message: rename table

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE legacy_reports RENAME TO reports;
