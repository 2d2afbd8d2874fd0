-- revision: c00000000009
-- revises: c00000000008
-- message: index table of earlier revision

-- migrate:up
SET lock_timeout = '5s';
CREATE INDEX sessions_token_idx ON sessions (token);
