-- revision: c00000000001
-- revises: ba5e00000000
-- message: column type int to bigint

-- migrate:up
ALTER TABLE orders MODIFY total BIGINT NOT NULL;
