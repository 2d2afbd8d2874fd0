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
#   ALEMBIC_REVISIONS=100            revisions of the Alembic case (0: leave it out)
#   ALEMBIC_PYTHON=path/to/python    the Python with alembic (default: target/tools/venv, as
#                                    .ci/run installs it; the case is left out without one)
#
# The Alembic case: ALEMBIC_REVISIONS revisions written as Alembic scripts (op.create_table,
# op.create_index, op.execute), imported for SQLite with `cargo schema import alembic`, beside
# Alembic's own `alembic upgrade head --sql` for the same history (one process) and the
# per-revision way (`alembic upgrade PARENT:REV --sql` + `downgrade REV:PARENT --sql`, one
# process each, measured on the first 10 revisions and scaled to all of them).
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
cargo_project "$dir" bench-import
mkdir -p "$dir/sqlx"

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

# `time_runs NAME PREPARE COMMAND…`: runs PREPARE (untimed) then COMMAND, $runs times, and
# appends each COMMAND's time in µs to the array NAME.
time_runs() {
    local -n times=$1
    local prepare=$2
    shift 2
    for ((r = 0; r < runs; r++)); do
        eval "$prepare"
        local t0 t1
        t0=$(now_ns)
        "$@" >/dev/null 2>&1
        t1=$(now_ns)
        times+=("$(((t1 - t0) / 1000))")
    done
}

echo "measuring import ($runs runs)" >&2
import_us=()
time_runs import_us 'rm -rf "$dir/migrations"' "${schema[@]}" import sqlx "$dir/sqlx"
count="$(find "$dir/migrations" -name '*.sql' | wc -l)"
[[ "$count" -eq "$n" ]] || die "import wrote $count files, not $n"

echo "measuring adopt ($runs runs)" >&2
adopt_us=()
time_runs adopt_us 'cp "$work/adopt-template.db" "$dir/dev.db"' "${schema[@]}" import sqlx --adopt
recorded="$(sqlite3 "$dir/dev.db" 'SELECT count(*) FROM schema_version')"
[[ "$recorded" -eq "$n" ]] || die "adopt recorded $recorded revisions, not $n"

alembic_rows=""
alembic_n="${ALEMBIC_REVISIONS:-100}"
python="${ALEMBIC_PYTHON:-$target_dir/tools/venv/bin/python}"
if ((alembic_n > 0)) && "$python" -c "import alembic" >/dev/null 2>&1; then
    echo "generating $alembic_n Alembic revisions" >&2
    ad="$work/alembic"
    cargo_project "$ad" bench-alembic
    mkdir -p "$ad/alembic/versions"
    printf '[alembic]\nscript_location = %%(here)s/alembic\nsqlalchemy.url = sqlite:///%s/alembic.db\n' "$ad" >"$ad/alembic.ini"
    cat >"$ad/alembic/env.py" <<'PY'
from alembic import context

config = context.config
context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
with context.begin_transaction():
    context.run_migrations()
PY
    prev=None
    for ((i = 1; i <= alembic_n; i++)); do
        rev=$(printf 'r%011d' "$i")
        cat >"$ad/alembic/versions/${rev}_t_$i.py" <<PY
"""create t $i"""
from alembic import op
import sqlalchemy as sa

revision = "$rev"
down_revision = $prev
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("t_$i", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False))
    op.create_index("t_${i}_name", "t_$i", ["name"])
    op.execute("INSERT INTO t_$i (id, name) VALUES (1, 'first')")


def downgrade():
    op.drop_index("t_${i}_name", "t_$i")
    op.drop_table("t_$i")
PY
        prev="\"$rev\""
    done
    alembic_schema=("$BIN" schema --manifest-path "$ad/Cargo.toml" -q)

    echo "measuring the Alembic import ($runs runs)" >&2
    ai_us=()
    time_runs ai_us 'rm -rf "$ad/migrations"' env CARGO_SCHEMA_PYTHON="$python" "${alembic_schema[@]}" import alembic
    count="$(find "$ad/migrations" -name '*.sql' | wc -l)"
    [[ "$count" -eq "$alembic_n" ]] || die "the Alembic import wrote $count files, not $alembic_n"

    echo "measuring alembic upgrade head --sql ($runs runs)" >&2
    as_us=()
    time_runs as_us 'cd "$ad"' "$python" -m alembic upgrade head --sql
    cd "$root"

    echo "measuring one alembic process per revision and direction (first 10 revisions)" >&2
    k=$((alembic_n < 10 ? alembic_n : 10))
    t0=$(now_ns)
    for ((i = 1; i <= k; i++)); do
        rev=$(printf 'r%011d' "$i")
        if ((i == 1)); then
            (cd "$ad" && "$python" -m alembic upgrade "$rev" --sql >/dev/null 2>&1)
            (cd "$ad" && "$python" -m alembic downgrade "$rev:base" --sql >/dev/null 2>&1)
        else
            parent=$(printf 'r%011d' "$((i - 1))")
            (cd "$ad" && "$python" -m alembic upgrade "$parent:$rev" --sql >/dev/null 2>&1)
            (cd "$ad" && "$python" -m alembic downgrade "$rev:$parent" --sql >/dev/null 2>&1)
        fi
    done
    t1=$(now_ns)
    per_rev_ms="$(awk -v t="$(((t1 - t0) / 1000))" -v k="$k" -v n="$alembic_n" 'BEGIN { printf "%.1f", t / k * n / 1000 }')"
    ms() { awk -v v="$(median "$@")" 'BEGIN { printf "%.1f", v / 1000 }'; }
    alembic_rows="| \`cargo schema import alembic\` ($alembic_n Alembic revisions, up and down rendered offline for SQLite in one Python process) | $(ms "${ai_us[@]}") | – |
| Alembic's own \`alembic upgrade head --sql\` (same history, up only) | $(ms "${as_us[@]}") | – |
| one \`alembic … --sql\` process per revision and direction ($((2 * alembic_n)) processes; 10 revisions measured, scaled) | $per_rev_ms | – |"
elif ((alembic_n > 0)); then
    echo "no Python with alembic at $python: the Alembic case is left out (set ALEMBIC_PYTHON)" >&2
fi

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
${alembic_rows}

REPORT

over=0
awk -v m="$im" -v b="$max_import_ms" 'BEGIN { exit !(m >= b) }' && { echo "over budget: import takes $im ms" >&2; over=1; }
awk -v m="$am" -v b="$max_adopt_ms" 'BEGIN { exit !(m >= b) }' && { echo "over budget: adopt takes $am ms" >&2; over=1; }
((over == 0)) || die "over budget"
echo "both within budget" >&2
