-- revision: c00000000038
-- revises: c00000000037
-- message: fk validate later

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk;
