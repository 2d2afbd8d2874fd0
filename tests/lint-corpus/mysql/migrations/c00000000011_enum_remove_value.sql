-- revision: c00000000011
-- revises: ba5e00000000
-- message: enum remove value

-- migrate:up
ALTER TABLE users MODIFY status ENUM('new', 'active') NOT NULL DEFAULT 'new';
