-- revision: 7a5c8f31b4de
-- revises: e64b2d190c7f
-- created: 2026-04-01 15:30:09+00:00
-- message: add sort_title to books

-- migrate:up
-- Shelves list books by title without a leading article ("The Dispossessed" under D).
-- The column stays nullable: SQLite cannot add a NOT NULL column without a default,
-- and the app fills it in on insert from now on.
ALTER TABLE books ADD COLUMN sort_title VARCHAR(300);
UPDATE books SET sort_title = LOWER(title);
UPDATE books SET sort_title = LOWER(SUBSTR(title, 5)) WHERE title LIKE 'The %';
UPDATE books SET sort_title = LOWER(SUBSTR(title, 3)) WHERE title LIKE 'A %';

-- migrate:down
ALTER TABLE books DROP COLUMN sort_title;
