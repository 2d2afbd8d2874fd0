-- revision: c00000000007
-- revises: ba5e00000000
-- message: varchar widen past 255 bytes

-- migrate:up
ALTER TABLE users MODIFY bio VARCHAR(300);
