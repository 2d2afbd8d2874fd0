#!/usr/bin/env bash
# cargo-schema against sqlx-cli, dbmate and the databases' own clients, side by side in one run
# (the performance issue, 16). Every tool applies the same SQL: N revisions, each a
# `CREATE TABLE` plus a `CREATE INDEX` (down: `DROP TABLE`), generated once as sqlx files,
# dbmate files and two client scripts (one transaction per revision); cargo-schema's project is
# made from the sqlx files by `cargo schema import sqlx`.
#
# Runs are paired: each round runs every tool once (the order rotates), each on a fresh
# database (a new SQLite file; a PostgreSQL/MariaDB database dropped and created again; for
# `down`, a copy of what that tool's own `up` left). Reported: the median time of each tool and
# the median of the per-round ratios cargo-schema ÷ peer. The script prints a markdown table
# and exits 1 when a target of the issue is missed (it says which).
#
#   bench/peers.sh                      build release, find or install the peers, measure
#   SKIP_BUILD=1                        use the release binary already built
#   BIN=path/to/cargo-schema            another binary (no build)
#   RUNS=7 READ_RUNS=31 HUGE_RUNS=3     rounds of the apply cases, the read commands, 10,000
#   BACKENDS="sqlite postgres mariadb"  the databases (a subset skips the others)
#   BIG=1000 SMALL=100 HUGE=10000       the project sizes (HUGE=0 skips the scaling case)
#   APPLY=0                             skip the `up`/`down` cases (read commands, RSS, scaling)
#   SIZES="1000 100"                    the sizes of the `up`/`down` cases (default: BIG SMALL)
#   REPORT_ONLY=1                       measure nothing: the table of what $BENCH_OUT holds (the
#                                       cases an interrupted run finished)
#
# Each run's times are kept in $BENCH_OUT (default: <target dir>/bench/peers), one file per
# case and tool, one line per round.
#   SQLX=… DBMATE=…                     the peers' binaries; otherwise target/tools, then
#                                       /work/tools, then PATH, else installed into target/tools
#   PG_HOST PG_PORT PG_USER MY_HOST MY_PORT MY_USER   the servers (trust / empty password)
#
# Needs sqlite3, psql, mysql (for the backends asked for) and GNU time; bash 5 (EPOCHREALTIME).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs="${RUNS:-7}" read_runs="${READ_RUNS:-31}" huge_runs="${HUGE_RUNS:-3}"
big="${BIG:-1000}" small="${SMALL:-100}" huge="${HUGE:-10000}"
backends=" ${BACKENDS:-sqlite postgres mariadb} "
apply="${APPLY:-1}"
report_only="${REPORT_ONLY:-0}"
sizes="${SIZES:-$big $small}"
results="${BENCH_OUT:-$target_dir/bench/peers}"
pg_host="${PG_HOST:-127.0.0.1}" pg_port="${PG_PORT:-5432}" pg_user="${PG_USER:-postgres}"
my_host="${MY_HOST:-127.0.0.1}" my_port="${MY_PORT:-3306}" my_user="${MY_USER:-root}"
db_name="cs_peers_$$"
# The environment must not choose a database for any tool.
unset DATABASE_URL

note() { echo "bench/peers.sh: $*" >&2; }
has() { [[ "$backends" == *" $1 "* ]]; }

((BASH_VERSINFO[0] >= 5)) || die "bash 5 is needed (EPOCHREALTIME)"
/usr/bin/time --version 2>&1 | grep -q GNU || die "GNU time (/usr/bin/time) is needed: apt-get install time"
command -v sqlite3 >/dev/null || die "the sqlite3 client is needed: apt-get install sqlite3"
has postgres && { command -v psql >/dev/null || die "psql is needed (or BACKENDS without postgres)"; }
has mariadb && { command -v mysql >/dev/null || die "mysql is needed (or BACKENDS without mariadb)"; }

# --- the binaries ----------------------------------------------------------------------------

if [[ -z "${BIN:-}" && "${SKIP_BUILD:-0}" != 1 && "${REPORT_ONLY:-0}" != 1 ]]; then
    note "building the release binary"
    (cd "$root" && cargo build --release --locked -q -p cargo-schema)
