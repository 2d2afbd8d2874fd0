#!/usr/bin/env bash
# Measures applying and rolling back a generated linear project of 1,000 revisions (each a
# CREATE TABLE plus a CREATE INDEX) against the databases' own clients, and `current` on the
# up-to-date project: the budget the execution issue set.
#
#   - `cargo schema up` on a fresh SQLite file / a fresh PostgreSQL database takes at most 1.5x
#     what `sqlite3 FILE < baseline_up.sql` / `psql -f baseline_up.sql` take for the same SQL as
#     one file with one transaction per revision;
#   - `cargo schema down base` from the upgraded state: the same bound against the rollback SQL;
#   - `cargo schema current` on the up-to-date project (SQLite): under 100 ms, whole process.
#
# The baseline scripts are `up --sql` and `down --sql head:base` with the version-table
# bookkeeping removed (the CREATE TABLE IF NOT EXISTS of the version tables, the layout row, and
# each revision's INSERT INTO / DELETE FROM the version table); each revision keeps its own
# BEGIN; ... COMMIT;. Prints a markdown table ready to paste into BENCHMARKS.md and exits 1 when
# a case is over budget.
#
#   bench/apply.sh                  build, generate, measure
#   REVISIONS=200 bench/apply.sh    another size
#   SKIP_BUILD=1 bench/apply.sh     use the binaries already in the target directory
#   SKIP_POSTGRES=1 bench/apply.sh  SQLite and `current` only
#   RUNS=10 WARMUP=1                hyperfine runs and warm-up runs per command
#   PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres PG_DATABASE=cs_bench_apply
#                                   the PostgreSQL server (trust authentication, or set
#                                   PGPASSWORD); the database is dropped and recreated before
#                                   every run and dropped at the end
#
# hyperfine's markdown and CSV exports and the baseline scripts are kept in $BENCH_OUT
# (default: <target dir>/bench/apply).
#
# Needs hyperfine, sqlite3 and psql; installs them with apt-get when missing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_settings apply 1000 10 1
max_ratio="${MAX_RATIO:-1.5}"
max_current_ms="${MAX_CURRENT_MS:-100}"
skip_postgres="${SKIP_POSTGRES:-0}"
pg_settings cs_bench_apply
# The generated project configures no `version-table`, so the default name.
version_table="${VERSION_TABLE:-schema_version}"

# --- tools -----------------------------------------------------------------------------------

if [[ "$skip_postgres" != 1 ]]; then
    need_tools hyperfine sqlite3 psql
    pg_answers "start it (DEVELOPERS.md) or set SKIP_POSTGRES=1"
else
    need_tools hyperfine sqlite3
