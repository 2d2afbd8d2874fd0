use super::*;

/// `files` (name, text) written into a new directory and read as `format`.
fn read_files(format: Format, files: &[(&str, &str)]) -> Result<Vec<Migration>, ImportError> {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    read(format, d.path())
}

/// `m` prepared as the first revisions of a project whose migrations directory is `out`.
fn prepare_new(m: &[Migration], out: &Path) -> Result<Vec<Prepared>, ImportError> {
    let graph = RevisionGraph::new(Vec::new()).unwrap();
    prepare(m, &graph, out, &Templates::default())
}

/// `m` written into `out` by [`prepare_new`], and the graph `out` then loads as.
fn written(m: &[Migration], out: &Path) -> RevisionGraph {
    write(&prepare_new(m, out).unwrap(), out).unwrap();
    RevisionGraph::new(crate::source::load_dir(out).unwrap().revisions).unwrap()
}

#[test]
fn sqlx_pairs_and_lone_files_in_numeric_order() {
    let m = read_files(
        Format::Sqlx,
        &[
            ("10_later.sql", "CREATE TABLE c (id int);\n"),
            (
                "0002_second.up.sql",
                "-- no-transaction\nCREATE INDEX i ON a (id);\n",
            ),
            ("0002_second.down.sql", "DROP INDEX i;\n"),
            ("1_first.up.sql", "CREATE TABLE a (id int);\n"),
            ("1_first.down.sql", "DROP TABLE a;\n"),
        ],
    )
    .unwrap();
    let ids: Vec<&str> = m.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "10"]);
    assert_eq!(m[0].message, "first");
    assert_eq!(m[0].down.as_deref(), Some("DROP TABLE a;\n"));
    assert!(m[1].no_transaction);
    assert!(m[2].down.is_none());
}

#[test]
fn diesel_folders_drop_the_dashes_of_their_version() {
    let m = read_files(
        Format::Diesel,
        &[
            ("2024-01-02-000000_b/up.sql", "CREATE TABLE b (id int);"),
            ("2024-01-02-000000_b/down.sql", "DROP TABLE b;"),
            (
                "2024-01-02-000000_b/metadata.toml",
                "run_in_transaction = false\n",
            ),
            (
                "2024-01-01-120000_create_a/up.sql",
                "CREATE TABLE a (id int);",
            ),
        ],
    )
    .unwrap();
    assert_eq!(m[0].id, "20240101120000");
    assert_eq!(m[0].message, "create a");
    assert!(m[0].down.is_none());
    assert_eq!(m[1].id, "20240102000000");
    assert!(m[1].no_transaction);
}

#[test]
fn dbmate_sections_and_transaction_false() {
    let m = read_files(Format::Dbmate, &[(
        "20240101000000_users.sql",
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n",
    )]).unwrap();
    assert!(m[0].no_transaction);
    assert_eq!(m[0].up.trim(), "CREATE INDEX CONCURRENTLY i ON t (a);");
    assert_eq!(m[0].down.as_deref().map(str::trim), Some("DROP INDEX i;"));
}

#[test]
fn golang_migrate_versions_lose_their_zeros_and_flyway_dots_become_underscores() {
    let m = read_files(
        Format::GolangMigrate,
        &[
            ("000001_a.up.sql", "CREATE TABLE a (id int);"),
            ("000001_a.down.sql", "DROP TABLE a;"),
            ("000002_b.up.sql", "CREATE TABLE b (id int);"),
        ],
    )
    .unwrap();
    assert_eq!(m[0].id, "1");
    assert_eq!(m[1].id, "2");
    let m = read_files(
        Format::Flyway,
        &[
            ("V1_10__later.sql", "SELECT 2;"),
            ("V1_2__earlier.sql", "SELECT 1;"),
            ("U1_2__earlier.sql", "SELECT 0;"),
        ],
    )
    .unwrap();
    assert_eq!(m[0].id, "1_2");
    assert_eq!(m[0].down.as_deref(), Some("SELECT 0;"));
    assert_eq!(m[1].id, "1_10");
}

#[test]
fn an_empty_dir_names_the_layout_it_has() {
    match read_files(Format::Sqlx, &[("V1__a.sql", "SELECT 1;")]) {
        Err(ImportError::NoMigrations { others, .. }) => {
            assert_eq!(others, [Format::Refinery, Format::Flyway])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn prepared_files_parse_back_as_a_chain() {
    let m = read_files(
        Format::Sqlx,
        &[
            (
                "1_a.up.sql",
                "-- no-transaction\nCREATE TABLE a (id int);\n",
            ),
            ("1_a.down.sql", "DROP TABLE a;\n"),
            ("2_b.sql", "CREATE TABLE b (id int);\n"),
        ],
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let g = written(&m, out.path());
    let two = g.node(g.index_of("2").unwrap());
    assert_eq!(two.revision.parents, ["1"]);
    assert!(two.revision.down.is_none());
    let one = &g.node(g.index_of("1").unwrap()).revision;
    assert!(!one.up.transaction);
    // A second import collides before writing anything.
    let e = prepare(&m, &g, out.path(), &Templates::default()).unwrap_err();
    assert!(matches!(e, ImportError::Collisions { ref collisions } if collisions.len() == 2));
}

#[test]
fn a_marker_line_in_the_sql_is_refused() {
    let m = read_files(
        Format::Sqlx,
        &[("1_a.sql", "SELECT 1;\n-- migrate:down\nSELECT 2;\n")],
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    assert!(prepare_new(&m, out.path()).is_err());
}

/// An Alembic-like graph: a branch point, a labelled branch that depends on the other, and a
/// merge whose sections are empty.
#[test]
fn a_graph_keeps_its_parents_labels_and_dependencies() {
    let rev = |id: &str, parents: &[&str], labels: &[&str], deps: &[&str], up: &str| Migration {
        version: id.to_string(),
        id: id.to_string(),
        message: format!("rev {id}"),
        up: up.to_string(),
        down: Some(String::new()),
        no_transaction: false,
        files: vec![PathBuf::from(format!("{id}.py"))],
        parents: Some(parents.iter().map(|s| s.to_string()).collect()),
        branch_labels: labels.iter().map(|s| s.to_string()).collect(),
        depends_on: deps.iter().map(|s| s.to_string()).collect(),
        review: None,
    };
    let m = [
        rev("a", &[], &[], &[], "CREATE TABLE a (id int);"),
        rev("b", &["a"], &[], &[], "CREATE TABLE b (id int);"),
        rev("c", &["a"], &["audit"], &["b"], "CREATE TABLE c (id int);"),
        rev("m", &["b", "c"], &[], &[], ""),
    ];
    let out = tempfile::tempdir().unwrap();
    let g = written(&m, out.path());
    let node = |id: &str| g.node(g.index_of(id).unwrap()).revision.clone();
    assert_eq!(node("m").parents, ["b", "c"]);
    assert_eq!(node("c").parents, ["a"]);
    assert_eq!(node("c").depends_on, ["b"]);
    assert_eq!(node("c").branch_labels, ["audit"]);
    assert!(node("a").parents.is_empty());
    // A label taken by a revision already there collides too.
    let mut taken = m.to_vec();
    taken.retain(|r| r.id == "c");
    taken[0].id = "c2".to_string();
    let e = prepare(&taken, &g, out.path(), &Templates::default()).unwrap_err();
    assert!(
        matches!(e, ImportError::Collisions { ref collisions } if collisions[0].id == "audit"),
        "{e:?}"
    );
}
