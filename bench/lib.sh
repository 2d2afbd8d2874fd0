# shellcheck shell=bash
# The preamble the bench/*.sh scripts share; sourced, not run:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Sets `set -euo pipefail`, `root` (the workspace), `target_dir` (CARGO_TARGET_DIR or
# <root>/target) and `bin` (its release directory, or BIN_DIR), and gives `die`, `need_tools` (installs what
# is missing with apt-get), `bench_settings` (REVISIONS, RUNS, WARMUP, BENCH_OUT, BRANCH_EVERY,
# MERGE_AFTER), `generate_branched`, `pg_settings` (PG_HOST, PG_PORT, PG_USER, PG_DATABASE and
# the psql commands), `pg_answers`, `build_release`, `need_bins` and `make_work` (a temporary
# directory removed on exit), `cargo_project` (an empty crate for the imports), `quote` (words as
# one command line for hyperfine), `measure` (a hyperfine run, recorded in `commands_run`) and
# `mean_ms`/`stddev_ms` (read back from its CSV).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin="${BIN_DIR:-$target_dir/release}"
bench_script="bench/$(basename "$0")"

die() {
    echo "$bench_script: error: $*" >&2
    exit 1
}

# bench_settings NAME REVISIONS RUNS WARMUP: `revisions`, `runs` and `warmup` from REVISIONS,
# RUNS and WARMUP (these defaults when unset); `results` from BENCH_OUT, by default
# <target dir>/bench/NAME; `branch_every` and `merge_after` (BRANCH_EVERY, default 50, and
# MERGE_AFTER, default 20) for generate_branched.
bench_settings() {
    revisions="${REVISIONS:-$2}"
    runs="${RUNS:-$3}"
    warmup="${WARMUP:-$4}"
    results="${BENCH_OUT:-$target_dir/bench/$1}"
    branch_every="${BRANCH_EVERY:-50}"
    merge_after="${MERGE_AFTER:-20}"
}

# generate_branched DIR: a project of $revisions revisions generated in DIR, a side branch every
# $branch_every revisions merged back after $merge_after; prints its head.
generate_branched() {
    echo "generating $revisions revisions (branch every $branch_every, merge after $merge_after)" >&2
    "$bin/gen-revisions" "$1" --revisions "$revisions" \
        --branch-every "$branch_every" --merge-after "$merge_after"
}

