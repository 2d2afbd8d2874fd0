-- revision: c00000000046
-- revises: ba5e00000000
-- message: new table fk indexed

-- migrate:up
CREATE TABLE comments (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    body text NOT NULL
);
CREATE INDEX comments_user_id_idx ON comments (user_id);
