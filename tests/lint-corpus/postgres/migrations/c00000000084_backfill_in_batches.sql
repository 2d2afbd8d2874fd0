-- revision: c00000000084
-- revises: ba5e00000000
-- message: backfill in batches

-- migrate:up
UPDATE orders SET note = 'first batch' WHERE id <= 500;
UPDATE orders SET note = 'second batch' WHERE id > 500 AND id <= 1000;
