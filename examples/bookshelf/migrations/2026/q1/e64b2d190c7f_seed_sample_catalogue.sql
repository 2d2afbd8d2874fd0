-- revision: e64b2d190c7f
-- revises: 1fa9e7c3d062
-- created: 2026-03-03 10:05:44+00:00
-- message: seed sample catalogue

-- migrate:up
INSERT INTO authors (id, name, born_year) VALUES
    (1, 'Ursula K. Le Guin', 1929),
    (2, 'Terry Pratchett', 1948),
    (3, 'Toni Morrison', 1931),
    (4, 'Italo Calvino', 1923);

INSERT INTO books (id, author_id, title, isbn, published_year) VALUES
    (1, 1, 'A Wizard of Earthsea', '978-0-547-77374-2', 1968),
    (2, 1, 'The Left Hand of Darkness', '978-0-441-47812-5', 1969),
    (3, 1, 'The Dispossessed', '978-0-06-051275-4', 1974),
    (4, 2, 'The Colour of Magic', '978-0-06-222567-6', 1983),
    (5, 2, 'Small Gods', '978-0-06-223737-2', 1992),
    (6, 3, 'Beloved', '978-1-4000-3341-6', 1987),
    (7, 4, 'Invisible Cities', '978-0-15-645380-6', 1972),
    (8, 4, 'The Baron in the Trees', '978-0-15-610680-1', 1957);

-- migrate:down
DELETE FROM books WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8);
DELETE FROM authors WHERE id IN (1, 2, 3, 4);
