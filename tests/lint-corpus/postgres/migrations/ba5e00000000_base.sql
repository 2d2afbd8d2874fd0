-- revision: ba5e00000000
-- revises: 
-- message: base: existing tables with rows

-- migrate:up
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

CREATE TABLE users (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    name text,
    status text,
    bio varchar(50),
    mood mood,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO users (id, email, name, status, bio)
SELECT g, 'user' || g || '@example.com', 'user ' || g, 'active', 'bio ' || g
FROM generate_series(1, 1000) AS g;

CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    kind varchar(20)
);
CREATE INDEX accounts_user_id_idx ON accounts (user_id);
INSERT INTO accounts (id, user_id, kind)
SELECT g, g, 'checking' FROM generate_series(1, 500) AS g;

CREATE TABLE products (
    id bigint PRIMARY KEY,
    sku text NOT NULL,
    price integer NOT NULL
);
INSERT INTO products SELECT g, 'sku-' || g, g * 10 FROM generate_series(1, 100) AS g;

CREATE TABLE orders (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL,
    account_id bigint,
    product_id bigint,
    total integer NOT NULL,
    status text NOT NULL DEFAULT 'new',
    note text
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE INDEX orders_account_id_idx ON orders (account_id);
CREATE INDEX orders_status_product_idx ON orders (status, product_id);
CREATE INDEX orders_status_idx ON orders (status);
INSERT INTO orders (id, user_id, account_id, product_id, total)
SELECT g, 1 + g % 1000, 1 + g % 500, 1 + g % 100, g % 500
FROM generate_series(1, 2000) AS g;

-- No primary key yet.
CREATE TABLE events (
    id bigint NOT NULL,
    kind text NOT NULL
);
INSERT INTO events SELECT g, 'click' FROM generate_series(1, 300) AS g;

-- Exists, but empty.
CREATE TABLE audit_log (
    id bigint PRIMARY KEY,
    message text
);

CREATE TABLE legacy_reports (
    id integer PRIMARY KEY,
    body text
);
INSERT INTO legacy_reports SELECT g, 'report ' || g FROM generate_series(1, 10) AS g;

-- migrate:down
DROP TABLE legacy_reports;
DROP TABLE audit_log;
DROP TABLE events;
DROP TABLE orders;
DROP TABLE products;
DROP TABLE accounts;
DROP TABLE users;
DROP TYPE mood;
