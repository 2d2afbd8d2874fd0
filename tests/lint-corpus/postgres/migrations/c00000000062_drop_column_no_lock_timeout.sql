-- revision: c00000000062
-- revises: ba5e00000000
-- message: drop column no lock timeout

-- migrate:up
ALTER TABLE users DROP COLUMN bio;