fi
cs="${BIN:-$target_dir/release/cargo-schema}"
[[ -x "$cs" ]] || die "$cs not found; build it or unset SKIP_BUILD"

# The first of: $SQLX/$DBMATE, target/tools, /work/tools, PATH; else installed into target/tools.
tools="$target_dir/tools"
first_exe() {
    local p
    for p in "$@"; do [[ -n "$p" && -x "$p" ]] && { echo "$p"; return 0; }; done
    return 1
}
# dbmate's npm package runs its native binary through node: call the binary itself.
dbmate_in() { find "$1/node_modules/@dbmate" -path '*/bin/dbmate' -type f 2>/dev/null | head -n 1; }
sqlx="$(first_exe "${SQLX:-}" "$tools/bin/sqlx" /work/tools/bin/sqlx "$(command -v sqlx || true)")" || {
    note "installing sqlx-cli into $tools (takes minutes)"
    CARGO_TARGET_DIR="$tools/build-sqlx" cargo install sqlx-cli --locked --no-default-features \
        --features sqlite,postgres,mysql --root "$tools" >&2
    rm -rf "$tools/build-sqlx"
    sqlx="$tools/bin/sqlx"
}
dbmate="$(first_exe "${DBMATE:-}" "$(dbmate_in "$tools")" "$(dbmate_in /work/tools)" "$(command -v dbmate || true)")" || {
    note "installing dbmate into $tools"
    npm install --silent --prefix "$tools" dbmate >&2
    dbmate="$(dbmate_in "$tools")"
}
[[ -x "$sqlx" && -x "$dbmate" ]] || die "sqlx-cli ($sqlx) or dbmate ($dbmate) is missing"

# --- the same SQL for every tool -------------------------------------------------------------

work="$(mktemp -d "${TMPDIR:-/tmp}/cargo-schema-peers.XXXXXX")"
cleanup() {
    if has postgres; then
        local d
        for d in "$db_name" "${db_name}_cs" "${db_name}_sqlx" "${db_name}_raw"; do
            psql_admin -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
        done
    fi
    has mariadb && mysql_admin -e "DROP DATABASE IF EXISTS $db_name" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

# generate N: $work/gN/{sqlx,dbmate,up.sql,down.sql,project}. Versions are 14 digits, as the
# tools' own timestamps; VARCHAR rather than TEXT so that MariaDB can index the column.
generate() {
    local n="$1" g="$work/g$1"
    mkdir -p "$g/sqlx" "$g/dbmate"
    awk -v n="$n" -v g="$g" 'BEGIN {
        for (i = 1; i <= n; i++) {
            v = sprintf("%d", 20240000000000 + i)
            up = sprintf("CREATE TABLE t_%d (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL);\nCREATE INDEX t_%d_name ON t_%d (name);", i, i, i)
            down = sprintf("DROP TABLE t_%d;", i)
            f = g "/sqlx/" v "_create_t_" i ".up.sql";   print up > f;   close(f)
            f = g "/sqlx/" v "_create_t_" i ".down.sql"; print down > f; close(f)
            f = g "/dbmate/" v "_create_t_" i ".sql"
            print "-- migrate:up\n" up "\n\n-- migrate:down\n" down > f; close(f)
            print "BEGIN;\n" up "\nCOMMIT;" > (g "/up.sql")
            downs[i] = "BEGIN;\n" down "\nCOMMIT;"
        }
        for (i = n; i >= 1; i--) print downs[i] > (g "/down.sql")
    }'
    cargo_project "$g/project" bench-peers
    "$cs" schema --manifest-path "$g/project/Cargo.toml" -q import sqlx "$g/sqlx" >/dev/null ||
        die "cargo schema import sqlx of $n migrations failed"
    # A manifest written within 2 s is not cached (metadata_cache.rs): make it an old one, as a
    # project's manifest is, and let one run take `cargo metadata`'s answer.
    touch -d '-1 minute' "$g/project/Cargo.toml"
    "$cs" schema --manifest-path "$g/project/Cargo.toml" heads >/dev/null || die "heads failed"
}

# --- the databases ---------------------------------------------------------------------------

