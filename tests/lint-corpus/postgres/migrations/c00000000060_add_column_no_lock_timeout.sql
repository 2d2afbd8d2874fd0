-- revision: c00000000060
-- revises: ba5e00000000
-- message: add column no lock timeout

-- migrate:up
ALTER TABLE users ADD COLUMN nickname text;
