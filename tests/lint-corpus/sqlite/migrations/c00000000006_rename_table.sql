-- revision: c00000000006
-- revises: ba5e00000000
-- message: rename table

-- migrate:up
ALTER TABLE legacy_reports RENAME TO reports;
