//! `merge`: a merge revision over the named revisions (or all heads).

use schema_core::Project;

use crate::cli::MergeArgs;
use crate::error::CliError;
use crate::output::Out;
use crate::{scaffold, target};

pub fn merge(project: &Project, args: &MergeArgs, out: Out) -> Result<(), CliError> {
    let graph = &project.graph;
    let targets = args
        .revisions
        .iter()
        .map(|r| target::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    let parents = graph.merge_parents(&targets)?;
    let new = scaffold::for_merge(project, args, &parents);
    scaffold::create(project, &new, out).map(drop)
}
