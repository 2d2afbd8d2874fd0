//! The commands that touch the database: `up`, `down`, `current`, `stamp`, `repair`.

use std::time::{Duration, Instant};

use schema_core::db::{Conn, DatabaseUrl, VersionTable};
use schema_core::migrate::{self, Event, Migration, Options};
use schema_core::{Direction, LockMode, Project, Target};
use serde_json::json;

use super::target;
use crate::cli::{
    CheckArgs, DownArgs, GlobalArgs, LockArgs, LockChoice, LockTimeoutArg, RepairArgs, StampArgs,
    UpArgs,
};
use crate::error::CliError;
use crate::output::Out;

/// Runs a future on a runtime of its own: the CLI has one thing to wait for at a time.
pub(super) fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, CliError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(1, format!("cannot start the async runtime: {e}")))?;
    Ok(rt.block_on(f))
}

/// The lock mode of this run.
fn lock_mode(project: &Project, args: &LockArgs) -> LockMode {
    match args.lock {
        Some(LockChoice::Advisory) => LockMode::Advisory,
        Some(LockChoice::Table) => LockMode::Table,
        Some(LockChoice::None) => LockMode::None,
        None => project.config.lock,
    }
}

/// The database a command uses (see [`DatabaseUrl::resolve`]), warning about a `.env` that
/// is ignored (once per run).
pub(super) fn resolve_url(
    project: &Project,
    global: &GlobalArgs,
    out: Out,
) -> Result<DatabaseUrl, CliError> {
    static WARNED: std::sync::Once = std::sync::Once::new();
    let resolved = DatabaseUrl::resolve(&project.config, global.database_url.as_deref())?;
    WARNED.call_once(|| {
        for w in &resolved.warnings {
            out.warn(w);
        }
    });
    Ok(resolved.url)
}

/// Resolves the URL, says which database it is (password redacted) and connects.
async fn connect(project: &Project, global: &GlobalArgs, out: Out) -> Result<Conn, CliError> {
    let url = resolve_url(project, global, out)?;
    connect_to(&url, out).await
}

/// Says which database it is (password redacted) and connects.
pub(super) async fn connect_to(url: &DatabaseUrl, out: Out) -> Result<Conn, CliError> {
    out.status(
        "Using",
        format!("{} database {}", url.dialect.name(), url.redacted()),
    );
    Ok(Conn::connect(url).await?)
}

/// The database a command that may do without one should use: `None` when nothing is
/// configured and the default `dev.db` does not exist yet.
pub(super) fn configured_url(
    project: &Project,
    global: &GlobalArgs,
    out: Out,
) -> Result<Option<DatabaseUrl>, CliError> {
    use schema_core::db::UrlSource;
    let url = resolve_url(project, global, out)?;
    let exists = url.source != UrlSource::Default || project.config.root.join("dev.db").exists();
    Ok(exists.then_some(url))
}

/// The project's version table for a run that writes: it waits for the migration lock at
/// most `timeout` (the flag, else the configured `lock-timeout`, else as long as it takes)
/// and says on stderr, within a second, that it waits and for whom.
pub(super) fn version_table(project: &Project, timeout: &LockTimeoutArg, out: Out) -> VersionTable {
    VersionTable::new(&project.config.version_table)
        .lock_timeout(timeout.lock_timeout.or(project.config.lock_timeout))
        .on_wait(move |wait| out.warn(wait))
}

/// Connects and sets up a run on the project's version table.
async fn migration<'p>(
    project: &'p Project,
    global: &GlobalArgs,
    out: Out,
    options: Options,
    timeout: &LockTimeoutArg,
) -> Result<Migration<'p>, CliError> {
    Ok(Migration {
        graph: &project.graph,
        conn: connect(project, global, out).await?,
        table: version_table(project, timeout, out),
        options,
    })
}

/// The last line of an `up` or `down`.
fn summary(out: Out, steps: usize, elapsed: Duration, fresh: String, done: &str) {
    if steps == 0 {
        out.status("Fresh", fresh);
    } else {
        out.status(
            "Finished",
            format!("{steps} revision(s){done} in {}", ms(elapsed)),
        );
    }
}

