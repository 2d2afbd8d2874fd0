#!/usr/bin/env bash
# Measures `cargo schema import sqlx` of 1,000 sqlx migrations (budget: under 1 s) and
# `cargo schema import sqlx --adopt` of a SQLite database whose `_sqlx_migrations` records all
# 1,000 as applied (budget: under 0.5 s), whole process, the budget issue 14 set. Prints a
# markdown table ready to paste into BENCHMARKS.md and exits 1 when a case is over budget.
#
#   bench/import.sh                  build, generate, measure
#   MIGRATIONS=200 bench/import.sh   another size
#   SKIP_BUILD=1 bench/import.sh     use the release binary already in the target directory
#   BIN=path/to/cargo-schema         another binary (a debug build, say)
#   RUNS=5                           runs per case; the median is reported
#
# Each import run starts from an empty migrations directory; each adopt run from a copy of a
# database holding the 1,000 tables' bookkeeping (the table is created as sqlx creates it)
# and no cargo-schema version table. Needs the sqlite3 client.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

n="${MIGRATIONS:-1000}"
runs="${RUNS:-5}"
max_import_ms=1000
max_adopt_ms=500

command -v sqlite3 >/dev/null 2>&1 || die "the sqlite3 client is missing (apt-get install sqlite3)"
if [[ -z "${BIN:-}" ]]; then
    build_release -p cargo-schema
    BIN="$bin/cargo-schema"
fi
[[ -x "$BIN" ]] || die "$BIN not found; build it or set BIN"

make_work import
dir="$work/project"
mkdir -p "$dir/src" "$dir/sqlx"
cat >"$dir/Cargo.toml" <<'TOML'
[package]
name = "bench-import"
version = "0.1.0"
edition = "2021"

[package.metadata.schema]
migrations = "migrations"
TOML
: >"$dir/src/lib.rs"

echo "generating $n sqlx migrations" >&2
rows=()
for ((i = 1; i <= n; i++)); do
    v=$((20240000000000 + i))
    printf 'CREATE TABLE t_%d (id BIGINT PRIMARY KEY, name TEXT NOT NULL);\nCREATE INDEX t_%d_name ON t_%d (name);\n' \
        "$i" "$i" "$i" >"$dir/sqlx/${v}_create_t_${i}.up.sql"
    printf 'DROP TABLE t_%d;\n' "$i" >"$dir/sqlx/${v}_create_t_${i}.down.sql"
    rows+=("($v, 'create t $i', TRUE, X'00', 1)")
done
{
    echo "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);"
    echo "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES"
    (IFS=,; echo "${rows[*]};")
} | sqlite3 "$work/adopt-template.db"

schema=("$BIN" schema --manifest-path "$dir/Cargo.toml" -q)

now_ns() { date +%s%N; }

# The median of the run times.
median() {
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo "measuring import ($runs runs)" >&2
import_us=()
for ((r = 0; r < runs; r++)); do
    rm -rf "$dir/migrations"
    t0=$(now_ns)
    "${schema[@]}" import sqlx "$dir/sqlx" >/dev/null
    t1=$(now_ns)
    import_us+=("$(((t1 - t0) / 1000))")
done
count="$(find "$dir/migrations" -name '*.sql' | wc -l)"
[[ "$count" -eq "$n" ]] || die "import wrote $count files, not $n"

echo "measuring adopt ($runs runs)" >&2
adopt_us=()
for ((r = 0; r < runs; r++)); do
    cp "$work/adopt-template.db" "$dir/dev.db"
    t0=$(now_ns)
    "${schema[@]}" import sqlx --adopt >/dev/null
    t1=$(now_ns)
    adopt_us+=("$(((t1 - t0) / 1000))")
done
recorded="$(sqlite3 "$dir/dev.db" 'SELECT count(*) FROM schema_version')"
[[ "$recorded" -eq "$n" ]] || die "adopt recorded $recorded revisions, not $n"

im="$(median "${import_us[@]}")"
am="$(median "${adopt_us[@]}")"
# The values were collected in µs; report ms.
im="$(awk -v v="$im" 'BEGIN { printf "%.1f", v / 1000 }')"
am="$(awk -v v="$am" 'BEGIN { printf "%.1f", v / 1000 }')"

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
cat <<REPORT

$n sqlx migrations (\`.up.sql\`/\`.down.sql\` pairs), SQLite, median of $runs runs, whole process,
${cpu:-unknown CPU}, $(nproc) cores; binary: $BIN.

| case | median (ms) | budget (ms) |
|---|---:|---:|
| \`cargo schema import sqlx DIR\` ($n migrations → $n revision files) | $im | $max_import_ms |
| \`cargo schema import sqlx --adopt\` ($n applied) | $am | $max_adopt_ms |

REPORT

over=0
awk -v m="$im" -v b="$max_import_ms" 'BEGIN { exit !(m >= b) }' && { echo "over budget: import takes $im ms" >&2; over=1; }
awk -v m="$am" -v b="$max_adopt_ms" 'BEGIN { exit !(m >= b) }' && { echo "over budget: adopt takes $am ms" >&2; over=1; }
((over == 0)) || die "over budget"
echo "both within budget" >&2
