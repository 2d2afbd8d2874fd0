-- revision: c00000000008
-- revises: ba5e00000000
-- message: sessions table

-- migrate:up
CREATE TABLE sessions (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    token text NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