fi
pg_recreate=("${psql_admin[@]}" -c 'SET client_min_messages TO warning'
    -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db")

# --- build and generate ----------------------------------------------------------------------

build_release -p cargo-schema -p cargo-schema-e2e
need_bins cargo-schema gen-revisions

make_work apply
pg_created=0
cleanup() {
    if ((pg_created)); then
        "${psql_admin[@]}" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 ||
            echo "bench/apply.sh: warning: could not drop the database $pg_db" >&2
    fi
    rm -rf "$work"
}
trap cleanup EXIT
dir="$work/project"
mkdir -p "$results"

echo "generating $revisions revisions (linear)" >&2
head="$("$bin/gen-revisions" "$dir" --revisions "$revisions" --branch-every 0)"

schema=("$bin/cargo-schema" schema --manifest-path "$dir/Cargo.toml")
db="$work/bench.db"              # the SQLite file every measured run works on
template="$work/upgraded.db"     # the same, upgraded by cargo-schema: what `down` starts from
current_db="$work/current.db"    # a copy of the template for `current`
sqlite_url="sqlite://$db"

# The baseline: the offline script without the version-table bookkeeping. A bookkeeping
# statement is dropped from its first line up to the `;` that ends it outside single quotes
# (the recorded down section is a quoted string that spans lines and holds `;`).
strip_bookkeeping() {
    awk -v VT="$(tr '[:lower:]' '[:upper:]' <<<"$version_table")" '
        {
            if (!skipping) {
                line = $0
                sub(/^[ \t]+/, "", line)
                u = toupper(line)
                # The version table is quoted ("schema_version", `schema_version`).
                gsub(/["`]/, "", u)
                if (index(u, "CREATE TABLE IF NOT EXISTS " VT) == 1 ||
                    index(u, "INSERT INTO " VT) == 1 || index(u, "DELETE FROM " VT) == 1 ||
                    index(u, "UPDATE " VT) == 1) {
                    skipping = 1
                    inq = 0
                } else {
                    print
                    next
                }
            }
            n = length($0)
            for (i = 1; i <= n; i++) {
                c = substr($0, i, 1)
                if (c == "\047") inq = !inq
                else if (c == ";" && !inq) { skipping = 0; break }
            }
        }'
}

# write_baseline URL DIRECTION FILE: `up --sql` or `down --sql head:base`, bookkeeping removed,
# checked to hold one BEGIN/COMMIT per revision and no mention of the version table.
write_baseline() {
    local url="$1" direction="$2" file="$3"
    local sql_args=(up --sql)
    [[ "$direction" == down ]] && sql_args=(down --sql head:base)
    "${schema[@]}" --database-url "$url" "${sql_args[@]}" 2>/dev/null >"$file.full" ||
        die "\`${sql_args[*]}\` failed"
    strip_bookkeeping <"$file.full" >"$file"
    local begins commits
    begins="$(grep -c '^BEGIN;$' "$file" || true)"
    commits="$(grep -c '^COMMIT;$' "$file" || true)"
    [[ "$begins" == "$revisions" && "$commits" == "$revisions" ]] ||
        die "$file holds $begins BEGIN and $commits COMMIT for $revisions revisions"
    if grep -qi "$version_table" "$file"; then
        die "$file still mentions $version_table after removing the bookkeeping"
    fi
    cp "$file" "$results/"
}

# Tables t1..tN the generated revisions create, in SQLite and PostgreSQL.
sqlite_tables() {
    sqlite3 "$1" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'"
}
pg_tables() {
    "${psql_bench[@]}" -tAc \
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+\$'"
}
expect_tables() {
    local what="$1" got="$2" want="$3"
    [[ "$got" == "$want" ]] || die "$what: $got generated tables, expected $want"
}

# --- baselines and one run of each command outside the measurements -------------------------
# So that a broken command fails here with its own error message rather than as a hyperfine
# statistic, and so that the baselines are known to reach the same state.

echo "checking the SQLite commands and baselines once" >&2
write_baseline "$sqlite_url" up "$work/baseline_up.sql"
write_baseline "$sqlite_url" down "$work/baseline_down.sql"
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
"${schema[@]}" --database-url "$sqlite_url" up -q >/dev/null || die "\`up\` on SQLite failed"
expect_tables "cargo schema up (SQLite)" "$(sqlite_tables "$db")" "$revisions"
current_out="$("${schema[@]}" --database-url "$sqlite_url" current 2>/dev/null)" ||
    die "\`current\` on SQLite failed"
grep -q "$head" <<<"$current_out" || die "\`current\` does not show the head $head: $current_out"
cp "$db" "$template"
cp "$db" "$current_db"
"${schema[@]}" --database-url "$sqlite_url" down base -q >/dev/null ||
    die "\`down base\` on SQLite failed"
expect_tables "cargo schema down base (SQLite)" "$(sqlite_tables "$db")" 0
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
sqlite3 -bail "$db" <"$work/baseline_up.sql" || die "sqlite3 < baseline_up.sql failed"
expect_tables "sqlite3 < baseline_up.sql" "$(sqlite_tables "$db")" "$revisions"
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
cp "$template" "$db"
sqlite3 -bail "$db" <"$work/baseline_down.sql" || die "sqlite3 < baseline_down.sql failed"
expect_tables "sqlite3 < baseline_down.sql" "$(sqlite_tables "$db")" 0

if [[ "$skip_postgres" != 1 ]]; then
    echo "checking the PostgreSQL commands and baselines once" >&2
    write_baseline "$pg_url" up "$work/pg_baseline_up.sql"
    write_baseline "$pg_url" down "$work/pg_baseline_down.sql"
    pg_created=1
    "${pg_recreate[@]}" >/dev/null || die "could not create the database $pg_db"
    "${schema[@]}" --database-url "$pg_url" up -q >/dev/null || die "\`up\` on PostgreSQL failed"
    expect_tables "cargo schema up (PostgreSQL)" "$(pg_tables)" "$revisions"
    "${schema[@]}" --database-url "$pg_url" down base -q >/dev/null ||
        die "\`down base\` on PostgreSQL failed"
    expect_tables "cargo schema down base (PostgreSQL)" "$(pg_tables)" 0
    "${pg_recreate[@]}" >/dev/null
    "${psql_bench[@]}" -f "$work/pg_baseline_up.sql" >/dev/null ||
        die "psql -f pg_baseline_up.sql failed"
    expect_tables "psql -f pg_baseline_up.sql" "$(pg_tables)" "$revisions"
    # The rollback baseline starts, like `down base`, from a database cargo-schema upgraded.
    "${pg_recreate[@]}" >/dev/null
    "${schema[@]}" --database-url "$pg_url" up -q >/dev/null
    "${psql_bench[@]}" -f "$work/pg_baseline_down.sql" >/dev/null ||
        die "psql -f pg_baseline_down.sql failed"
    expect_tables "psql -f pg_baseline_down.sql" "$(pg_tables)" 0

    # hyperfine -N runs a prepare command without a shell: recreating and upgrading the
    # database is two commands, so a script.
    cat >"$work/prepare_pg_down.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
$(printf '%q ' "${pg_recreate[@]}") >/dev/null
$(printf '%q ' "${schema[@]}") --database-url $(printf '%q' "$pg_url") up -q >/dev/null
EOF
    chmod +x "$work/prepare_pg_down.sh"
fi

# --- measure ---------------------------------------------------------------------------------

sqlite_fresh="$(quote rm -f "$db" "$db-journal" "$db-wal" "$db-shm")"
# A file cargo-schema created is in WAL mode: no -wal/-shm of the previous run may stay beside it.
sqlite_upgraded="$(quote "$work/prepare_sqlite_down.sh")"
cat >"$work/prepare_sqlite_down.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
rm -f $(quote "$db" "$db-journal" "$db-wal" "$db-shm")
cp $(quote "$template" "$db")
EOF
chmod +x "$work/prepare_sqlite_down.sh"
cs_sqlite="$(quote "${schema[@]}" --database-url "$sqlite_url")"

measure sqlite_up_cs none "$sqlite_fresh" "$cs_sqlite up"
measure sqlite_up_base bash "$sqlite_fresh" "$(quote sqlite3 "$db") < $(quote "$work/baseline_up.sql")"
measure sqlite_down_cs none "$sqlite_upgraded" "$cs_sqlite down base"
measure sqlite_down_base bash "$sqlite_upgraded" \
    "$(quote sqlite3 "$db") < $(quote "$work/baseline_down.sql")"

if [[ "$skip_postgres" != 1 ]]; then
    pg_fresh="$(quote "${pg_recreate[@]}")"
    pg_upgraded="$(quote "$work/prepare_pg_down.sh")"
    cs_pg="$(quote "${schema[@]}" --database-url "$pg_url")"
    measure pg_up_cs none "$pg_fresh" "$cs_pg up"
    measure pg_up_base none "$pg_fresh" "$(quote "${psql_bench[@]}" -f "$work/pg_baseline_up.sql")"
    measure pg_down_cs none "$pg_upgraded" "$cs_pg down base"
    measure pg_down_base none "$pg_upgraded" \
        "$(quote "${psql_bench[@]}" -f "$work/pg_baseline_down.sql")"
fi

measure current_cs none "" "$(quote "${schema[@]}" --database-url "sqlite://$current_db") current"

# --- report ----------------------------------------------------------------------------------

over_budget=0
n_fmt="$(printf "%'d" "$revisions" 2>/dev/null || echo "$revisions")"
table="| case | cargo-schema mean (ms) | baseline mean (ms) | ratio | budget | result |
|---|---:|---:|---:|---|---|"

# judge CONDITION MESSAGE AWK-ARGS...: `verdict` is pass when awk's CONDITION holds over the
# variables of AWK-ARGS (-v NAME=VALUE); otherwise fail, with over_budget set and
# `over budget: MESSAGE` on stderr.
judge() {
    local condition="$1" message="$2"
    shift 2
    if awk "$@" "BEGIN { exit !($condition) }"; then
        verdict=pass
    else
        verdict=fail
        over_budget=1
        echo "over budget: $message" >&2
    fi
}

# pair NAME LABEL BASELINE-LABEL: a row comparing NAME_cs with NAME_base.
pair() {
    local name="$1" label="$2" baseline="$3"
    local cs base ratio verdict
    cs="$(mean_ms "${name}_cs")"
    base="$(mean_ms "${name}_base")"
    ratio="$(awk -v a="$cs" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
    judge 'r <= m' "$label takes $cs ms, ${ratio}x $baseline ($base ms); budget ${max_ratio}x" \
        -v r="$ratio" -v m="$max_ratio"
    table+="
| $label vs $baseline | $cs ± $(stddev_ms "${name}_cs") | $base ± $(stddev_ms "${name}_base") | ${ratio}× | ≤ ${max_ratio}× | $verdict |"
}

pair sqlite_up "SQLite \`up\`, fresh file" "\`sqlite3 FILE < baseline_up.sql\`"
pair sqlite_down "SQLite \`down base\`, from head" "\`sqlite3 FILE < baseline_down.sql\`"
if [[ "$skip_postgres" != 1 ]]; then
    pair pg_up "PostgreSQL \`up\`, fresh database" "\`psql -f baseline_up.sql\`"
    pair pg_down "PostgreSQL \`down base\`, from head" "\`psql -f baseline_down.sql\`"
fi
current="$(mean_ms current_cs)"
judge 'm < b' "\`current\` takes $current ms (budget: under $max_current_ms ms)" \
    -v m="$current" -v b="$max_current_ms"
table+="
| SQLite \`current\`, up to date | $current ± $(stddev_ms current_cs) | — | — | < $max_current_ms ms | $verdict |"

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
pg_version=""
if [[ "$skip_postgres" != 1 ]]; then
    pg_version=", PostgreSQL $("${psql_admin[@]}" -tAc 'SHOW server_version' | awk '{ print $1 }')"
fi
# shellcheck disable=SC2016 # backquotes for markdown
commands_list="$(printf -- '- `%s`\n' "${commands_run[@]}")"
cat <<EOF

$n_fmt revisions (linear; each CREATE TABLE + CREATE INDEX, down DROP TABLE), \
hyperfine $(hyperfine --version | awk '{ print $2 }'), $warmup warmup + $runs runs, \
SQLite $(sqlite3 --version | awk '{ print $1 }')$pg_version, ${cpu:-unknown CPU}, $(nproc) cores.

$table

Commands:
$commands_list

EOF

if ((over_budget)); then
    echo "hyperfine's exports and the baseline scripts are in $results" >&2
    die "over budget (cargo-schema at most ${max_ratio}x the client; \`current\` under $max_current_ms ms)"
fi
echo "all cases within budget; hyperfine's exports and the baseline scripts are in $results" >&2
