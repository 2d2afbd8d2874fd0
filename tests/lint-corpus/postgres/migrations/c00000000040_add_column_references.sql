-- revision: c00000000040
-- revises: ba5e00000000
-- message: add column references

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN coupon_product_id bigint REFERENCES products (id);
