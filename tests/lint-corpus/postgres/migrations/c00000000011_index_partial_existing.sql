-- revision: c00000000011
-- revises: ba5e00000000
-- message: index partial existing

-- migrate:up
SET lock_timeout = '5s';
CREATE INDEX orders_open_idx ON orders (user_id) WHERE status = 'new';
