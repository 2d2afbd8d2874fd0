-- revision: c00000000004
-- revises: ba5e00000000
-- message: index concurrently no timeout

-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);
