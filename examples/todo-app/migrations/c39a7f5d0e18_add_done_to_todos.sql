-- revision: c39a7f5d0e18
-- revises: 8d4e0b6a21c7
-- created: 2026-11-27 09:20:00+00:00
-- message: add done to todos

-- migrate:up
ALTER TABLE todos ADD COLUMN done BOOLEAN NOT NULL DEFAULT FALSE;
-- Backfill: a todo with a completion time is done.
UPDATE todos SET done = TRUE WHERE completed_at IS NOT NULL;

-- migrate:down
ALTER TABLE todos DROP COLUMN done;
