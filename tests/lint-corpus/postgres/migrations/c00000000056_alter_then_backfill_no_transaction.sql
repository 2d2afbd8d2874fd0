-- revision: c00000000056
-- revises: ba5e00000000
-- message: alter then backfill no transaction

-- migrate:up transaction:false
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN nickname text;
UPDATE users SET nickname = name;
