-- revision: c00000000063
-- revises: ba5e00000000
-- message: index no lock timeout

-- migrate:up
CREATE INDEX orders_total_idx ON orders (total);
