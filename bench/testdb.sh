#!/usr/bin/env bash
# Per-test database set-up with `schema_core::testing::TestDatabase` (a clone of a migrated
# template: what `#[schema_core::test]` does) against replaying every revision into a fresh
# database per test (what `#[sqlx::test]` does, with the same SQL), on a generated linear project
# of 200 revisions (each a CREATE TABLE plus a CREATE INDEX). The budget the application issue
# set: cloning at least 10x faster than replaying on SQLite; on PostgreSQL the recommended mode,
# a transaction rolled back on one shared database (`TestTransaction`), at least 20x faster (the
# clone's figure is printed beside it).
#
#   bench/testdb.sh                   build, generate, measure
#   REVISIONS=1000 bench/testdb.sh    another size
#   RUNS=20                           measured runs per case (after one warm-up)
#   SKIP_BUILD=1                      use the binaries already in target/release
#   SKIP_POSTGRES=1                   SQLite only
#   AT=head-50                        a database at a revision instead (with 200 revisions,
#                                     the 150th): TestDatabase::at against replaying up to it;
#                                     budget MIN_RATIO_AT (10x) on both
#   SEQUENTIAL=1                      each case in a block of its own (all clones, then all
#                                     replays), as a suite runs one way; default interleaved
#   PG_URL=postgres://postgres@127.0.0.1/postgres
#                                     the PostgreSQL maintenance database (the bench creates
#                                     and drops cs_test_*, cs_tpl_* and cs_bench_replay_*
#                                     databases there)
#
# The measuring is done by examples/todo-app/src/bin/testdb-bench.rs (see its doc comment for
# exactly what each case times). Prints a markdown table; exits 1 when a ratio is under budget.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

revisions="${REVISIONS:-200}"
runs="${RUNS:-20}"
# sslmode=disable: no TLS handshake on the loopback interface for the baseline either (it
# costs ~90 ms a connection with sqlx here; TestDatabase disables it for loopback servers).
pg_url="${PG_URL:-postgres://postgres@127.0.0.1/postgres?sslmode=disable}"
min_pg="${MIN_RATIO_PG:-20}"
min_sqlite="${MIN_RATIO_SQLITE:-10}"
at_args=()
[[ "${SEQUENTIAL:-0}" == 1 ]] && at_args+=(--sequential)
if [[ -n "${AT:-}" ]]; then
    at_args+=(--at "$AT")
    min_pg="${MIN_RATIO_AT:-10}"
    min_sqlite="${MIN_RATIO_AT:-10}"
fi

build_release -p cargo-schema-e2e --bin gen-revisions -p todo-app --bin testdb-bench
need_bins gen-revisions testdb-bench

make_work testdb

echo "generating $revisions revisions (linear)" >&2
"$bin/gen-revisions" "$work/project" --revisions "$revisions" --branch-every 0 >/dev/null

servers=("sqlite://$work/dbs")
[[ "${SKIP_POSTGRES:-0}" == 1 ]] || servers+=("$pg_url")

table="$("$bin/testdb-bench" "$work/project/migrations" --runs "$runs" "${at_args[@]}" "${servers[@]}")"

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
cat <<EOF_REPORT

$revisions revisions (linear; each CREATE TABLE + CREATE INDEX), $runs runs per case after one
warm-up, $([[ "${SEQUENTIAL:-0}" == 1 ]] && echo "each case in its own block" || echo interleaved); ${cpu:-unknown CPU}, $(nproc) cores.${AT:+ Set up at \`$AT\`.} Command: \`${SEQUENTIAL:+SEQUENTIAL=$SEQUENTIAL }${AT:+AT=$AT }bench/testdb.sh\`.

$table

EOF_REPORT

# The ratios are the last two columns: raw / transaction, then raw / clone (**N.N×**).
fail=0
while IFS='|' read -r _ server _ _ _ _ _ _ _ ratio_tx ratio_clone _; do
    server="$(xargs <<<"$server")"
    case "$server" in
    SQLite) min="$min_sqlite" r="$(tr -d ' *×' <<<"$ratio_clone")" ;;
    PostgreSQL) min="$min_pg" r="$(tr -d ' *×' <<<"$ratio_tx")" ;;
    *) continue ;;
    esac
    if awk -v r="$r" -v m="$min" 'BEGIN { exit !(r >= m) }'; then
        echo "$server: ${r}x (budget >= ${min}x): pass" >&2
    else
        echo "$server: ${r}x (budget >= ${min}x): FAIL" >&2
        fail=1
    fi
done <<<"$table"
exit "$fail"
