//! Generates large, branchy migration histories: the project behind the CLI benchmarks
//! (`bench/cli.sh`, 10,000 revisions) and the graph tests that need more than a handful of files.
//!
//! The shape is what a busy team produces: a main line, and every `branch_every` revisions a
//! side branch that forks from the main line, grows in parallel with it (the two take turns),
//! and is merged back by a merge revision after `merge_after` revisions. Everything is
//! deterministic, so a benchmark run and a failing test can be reproduced exactly.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::Path;

/// How big and how branchy the generated history is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenOptions {
    /// The number of revision files, merge revisions included.
    pub revisions: usize,
    /// A side branch forks this many revisions after the previous one forked (0: never).
    pub branch_every: usize,
    /// How many revisions the main line and the branch get between them before the merge
    /// revision joins them; at least 2, so that both sides have a revision of their own.
    pub merge_after: usize,
}

impl Default for GenOptions {
    fn default() -> Self {
        Self {
            revisions: 10_000,
            branch_every: 50,
            merge_after: 20,
        }
    }
}

/// What [`generate_project`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedProject {
    /// The id of the single head.
    pub head: String,
    /// The number of revision files written.
    pub revisions: usize,
}

/// Files per subdirectory of `migrations/`: `migrations/000/`, `migrations/001/`, … keep each
/// directory small and exercise the recursive search for revision files.
const FILES_PER_DIR: usize = 1_000;

/// The first revision's `created` time, 2026-01-01 00:00:00 UTC, as seconds since the epoch.
const FIRST_CREATED: u64 = 1_767_225_600;
/// Seconds between two consecutive revisions (a little over ten minutes, so that the minutes
/// and seconds vary too).
const CREATED_STEP: u64 = 613;

/// Writes a cargo project at `dir` (Cargo.toml with [package.metadata.schema] migrations =
/// "migrations", src/lib.rs, migrations/*.sql) whose revisions form a branchy graph.
///
/// Refuses (`AlreadyExists`) to write into a `migrations` directory that already holds files,
/// since stale revisions from an earlier run would silently change the graph.
pub fn generate_project(dir: &Path, opts: &GenOptions) -> io::Result<GeneratedProject> {
    let plan = plan_revisions(opts)?;
    let head = plan
        .last()
        .map(|revision| revision.id.clone())
        .ok_or_else(|| invalid_input("revisions must be at least 1"))?;

    let migrations = dir.join("migrations");
    if migrations.is_dir() && migrations.read_dir()?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} already holds files; generate into an empty directory",
                migrations.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(dir.join("Cargo.toml"), CARGO_TOML)?;
    std::fs::write(
        dir.join("src").join("lib.rs"),
        "//! A generated project for the cargo-schema benchmarks.\n",
    )?;

    let mut text = String::new();
    for (index, chunk) in plan.chunks(FILES_PER_DIR).enumerate() {
        let subdir = migrations.join(format!("{index:03}"));
        std::fs::create_dir_all(&subdir)?;
        for revision in chunk {
            text.clear();
            revision.render(&mut text);
            let path = subdir.join(format!("{}_{}.sql", revision.id, revision.slug()));
            let mut file = io::BufWriter::new(std::fs::File::create(path)?);
            file.write_all(text.as_bytes())?;
            file.flush()?;
        }
    }

    Ok(GeneratedProject {
        head,
        revisions: plan.len(),
    })
}

/// The generated project lives wherever the caller puts it (a temp dir, or somewhere under
/// this repository's target directory), so it is its own workspace root: without `[workspace]`
/// cargo would attach it to an enclosing workspace, or fail because it is not a member.
const CARGO_TOML: &str = r#"[package]
name = "generated-revisions"
version = "0.1.0"
edition = "2024"
publish = false

[package.metadata.schema]
migrations = "migrations"

[workspace]
"#;

/// One revision of the plan, in the order the files are written (parents before children).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlannedRevision {
    /// 1-based position in the history; also names the table a regular revision creates.
    number: usize,
    id: String,
    parents: Vec<String>,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Creates table `t<number>` and an index on it.
    Table,
    /// Joins the main line and the side branch with this number.
    Merge { branch: usize },
}

