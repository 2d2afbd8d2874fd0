#!/usr/bin/env bash
# Measures `cargo schema lint` of the one pending revision of a generated linear project of
# 1,000 PostgreSQL revisions (each a CREATE TABLE plus a CREATE INDEX), 999 of them applied:
# the budget issue 12 set.
#
#   - with the rehearsal template at "999 applied" already built (a second lint): under 1 s,
#     whole process;
#   - the first lint (no template: it is built by applying the 999 revisions to a new database,
#     then the pending one is rehearsed on it, in a transaction rolled back): at most `up`'s
#     time for the 1,000 revisions on a fresh database plus 1 s.
#
# Prints a markdown table ready to paste into BENCHMARKS.md and exits 1 when a case is over
# budget.
#
#   bench/lint.sh                   build, generate, measure
#   REVISIONS=200 bench/lint.sh     another size
#   SKIP_BUILD=1 bench/lint.sh      use the binaries already in the target directory
#   BIN_DIR=DIR SKIP_BUILD=1 bench/lint.sh
#                                   use DIR's cargo-schema and gen-revisions (another build,
#                                   to compare before/after in the same conditions)
#   RUNS=10 WARMUP=1                hyperfine runs and warm-up runs per command
#   PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres PG_DATABASE=cs_bench_lint
#                                   the PostgreSQL server (trust authentication, or set
#                                   PGPASSWORD); the database is dropped and recreated, and it
#                                   and its lint templates are dropped at the end
#
# hyperfine's markdown and CSV exports are kept in $BENCH_OUT (default:
# <target dir>/bench/lint). Needs hyperfine and psql (bench/apply.sh installs them).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_settings lint 1000 10 1
max_warm_ms="${MAX_WARM_MS:-1000}"
max_extra_ms="${MAX_EXTRA_MS:-1000}"
pg_settings cs_bench_lint

command -v hyperfine >/dev/null 2>&1 || die "hyperfine is missing (bench/apply.sh installs it)"
command -v psql >/dev/null 2>&1 || die "psql is missing"
pg_answers

build_release -p cargo-schema -p cargo-schema-e2e
need_bins cargo-schema gen-revisions

make_work lint
mkdir -p "$results"

# The scripts hyperfine runs before each measured run (it runs them without a shell).
# drop_templates.sh: the lint templates made for the benchmark database (their comment names
# its URL), so that the next lint builds its template again.
cat >"$work/drop_templates.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
psql_admin=($(printf '%q ' "${psql_admin[@]}"))
for t in \$("\${psql_admin[@]}" -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'cs\\\\_lint\\\\_%' AND shobj_description(oid, 'pg_database') LIKE '%/$pg_db'"); do
    "\${psql_admin[@]}" -c "DROP DATABASE IF EXISTS \\"\$t\\" WITH (FORCE)" >/dev/null
done
EOF
# recreate.sh: a fresh, empty benchmark database.
cat >"$work/recreate.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
$(printf '%q ' "${psql_admin[@]}") -c 'SET client_min_messages TO warning' -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db" >/dev/null
EOF
chmod +x "$work/drop_templates.sh" "$work/recreate.sh"

cleanup() {
    "$work/drop_templates.sh" >/dev/null 2>&1 || true
    "${psql_admin[@]}" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 ||
        echo "bench/lint.sh: warning: could not drop the database $pg_db" >&2
    rm -rf "$work"
}
trap cleanup EXIT

echo "generating $revisions revisions (linear)" >&2
dir="$work/project"
head="$("$bin/gen-revisions" "$dir" --revisions "$revisions" --branch-every 0)"
schema=("$bin/cargo-schema" schema --manifest-path "$dir/Cargo.toml" --database-url "$pg_url")

# --- once outside the measurements: the commands work and lint what they should -------------

echo "checking the commands once" >&2
"$work/recreate.sh"
"${schema[@]}" up -q >/dev/null || die "\`up\` failed"
"$work/recreate.sh"
"${schema[@]}" up head-1 -q >/dev/null || die "\`up head-1\` failed"
"$work/drop_templates.sh"
lint_json="$("${schema[@]}" --format json lint 2>"$results/lint.stderr")" || {
    cat "$results/lint.stderr" >&2
    die "\`lint\` failed"
}
linted="$(python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)["linted"]))' <<<"$lint_json")"
[[ "$linted" == "$head" ]] || die "\`lint\` linted \`$linted\`, expected the pending head $head"

# --- measure ---------------------------------------------------------------------------------

lint_cmd="$(quote "${schema[@]}" lint)"
# `up` of the 1,000 on a fresh database: the first lint's budget.
measure pg_up none "$(quote "$work/recreate.sh")" "$(quote "${schema[@]}" up)"
# The database back at 999 applied for the lints.
"$work/recreate.sh"
"${schema[@]}" up head-1 -q >/dev/null
measure lint_first none "$(quote "$work/drop_templates.sh")" "$lint_cmd"
# The template exists from the last run above.
measure lint_warm none "" "$lint_cmd"

# --- report ----------------------------------------------------------------------------------

up="$(mean_ms pg_up)"
first="$(mean_ms lint_first)"
warm="$(mean_ms lint_warm)"
over_budget=0
verdict() {
    if awk -v m="$1" -v b="$2" 'BEGIN { exit !(m <= b) }'; then
        echo pass
    else
        echo fail
    fi
}
first_budget="$(awk -v u="$up" -v e="$max_extra_ms" 'BEGIN { printf "%.1f", u + e }')"
first_verdict="$(verdict "$first" "$first_budget")"
warm_verdict="$(verdict "$warm" "$max_warm_ms")"
[[ "$first_verdict" == pass && "$warm_verdict" == pass ]] || over_budget=1

n_fmt="$(printf "%'d" "$revisions" 2>/dev/null || echo "$revisions")"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
pg_version="$("${psql_admin[@]}" -tAc 'SHOW server_version' | awk '{ print $1 }')"
# shellcheck disable=SC2016 # backquotes for markdown
commands_list="$(printf -- '- `%s`\n' "${commands_run[@]}")"
cat <<EOF

$n_fmt revisions (linear; each CREATE TABLE + CREATE INDEX), $((revisions - 1)) applied, \
hyperfine $(hyperfine --version | awk '{ print $2 }'), $warmup warmup + $runs runs, \
PostgreSQL $pg_version, ${cpu:-unknown CPU}, $(nproc) cores.

| case | mean (ms) | budget (ms) | result |
|---|---:|---:|---|
| \`up\` of the $n_fmt revisions, fresh database | $up ± $(stddev_ms pg_up) | — | — |
| first \`lint\` of the pending revision (template built) | $first ± $(stddev_ms lint_first) | ≤ $first_budget (\`up\` + $max_extra_ms) | $first_verdict |
| \`lint\` of the pending revision, template kept | $warm ± $(stddev_ms lint_warm) | < $max_warm_ms | $warm_verdict |

Commands (the prepare scripts are written by bench/lint.sh: \`recreate.sh\` drops and creates
the database, \`drop_templates.sh\` drops the lint templates made for it):
$commands_list

EOF

if ((over_budget)); then
    echo "hyperfine's exports are in $results" >&2
    die "over budget (first lint at most \`up\` + $max_extra_ms ms; kept template under $max_warm_ms ms)"
fi
echo "all cases within budget; hyperfine's exports are in $results" >&2
