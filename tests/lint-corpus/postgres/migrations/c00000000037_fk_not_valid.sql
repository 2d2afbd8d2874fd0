-- revision: c00000000037
-- revises: ba5e00000000
-- message: fk not valid

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;
