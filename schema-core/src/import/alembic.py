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
    """Runs env.py in offline mode on `steps` from the heads `start`: what Alembic wrote (one
    item per statement), its version table's name, and the exception that stopped it."""
    buf = Statements()
    cfg.output_buffer = buf
    env = EnvironmentContext(
        cfg,
        script,
        fn=lambda rev, context: steps,
        as_sql=True,
        starting_rev=start or None,
        destination_rev=None,
    )
    table, error = "alembic_version", None
    try:
        with env:
            script.run_env()
            if env._migration_context is not None:
                table = env.get_context().version_table
    except Exception as e:
        error = e
    return buf.items, table, error


BOOKKEEPING = r"^(CREATE TABLE|INSERT INTO|UPDATE|DELETE FROM)\s+(\S+\.)?[`\"\[]?%s[`\"\]]?(\s|\(|$)"


def clean(items, table):
    """Alembic's own statements left out: the version table's, BEGIN/COMMIT, its comments.
    Also whether a COMMIT came before one of the statements kept: an autocommit block, which
    runs outside a transaction."""
    out = []
    committed = outside = False
    pattern = re.compile(BOOKKEEPING % re.escape(table), re.I)
    for item in items:
        s = item.strip()
        if not s:
            continue
        bare = s.rstrip(";").strip().upper()
        if bare in ("BEGIN", "BEGIN TRANSACTION", "START TRANSACTION"):
            continue
        if bare in ("COMMIT", "GO"):
            committed = True
            continue
        if pattern.match(s):
            continue
        out.append(s)
        outside = outside or committed
    return "\n\n".join(out), outside


def heads_of(revs):
    """The revisions of `revs` that no other one of them revises."""
    below = set()
    for r in revs:
        below.update(r._versioned_down_revisions)
    return [r.revision for r in revs if r.revision not in below]


def render_each(script, revs, upgrade, start_of):
    """Each revision's SQL in one direction, `revs` in the order Alembic runs them: one
    offline run for them all, split at Alembic's `-- Running …` comment before each step.
    A step that fails is rendered alone from its own start (`start_of(i)`), so that only a
    revision Alembic cannot render by itself is reported; the run goes on after it."""
    make = MigrationStep.upgrade_from_script if upgrade else MigrationStep.downgrade_from_script
    out = [None] * len(revs)
    i = 0
    while i < len(revs):
        steps = [make(script.revision_map, r) for r in revs[i:]]
        items, table, error = render(script, steps, start_of(i))
        marks = [n for n, item in enumerate(items) if item.startswith("-- Running ")]
        done = len(marks) if error is None else max(len(marks) - 1, 0)
        for k in range(done):
            end = marks[k + 1] if k + 1 < len(marks) else len(items)
            out[i + k] = (clean(items[marks[k] + 1 : end], table), None)
        i += done
        if error is not None:
            alone, table, error = render(script, [make(script.revision_map, revs[i])], start_of(i))
            out[i] = (None, error) if error is not None else (clean(
                [x for x in alone if not x.startswith("-- Running ")], table), None)
            i += 1
    return out


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
    error = render(script, [], None)[2]
    if error is not None:
        raise error
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

ups = render_each(
    script,
    revisions,
    True,
    lambda i: list(revisions[i]._versioned_down_revisions) if i == 0 else heads_of(revisions[:i]),
)
down_order = list(reversed(revisions))
downs = render_each(
    script,
    down_order,
    False,
    lambda i: [down_order[i].revision] if i == 0 else heads_of(down_order[i:]),
)
downs = dict(zip((r.revision for r in down_order), downs))

result = {"revisions": []}
for rev, up in zip(revisions, ups):
    entry = {
        "id": rev.revision,
        "parents": list(rev._versioned_down_revisions),
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
    down = downs[rev.revision]
    for name, (rendered, error) in (("upgrade", up), ("downgrade", down)):
        if error is not None:
            entry["error"] = "%s: %s: %s" % (name, type(error).__name__, error)
            entry["python"] = python_of(rev, name)
            break
    else:
        entry["up"], entry["no_transaction"] = up[0]
        entry["down"] = down[0][0]
    result["revisions"].append(entry)

real_stdout.write(json.dumps(result))
