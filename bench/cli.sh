#!/usr/bin/env bash
# Measures the read commands and `new` on a generated 10,000-revision project, the budget the
# foundation issue set: each command under 150 ms for the whole process and under 50 MB peak
# memory. Prints a markdown table ready to paste into BENCHMARKS.md and exits 1 when a command
# is over budget.
#
#   bench/cli.sh                 build, generate, measure
#   REVISIONS=2000 bench/cli.sh  a smaller project (also BRANCH_EVERY, MERGE_AFTER)
#   SKIP_BUILD=1 bench/cli.sh    use the binaries already in the target directory
#   RUNS=20 WARMUP=3             hyperfine runs and warm-up runs per command
#
# hyperfine's markdown and CSV exports are kept in $BENCH_OUT (default: <target dir>/bench/cli).
#
# Needs hyperfine and GNU time; installs them with apt-get when missing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_settings cli 10000 20 3
max_mean_ms="${MAX_MEAN_MS:-150}"
max_rss_mb="${MAX_RSS_MB:-50}"
# The id `new` is given, so that every run writes the same file and the prepare step can
# delete it again: each measured `new` starts from the same 10,000-revision state.
new_rev_id="${NEW_REV_ID:-benchnew000001}"

need_tools hyperfine time

# --- build and generate ----------------------------------------------------------------------

build_release -p cargo-schema -p cargo-schema-e2e
need_bins cargo-schema gen-revisions

make_work cli
dir="$work/project"
mkdir -p "$results"

head="$(generate_branched "$dir")"

schema=("$bin/cargo-schema" schema --manifest-path "$dir/Cargo.toml")
delete_new=(find "$dir/migrations" -name "${new_rev_id}_*.sql" -delete)

# One run of each command outside the measurements, so that a broken command fails here with
# its own error message rather than as a hyperfine statistic.
heads_out="$("${schema[@]}" heads)" || die "\`heads\` failed"
grep -q "$head" <<<"$heads_out" || die "\`heads\` did not print the generated head $head: $heads_out"
"${schema[@]}" history >/dev/null || die "\`history\` failed"
"${delete_new[@]}"
"${schema[@]}" new --rev-id "$new_rev_id" -m bench >/dev/null || die "\`new\` failed"
[[ -n "$(find "$dir/migrations" -name "${new_rev_id}_*.sql")" ]] ||
    die "\`new --rev-id $new_rev_id\` did not write ${new_rev_id}_*.sql under $dir/migrations"
"${delete_new[@]}"

# --- measure ---------------------------------------------------------------------------------

# hyperfine -N splits a command line with shell quoting rules and runs it without a shell;
# %q quotes each word (paths with spaces) in a way that splitting undoes.
quote() {
    printf '%q ' "$@"
}

names=(heads history new)
declare -A args=(
    [heads]="heads"
    [history]="history"
    [new]="new --rev-id $new_rev_id -m bench"
)

for name in "${names[@]}"; do
    read -r -a extra <<<"${args[$name]}"
    prepare=()
    if [[ "$name" == new ]]; then
        prepare=(--prepare "$(quote "${delete_new[@]}")")
    fi
    echo "measuring $name" >&2
    # Without --ignore-failure hyperfine stops with an error when the command exits non-zero.
    # Its default --output=null sends the command's stdout (history's graph) to /dev/null.
    hyperfine -N --warmup "$warmup" --runs "$runs" --style basic \
        "${prepare[@]}" \
        --command-name "cargo schema ${args[$name]}" \
        --export-markdown "$results/$name.md" \
        --export-csv "$results/$name.csv" \
        "$(quote "${schema[@]}" "${extra[@]}")" >&2

    # Peak resident set size of one whole run (GNU time's %M, in KB); the worst of five.
    peak_kb=0
    for _ in 1 2 3 4 5; do
        if [[ "$name" == new ]]; then
            "${delete_new[@]}"
        fi
        # A failing command fails the script here: time exits with the command's status.
        /usr/bin/time -f %M -o "$results/$name.rss" "${schema[@]}" "${extra[@]}" >/dev/null
        kb="$(tail -n 1 "$results/$name.rss")"
        [[ "$kb" =~ ^[0-9]+$ ]] || die "GNU time reported '$kb' as the peak RSS of $name"
        if ((kb > peak_kb)); then
            peak_kb=$kb
        fi
    done
    if [[ "$name" == new ]]; then
        "${delete_new[@]}"
    fi
    echo "$peak_kb" >"$results/$name.peak_kb"
done

# --- report ----------------------------------------------------------------------------------

over_budget=0
table="| command | mean (ms) | max RSS (MB) |
|---|---:|---:|"
for name in "${names[@]}"; do
    # hyperfine's CSV: command,mean,stddev,median,user,system,min,max (seconds).
    mean_ms="$(awk -F, 'NR == 2 { printf "%.1f", $2 * 1000 }' "$results/$name.csv")"
    stddev_ms="$(awk -F, 'NR == 2 { printf "%.1f", $3 * 1000 }' "$results/$name.csv")"
    rss_mb="$(awk '{ printf "%.1f", $1 / 1024 }' "$results/$name.peak_kb")"
    table+="
| \`cargo schema ${args[$name]}\` | $mean_ms ± $stddev_ms | $rss_mb |"
    if awk -v m="$mean_ms" -v r="$rss_mb" -v mm="$max_mean_ms" -v mr="$max_rss_mb" \
        'BEGIN { exit !(m >= mm || r >= mr) }'; then
        echo "over budget: $name takes $mean_ms ms and $rss_mb MB (budget: $max_mean_ms ms, $max_rss_mb MB)" >&2
        over_budget=1
    fi
done

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
cat <<EOF

$revisions revisions (a side branch every $branch_every, merged after $merge_after), \
hyperfine $(hyperfine --version | awk '{ print $2 }'), $warmup warmup + $runs runs, \
${cpu:-unknown CPU}, $(nproc) cores; peak RSS by GNU time, worst of 5 runs.

$table

EOF

if ((over_budget)); then
    echo "hyperfine's exports are in $results" >&2
    die "over the budget of $max_mean_ms ms and $max_rss_mb MB per command"
fi
echo "all commands within $max_mean_ms ms and $max_rss_mb MB; hyperfine's exports are in $results" >&2
