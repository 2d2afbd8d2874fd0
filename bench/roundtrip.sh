#!/usr/bin/env bash
# Measures the stepwise `cargo schema check --roundtrip` on SQLite (the scratch database is in
# memory): every revision up, down and up again, the schema compared after each down. The
# budget issue 13 set:
#
#   - the bookshelf example (examples/bookshelf, copied to a temporary directory): under 1 s;
#   - a generated project of 1,000 revisions (gen-revisions: each a CREATE TABLE plus a
#     CREATE INDEX, a side branch every 50 revisions merged back after 20): under 60 s.
#
# Both are whole processes, without a database configured (so only the round trip and the
# file checks run). Prints a markdown table ready to paste into BENCHMARKS.md and exits 1 when a
# case is over budget.
#
#   bench/roundtrip.sh                 build, generate, measure
#   REVISIONS=200 bench/roundtrip.sh   another size (also BRANCH_EVERY, MERGE_AFTER)
#   SKIP_BUILD=1 bench/roundtrip.sh    use the binaries already in the target directory
#   RUNS=5 WARMUP=1                    hyperfine runs and warm-up runs per command
#
# hyperfine's markdown and CSV exports are kept in $BENCH_OUT (default:
# <target dir>/bench/roundtrip). Needs hyperfine; installs it with apt-get when missing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_settings roundtrip 1000 5 1
max_bookshelf_s="${MAX_BOOKSHELF_S:-1}"
max_generated_s="${MAX_GENERATED_S:-60}"

need_tools hyperfine
build_release -p cargo-schema -p cargo-schema-e2e
need_bins cargo-schema gen-revisions

make_work roundtrip
mkdir -p "$results"

# The bookshelf example, outside the repository: its own workspace, no git history to read.
bookshelf="$work/bookshelf"
mkdir -p "$bookshelf"
cp -R "$root/examples/bookshelf/migrations" "$root/examples/bookshelf/Cargo.toml" "$bookshelf/"
mkdir -p "$bookshelf/src"
echo 'fn main() {}' >"$bookshelf/src/main.rs"
printf '\n[workspace]\n' >>"$bookshelf/Cargo.toml"

generated="$work/generated"
generate_branched "$generated" >/dev/null

quote() {
    printf '%q ' "$@"
}

declare -A dirs=([bookshelf]="$bookshelf" [generated]="$generated")
declare -A budgets=([bookshelf]="$max_bookshelf_s" [generated]="$max_generated_s")
over=0
rows=()
for name in bookshelf generated; do
    cmd=("$bin/cargo-schema" schema --manifest-path "${dirs[$name]}/Cargo.toml" check --roundtrip)
    # Once outside the measurements: it must pass, and its note says how many were stepped.
    out="$("${cmd[@]}" 2>&1)" || die "\`check --roundtrip\` failed on $name:
$out"
    note="$(grep -o 'passed for [0-9]* revision(s)' <<<"$out" || true)"
    [[ -n "$note" ]] || die "\`check --roundtrip\` on $name did not say it passed: $out"
    echo "measuring $name ($note)" >&2
    hyperfine -N --runs "$runs" --warmup "$warmup" \
        --export-markdown "$results/$name.md" --export-csv "$results/$name.csv" \
        "$(quote "${cmd[@]}")" >&2
    mean="$(tail -n 1 "$results/$name.csv" | cut -d, -f2)"
    verdict="ok"
    if awk -v m="$mean" -v b="${budgets[$name]}" 'BEGIN { exit !(m > b) }'; then
        verdict="OVER BUDGET"
        over=1
    fi
    rows+=("| $name: \`check --roundtrip\`, ${note#passed for } | $(printf '%.3f' "$mean") s | < ${budgets[$name]} s | $verdict |")
done

echo
echo "| case (SQLite in memory, whole process) | mean | budget | |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
exit "$over"