impl PlannedRevision {
    fn message(&self) -> String {
        match self.kind {
            Kind::Table => format!("add table t{}", self.number),
            Kind::Merge { branch } => format!("merge branch {branch}"),
        }
    }

    fn slug(&self) -> String {
        self.message().replace(' ', "_")
    }

    fn render(&self, out: &mut String) {
        let parents = self.parents.join(", ");
        let revises = if parents.is_empty() {
            "-- revises:".to_owned()
        } else {
            format!("-- revises: {parents}")
        };
        // Writing into a String cannot fail.
        let _ = write!(
            out,
            "-- revision: {id}\n{revises}\n-- created: {created}\n-- message: {message}\n\n",
            id = self.id,
            created = created_at(self.number),
            message = self.message(),
        );
        let n = self.number;
        let _ = match self.kind {
            Kind::Table => write!(
                out,
                "-- migrate:up\n\
                 CREATE TABLE t{n} (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
                 CREATE INDEX t{n}_name ON t{n} (name);\n\
                 \n\
                 -- migrate:down\n\
                 DROP TABLE t{n};\n"
            ),
            Kind::Merge { .. } => write!(
                out,
                "-- migrate:up\n\
                 -- A merge revision; there is nothing to run.\n\
                 \n\
                 -- migrate:down\n\
                 -- A merge revision; there is nothing to undo.\n"
            ),
        };
    }
}

/// The side branch currently growing beside the main line.
struct Branch {
    number: usize,
    tip: String,
    /// Revisions added since the fork, on either side.
    added: usize,
}

/// Lays out the whole history without touching the disk.
fn plan_revisions(opts: &GenOptions) -> io::Result<Vec<PlannedRevision>> {
    if opts.revisions == 0 {
        return Err(invalid_input("revisions must be at least 1"));
    }
    if opts.branch_every > 0 && opts.merge_after < 2 {
        return Err(invalid_input(
            "merge-after must be at least 2 (one revision on each side of the branch)",
        ));
    }

    let mut plan: Vec<PlannedRevision> = Vec::with_capacity(opts.revisions);
    let mut main_tip: Option<String> = None;
    let mut branch: Option<Branch> = None;
    let mut branches = 0;
    // Revisions written since the previous branch forked (or since the base).
    let mut since_fork = 0;

    while plan.len() < opts.revisions {
        let number = plan.len() + 1;
        let id = revision_id(number);
        let left = opts.revisions - plan.len();
        let parents;
        let mut kind = Kind::Table;

        match (&mut branch, &main_tip) {
            (Some(open), Some(main)) => {
                // Merge on schedule, or now if this is the last file: the history must end
                // with a single head.
                if open.added >= opts.merge_after || left == 1 {
                    parents = vec![main.clone(), open.tip.clone()];
                    kind = Kind::Merge {
                        branch: open.number,
                    };
                    branch = None;
                    main_tip = Some(id.clone());
                } else if open.added % 2 == 0 {
                    parents = vec![open.tip.clone()];
                    open.tip = id.clone();
                    open.added += 1;
                } else {
                    parents = vec![main.clone()];
                    main_tip = Some(id.clone());
                    open.added += 1;
                }
            }
            // A fork needs three files left: one on the branch, one on the main line, the merge.
            (None, Some(main))
                if opts.branch_every > 0 && since_fork >= opts.branch_every && left >= 3 =>
            {
                branches += 1;
                since_fork = 0;
                parents = vec![main.clone()];
                branch = Some(Branch {
                    number: branches,
                    tip: id.clone(),
                    added: 1,
                });
            }
            (_, main) => {
                parents = main.iter().cloned().collect();
                main_tip = Some(id.clone());
            }
        }

        since_fork += 1;
        plan.push(PlannedRevision {
            number,
            id,
            parents,
            kind,
        });
    }
    Ok(plan)
}

