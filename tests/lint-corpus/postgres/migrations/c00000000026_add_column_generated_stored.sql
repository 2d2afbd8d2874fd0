-- revision: c00000000026
-- revises: ba5e00000000
-- message: add column generated stored

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN email_domain text GENERATED ALWAYS AS (split_part(email, '@', 2)) STORED;