# pg_settings [DATABASE]: `pg_host`, `pg_port` and `pg_user` from PG_HOST, PG_PORT and PG_USER,
# and `psql_admin`, psql against the maintenance database (-X skips ~/.psqlrc). With DATABASE:
# `pg_db` from PG_DATABASE (default DATABASE, a plain lower-case identifier), `psql_bench`
# against it and its `pg_url`.
pg_settings() {
    pg_host="${PG_HOST:-127.0.0.1}"
    pg_port="${PG_PORT:-5432}"
    pg_user="${PG_USER:-postgres}"
    local psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" -U "$pg_user")
    psql_admin=("${psql[@]}" -d postgres)
    if (($# > 0)); then
        pg_db="${PG_DATABASE:-$1}"
        [[ "$pg_db" =~ ^[a-z_][a-z0-9_]*$ ]] ||
            die "PG_DATABASE must be a plain lower-case identifier"
        psql_bench=("${psql[@]}" -d "$pg_db")
        pg_url="postgres://$pg_user@$pg_host:$pg_port/$pg_db"
    fi
}

# pg_answers [HINT]: dies unless the server of pg_settings answers.
pg_answers() {
    "${psql_admin[@]}" -tAc 'SELECT 1' >/dev/null 2>&1 ||
        die "PostgreSQL at $pg_host:$pg_port (user $pg_user) does not answer${1:+; $1}"
}

# has_tool TOOL: TOOL is a command on PATH; `time` means GNU time at /usr/bin/time.
has_tool() {
    case "$1" in
    time) [[ -x /usr/bin/time ]] && /usr/bin/time --version 2>&1 | grep -q 'GNU' ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

# need_tools TOOL...: installs the missing ones with apt-get (as root, or with sudo), psql from
# postgresql-client; dies when one is still missing.
need_tools() {
    local tool missing=()
    for tool in "$@"; do
        if ! has_tool "$tool"; then
            [[ "$tool" == psql ]] && tool=postgresql-client
            missing+=("$tool")
        fi
    done
    if ((${#missing[@]} > 0)); then
        command -v apt-get >/dev/null 2>&1 ||
            die "missing ${missing[*]} and no apt-get to install them; install them by hand"
        local sudo=()
        if [[ "$(id -u)" -ne 0 ]]; then
            command -v sudo >/dev/null 2>&1 || die "installing ${missing[*]} needs root or sudo"
            sudo=(sudo)
        fi
        echo "installing ${missing[*]} with apt-get" >&2
        # Refresh the package lists only when the install cannot find the packages without it
        # (fresh containers ship without lists).
        if ! "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
            "${sudo[@]}" apt-get update -qq
            "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
        fi
    fi
    for tool in "$@"; do
        has_tool "$tool" || die "$tool is still missing after apt-get"
    done
}

# build_release CARGO-ARGS...: `cargo build --release CARGO-ARGS` in the workspace, unless
# SKIP_BUILD=1.
build_release() {
    if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
        echo "building release binaries" >&2
        (cd "$root" && cargo build --release "$@")
    fi
}

# need_bins EXE...: dies unless each is an executable in $bin.
need_bins() {
    local exe
    for exe in "$@"; do
        [[ -x "$bin/$exe" ]] || die "$bin/$exe not found; build it or unset SKIP_BUILD"
    done
}

# make_work NAME: `work`, a new temporary directory removed on exit (a script with more to clean
# up sets its own EXIT trap, removing $work too).
make_work() {
    work="$(mktemp -d "${TMPDIR:-/tmp}/cargo-schema-bench-$1.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
}

# cargo_project DIR NAME: an empty library crate NAME in DIR whose migrations directory is
# DIR/migrations, for `cargo schema --manifest-path DIR/Cargo.toml`.
cargo_project() {
    mkdir -p "$1/src"
    cat >"$1/Cargo.toml" <<TOML
[package]
name = "$2"
version = "0.1.0"
edition = "2021"

[package.metadata.schema]
migrations = "migrations"
TOML
    : >"$1/src/lib.rs"
}

# quote WORD...: the words as one command line. hyperfine -N splits a command line with shell
# quoting rules and runs it without a shell; %q quotes each word (paths with spaces) in a way
# that splitting undoes, and bash reads it back the same way for the commands that need a shell
# (`sqlite3 FILE < script`).
quote() {
    local quoted
    printf -v quoted '%q ' "$@"
    printf '%s' "${quoted% }"
}

# measure NAME SHELL PREPARE COMMAND: hyperfine with SHELL `none` (-N) or `bash`, its markdown
# and CSV exports in $results/NAME.md and .csv; the prepare command runs before every run,
# warm-ups included. Its default --output=null sends the command's stdout and stderr to
# /dev/null. Appends the hyperfine command line to `commands_run`.
commands_run=()
measure() {
    local name="$1" shell="$2" prepare="$3" command="$4"
    local shell_args=(-N)
    [[ "$shell" == bash ]] && shell_args=(--shell=bash)
    echo "measuring $name" >&2
    hyperfine "${shell_args[@]}" --warmup "$warmup" --runs "$runs" --style basic \
        ${prepare:+--prepare "$prepare"} \
        --command-name "$name" \
        --export-markdown "$results/$name.md" \
        --export-csv "$results/$name.csv" \
        "$command" >&2
    # shellcheck disable=SC2016 # the single quotes are part of the text shown
    commands_run+=("hyperfine ${shell_args[*]} --warmup $warmup --runs $runs${prepare:+ --prepare '$prepare'} '$command'")
}

# mean_ms NAME, stddev_ms NAME: the mean and the standard deviation in ms of measure NAME, from
# hyperfine's CSV: command,mean,stddev,median,user,system,min,max (seconds).
mean_ms() { awk -F, 'NR == 2 { printf "%.1f", $2 * 1000 }' "$results/$1.csv"; }
stddev_ms() { awk -F, 'NR == 2 { printf "%.1f", $3 * 1000 }' "$results/$1.csv"; }
