#!/usr/bin/env bash
# Compares `cargo schema lint` with squawk (https://squawkhq.com, npm package `squawk-cli`) on
# the PostgreSQL lint corpus, tests/lint-corpus/postgres: a base revision creating tables with
# rows, then cases that each revise it, one rule or one look-alike each. expected.toml says
# what each case must report.
#
# squawk reads each case's up section alone (extracted from the revision file), with
# `--assume-in-transaction` unless the revision is `transaction:false`, as cargo-schema runs it;
# its rule names are mapped to cargo-schema's (see SHARED below). cargo-schema lints the whole
# corpus, copied to a temporary project, against a new PostgreSQL database (DATABASE_URL), dropped
# afterwards. When the binary has no `lint` command yet its column says "n/a".
#
# Prints a markdown table (case, expected, cargo-schema, squawk, verdict) and a summary, ready for
# BENCHMARKS.md. Exits 1 when cargo-schema's findings differ from expected.toml for any case.
#
#   bench/lint-vs-squawk.sh                 build cargo-schema (debug), install squawk, compare
#   SKIP_BUILD=1 bench/lint-vs-squawk.sh    use the binary already in the target directory
#   CARGO_SCHEMA=path/to/cargo-schema       another binary
#   SQUAWK=path/to/squawk                   another squawk (default: on PATH, else installed with
#                                           npm into $SQUAWK_DIR, SQUAWK_VERSION)
#   PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres
#                                           the PostgreSQL server (trust authentication, or set
#                                           PGPASSWORD)
#
# squawk's JSON, the extracted SQL and cargo-schema's JSON are kept in $BENCH_OUT (default:
# <target dir>/bench/lint-vs-squawk). Needs psql, npm (for squawk) and python3 (stdlib only).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

corpus="${CORPUS:-$root/tests/lint-corpus/postgres}"
results="${BENCH_OUT:-$target_dir/bench/lint-vs-squawk}"
squawk_version="${SQUAWK_VERSION:-2.66.0}"
squawk_dir="${SQUAWK_DIR:-$target_dir/bench/squawk-$squawk_version}"
pg_settings

[[ -f "$corpus/expected.toml" ]] || die "no expected.toml in $corpus"
command -v python3 >/dev/null || die "python3 is needed"
mkdir -p "$results/sql" "$results/squawk"

# --- squawk ----------------------------------------------------------------------------------

squawk="${SQUAWK:-}"
if [[ -z "$squawk" ]]; then
    if command -v squawk >/dev/null; then
        squawk="$(command -v squawk)"
    else
        squawk="$squawk_dir/node_modules/.bin/squawk"
        if [[ ! -x "$squawk" ]]; then
            command -v npm >/dev/null || die "squawk is not installed and npm is missing"
            echo "installing squawk-cli@$squawk_version into $squawk_dir" >&2
            npm install --prefix "$squawk_dir" --no-fund --no-audit --loglevel=error \
                "squawk-cli@$squawk_version" >&2
        fi
    fi
fi
"$squawk" --version >/dev/null 2>&1 || die "$squawk does not run"
echo "squawk: $("$squawk" --version)" >&2

# Each case's up section alone, then squawk on it (exit 1 means findings).
python3 - "$corpus" "$results/sql" <<'PY'
import os, re, sys
corpus, out = sys.argv[1], sys.argv[2]
for dirpath, _, names in os.walk(os.path.join(corpus, "migrations")):
    for name in sorted(names):
        if not name.endswith(".sql"):
            continue
        text = open(os.path.join(dirpath, name), encoding="utf-8").read()
        rev = re.search(r"^--\s*revision:\s*(\S+)", text, re.M | re.I).group(1)
        up = re.search(r"^--\s*migrate\s*:\s*up\b(.*)$", text, re.M | re.I)
        body = text[up.end():]
        down = re.search(r"^--\s*migrate\s*:\s*down\b", body, re.M | re.I)
        body = body[: down.start()] if down else body
        suffix = ".notx.sql" if "transaction:false" in up.group(1).lower() else ".sql"
        with open(os.path.join(out, rev + suffix), "w", encoding="utf-8") as f:
            f.write(body.lstrip("\n"))
