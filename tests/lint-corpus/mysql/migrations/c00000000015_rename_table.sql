-- revision: c00000000015
-- revises: ba5e00000000
-- message: rename table

-- migrate:up
RENAME TABLE legacy_reports TO reports;
