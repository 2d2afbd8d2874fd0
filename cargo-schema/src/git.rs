//! Where revision files came from, read from the local git repository (git2; no network).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::{BranchType, Oid, Repository, Sort};

/// The commit that added a revision file and the branches that carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The short id of the commit that added the file; `None` when it is not committed.
    pub commit: Option<String>,
    pub summary: Option<String>,
    /// Branches (local first, then remote-tracking) whose tip contains that commit.
    pub branches: Vec<String>,
    /// The commit is not on the upstream of the current branch (or there is no upstream).
    pub local_only: bool,
}

impl Provenance {
    /// `from feature/phone, local only`, `from origin/main`, `not committed`.
    pub fn describe(&self, current: Option<&str>) -> String {
        if self.commit.is_none() {
            return "not committed yet".to_string();
        }
        // Name the branch the file came from: another branch than the one checked out when
        // there is one (after a merge both contain it), local before remote.
        let from = self
            .branches
            .iter()
            .find(|b| Some(b.as_str()) != current)
            .or_else(|| self.branches.first());
        let mut s = match from {
            Some(b) => format!("from {b}"),
            None => format!("commit {}", self.commit.as_deref().unwrap_or("")),
        };
        if self.local_only {
            s.push_str(", local only");
        }
        s
    }
}

/// A revision file changed by a commit after its earlier version had reached the default
/// branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditedInGit {
    pub path: PathBuf,
    pub commit: String,
    pub summary: String,
    pub default_branch: String,
}

/// Why git could not be read.
#[derive(Debug)]
pub struct GitError(pub String);

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<git2::Error> for GitError {
    fn from(e: git2::Error) -> Self {
        GitError(e.message().to_string())
    }
}

/// A repository opened from a project directory.
pub struct Git {
    repo: Repository,
    workdir: PathBuf,
}