PY
for sql in "$results"/sql/*.sql; do
    name="$(basename "$sql")"
    rev="${name%%.*}"
    flags=(--reporter json --pg-version 15)
    [[ "$name" == *.notx.sql ]] || flags+=(--assume-in-transaction)
    "$squawk" "${flags[@]}" "$sql" >"$results/squawk/$rev.json" 2>"$results/squawk/$rev.stderr" || true
done

# --- cargo-schema ----------------------------------------------------------------------------

bin="${CARGO_SCHEMA:-$target_dir/debug/cargo-schema}"
if [[ -z "${CARGO_SCHEMA:-}" && "${SKIP_BUILD:-0}" != 1 ]]; then
    (cd "$root" && cargo build -q -p cargo-schema) || die "cargo build -p cargo-schema failed"
fi
lint_json="$results/cargo-schema.json"
rm -f "$lint_json"
if [[ -x "$bin" ]] && "$bin" schema lint --help >/dev/null 2>&1; then
    command -v psql >/dev/null || die "psql is needed"
    export PGCONNECT_TIMEOUT=5
    db="cs_lint_corpus_$$_${RANDOM}"
    project="$(mktemp -d "${TMPDIR:-/tmp}/cs-lint-corpus.XXXXXX")"
    cleanup() {
        "${psql_admin[@]}" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
        rm -rf "$project"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    "${psql_admin[@]}" -c "CREATE DATABASE $db" >/dev/null || die "cannot create database $db"
    cp -R "$corpus/." "$project/"
    start=$(date +%s.%N)
    set +e
    (cd "$project" && DATABASE_URL="postgres://$pg_user@$pg_host:$pg_port/$db" \
        "$bin" schema lint --format json >"$lint_json" 2>"$results/cargo-schema.stderr")
    code=$?
    set -e
    end=$(date +%s.%N)
    echo "cargo schema lint: exit $code in $(python3 -c "print(f'{$end - $start:.1f}')") s" >&2
    if [[ $code -ne 0 && $code -ne 1 ]]; then
        cat "$results/cargo-schema.stderr" >&2
        die "cargo schema lint exited $code"
    fi
else
    echo "cargo-schema: no \`lint\` command in $bin yet; its column says n/a" >&2
fi

# --- the table -------------------------------------------------------------------------------

python3 - "$corpus" "$results" <<'PY'
import json, os, sys, tomllib

corpus, results = sys.argv[1], sys.argv[2]
# squawk's rules that say the same thing as one of cargo-schema's.
SHARED = {
    "require-concurrent-index-creation": "require-concurrent-index",
    "require-concurrent-index-deletion": "require-concurrent-index-drop",
    "ban-concurrent-index-creation-in-transaction": "concurrent-index-in-transaction",
    "changing-column-type": "table-rewrite",
    "adding-field-with-default": "table-rewrite",
    "adding-not-nullable-field": "set-not-null-scan",
    "constraint-missing-not-valid": "constraint-missing-not-valid",
    "adding-foreign-key-constraint": "constraint-missing-not-valid",
    "disallowed-unique-constraint": "unique-constraint-without-index",
    "adding-primary-key-constraint": "unique-constraint-without-index",
    "adding-serial-primary-key-field": "unique-constraint-without-index",
    "require-timeout-settings": "missing-lock-timeout",
    "require-lock-timeout": "missing-lock-timeout",
    "adding-required-field": "not-null-without-default",
    "renaming-column": "rename-column",
    "renaming-table": "rename-table",
    "ban-drop-column": "drop-column",
    "ban-drop-table": "drop-table",
}
COVERED = set(SHARED.values())  # our rules squawk has an equivalent for

with open(os.path.join(corpus, "expected.toml"), "rb") as f:
    cases = tomllib.load(f)["case"]

lint = None
path = os.path.join(results, "cargo-schema.json")
if os.path.exists(path):
    with open(path, encoding="utf-8") as f:
        lint = json.load(f)
    found = {}
    for finding in lint.get("findings", []):
        found.setdefault(finding["revision"], set()).add(finding["rule"])

def fmt(rules):
    return ", ".join(f"`{r}`" for r in sorted(rules)) or "—"

def slug(case):
    name = os.path.basename(case["file"])[:-4]
    return name.split("_", 1)[1] if "_" in name else name

rows, cs_bad = [], 0
totals = {"agree": 0, "fp": 0, "fp_new_table": 0, "silenced": 0, "miss": 0, "beyond": 0}
for case in cases:
    rev, expected = case["revision"], set(case["rules"])
    with open(os.path.join(corpus, case["file"]), encoding="utf-8") as f:
        silenced = "-- lint: allow" in f.read()
    with open(os.path.join(results, "squawk", rev + ".json"), encoding="utf-8") as f:
        raw = f.read().strip()
    hits = json.loads(raw) if raw else []
    mapped = {SHARED[h["rule_name"]] for h in hits if h["rule_name"] in SHARED}
    other = sorted({h["rule_name"] for h in hits if h["rule_name"] not in SHARED})
    if lint is None:
        cs = "n/a"
    else:
        got = found.get(rev, set())
        cs = fmt(got)
        if got != expected:
            cs_bad += 1
            parts = []
            if expected - got:
                parts.append("misses " + fmt(expected - got))
            if got - expected:
                parts.append("extra " + fmt(got - expected))
            cs += " ✗ (" + "; ".join(parts) + ")"
    verdict = []
    fp, miss = mapped - expected, (expected & COVERED) - mapped
    if fp and silenced:
        totals["silenced"] += 1
        verdict.append("silenced with `-- lint: allow` (squawk's own comment is `-- squawk-ignore`)")
    elif fp:
        totals["fp"] += 1
        if case.get("created_here"):
            totals["fp_new_table"] += 1
        verdict.append("squawk false positive " + fmt(fp))
    if miss:
        totals["miss"] += 1
        verdict.append("squawk misses " + fmt(miss))
    if expected - COVERED:
        totals["beyond"] += 1
        verdict.append("no squawk rule for " + fmt(expected - COVERED))
    if (silenced or not fp) and not miss:
        totals["agree"] += 1
    sq = fmt(mapped)
    if other:
        sq += " <br>(also " + ", ".join(other) + ")"
    rows.append(f"| `{rev}` {slug(case)} | {fmt(expected)} | {cs} | {sq} | {'; '.join(verdict) or 'same'} |")

print("| case | expected | cargo-schema | squawk (as cargo-schema's rules) | verdict |")
print("|---|---|---|---|---|")
print("\n".join(rows))
print()
n = len(cases)
print(f"{n} revisions. squawk agrees with expected.toml on the shared rules for {totals['agree']}; "
      f"false positives in {totals['fp']} ({totals['fp_new_table']} on a table created in the same "
      f"revision); misses in {totals['miss']}; {totals['beyond']} expect a rule squawk does not have; "
      f"{totals['silenced']} are silenced for cargo-schema only.")
if lint is None:
    print("cargo-schema: n/a (no `lint` command in this binary).")
else:
    print(f"cargo-schema: {n - cs_bad} of {n} revisions as expected.")
sys.exit(1 if cs_bad else 0)
PY
