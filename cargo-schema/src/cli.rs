//! The command line, as clap definitions. Parsing only: commands validate and act.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cargo-schema",
    bin_name = "cargo schema",
    version,
    about = "Alembic-grade database migrations for Rust: revision files that form a graph",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Path to Cargo.toml (default: found upward from the current directory)
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// The package whose migrations to use, when several packages declare them
    #[arg(short, long, global = true, value_name = "NAME")]
    pub package: Option<String>,
    /// Overrides the configured database
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Coloring [default: auto; honours CARGO_TERM_COLOR and NO_COLOR]
    #[arg(long, global = true, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
    /// Less output
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More output
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Answer yes to every prompt
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// Output format of the read commands
    #[arg(long, global = true, value_name = "FORMAT", default_value = "human")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add the metadata section to Cargo.toml and create the migrations directory
    Init(InitArgs),
    /// Create a new revision file on the current head
    #[command(visible_alias = "revision")]
    New(NewArgs),
    /// Show the revisions from newest to oldest, as a graph
    History(HistoryArgs),
    /// Show the heads: revisions that no revision revises
    Heads,
    /// Show the branch points: revisions that more than one revision revises
    Branches,
    /// Show one revision: header, parents, children and both sections
    Show(ShowArgs),
    /// Create a merge revision over several revisions (default: all heads)
    Merge(MergeArgs),
    /// Apply revisions up to a target (default: head)
    #[command(visible_alias = "upgrade")]
    Up(UpArgs),
    /// Roll back down to a target (`-1`, `base`, a revision…)
    #[command(visible_alias = "downgrade")]
    Down(DownArgs),
    /// Show the database's current revision(s); with --verbose, what is pending
    Current,
    /// Record a target as applied without running any SQL
    Stamp(StampArgs),
    /// Resolve a revision left dirty by a failure, or accept edited applied revisions
    Repair(RepairArgs),
    /// The CI gate: a sound graph with one head; with a database, nothing pending or edited
    Check(CheckArgs),
    /// Rehearse revisions on a scratch database and report what they would lock, rewrite or
    /// break on a live one
    Lint(LintArgs),
    /// What the git hooks run: offer a merge revision over several heads, roll back applied
    /// revisions this checkout does not have, then apply what is pending (with `auto-apply`)
    Sync(SyncArgs),
    /// Install or remove the git hooks that run `sync` after merges, checkouts and rebases
    #[command(subcommand)]
    Hooks(HooksCommand),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Write revision files from another tool's migrations; with --adopt, record what that
    /// tool applied on the database, running nothing
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The tool: sqlx, diesel, refinery, dbmate, golang-migrate, flyway
    #[arg(value_name = "FORMAT")]
    pub tool: String,
    /// Where its migrations are [default: where the tool keeps them]
    pub dir: Option<PathBuf>,
    /// Record what the tool applied on the database as applied revisions (no SQL runs)
    #[arg(long)]
    pub adopt: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// What the revision does; also names the file
    #[arg(short, long, default_value = "")]
    pub message: String,
    /// The revision id instead of a random one
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
    /// The revision to build on (a head, `BRANCH@head`, or `base` for a new base)
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Allow `--head` to name a revision that is not a head, starting a new branch
    #[arg(long, requires = "head")]
    pub splice: bool,
    /// A branch label for the new revision (repeat or separate with commas)
    #[arg(long, value_name = "LABEL", value_delimiter = ',')]
    pub branch_label: Vec<String>,
    /// A revision that must be applied first without being a parent (repeat or commas)
    #[arg(long, value_name = "REV", value_delimiter = ',')]
    pub depends_on: Vec<String>,
    /// Render NAME.sql.j2 from the project's templates directory, else the built-in NAME
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Leave the sections empty (with --autogenerate: write the file even with no changes)
    #[arg(long)]
    pub empty: bool,
    /// Write the SQL that takes the database (at head) to the declared schema (`schema` in
    /// [package.metadata.schema])
    #[arg(long)]
    pub autogenerate: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Adopt an existing database: a base revision that creates it, and a stamp
    #[arg(long)]
    pub from_database: bool,
    /// With --from-database, also write the declared schema to PATH (and configure it)
    #[arg(long, value_name = "PATH", requires = "from_database")]
    pub schema_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only the revisions from FROM up to TO (either may be empty)
    #[arg(short = 'r', long = "rev-range", value_name = "FROM:TO")]
    pub range: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The revision: an id, a unique prefix, a branch label, `head`…
    pub revision: String,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The revisions to merge (default: all heads)
    pub revisions: Vec<String>,
    /// What the merge is for; also names the file
    #[arg(short, long, default_value = "merge heads")]
    pub message: String,
    /// The revision id instead of a random one
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
    /// A branch label for the merge revision
    #[arg(long, value_name = "LABEL", value_delimiter = ',')]
    pub branch_label: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// How concurrent runs are serialized [default: the configured `lock`, else advisory]
    #[arg(long, value_name = "MODE")]
    pub lock: Option<LockChoice>,
    #[command(flatten)]
    pub timeout: LockTimeoutArg,
}

