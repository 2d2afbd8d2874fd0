-- revision: c00000000006
-- revises: ba5e00000000
-- message: varchar widen same length byte

-- migrate:up
ALTER TABLE users MODIFY bio VARCHAR(60);