fn ms(d: Duration) -> String {
    if d.as_millis() >= 1000 {
        format!("{:.2} s", d.as_secs_f64())
    } else if d.as_millis() >= 10 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}

/// Prints each step as it finishes; with more than a handful of steps and a terminal on
/// stderr, under a progress bar.
fn reporter(out: Out) -> impl FnMut(Event<'_>) {
    let mut bar: Option<indicatif::ProgressBar> = None;
    move |event| {
        let line = match event {
            Event::Planned { steps } => {
                if steps > 5 && !out.quiet && console::Term::stderr().is_term() {
                    let b = indicatif::ProgressBar::new(steps as u64);
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "{prefix:>12.cyan.bold} [{bar:30}] {pos}/{len} {wide_msg}",
                    ) {
                        b.set_style(style.progress_chars("=> "));
                    }
                    b.set_prefix("Migrating");
                    bar = Some(b);
                }
                return;
            }
            Event::Step {
                revision,
                direction,
                duration,
            } => {
                let verb = match direction {
                    Direction::Up => "Applied",
                    Direction::Down => "Rolled back",
                };
                let message = revision.message.as_deref().unwrap_or("");
                (
                    verb,
                    format!("{} {message} ({})", revision.id, ms(duration)),
                )
            }
            Event::AlreadyDone { revision } => (
                "Skipped",
                format!("{} (another run did it first)", revision.id),
            ),
            Event::Replanned { steps } => {
                if let Some(b) = &bar {
                    b.set_length(b.position() + steps as u64);
                }
                (
                    "Replanned",
                    format!(
                        "another run changed the database: {steps} step(s) left for the same target"
                    ),
                )
            }
        };
        match &bar {
            Some(b) => {
                b.inc(1);
                if !out.quiet {
                    b.println(format!(
                        "{:>12} {}",
                        console::style(line.0).green().bold().for_stderr(),
                        line.1
                    ));
                }
                if b.position() >= b.length().unwrap_or(0) {
                    b.finish_and_clear();
                }
            }
            None => out.status(line.0, line.1),
        }
    }
}

