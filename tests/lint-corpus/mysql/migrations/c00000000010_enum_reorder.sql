-- revision: c00000000010
-- revises: ba5e00000000
-- message: enum reorder

-- migrate:up
ALTER TABLE users MODIFY status ENUM('active', 'new', 'banned') NOT NULL DEFAULT 'new';
