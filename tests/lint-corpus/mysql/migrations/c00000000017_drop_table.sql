-- revision: c00000000017
-- revises: ba5e00000000
-- message: drop table

-- migrate:up
DROP TABLE legacy_reports;
