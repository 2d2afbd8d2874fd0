-- revision: c00000000008
-- revises: ba5e00000000
-- message: drop table

-- migrate:up
DROP TABLE legacy_reports;