psql_admin() { command psql -X -q -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres "$@"; }
psql_db() { command psql -X -q -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" -U "$pg_user" -d "$db_name" "$@"; }
mysql_admin() { command mysql -h "$my_host" -P "$my_port" -u "$my_user" "$@"; }
# Every tool gets the same URL; TLS is off for all (the server offers it; a handshake to a
# loopback server is not what is compared).
pg_url="postgres://$pg_user@$pg_host:$pg_port/$db_name?sslmode=disable"
my_url="mysql://$my_user@$my_host:$my_port/$db_name"
db="$work/bench.db"
sqlite_url="sqlite://$db"

has postgres && { psql_admin -tAc 'SELECT 1' >/dev/null || die "PostgreSQL at $pg_host:$pg_port does not answer"; }
has mariadb && { mysql_admin -e 'SELECT 1' >/dev/null || die "MariaDB at $my_host:$my_port does not answer"; }

fresh() { # BACKEND: an empty database
    case "$1" in
    sqlite) rm -f "$db" "$db-journal" "$db-wal" "$db-shm" ;;
    postgres) psql_admin -c 'SET client_min_messages TO warning' \
        -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name" ;;
    mariadb) mysql_admin -e "DROP DATABASE IF EXISTS $db_name; CREATE DATABASE $db_name" ;;
    esac
}
tables() { # BACKEND: how many t_N tables the database holds
    case "$1" in
    sqlite) sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 't_[0-9]*'" ;;
    postgres) psql_db -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t_[0-9]+\$'" ;;
    mariadb) mysql_admin -N -e "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$db_name' AND table_name REGEXP '^t_[0-9]+\$'" ;;
    esac
}
url() { case "$1" in sqlite) echo "$sqlite_url" ;; postgres) echo "$pg_url" ;; mariadb) echo "$my_url" ;; esac; }
# dbmate's URL forms: `sqlite:PATH`; no sslmode for MySQL (its driver has no TLS by default).
dbmate_url() { case "$1" in sqlite) echo "sqlite:$db" ;; *) url "$1" ;; esac; }

# raw_client BACKEND SCRIPT: the database's own client runs the script.
raw_client() {
    case "$1" in
    sqlite) sqlite3 -bail "$db" <"$2" ;;
    postgres) psql_db -f "$2" ;;
    mariadb) mysql_admin "$db_name" <"$2" ;;
    esac
}
# run_up BACKEND N TOOL / run_down BACKEND N TOOL: one whole-process run, output discarded.
run_up() {
    local b="$1" g="$work/g$2"
    case "$3" in
    cs) "$cs" schema --manifest-path "$g/project/Cargo.toml" --database-url "$(url "$b")" up -q ;;
    # sqlx creates a SQLite file with `database setup`; the servers' database exists already.
    sqlx) if [[ "$b" == sqlite ]]; then
        "$sqlx" database setup --source "$g/sqlx" --database-url "$(url "$b")"
    else
        "$sqlx" migrate run --source "$g/sqlx" --database-url "$(url "$b")"
    fi ;;
    dbmate) "$dbmate" --no-dump-schema -u "$(dbmate_url "$b")" -d "$g/dbmate" up ;;
    raw) raw_client "$b" "$g/up.sql" ;;
    # The same statements in one transaction: what SQLite itself needs, with one commit.
    raw_tx) { echo "BEGIN;"; grep -v -e '^BEGIN;$' -e '^COMMIT;$' "$g/up.sql"; echo "COMMIT;"; } |
        sqlite3 -bail "$db" ;;
    esac >/dev/null 2>"$work/stderr"
}
run_down() {
    local b="$1" g="$work/g$2"
    case "$3" in
    cs) "$cs" schema --manifest-path "$g/project/Cargo.toml" --database-url "$(url "$b")" down base -q ;;
    sqlx) "$sqlx" migrate revert --target-version 0 --source "$g/sqlx" --database-url "$(url "$b")" ;;
    raw) raw_client "$b" "$g/down.sql" ;;
    esac >/dev/null 2>"$work/stderr"
}

