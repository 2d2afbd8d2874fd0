-- revision: c00000000051
-- revises: ba5e00000000
-- message: primary key added

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE events ADD PRIMARY KEY (id);
