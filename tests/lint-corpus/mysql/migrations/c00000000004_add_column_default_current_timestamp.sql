-- revision: c00000000004
-- revises: ba5e00000000
-- message: add column default current timestamp

-- migrate:up
ALTER TABLE orders ADD COLUMN seen_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP;