# Templates for `down`: what each tool's own `up` left (SQLite: a file; PostgreSQL: a template
# database). MariaDB has no cheap copy: each `down` round runs the tool's `up` first.
make_templates() { # BACKEND N
    local b="$1" n="$2" t
    for t in cs sqlx raw; do
        fresh "$b" >/dev/null
        run_up "$b" "$n" "$t" || die "$t up on $b failed: $(cat "$work/stderr")"
        case "$b" in
        sqlite) cp "$db" "$work/tpl-$n-$t.db" ;;
        postgres) psql_admin -c 'SET client_min_messages TO warning' -c "DROP DATABASE IF EXISTS ${db_name}_$t" \
            -c "ALTER DATABASE $db_name RENAME TO ${db_name}_$t" >/dev/null ;;
        esac
    done
}
upgraded() { # BACKEND N TOOL: the database as TOOL's `up` left it
    local b="$1" n="$2" t="$3"
    case "$b" in
    sqlite) fresh sqlite && cp "$work/tpl-$n-$t.db" "$db" ;;
    postgres) psql_admin -c 'SET client_min_messages TO warning' \
        -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" \
        -c "CREATE DATABASE $db_name TEMPLATE ${db_name}_$t" >/dev/null ;;
    mariadb) fresh mariadb && run_up "$b" "$n" "$t" ;;
    esac
}

# --- measuring -------------------------------------------------------------------------------

# The sizes and rounds of the run whose times are in $results (report-only reads them back).
if ((report_only)); then
    [[ -f "$results/params" ]] || die "$results holds no run to report (no params file)"
    read -r big small huge runs read_runs huge_runs <"$results/params"
else
    rm -rf "$results"
    mkdir -p "$results"
    echo "$big $small $huge $runs $read_runs $huge_runs" >"$results/params"
fi
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'; }
median() { sort -n | awk -v f="${1:-%.1f}" '{ a[NR] = $1 } END { if (NR == 0) exit 1; printf f, (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# apply_case NAME BACKEND N up|down ROUNDS TOOL...: paired rounds; times in $results/NAME.TOOL.
apply_case() {
    local name="$1" b="$2" n="$3" dir="$4" rounds="$5" r i k t t0 t1 want
    shift 5
    local order=("$@")
    [[ "$dir" == up ]] && want="$n" || want=0
    note "measuring $name ($rounds rounds: ${order[*]})"
    for ((r = 0; r < rounds; r++)); do
        for ((i = 0; i < ${#order[@]}; i++)); do
            t="${order[$(((i + r) % ${#order[@]}))]}"
            if [[ "$dir" == up ]]; then fresh "$b" >/dev/null; else upgraded "$b" "$n" "$t"; fi
            t0=$EPOCHREALTIME
            "run_$dir" "$b" "$n" "$t" || die "$t $dir on $b ($n) failed: $(cat "$work/stderr")"
            t1=$EPOCHREALTIME
            k="$(tables "$b")"
            [[ "$k" == "$want" ]] || die "$t $dir on $b ($n) left $k tables, not $want"
            elapsed_ms "$t0" "$t1" >>"$results/$name.$t"
        done
    done
}

# read_case NAME ROUNDS LABEL=COMMAND...: paired rounds of commands that change nothing.
read_case() {
    local name="$1" rounds="$2" r i spec label t0 t1
    shift 2
    local specs=("$@")
    note "measuring $name ($rounds rounds of ${#specs[@]} commands)"
    for ((r = 0; r < rounds; r++)); do
        for ((i = 0; i < ${#specs[@]}; i++)); do
            spec="${specs[$(((i + r) % ${#specs[@]}))]}"
            label="${spec%%=*}"
            t0=$EPOCHREALTIME
            bash -c "${spec#*=}" >/dev/null 2>"$work/stderr" || die "$label failed: $(cat "$work/stderr")"
            t1=$EPOCHREALTIME
            elapsed_ms "$t0" "$t1" >>"$results/$name.$label"
        done
    done
}

med() { median <"$results/$1.$2"; }
# The median over rounds of A's time ÷ B's time (same round).
ratio() { paste "$results/$1.$2" "$results/$1.$3" | awk 'NF == 2 && $2 > 0 { print $1 / $2 }' | median %.2f; }

table="| work | cargo-schema (ms) | peer | peer (ms) | cargo-schema ÷ peer | target | result |
|---|---:|---|---:|---:|---|---|"
missed=()
# row WORK CS-MS PEER PEER-MS RATIO TARGET PASS(0/1)
row() {
    local verdict=met
    if [[ "$7" != 1 ]]; then
        verdict=missed
        missed+=("$1 vs $3: $5, target $6 (cargo-schema $2, $3 $4)")
    fi
    [[ -z "$6" ]] && verdict="—"
    table+="
| $1 | $2 | $3 | $4 | $5 | $6 | $verdict |"
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b + 1e-9) }' && echo 1 || echo 0; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }' && echo 1 || echo 0; }

label_of() { case "$1" in sqlx) echo "sqlx-cli" ;; dbmate) echo "dbmate" ;; raw) echo "$2" ;; esac; }
raw_name() { case "$1" in sqlite) echo '`sqlite3`' ;; postgres) echo '`psql -f`' ;; mariadb) echo '`mysql`' ;; esac; }
backend_name() { case "$1" in sqlite) echo SQLite ;; postgres) echo PostgreSQL ;; mariadb) echo MariaDB ;; esac; }

