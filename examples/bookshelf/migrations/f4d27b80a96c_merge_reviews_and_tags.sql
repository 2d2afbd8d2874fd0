-- revision: f4d27b80a96c
-- revises: b8147ce9f2a3, 0c6fa35e8d17
-- created: 2026-04-20 08:57:40+00:00
-- message: merge reviews and tags

-- migrate:up
-- A merge revision joins the reviews and tags branches; there is nothing to run.

-- migrate:down
-- Nothing to undo; going down splits the history back into its two branches.
