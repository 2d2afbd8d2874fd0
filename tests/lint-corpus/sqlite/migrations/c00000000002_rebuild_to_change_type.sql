-- revision: c00000000002
-- revises: ba5e00000000
-- message: rebuild to change type

-- migrate:up
CREATE TABLE products_new (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL DEFAULT '',
    price INTEGER NOT NULL
);
INSERT INTO products_new (id, sku, price) SELECT id, coalesce(sku, ''), price FROM products;
DROP TABLE products;
ALTER TABLE products_new RENAME TO products;
