-- revision: c00000000003
-- revises: ba5e00000000
-- message: add column after

-- migrate:up
ALTER TABLE users ADD COLUMN phone VARCHAR(40) AFTER email;
