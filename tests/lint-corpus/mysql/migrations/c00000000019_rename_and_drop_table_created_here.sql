-- revision: c00000000019
-- revises: ba5e00000000
-- message: rename and drop table created here

-- migrate:up
CREATE TABLE tags (
    id INT PRIMARY KEY,
    n INT
) ENGINE = InnoDB;
ALTER TABLE tags RENAME COLUMN n TO m;
RENAME TABLE tags TO tags2;
DROP TABLE tags2;
