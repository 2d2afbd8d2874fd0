-- revision: c00000000083
-- revises: ba5e00000000
-- message: create view

-- migrate:up
CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active';
