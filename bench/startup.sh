#!/usr/bin/env bash
# Migrator::run with nothing pending on 1,000 embedded revisions against a local PostgreSQL
# (the application start-up path), excluding connection set-up. Budget: under 5 ms.
#   bash bench/startup.sh            (PGHOST/PGPORT/PGUSER as for psql; default 127.0.0.1, postgres)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
host="${PGHOST:-127.0.0.1}" port="${PGPORT:-5432}" user="${PGUSER:-postgres}"
db=cs_bench_startup
psql() { command psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$user" "$@"; }
cleanup() { psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
psql -d postgres -c "CREATE DATABASE $db" >/dev/null
cargo build --release --locked -q -p schema-core --example startup_bench
BENCH_DATABASE_URL="postgres://$user@$host:$port/$db?sslmode=disable" \
    "${CARGO_TARGET_DIR:-$root/target}/release/examples/startup_bench"
