-- revision: c00000000018
-- revises: ba5e00000000
-- message: new table fk

-- migrate:up
CREATE TABLE comments (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB;
