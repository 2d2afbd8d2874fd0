-- revision: c00000000013
-- revises: ba5e00000000
-- message: type change table created here

-- migrate:up
CREATE TABLE tags (
    id INT PRIMARY KEY,
    n INT
) ENGINE = InnoDB;
ALTER TABLE tags MODIFY n BIGINT;
