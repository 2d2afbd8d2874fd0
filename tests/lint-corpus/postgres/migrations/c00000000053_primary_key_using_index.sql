-- revision: c00000000053
-- revises: c00000000052
-- message: primary key using index

-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_uidx;