/// A target given for a run in `direction` (`None`: no direction, as for `stamp`), refused
/// before anything runs when it is empty or names a revision or branch that does not exist.
/// A bare number that is no revision gets the relative step it probably meant.
fn checked_target(
    project: &Project,
    text: &str,
    direction: Option<Direction>,
) -> Result<Target, CliError> {
    use schema_core::ResolveError;
    let t = target(text)?;
    match project.graph.check_names(&t) {
        Ok(()) => Ok(t),
        Err(ResolveError::NoSuchRevision {
            target: word,
            suggestion: None,
        }) if !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) => {
            let step = match direction {
                Some(Direction::Down) => format!("-{word}"),
                _ => format!("+{word}"),
            };
            let e = ResolveError::NoSuchRevision {
                target: word,
                suggestion: Some(step),
            };
            Err(CliError::from(e).help(
                "a relative step is `+N` (up from the current revision) or `-N` (down from it)",
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Offline mode: renders the plan from `FROM` (or base) to `TO` as a script on stdout,
/// for the configured database's dialect, without connecting.
fn offline(
    project: &Project,
    global: &GlobalArgs,
    range: &str,
    direction: Direction,
    out: Out,
) -> Result<(), CliError> {
    let graph = &project.graph;
    let url = resolve_url(project, global, out)?;
    // Each side is a target: an empty one is refused, as everywhere.
    let (from, to) = match range.split_once(':') {
        Some((f, t)) => (Some(f.trim()), t.trim()),
        None => (None, range.trim()),
    };
    if let Some(f) = from {
        if f.is_empty() || to.is_empty() {
            let side = if f.is_empty() { "FROM" } else { "TO" };
            return Err(CliError::invalid(format!(
                "invalid `--sql` range `{range}`: its {side} side is empty"
            ))
            .help("name both sides, as in `base:head` or `head:base`"));
        }
        checked_target(project, f, Some(direction))?;
    }
    let to = checked_target(project, to, Some(direction))?;
    let applied = match from {
        None | Some("base") => {
            if direction == Direction::Down {
                return Err(CliError::invalid(format!(
                    "`down --sql` needs the revision to start from: `FROM:TO`, not `{range}`"
                ))
                .help("e.g. `cargo schema down --sql head:base`"));
            }
            graph.empty_set()
        }
        Some(f) => match graph.resolve(&target(f)?, &graph.empty_set())? {
            schema_core::Resolved::Revisions(v) => {
                graph.ancestors(v, schema_core::Edges::ParentsAndDependencies)
            }
            _ => graph.empty_set(),
        },
    };
    let plan = match direction {
        Direction::Up => graph.plan_upgrade(&applied, &to)?,
        Direction::Down => graph.plan_downgrade(&applied, &to)?,
    };
    out.status(
        "Rendering",
        format!(
            "{} step(s) for {} ({})",
            plan.steps.len(),
            url.dialect.name(),
            url.redacted()
        ),
    );
    let table = VersionTable::new(&project.config.version_table);
    table.check_name(url.dialect)?;
    let script = schema_core::offline::script(
        graph,
        &plan,
        url.dialect,
        &table,
        &schema_core::scaffold::now(),
    )
    .map_err(crate::error::section_error)?;
    print!("{script}");
    Ok(())
}

pub fn up(project: &Project, global: &GlobalArgs, args: &UpArgs, out: Out) -> Result<(), CliError> {
    if args.sql {
        return offline(
            project,
            global,
            args.target.as_deref().unwrap_or("head"),
            Direction::Up,
            out,
        );
    }
    let target = match &args.target {
        Some(t) => checked_target(project, t, Some(Direction::Up))?,
        None => Target::head(),
    };
    let options = Options {
        lock: lock_mode(project, &args.lock),
        allow_edited: args.allow_edited,
    };
    block_on(async {
        let mut m = migration(project, global, out, options, &args.lock.timeout).await?;
        let start = Instant::now();
        let report = m.upgrade(&target, &mut reporter(out)).await;
        m.conn.close().await;
        let report = match report {
            Err(e) if several_heads(&e) => {
                return Err(CliError::from(e).help(super::read::heads_help(project)));
            }
            r => r?,
        };
        let fresh = format!("nothing to apply for `{target}`");
        summary(out, report.steps.len(), start.elapsed(), fresh, "");
        Ok(())
    })?
}

/// Whether a run stopped because the target `head` found several.
fn several_heads(e: &schema_core::migrate::MigrateError) -> bool {
    use schema_core::migrate::MigrateError;
    use schema_core::{PlanError, ResolveError};
    matches!(
        e,
        MigrateError::Resolve(ResolveError::MultipleHeads { .. })
            | MigrateError::Plan(PlanError::Resolve(ResolveError::MultipleHeads { .. }))
    )
}

pub fn down(
    project: &Project,
    global: &GlobalArgs,
    args: &DownArgs,
    out: Out,
) -> Result<(), CliError> {
    if args.sql {
        return offline(project, global, &args.target, Direction::Down, out);
    }
    let target = checked_target(project, &args.target, Some(Direction::Down))?;
    let options = Options {
        lock: lock_mode(project, &args.lock),
        allow_edited: true,
    };
    block_on(async {
        let mut m = migration(project, global, out, options, &args.lock.timeout).await?;
        let start = Instant::now();
        let report = m.downgrade(&target, &mut reporter(out)).await;
        m.conn.close().await;
        let report = report?;
        let fresh = format!("nothing to roll back for `{target}`");
        summary(
            out,
            report.steps.len(),
            start.elapsed(),
            fresh,
            " rolled back",
        );
        Ok(())
    })?
}

pub fn current(project: &Project, global: &GlobalArgs, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    block_on(async {
        let mut conn = connect(project, global, out).await?;
        let table = VersionTable::new(&project.config.version_table);
        let state = migrate::state(&mut conn, &table, graph).await;
        conn.close().await;
        let state = state?;
        let heads = graph.heads_of(&state.applied);
        let pending = graph.plan_upgrade(&state.applied, &Target::heads()).ok();
        let pending: Vec<usize> = pending
            .map(|p| p.steps.iter().map(|s| s.revision).collect())
            .unwrap_or_default();
        let edited = state.edited(graph);
        if out.json() {
            let ids = |v: &[usize]| v.iter().map(|&i| graph.id(i)).collect::<Vec<_>>();
            let value = json!({
                "current": ids(&heads),
                "pending": ids(&pending),
                "edited": edited.iter().map(|e| &e.revision).collect::<Vec<_>>(),
                "dirty": state.dirty().map(|r| &r.revision),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            return Ok(());
        }
        for &h in &heads {
            let node = graph.node(h);
            let mut tags = String::new();
            if node.is_head() {
                tags.push_str(" (head)");
            }
            if node.dependents.iter().any(|&d| state.applied.contains(d)) {
                tags.push_str(" (effective head)");
            }
            println!(
                "{}{tags} {}",
                node.id(),
                node.revision.message.as_deref().unwrap_or("")
            );
        }
        if heads.is_empty() && !out.quiet {
            eprintln!("no revision is applied");
        }
        if let Some(d) = state.dirty() {
            out.warn(format!(
                "revision {} is dirty: a failure left it half applied; see `cargo schema up`",
                d.revision
            ));
        }
        for e in &edited {
            out.warn(format!(
                "revision {} was edited after it was applied ({})",
                e.revision,
                e.path.display()
            ));
        }
        if out.verbose {
            // The list under its heading, on stdout like the current revisions above it, so
            // that `current -v > file` reads the same as the terminal.
            if pending.is_empty() {
                println!("pending: none");
            } else {
                println!("pending ({}):", pending.len());
                for &p in &pending {
                    let n = graph.node(p);
                    println!(
                        "  {} {}",
                        n.id(),
                        n.revision.message.as_deref().unwrap_or("")
                    );
                }
            }
        } else if !pending.is_empty() && !out.quiet {
            eprintln!(
                "{} revision(s) pending; `cargo schema up` applies them",
                pending.len()
            );
        }
        Ok(())
    })?
}

pub fn stamp(
    project: &Project,
    global: &GlobalArgs,
    args: &StampArgs,
    out: Out,
) -> Result<(), CliError> {
    let target = checked_target(project, &args.target, None)?;
    let options = Options {
        lock: lock_mode(project, &args.lock),
        allow_edited: true,
    };
    block_on(async {
        let mut m = migration(project, global, out, options, &args.lock.timeout).await?;
        let stamped = m.stamp(&target, args.purge).await;
        m.conn.close().await;
        let stamped = stamped?;
        if !stamped.purged.is_empty() {
            out.status(
                "Purged",
                format!(
                    "{} revision(s) from the version table: {}",
                    stamped.purged.len(),
                    stamped.purged.join(", ")
                ),
            );
        }
        let plan = stamped.plan;
        for &r in &plan.remove {
            out.status("Unstamped", project.graph.id(r));
        }
        for &a in &plan.add {
            out.status("Stamped", project.graph.id(a));
        }
        if plan.add.is_empty() && plan.remove.is_empty() && stamped.purged.is_empty() {
            out.status(
                "Fresh",
                format!("the version table already records `{target}`"),
            );
        }
        Ok(())
    })?
}

pub fn repair(
    project: &Project,
    global: &GlobalArgs,
    args: &RepairArgs,
    out: Out,
) -> Result<(), CliError> {
    if let Some(rev) = &args.revision {
        // A revision, not a target, but an empty one is refused the same way.
        if rev.trim().is_empty() {
            target(rev)?;
        }
    }
    block_on(async {
        let no_wait = LockTimeoutArg { lock_timeout: None };
        let mut m = migration(project, global, out, Options::default(), &no_wait).await?;
        if args.release_lock {
            let released = m.table.release_lease(&mut m.conn).await;
            m.conn.close().await;
            match released? {
                Some(holder) => out.status("Released", format!("the lease of {holder}")),
                None => out.status(
                    "Fresh",
                    "no `table` lock lease is held (an advisory lock is released by the server when its holder's connection ends)",
                ),
            }
            return Ok(());
        }
        let result = match &args.revision {
            Some(rev) => m.repair(rev, args.applied).await.map(|rev| {
                let what = if args.applied {
                    "applied"
                } else {
                    "not applied"
                };
                out.status("Repaired", format!("{rev} is recorded as {what}"));
            }),
            None => m.accept_checksums().await.map(|edited| {
                for e in &edited {
                    out.status(
                        "Accepted",
                        format!("the current contents of {}", e.path.display()),
                    );
                }
                if edited.is_empty() {
                    out.status("Fresh", "no applied revision was edited");
                }
            }),
        };
        m.conn.close().await;
        Ok(result?)
    })?
}

pub fn check(
    project: &Project,
    global: &GlobalArgs,
    args: &CheckArgs,
    out: Out,
) -> Result<(), CliError> {
    use schema_core::check::{self, Finding};
    let graph = &project.graph;
    let mut findings = check::check_files(graph);
    let database = configured_url(project, global, out)?;
    let url = resolve_url(project, global, out)?;
    findings.extend(check::check_sections(graph, url.dialect));
    let mut notes = Vec::new();
    block_on(async {
        if let Some(url) = &database {
            let mut conn = connect_to(url, out).await?;
            let table = VersionTable::new(&project.config.version_table);
            let found = check::check_database(&mut conn, &table, graph).await;
            conn.close().await;
            findings.extend(found?);
        } else {
            notes.push(
                "no database is configured and dev.db does not exist: database checks skipped"
                    .to_string(),
            );
        }
        // Scratch databases earlier runs left on the server: this machine's are dropped, the
        // others listed.
        super::autogen::warn_scratch_leftovers(&url, out).await;
        if let Some(schema) = &project.config.schema {
            findings.extend(drift(graph, &url, schema).await?);
        }
        if args.roundtrip {
            match check::roundtrip(graph, &url).await {
                Ok(place) => notes.push(format!(
                    "round trip (up, down to base, up) passed on {place}"
                )),
                // Ctrl-C or SIGTERM ends the command (the scratch database is dropped).
                Err(e @ schema_core::autogen::AutogenError::Interrupted { .. }) => {
                    return Err(e.into());
                }
                Err(schema_core::autogen::AutogenError::Migrate(e)) => {
                    findings.push(Finding::Roundtrip {
                        error: e.to_string(),
                    })
                }
                Err(e) => findings.push(Finding::RoundtripUnchecked {
                    error: e.to_string(),
                    help: e.help(),
                }),
            }
        }
        Ok::<_, CliError>(())
    })??;
    // In git: revision files edited after they reached the default branch.
    let git_findings: Vec<crate::error::Diagnostic> = match crate::git::Git::open(&project.config.root) {
        Ok(git) => git
            .edits_after_default(&project.config.migrations, 5_000)
            .unwrap_or_default()
            .into_iter()
            .map(|e| crate::error::Diagnostic {
                message: format!(
                    "{} was edited in commit {} (\"{}\") after it reached {}",
                    crate::project::relative(&e.path).display(),
                    e.commit,
                    e.summary,
                    e.default_branch
                ),
                help: vec![
                    "a revision that reached the default branch may be applied somewhere: revert the edit and write a new revision for the change".to_string(),
                ],
            })
            .collect(),
        Err(_) => {
            notes.push("not in a git repository: git history not checked".to_string());
            Vec::new()
        }
    };
    let ok = findings.is_empty() && git_findings.is_empty();
    if out.json() {
        let value = json!({
            "ok": ok,
            "findings": findings
                .iter()
                .map(|f| f.to_string())
                .chain(git_findings.iter().map(|d| d.message.clone()))
                .collect::<Vec<_>>(),
            "notes": notes,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }
    if ok {
        for n in &notes {
            out.status("Note", n);
        }
        out.status(
            "Checked",
            format!("{} revision(s): no problems found", graph.len()),
        );
        return Ok(());
    }
    let diagnostics: Vec<crate::error::Diagnostic> = findings
        .iter()
        .map(|f| crate::error::Diagnostic {
            message: f.to_string(),
            help: vec![match f {
                Finding::MultipleHeads { .. } => super::read::heads_help(project),
                Finding::Pending { .. } => "apply them with `cargo schema up`".to_string(),
                Finding::Edited(_) => "restore the file and write a new revision for the change; `cargo schema repair --checksums` accepts it as is".to_string(),
                Finding::Dirty { .. } => "`cargo schema up` says how to resolve it".to_string(),
                Finding::CantLocate { .. } => "check out the branch that has these revisions, or run `cargo schema sync`".to_string(),
                Finding::Roundtrip { .. } => "every down section must undo its up section".to_string(),
                Finding::RoundtripUnchecked { help, .. } => help.clone().unwrap_or_default(),
                Finding::Drift { .. } => "`cargo schema new --autogenerate -m MSG` writes the revision that makes up the difference (or change the declared schema)".to_string(),
                Finding::Declared { .. } => "fix the declared schema (`schema` in [package.metadata.schema])".to_string(),
                Finding::DriftUnchecked { help, .. } => help.clone().unwrap_or_default(),
                Finding::Section(e) => crate::error::section_help(e),
                _ => String::new(),
            }]
            .into_iter()
            .filter(|h| !h.is_empty())
            .collect(),
        })
        .collect();
    Err(CliError {
        diagnostics: diagnostics.into_iter().chain(git_findings).collect(),
        code: crate::error::FAILED,
    })
}

/// Compares what the revisions build (on a scratch database) with the declared schema.
async fn drift(
    graph: &schema_core::RevisionGraph,
    server: &DatabaseUrl,
    schema: &std::path::Path,
) -> Result<Vec<schema_core::check::Finding>, CliError> {
    use schema_core::autogen::{AutogenError, Renames, diff::diff, generate};
    use schema_core::check::Finding;
    let compared = async {
        let declared = generate::declared(server, &crate::project::relative(schema)).await?;
        let built = generate::at_heads(server, graph).await?;
        Ok::<_, schema_core::autogen::AutogenError>(diff(&built, &declared, &Renames::default()))
    };
    Ok(match compared.await {
        // Ctrl-C or SIGTERM ends the command (the scratch database is dropped).
        Err(e @ AutogenError::Interrupted { .. }) => return Err(e.into()),
        Ok(changes) if changes.is_empty() => Vec::new(),
        Ok(changes) => vec![Finding::Drift {
            schema: crate::project::relative(schema),
            differences: changes.iter().map(|c| c.describe()).collect(),
        }],
        Err(AutogenError::Refused { path, refused }) => refused
            .iter()
            .map(|r| Finding::Declared {
                error: r.message(&path),
            })
            .collect(),
        Err(
            e @ (AutogenError::Declared { .. }
            | AutogenError::MissingReference { .. }
            | AutogenError::Read { .. }),
        ) => vec![Finding::Declared {
            error: e.to_string(),
        }],
        Err(e) => vec![Finding::DriftUnchecked {
            error: e.to_string(),
            help: e.help(),
        }],
    })
}

/// The applied revisions, when a database is configured (or the default `dev.db` exists) and
/// answers; `None` otherwise, with a warning when it was configured but could not be read.
/// For read commands that mark what is applied without needing a database.
pub fn applied_if_any(
    project: &Project,
    global: &GlobalArgs,
    out: Out,
) -> Option<schema_core::RevisionSet> {
    let url = match configured_url(project, global, out) {
        Ok(url) => url?,
        Err(e) => {
            if let Some(d) = e.diagnostics.first() {
                out.warn(format!("applied revisions are not marked: {}", d.message));
            }
            return None;
        }
    };
    let result = block_on(async {
        // A read command must not hang on an unreachable server: marking is optional.
        let connecting = tokio::time::timeout(Duration::from_secs(3), Conn::connect(&url));
        let mut conn = match connecting.await {
            Ok(conn) => conn.map_err(CliError::from)?,
            Err(_) => {
                return Err(CliError::new(
                    1,
                    format!("{} did not answer within 3 s", url.redacted()),
                ));
            }
        };
        let table = VersionTable::new(&project.config.version_table);
        let state = migrate::state(&mut conn, &table, &project.graph).await;
        conn.close().await;
        Ok::<_, CliError>(state?.applied)
    });
    match result {
        Ok(Ok(applied)) => Some(applied),
        Ok(Err(e)) | Err(e) => {
            if let Some(d) = e.diagnostics.first() {
                out.warn(format!("applied revisions are not marked: {}", d.message));
            }
            None
        }
    }
}
