-- revision: c00000000081
-- revises: ba5e00000000
-- message: enum add value

-- migrate:up
ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';
