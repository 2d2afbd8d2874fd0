-- revision: 29c8b4f17e6d
-- revises: a70e5c2b9f84
-- created: 2026-05-19 10:02:31+00:00
-- message: seed demo reader

-- migrate:up
INSERT INTO readers (id, email, display_name) VALUES
    (1, 'demo@bookshelf.example', 'Demo Reader');

INSERT INTO shelves (id, reader_id, name) VALUES
    (1, 1, 'Currently reading'),
    (2, 1, 'Favourites');

INSERT INTO shelf_books (shelf_id, book_id, status) VALUES
    (1, 3, 'reading'),
    (2, 1, 'read'),
    (2, 5, 'read'),
    (2, 7, 'read');

INSERT INTO book_tags (book_id, tag_id) VALUES
    (1, 1),
    (3, 2),
    (5, 1),
    (5, 4),
    (7, 3);

INSERT INTO reviews (id, book_id, reader_id, rating, body) VALUES
    (1, 5, 1, 5, 'Funny and kind, and it has a tortoise.');

-- migrate:down
DELETE FROM reviews WHERE id = 1;
DELETE FROM book_tags WHERE (book_id, tag_id) IN ((1, 1), (3, 2), (5, 1), (5, 4), (7, 3));
DELETE FROM shelf_books WHERE shelf_id IN (1, 2);
DELETE FROM shelves WHERE id IN (1, 2);
DELETE FROM readers WHERE id = 1;
