-- revision: c00000000045
-- revises: ba5e00000000
-- message: new table fk unindexed

-- migrate:up
CREATE TABLE comments (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    body text NOT NULL
);
