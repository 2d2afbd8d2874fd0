-- revision: c00000000036
-- revises: ba5e00000000
-- message: fk validated

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
