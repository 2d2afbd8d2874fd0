-- revision: c00000000074
-- revises: ba5e00000000
-- message: rename and drop table created here

-- migrate:up
CREATE TABLE scratch_a (
    id bigint PRIMARY KEY,
    a text
);
ALTER TABLE scratch_a RENAME COLUMN a TO b;
ALTER TABLE scratch_a DROP COLUMN b;
ALTER TABLE scratch_a RENAME TO scratch_b;
DROP TABLE scratch_b;
