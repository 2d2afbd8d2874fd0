-- revision: a70e5c2b9f84
-- revises: 6b39e1d4c8f0
-- created: 2026-05-18 14:39:57+00:00
-- message: add reading status to shelf_books

-- migrate:up
ALTER TABLE shelf_books ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'want-to-read';

-- migrate:down
ALTER TABLE shelf_books DROP COLUMN status;
