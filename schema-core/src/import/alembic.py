# cargo-schema's Alembic reader, run by `cargo schema import alembic` with the project's Python:
#   python -c SOURCE INI SCRIPT_LOCATION SQLALCHEMY_URL
# (INI or SCRIPT_LOCATION may be empty: the ini file's `script_location` then). Prints one JSON document on stdout: the revision graph as Alembic reads it
# (ScriptDirectory) and each revision's up and down SQL as Alembic's offline mode (`--sql`)
# renders them, all in this one process. Exit 3: alembic is not importable; exit 4: the
# environment (env.py) fails to load, its traceback on stderr; exit 5: no script location;
# exit 6: the script location is not a directory (its path on stderr).
import json
import os
import re
import sys
import traceback

try:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationStep
    from alembic.script import ScriptDirectory
except ImportError as e:
    sys.stderr.write("%s\n" % e)
    sys.exit(3)

ini, location, url = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = Config(ini) if ini else Config()
if location:
    cfg.set_main_option("script_location", location)
location = cfg.get_main_option("script_location")
if not location:
    sys.exit(5)
if ":" not in location and not os.path.isdir(location):
    sys.stderr.write(location)
    sys.exit(6)
cfg.set_main_option("sqlalchemy.url", url)
# env.py usually sets up logging from the ini file: keep its output off stdout.
real_stdout = sys.stdout
sys.stdout = sys.stderr


class Statements:
    """An output buffer that keeps each write (Alembic writes one statement per call)."""

    def __init__(self):
        self.items = []

    def write(self, text):
        self.items.append(text)

    def flush(self):
        pass


def render(script, steps, start):
    buf = Statements()
    cfg.output_buffer = buf
    env = EnvironmentContext(
        cfg,
        script,
        fn=lambda rev, context: steps,
        as_sql=True,
        starting_rev=start,
        destination_rev=None,
    )
    with env:
        script.run_env()
        table = env.get_context().version_table if env._migration_context else "alembic_version"
    return buf.items, table


BOOKKEEPING = r"^(CREATE TABLE|INSERT INTO|UPDATE|DELETE FROM)\s+(\S+\.)?[`\"\[]?%s[`\"\]]?(\s|\(|$)"


def clean(items, table):
    """Alembic's own statements left out: the version table's, BEGIN/COMMIT, its comments."""
    out = []
    begins = 0
    pattern = re.compile(BOOKKEEPING % re.escape(table), re.I)
    for item in items:
        s = item.strip()
        if not s:
            continue
        bare = s.rstrip(";").strip().upper()
        if bare in ("BEGIN", "BEGIN TRANSACTION", "START TRANSACTION"):
            begins += 1
            continue
        if bare in ("COMMIT", "GO"):
            continue
        if re.match(r"^-- Running (upgrade|downgrade|stamp)", s):
            continue
        if pattern.match(s):
            continue
        out.append(s)
    # More than one transaction in one revision: an autocommit block (it needs to run outside
    # a transaction).
    return "\n\n".join(out), begins > 1


def python_of(rev, name):
    import inspect

    try:
        return inspect.getsource(getattr(rev.module, name))
    except Exception:
        return None


try:
    script = ScriptDirectory.from_config(cfg)
    revisions = list(script.walk_revisions())
    revisions.reverse()
    # Load the environment once with nothing to run: an env.py that fails fails here.
    render(script, [], None)
except Exception as e:
    # The frames of the project's own files (env.py, what it imports), not Alembic's.
    alembic_dir = os.path.dirname(os.path.abspath(sys.modules["alembic"].__file__))
    frames = [
        f
        for f in traceback.extract_tb(e.__traceback__)
        if not f.filename.startswith(alembic_dir + os.sep) and not f.filename.startswith(("<frozen", "<string>"))
    ]
    sys.stderr.write("Traceback (most recent call last):\n")
    sys.stderr.write("".join(traceback.format_list(frames)))
    sys.stderr.write("".join(traceback.format_exception_only(type(e), e)))
    sys.exit(4)

result = {"revisions": []}
for rev in revisions:
    parents = list(rev._versioned_down_revisions)
    entry = {
        "id": rev.revision,
        "parents": parents,
        "branch_labels": sorted(rev._orig_branch_labels),
        "depends_on": list(rev._resolved_dependencies),
        "message": (rev.doc or "").strip(),
        "path": rev.path,
        "up": None,
        "down": None,
        "no_transaction": False,
        "error": None,
        "python": None,
    }
    try:
        step = MigrationStep.upgrade_from_script(script.revision_map, rev)
        items, table = render(script, [step], parents or None)
        entry["up"], entry["no_transaction"] = clean(items, table)
    except Exception as e:
        entry["error"] = "upgrade: %s: %s" % (type(e).__name__, e)
        entry["python"] = python_of(rev, "upgrade")
    if entry["error"] is None:
        try:
            step = MigrationStep.downgrade_from_script(script.revision_map, rev)
            items, table = render(script, [step], rev.revision)
            entry["down"] = clean(items, table)[0]
        except Exception as e:
            entry["error"] = "downgrade: %s: %s" % (type(e).__name__, e)
            entry["python"] = python_of(rev, "downgrade")
    result["revisions"].append(entry)

real_stdout.write(json.dumps(result))