# report_apply NAME BACKEND N DIR: the rows of one case against each peer, with the issue's target.
report_apply() {
    local name="$1" b="$2" n="$3" dir="$4" peer cs_ms p_ms r target pass
    local work_label
    [[ -f "$results/$name.cs" ]] || return 0
    work_label="$(backend_name "$b") \`$([[ $dir == up ]] && echo up || echo 'down base')\`, $(printf "%'d" "$n")"
    cs_ms="$(med "$name" cs)"
    for peer in sqlx dbmate raw; do
        [[ -f "$results/$name.$peer" ]] || continue
        p_ms="$(med "$name" "$peer")"
        r="$(ratio "$name" cs "$peer")"
        target="" pass=1
        case "$b:$peer" in
        sqlite:sqlx) target="≤ 0.9×" pass="$(le "$r" 0.9)" ;;
        sqlite:dbmate) target="< 1×" pass="$(lt "$r" 1)" ;;
        *:sqlx) ((n <= small)) && target="≤ 1.1×" pass="$(le "$r" 1.1)" ;;
        *:raw) [[ "$b" != sqlite ]] && ((n >= big)) && target="≤ 1.05×" pass="$(le "$r" 1.05)" ;;
        esac
        row "$work_label" "$cs_ms" "$(label_of "$peer" "$(raw_name "$b")")" "$p_ms" "${r}×" "$target" "$pass"
    done
}

for b in sqlite postgres mariadb; do
    has "$b" && ((apply && !report_only)) || continue
    for n in $sizes; do
        [[ -d "$work/g$n" ]] || { note "generating $n revisions"; generate "$n"; }
        apply_case "${b}_up_$n" "$b" "$n" up "$runs" cs sqlx dbmate raw
        make_templates "$b" "$n"
        # dbmate rolls back one migration per run (`dbmate rollback`): no `down base` to compare.
        apply_case "${b}_down_$n" "$b" "$n" down "$runs" cs sqlx raw
    done
done

# Peak RSS of `up` on BIG revisions (SQLite, a fresh file): the worst of three runs each.
if has sqlite && ((!report_only)); then
    [[ -d "$work/g$big" ]] || { note "generating $big revisions"; generate "$big"; }
    note "measuring peak RSS of up ($big, SQLite)"
    for t in cs sqlx; do
        worst=0
        for _ in 1 2 3; do
            fresh sqlite
            g="$work/g$big"
            case "$t" in
            cs) set -- "$cs" schema --manifest-path "$g/project/Cargo.toml" --database-url "$sqlite_url" up -q ;;
            sqlx) set -- "$sqlx" database setup --source "$g/sqlx" --database-url "$sqlite_url" ;;
            esac
            /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1 || die "$t up (RSS run) failed"
            kb="$(tail -n 1 "$work/rss")"
            ((kb > worst)) && worst=$kb
        done
        echo "$worst" >"$results/rss.$t"
    done
fi