impl Git {
    /// The repository holding `dir`, or an error saying there is none.
    pub fn open(dir: &Path) -> Result<Git, GitError> {
        let repo = Repository::discover(dir)
            .map_err(|_| GitError(format!("{} is not in a git repository", dir.display())))?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| GitError("the repository is bare".to_string()))?
            .to_path_buf();
        Ok(Git { repo, workdir })
    }

    /// The checked-out branch's name; `None` on a detached HEAD.
    pub fn current_branch(&self) -> Option<String> {
        let head = self.repo.head().ok()?;
        if !head.is_branch() {
            return None;
        }
        head.shorthand().ok().map(str::to_string)
    }

    fn relative(&self, path: &Path) -> Option<PathBuf> {
        let abs = std::path::absolute(path).ok()?;
        let abs = abs.canonicalize().unwrap_or(abs);
        let root = self
            .workdir
            .canonicalize()
            .unwrap_or_else(|_| self.workdir.clone());
        abs.strip_prefix(&root).ok().map(Path::to_path_buf)
    }

    /// For each file, the commit that added it (walking back from HEAD, at most `limit`
    /// commits) and the branches that contain that commit.
    pub fn provenance(&self, files: &[&Path], limit: usize) -> Result<Vec<Provenance>, GitError> {
        let rel: Vec<Option<PathBuf>> = files.iter().map(|f| self.relative(f)).collect();
        let mut added: HashMap<usize, Oid> = HashMap::new();
        if let Ok(head) = self.repo.head().and_then(|h| h.peel_to_commit()) {
            let mut walk = self.repo.revwalk()?;
            walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
            walk.push(head.id())?;
            for oid in walk.take(limit) {
                let oid = oid?;
                let commit = self.repo.find_commit(oid)?;
                let tree = commit.tree()?;
                for (i, path) in rel.iter().enumerate() {
                    let Some(path) = path else { continue };
                    if added.contains_key(&i) || tree.get_path(path).is_err() {
                        continue;
                    }
                    let in_parent = commit
                        .parents()
                        .any(|p| p.tree().is_ok_and(|t| t.get_path(path).is_ok()));
                    if !in_parent {
                        added.insert(i, oid);
                    }
                }
                if added.len() == rel.iter().filter(|r| r.is_some()).count() {
                    break;
                }
            }
        }
        let branches = self.branch_tips()?;
        let upstream = self.upstream_tip();
        let mut out = Vec::with_capacity(files.len());
        for i in 0..files.len() {
            let Some(&oid) = added.get(&i) else {
                out.push(Provenance {
                    commit: None,
                    summary: None,
                    branches: Vec::new(),
                    local_only: true,
                });
                continue;
            };
            let contains =
                |tip: Oid| tip == oid || self.repo.graph_descendant_of(tip, oid).unwrap_or(false);
            let commit = self.repo.find_commit(oid)?;
            out.push(Provenance {
                commit: Some(oid.to_string()[..7].to_string()),
                summary: commit.summary().ok().flatten().map(str::to_string),
                branches: branches
                    .iter()
                    .filter(|(_, tip)| contains(*tip))
                    .map(|(name, _)| name.clone())
                    .collect(),
                local_only: upstream.is_none_or(|u| !contains(u)),
            });
        }
        Ok(out)
    }

    /// The default branch: what `origin/HEAD` points at, else `main`, else `master`.
    pub fn default_branch(&self) -> Option<(String, Oid)> {
        if let Ok(r) = self.repo.find_reference("refs/remotes/origin/HEAD")
            && let Ok(resolved) = r.resolve()
            && let Some(oid) = resolved.target()
        {
            let name = resolved.shorthand().unwrap_or("origin/HEAD").to_string();
            return Some((name, oid));
        }
        ["main", "master"].iter().find_map(|name| {
            let b = self.repo.find_branch(name, BranchType::Local).ok()?;
            Some((name.to_string(), b.get().target()?))
        })
    }

    /// Commits (walking back from HEAD, at most `limit`) that changed a revision file under
    /// `dir` from a version that had reached the default branch: an applied migration edited
    /// after it was shared. Versions that only lived on a feature branch may change freely.
    pub fn edits_after_default(
        &self,
        dir: &Path,
        limit: usize,
    ) -> Result<Vec<EditedInGit>, GitError> {
        let Some((default_name, default_tip)) = self.default_branch() else {
            return Ok(Vec::new());
        };
        let Some(dir) = self.relative(dir) else {
            return Ok(Vec::new());
        };
        let Ok(head) = self.repo.head().and_then(|h| h.peel_to_commit()) else {
            return Ok(Vec::new());
        };
        let mut options = git2::DiffOptions::new();
        options.pathspec(dir.to_string_lossy().as_ref());

        // Every version of every revision file that reached the default branch: what each
        // commit on its first-parent line (direct commits and merges) brought in.
        let mut shared: std::collections::HashSet<(PathBuf, Oid)> = Default::default();
        let mut mainline = Some(self.repo.find_commit(default_tip)?);
        let mut steps = 0;
        while let Some(commit) = mainline {
            let parent = commit.parent(0).ok();
            let parent_tree = parent.as_ref().map(|p| p.tree()).transpose()?;
            let diff = self.repo.diff_tree_to_tree(
                parent_tree.as_ref(),
                Some(&commit.tree()?),
                Some(&mut options),
            )?;
            for delta in diff.deltas() {
                if let Some(path) = delta.new_file().path() {
                    shared.insert((path.to_path_buf(), delta.new_file().id()));
                }
            }
            steps += 1;
            mainline = if steps < limit { parent } else { None };
        }

        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
        walk.push(head.id())?;
        let mut found = Vec::new();
        for oid in walk.take(limit) {
            let commit = self.repo.find_commit(oid?)?;
            // A merge's changes are its branch's commits, which the walk visits too.
            if commit.parent_count() != 1 {
                continue;
            }
            let parent = commit.parent(0)?;
            let diff = self.repo.diff_tree_to_tree(
                Some(&parent.tree()?),
                Some(&commit.tree()?),
                Some(&mut options),
            )?;
            for delta in diff.deltas() {
                let Some(path) = delta.old_file().path() else {
                    continue;
                };
                let edited = matches!(delta.status(), git2::Delta::Modified | git2::Delta::Deleted);
                if !edited
                    || path.extension().is_none_or(|e| e != "sql")
                    || !shared.contains(&(path.to_path_buf(), delta.old_file().id()))
                    || self.applies_the_same(path, delta.old_file().id(), delta.new_file().id())
                {
                    continue;
                }
                found.push(EditedInGit {
                    path: self.workdir.join(path),
                    commit: commit.id().to_string()[..7].to_string(),
                    summary: commit.summary().ok().flatten().unwrap_or("").to_string(),
                    default_branch: default_name.clone(),
                });
            }
        }
        Ok(found)
    }

    /// Whether two versions of a revision file apply the same SQL: same id and checksum (only
    /// the header, such as `revises:` after `sync` moved a revision, or whitespace changed). A
    /// database that applied the old version is not affected by the new one, so it is no edit.
    fn applies_the_same(&self, path: &Path, old: Oid, new: Oid) -> bool {
        let parse = |oid: Oid| {
            let blob = self.repo.find_blob(oid).ok()?;
            let (revision, _) = schema_core::revision::parse_bytes(path, blob.content()).ok()?;
            Some((
                revision.id.clone(),
                schema_core::checksum::checksum(&revision),
            ))
        };
        !new.is_zero() && matches!((parse(old), parse(new)), (Some(a), Some(b)) if a == b)
    }

    /// Local branches, then remote-tracking branches, with their tips.
    fn branch_tips(&self) -> Result<Vec<(String, Oid)>, GitError> {
        let mut out = Vec::new();
        for kind in [BranchType::Local, BranchType::Remote] {
            for b in self.repo.branches(Some(kind))? {
                let (b, _) = b?;
                let (Ok(Some(name)), Some(tip)) = (b.name(), b.get().target()) else {
                    continue;
                };
                if name.ends_with("/HEAD") {
                    continue;
                }
                out.push((name.to_string(), tip));
            }
        }
        Ok(out)
    }

    fn upstream_tip(&self) -> Option<Oid> {
        let name = self.current_branch()?;
        let branch = self.repo.find_branch(&name, BranchType::Local).ok()?;
        branch.upstream().ok()?.get().target()
    }
}