#[derive(Debug, Args)]
pub struct LockTimeoutArg {
    /// Give up waiting for the migration lock, or for a lock a revision's statement needs,
    /// after DURATION (`500ms`, `10s`, `2m`) with exit code 1 [default: the configured
    /// `lock-timeout`, else wait as long as it takes]
    #[arg(long, value_name = "DURATION", env = "CARGO_SCHEMA_LOCK_TIMEOUT", value_parser = schema_core::config::parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
}

/// How each revision runs: its statement timeout and its retries after a lock timeout (the
/// lock timeout is `--lock-timeout`'s).
#[derive(Debug, Args, Default)]
pub struct SafetyArgs {
    /// End any one statement of a revision that runs longer than DURATION, where the server
    /// supports it (PostgreSQL; MariaDB; MySQL only SELECTs) [default: the configured
    /// `statement-timeout`]
    #[arg(long, value_name = "DURATION", value_parser = schema_core::config::parse_duration)]
    pub statement_timeout: Option<std::time::Duration>,
    /// Try a revision rolled back by a lock timeout again, whole, up to N more times
    /// [default: the configured `lock-retries`, else 0]
    #[arg(long, value_name = "N")]
    pub lock_retries: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub timeout: LockTimeoutArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LockChoice {
    Advisory,
    Table,
    None,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Where to go: `head` (default), `heads`, a revision, `+2`, `auth@head`…
    #[arg(allow_hyphen_values = true)]
    pub target: Option<String>,
    /// Apply although applied revisions were edited since they were applied
    #[arg(long)]
    pub allow_edited: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Where to go: `-1`, `base`, a revision, `auth@base`…
    #[arg(allow_hyphen_values = true)]
    pub target: String,
    #[command(flatten)]
    pub run: RunArgs,
}

/// What `up` and `down` share: offline SQL instead of a run, the lock and the safety switches.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Print the SQL instead of running it (offline mode; TARGET may be `FROM:TO`, and must be for `down`)
    #[arg(long)]
    pub sql: bool,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub safety: SafetyArgs,
}

#[derive(Debug, Args)]
pub struct StampArgs {
    /// The revision(s) to record as applied: a revision (or a unique prefix of its id), `head`, `heads`, `base`…
    #[arg(allow_hyphen_values = true, required_unless_present = "from")]
    pub target: Option<String>,
    /// Empty the version table first
    #[arg(long)]
    pub purge: bool,
    /// Record what another tool applied instead (sqlx, diesel, refinery, dbmate,
    /// golang-migrate, flyway): the same as `import FORMAT --adopt`
    #[arg(long, value_name = "FORMAT", conflicts_with_all = ["target", "purge"])]
    pub from: Option<String>,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("resolution").required(true).args(["applied", "not_applied", "checksums", "release_lock"])))]
pub struct RepairArgs {
    /// The dirty revision: its id or a unique prefix of it
    #[arg(required_unless_present_any = ["checksums", "release_lock"])]
    pub revision: Option<String>,
    /// You finished the revision by hand: record it as applied
    #[arg(long, requires = "revision")]
    pub applied: bool,
    /// You undid the revision by hand: record it as not applied
    #[arg(long, requires = "revision")]
    pub not_applied: bool,
    /// Record the current files' checksums for applied revisions edited since
    #[arg(long, conflicts_with = "revision")]
    pub checksums: bool,
    /// Remove the `table` lock's lease row left by a run that was killed, and say whose it was
    #[arg(long, conflicts_with = "revision")]
    pub release_lock: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also step every revision up, down and up again on a scratch database, checking that
    /// each down section leaves the schema as it was before the up
    #[arg(long)]
    pub roundtrip: bool,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The revisions: FROM:TO, or a target [default: those not applied on the database]
    #[arg(value_name = "RANGE")]
    pub range: Option<String>,
    /// `--deny warnings`: warnings fail the lint too
    #[arg(long, value_name = "WHAT")]
    pub deny: Option<Deny>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    Warnings,
}

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Write post-merge, post-checkout and post-rewrite hooks that run `cargo schema sync`,
    /// chained with the hooks already there
    Install,
    /// Remove what `install` added, restoring the hooks that were there
    Uninstall,
}
