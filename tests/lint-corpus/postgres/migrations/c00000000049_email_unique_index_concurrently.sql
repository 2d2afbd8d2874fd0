-- revision: c00000000049
-- revises: ba5e00000000
-- message: email unique index concurrently

-- migrate:up transaction:false
SET lock_timeout = '5s';
CREATE UNIQUE INDEX CONCURRENTLY users_email_uidx ON users (email);
