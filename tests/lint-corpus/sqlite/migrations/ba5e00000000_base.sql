-- revision: ba5e00000000
-- revises: 
-- message: base: existing tables with rows

-- migrate:up
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT,
    bio TEXT
);
INSERT INTO users (id, email, name, bio) VALUES
    (1, 'a@example.com', 'a', 'bio a'),
    (2, 'b@example.com', 'b', NULL);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    total INTEGER NOT NULL
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
INSERT INTO orders VALUES (1, 1, 10), (2, 2, 20);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    sku TEXT,
    price INTEGER NOT NULL
);
INSERT INTO products VALUES (1, 'sku-1', 100), (2, NULL, 200);

CREATE TABLE legacy_reports (
    id INTEGER PRIMARY KEY,
    body TEXT
);
INSERT INTO legacy_reports VALUES (1, 'report 1');

-- migrate:down
DROP TABLE legacy_reports;
DROP TABLE products;
DROP TABLE orders;
DROP TABLE users;
