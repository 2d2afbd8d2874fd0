-- revision: ba5e00000000
-- revises: 
-- message: base: existing tables with rows

-- migrate:up
CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    name VARCHAR(100),
    status ENUM('new', 'active', 'banned') NOT NULL DEFAULT 'new',
    bio VARCHAR(50)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
INSERT INTO users VALUES
    (1, 'a@example.com', 'a', 'new', 'bio a'),
    (2, 'b@example.com', 'b', 'active', 'bio b'),
    (3, 'c@example.com', 'c', 'active', NULL);

CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    total INT NOT NULL,
    note TEXT,
    KEY orders_user_id_idx (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
INSERT INTO orders VALUES (1, 1, 10, NULL), (2, 2, 20, 'gift'), (3, 2, 30, NULL);

CREATE TABLE legacy_reports (
    id INT PRIMARY KEY,
    body TEXT
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
INSERT INTO legacy_reports VALUES (1, 'report 1');

-- migrate:down
DROP TABLE legacy_reports;
DROP TABLE orders;
DROP TABLE users;