# Scaling: SQLite `up` of HUGE revisions against BIG (its own rounds, paired).
if has sqlite && ((huge > 0 && !report_only)); then
    note "generating $huge revisions"
    generate "$huge"
    for ((r = 0; r < huge_runs; r++)); do
        for n in "$big" "$huge"; do
            # SQLite's own client on the same statements: how SQLite itself scales.
            for tool in cs raw raw_tx; do
                fresh sqlite
                t0=$EPOCHREALTIME
                run_up sqlite "$n" "$tool" || die "$tool up ($n) failed: $(cat "$work/stderr")"
                t1=$EPOCHREALTIME
                elapsed_ms "$t0" "$t1" >>"$results/scale.$tool.$n"
            done
        done
    done
fi

# Read commands on the SMALL-revision project, SQLite, up to date (`check` without a database):
# the binary called directly against sqlx-cli's `migrate info` and dbmate's `status`; through
# `cargo schema` against cargo running a subcommand that does nothing (`cargo noop`, /bin/true
# found on PATH as cargo-noop): cargo's start-up, its search of PATH and the exec that every
# `cargo schema` pays, and nothing else. `cargo --version` is shown too; it pays neither the
# search nor the exec.
if has sqlite && ((!report_only)); then
    [[ -d "$work/g$small" ]] || { note "generating $small revisions"; generate "$small"; }
    g="$work/g$small"
    p="$g/project"
    fresh sqlite
    run_up sqlite "$small" cs || die "cs up ($small) failed"
    cp "$db" "$work/read-cs.db"
    fresh sqlite
    run_up sqlite "$small" sqlx || die "sqlx up ($small) failed"
    cp "$db" "$work/read-sqlx.db"
    fresh sqlite
    run_up sqlite "$small" dbmate || die "dbmate up ($small) failed"
    cp "$db" "$work/read-dbmate.db"
    mkdir -p "$work/bin"
    ln -sf "$(type -P true)" "$work/bin/cargo-noop"
    ln -sf "$cs" "$work/bin/cargo-schema"
    q() { printf '%q' "$1"; }
    in_p="cd $(q "$p") &&"
    cargo_env="PATH=$(q "$work/bin"):\$PATH"
    cs_url="--database-url sqlite://$(q "$work/read-cs.db")"
    read_case read "$read_runs" \
        "cs_current=$in_p $(q "$cs") schema $cs_url current" \
        "cs_heads=$in_p $(q "$cs") schema heads" \
        "cs_history=$in_p $(q "$cs") schema history" \
        "cs_check=$in_p $(q "$cs") schema check" \
        "sqlx_info=$in_p $(q "$sqlx") migrate info --source $(q "$g/sqlx") --database-url sqlite://$(q "$work/read-sqlx.db")" \
        "dbmate_status=$in_p $(q "$dbmate") -u sqlite:$(q "$work/read-dbmate.db") -d $(q "$g/dbmate") status" \
        "cargo_current=$in_p $cargo_env cargo schema $cs_url current" \
        "cargo_heads=$in_p $cargo_env cargo schema heads" \
        "cargo_history=$in_p $cargo_env cargo schema history" \
        "cargo_check=$in_p $cargo_env cargo schema check" \
        "cargo_noop=$in_p $cargo_env cargo noop" \
        "cargo_version=$in_p cargo --version"
fi

# --- report ----------------------------------------------------------------------------------

for b in sqlite postgres mariadb; do
    for n in $sizes; do
        report_apply "${b}_up_$n" "$b" "$n" up
        report_apply "${b}_down_$n" "$b" "$n" down
    done
done

if [[ -f "$results/read.sqlx_info" ]]; then
    sqlx_ms="$(med read sqlx_info)"
    dbm_ms="$(med read dbmate_status)"
    noop_ms="$(med read cargo_noop)"
    for c in current heads history check; do
        d="$(med read "cs_$c")"
        r="$(ratio read "cs_$c" sqlx_info)"
        row "\`$c\`, $small, the binary" "$d" "sqlx-cli \`migrate info\`" "$sqlx_ms" "${r}× ($(awk -v a="$d" -v b="$sqlx_ms" 'BEGIN { printf "%+.1f ms", a - b }'))" "≤ +5 ms" "$(le "$d" "$(awk -v b="$sqlx_ms" 'BEGIN { print b + 5 }')")"
    done
    row "dbmate \`status\`, $small" "—" "dbmate" "$dbm_ms" "" "" 1
    for c in current heads history check; do
        d="$(med read "cargo_$c")"
        row "\`cargo schema $c\`, $small" "$d" "\`cargo noop\`" "$noop_ms" "$(awk -v a="$d" -v b="$noop_ms" 'BEGIN { printf "%+.1f ms", a - b }')" "≤ +10 ms" "$(le "$d" "$(awk -v b="$noop_ms" 'BEGIN { print b + 10 }')")"
    done
    row "\`cargo --version\`" "—" "cargo" "$(med read cargo_version)" "" "" 1
