-- revision: c00000000047
-- revises: ba5e00000000
-- message: new table fk composite prefix

-- migrate:up
CREATE TABLE user_roles (
    user_id bigint NOT NULL REFERENCES users (id),
    role text NOT NULL,
    PRIMARY KEY (user_id, role)
);