/// A 12-hex-digit id for the `number`th revision. Each step is a bijection on 48-bit values
/// (adding a constant, multiplying by an odd constant, xor with a right shift), so distinct
/// numbers get distinct ids, while the ids look as scattered as real random ones: no long
/// shared prefixes, which keeps prefix lookups realistic.
fn revision_id(number: usize) -> String {
    const MASK: u64 = (1 << 48) - 1;
    let mut x = (number as u64).wrapping_add(0x5eed) & MASK;
    x = x.wrapping_mul(0x9e37_79b9_7f4b) & MASK;
    x ^= x >> 23;
    x = x.wrapping_mul(0xc2b2_ae3d_27d5) & MASK;
    x ^= x >> 19;
    format!("{x:012x}")
}

/// `created` for the `number`th revision, e.g. `2026-01-01 00:10:13+00:00`.
fn created_at(number: usize) -> String {
    let seconds = FIRST_CREATED + (number as u64) * CREATED_STEP;
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let time = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}+00:00",
        time / 3_600,
        time % 3_600 / 60,
        time % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01, after Howard Hinnant's
/// `civil_from_days` (<https://howardhinnant.github.io/date_algorithms.html>), for days on or
/// after the epoch, which is all this module needs.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

fn invalid_input(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
    use std::path::PathBuf;

    /// A revision as read back from a written file's header.
    #[derive(Debug)]
    struct Header {
        path: PathBuf,
        id: String,
        parents: Vec<String>,
        created: String,
    }

    fn sql_files(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).expect("read migrations dir") {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|ext| ext == "sql") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    fn read_headers(project: &Path) -> Vec<Header> {
        sql_files(&project.join("migrations"))
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("read revision file");
                let mut id = None;
                let mut parents = None;
                let mut created = None;
                for line in text.lines().take_while(|line| line.starts_with("-- ")) {
                    if let Some(value) = line.strip_prefix("-- revision:") {
                        id = Some(value.trim().to_owned());
                    } else if let Some(value) = line.strip_prefix("-- revises:") {
                        parents = Some(
                            value
                                .split(',')
                                .map(str::trim)
                                .filter(|parent| !parent.is_empty())
                                .map(str::to_owned)
                                .collect::<Vec<_>>(),
                        );
                    } else if let Some(value) = line.strip_prefix("-- created:") {
                        created = Some(value.trim().to_owned());
                    }
                }
                Header {
                    id: id.unwrap_or_else(|| panic!("{} has no revision line", path.display())),
                    parents: parents
                        .unwrap_or_else(|| panic!("{} has no revises line", path.display())),
                    created: created
                        .unwrap_or_else(|| panic!("{} has no created line", path.display())),
                    path,
                }
            })
            .collect()
    }

    fn heads(headers: &[Header]) -> BTreeSet<String> {
        let parents: HashSet<&str> = headers
            .iter()
            .flat_map(|header| header.parents.iter().map(String::as_str))
            .collect();
        headers
            .iter()
            .filter(|header| !parents.contains(header.id.as_str()))
            .map(|header| header.id.clone())
            .collect()
    }

    fn generate(opts: &GenOptions) -> (tempfile::TempDir, GeneratedProject, Vec<Header>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let project = generate_project(dir.path(), opts).expect("generate project");
        let headers = read_headers(dir.path());
        (dir, project, headers)
    }

    /// 2,345 revisions: three subdirectories, the last one partly filled.
    fn many() -> GenOptions {
        GenOptions {
            revisions: 2_345,
            ..GenOptions::default()
        }
    }

    fn small() -> GenOptions {
        GenOptions {
            revisions: 120,
            branch_every: 10,
            merge_after: 4,
        }
    }

    #[test]
    fn writes_exactly_the_requested_number_of_revision_files() {
        let (dir, project, headers) = generate(&many());
        assert_eq!(project.revisions, 2_345);
        assert_eq!(headers.len(), 2_345);
        assert!(dir.path().join("Cargo.toml").is_file());
        assert!(dir.path().join("src/lib.rs").is_file());
    }

    #[test]
    fn spreads_files_into_subdirectories_of_a_thousand() {
        let (dir, _, _) = generate(&many());
        let migrations = dir.path().join("migrations");
        let mut per_dir: BTreeMap<String, usize> = BTreeMap::new();
        for file in sql_files(&migrations) {
            let parent = file.parent().expect("file has a parent");
            assert_eq!(parent.parent(), Some(migrations.as_path()));
            let name = parent.file_name().expect("dir name").to_string_lossy();
            *per_dir.entry(name.into_owned()).or_default() += 1;
        }
        let expected: BTreeMap<String, usize> = [("000", 1_000), ("001", 1_000), ("002", 345)]
            .into_iter()
            .map(|(name, count)| (name.to_owned(), count))
            .collect();
        assert_eq!(per_dir, expected);
    }

    #[test]
    fn the_default_project_has_ten_thousand_revisions_and_a_single_head() {
        let (_dir, project, headers) = generate(&GenOptions::default());
        assert_eq!(headers.len(), 10_000);
        assert_eq!(
            heads(&headers),
            BTreeSet::from([project.head.clone()]),
            "heads computed from the written headers"
        );
        let merges = headers.iter().filter(|h| h.parents.len() == 2).count();
        assert!(merges > 100, "only {merges} merge revisions");
    }

    #[test]
    fn the_head_is_unique_and_is_the_one_reported() {
        let (_dir, project, headers) = generate(&small());
        assert_eq!(heads(&headers), BTreeSet::from([project.head]));
    }

    #[test]
    fn every_revises_refers_to_an_existing_revision() {
        let (_dir, _, headers) = generate(&small());
        let ids: HashSet<&str> = headers.iter().map(|h| h.id.as_str()).collect();
        for header in &headers {
            for parent in &header.parents {
                assert!(
                    ids.contains(parent.as_str()),
                    "{} revises unknown {parent}",
                    header.path.display()
                );
            }
        }
        let bases: Vec<_> = headers.iter().filter(|h| h.parents.is_empty()).collect();
        assert_eq!(bases.len(), 1, "exactly one base");
    }

    #[test]
    fn ids_are_unique_twelve_lowercase_hex_digits_and_name_their_files() {
        let (_dir, _, headers) = generate(&GenOptions {
            revisions: 3_000,
            ..GenOptions::default()
        });
        let mut seen = HashSet::new();
        for header in &headers {
            assert_eq!(header.id.len(), 12, "{}", header.id);
            assert!(
                header
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{}",
                header.id
            );
            assert!(seen.insert(header.id.clone()), "duplicate id {}", header.id);
            let name = header
                .path
                .file_name()
                .expect("file name")
                .to_string_lossy();
            assert!(name.starts_with(&format!("{}_", header.id)), "{name}");
        }
    }

    #[test]
    fn a_small_project_contains_merges_of_two_diverged_lines() {
        let (_dir, _, headers) = generate(&small());
        let by_id: HashMap<&str, &Header> = headers.iter().map(|h| (h.id.as_str(), h)).collect();
        let ancestors = |start: &str| {
            let mut seen = HashSet::new();
            let mut pending = vec![start.to_owned()];
            while let Some(id) = pending.pop() {
                if seen.insert(id.clone()) {
                    pending.extend(by_id[id.as_str()].parents.iter().cloned());
                }
            }
            seen
        };
        let merges: Vec<&Header> = headers.iter().filter(|h| h.parents.len() == 2).collect();
        assert!(merges.len() >= 5, "{} merges", merges.len());
        for merge in merges {
            let (a, b) = (&merge.parents[0], &merge.parents[1]);
            assert!(!ancestors(a).contains(b), "{b} is an ancestor of {a}");
            assert!(!ancestors(b).contains(a), "{a} is an ancestor of {b}");
        }
    }

    #[test]
    fn created_timestamps_increase_from_parent_to_child() {
        let (_dir, _, headers) = generate(&small());
        let created: HashMap<&str, &str> = headers
            .iter()
            .map(|h| (h.id.as_str(), h.created.as_str()))
            .collect();
        for header in &headers {
            assert!(header.created.starts_with("2026-"), "{}", header.created);
            for parent in &header.parents {
                assert!(created[parent.as_str()] < header.created.as_str());
            }
        }
    }

    #[test]
    fn generating_twice_writes_identical_files() {
        let (first, _, _) = generate(&small());
        let (second, _, _) = generate(&small());
        let read_all = |dir: &Path| {
            sql_files(&dir.join("migrations"))
                .into_iter()
                .map(|path| {
                    let relative = path.strip_prefix(dir).expect("inside dir").to_path_buf();
                    (relative, std::fs::read_to_string(&path).expect("read"))
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(read_all(first.path()), read_all(second.path()));
    }

    #[test]
    fn a_regular_revision_creates_its_table_and_a_merge_runs_nothing() {
        let plan = plan_revisions(&small()).expect("plan");
        let mut text = String::new();
        plan[0].render(&mut text);
        assert_eq!(
            text,
            format!(
                "-- revision: {}\n\
                 -- revises:\n\
                 -- created: 2026-01-01 00:10:13+00:00\n\
                 -- message: add table t1\n\
                 \n\
                 -- migrate:up\n\
                 CREATE TABLE t1 (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
                 CREATE INDEX t1_name ON t1 (name);\n\
                 \n\
                 -- migrate:down\n\
                 DROP TABLE t1;\n",
                plan[0].id
            )
        );
        let merge = plan
            .iter()
            .find(|revision| revision.parents.len() == 2)
            .expect("a merge");
        text.clear();
        merge.render(&mut text);
        assert!(text.contains("-- message: merge branch 1\n"), "{text}");
        assert!(!text.contains("CREATE"), "{text}");
        assert!(!text.contains("DROP"), "{text}");
    }

    #[test]
    fn every_size_ends_with_a_single_head() {
        for (branch_every, merge_after) in [(1, 2), (3, 2), (5, 3), (4, 9), (10, 4), (0, 0)] {
            for revisions in 1..=150 {
                let opts = GenOptions {
                    revisions,
                    branch_every,
                    merge_after,
                };
                let plan = plan_revisions(&opts).expect("plan");
                assert_eq!(plan.len(), revisions, "{opts:?}");
                let parents: HashSet<&str> = plan
                    .iter()
                    .flat_map(|r| r.parents.iter().map(String::as_str))
                    .collect();
                let heads: Vec<&str> = plan
                    .iter()
                    .map(|r| r.id.as_str())
                    .filter(|id| !parents.contains(id))
                    .collect();
                assert_eq!(heads, [plan[revisions - 1].id.as_str()], "{opts:?}");
                let known: HashSet<&str> = plan.iter().map(|r| r.id.as_str()).collect();
                assert!(parents.is_subset(&known), "{opts:?}");
            }
        }
    }

    #[test]
    fn without_branching_the_history_is_a_straight_line() {
        let plan = plan_revisions(&GenOptions {
            revisions: 30,
            branch_every: 0,
            merge_after: 0,
        })
        .expect("plan");
        for pair in plan.windows(2) {
            assert_eq!(pair[1].parents, [pair[0].id.clone()]);
        }
    }

    #[test]
    fn refuses_nonsense_options() {
        for opts in [
            GenOptions {
                revisions: 0,
                ..GenOptions::default()
            },
            GenOptions {
                merge_after: 1,
                ..GenOptions::default()
            },
        ] {
            let dir = tempfile::tempdir().expect("temp dir");
            let error = generate_project(dir.path(), &opts).expect_err("invalid options");
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{opts:?}");
        }
    }

    #[test]
    fn refuses_to_write_over_an_existing_history() {
        let dir = tempfile::tempdir().expect("temp dir");
        generate_project(dir.path(), &small()).expect("first run");
        let error = generate_project(dir.path(), &small()).expect_err("second run");
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn dates_are_computed_like_the_calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(FIRST_CREATED / 86_400), (2026, 1, 1));
        // 2028 is a leap year.
        assert_eq!(
            civil_from_days(FIRST_CREATED / 86_400 + 365 + 365 + 59),
            (2028, 2, 29)
        );
        assert_eq!(created_at(0), "2026-01-01 00:00:00+00:00");
        assert_eq!(created_at(10_000), "2026-03-12 22:46:40+00:00");
    }
}
