-- revision: e7b2146f9a5d
-- revises: c39a7f5d0e18
-- created: 2026-11-27 09:30:00+00:00
-- message: index open todos

-- migrate:up
CREATE INDEX todos_done ON todos (done, id);

-- migrate:down
DROP INDEX todos_done;
