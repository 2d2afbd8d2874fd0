-- revision: c00000000065
-- revises: ba5e00000000
-- message: backfill no lock timeout

-- migrate:up
UPDATE users SET status = 'active' WHERE status IS NULL;
