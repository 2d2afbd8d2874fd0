-- revision: c00000000009
-- revises: ba5e00000000
-- message: enum append value

-- migrate:up
ALTER TABLE users MODIFY status ENUM('new', 'active', 'banned', 'deleted') NOT NULL DEFAULT 'new';