fi
if [[ -f "$results/rss.cs" && -f "$results/rss.sqlx" ]]; then
    cs_mb="$(awk -v k="$(cat "$results/rss.cs")" 'BEGIN { printf "%.1f", k / 1024 }')"
    sx_mb="$(awk -v k="$(cat "$results/rss.sqlx")" 'BEGIN { printf "%.1f", k / 1024 }')"
    diff_mb="$(awk -v a="$cs_mb" -v b="$sx_mb" 'BEGIN { printf "%+.1f MB", a - b }')"
    row "peak RSS, SQLite \`up\`, $(printf "%'d" "$big")" "$cs_mb MB" "sqlx-cli" "$sx_mb MB" "$diff_mb" "≤ +5 MB" "$(le "$cs_mb" "$(awk -v b="$sx_mb" 'BEGIN { print b + 5 }')")"
fi
if [[ -f "$results/scale.cs.$huge" && -f "$results/scale.cs.$big" ]]; then
    paste "$results/scale.cs.$huge" "$results/scale.cs.$big" | awk '{ print $1 / $2 }' >"$results/scale.ratio"
    sr="$(median %.2f <"$results/scale.ratio")"
    row "SQLite \`up\`, $(printf "%'d" "$huge") ÷ $(printf "%'d" "$big")" "$(median <"$results/scale.cs.$huge")" "cargo-schema, $(printf "%'d" "$big")" "$(median <"$results/scale.cs.$big")" "${sr}×" "≤ 11×" "$(le "$sr" 11)"
    paste "$results/scale.raw.$huge" "$results/scale.raw.$big" | awk '{ print $1 / $2 }' >"$results/scale.raw.ratio"
    rr="$(median %.2f <"$results/scale.raw.ratio")"
    row "\`sqlite3\` \`up\`, $(printf "%'d" "$huge") ÷ $(printf "%'d" "$big")" "$(median <"$results/scale.raw.$huge")" "\`sqlite3\`, $(printf "%'d" "$big")" "$(median <"$results/scale.raw.$big")" "${rr}×" "" 1
    paste "$results/scale.raw_tx.$huge" "$results/scale.raw_tx.$big" | awk '{ print $1 / $2 }' >"$results/scale.raw_tx.ratio"
    tr="$(median %.2f <"$results/scale.raw_tx.ratio")"
    row "\`sqlite3\`, one transaction, $(printf "%'d" "$huge") ÷ $(printf "%'d" "$big")" "$(median <"$results/scale.raw_tx.$huge")" "the same, $(printf "%'d" "$big")" "$(median <"$results/scale.raw_tx.$big")" "${tr}×" "" 1
fi

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
versions="cargo-schema $("$cs" --version | awk '{ print $2 }'), $("$sqlx" --version), dbmate $("$dbmate" --version | awk '{ print $3 }'), SQLite $(sqlite3 --version | awk '{ print $1 }')"
has postgres && versions+=", PostgreSQL $(psql_admin -tAc 'SHOW server_version' | awk '{ print $1 }')"
has mariadb && versions+=", MariaDB $(mysql_admin -N -e 'SELECT version()' | cut -d- -f1)"
cat <<EOF

Paired rounds ($runs for each \`up\`/\`down\` case, $read_runs for the read commands, $huge_runs for
the scaling case; the tools' order rotates each round), medians of whole-process times and of
the per-round ratios; fresh database per run; $versions;
${cpu:-unknown CPU}, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end.

$table

EOF

if ((${#missed[@]} > 0)); then
    printf 'missed: %s\n' "${missed[@]}" >&2
    die "${#missed[@]} target(s) of the issue missed"
fi
note "every target of the issue is met"
