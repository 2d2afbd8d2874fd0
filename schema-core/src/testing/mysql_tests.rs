//! MySQL/MariaDB templates with what a copy does not take.

use super::tests::{MY, migrator, reachable, template_guard};
use super::*;

#[tokio::test]
async fn mysql_a_template_with_a_view_a_trigger_and_a_procedure_is_refused() {
    if !reachable(MY).await {
        return;
    }
    let extra = "CREATE VIEW item_names AS SELECT name FROM items;\n\
                 CREATE TRIGGER items_upper BEFORE INSERT ON items FOR EACH ROW \
                 SET NEW.name = UPPER(NEW.name);\n\
                 CREATE PROCEDURE count_items() SELECT COUNT(*) FROM items;";
    let m = migrator("myrefuse", "v1", extra);
    let tpl = TestDatabase::template_name(&m);
    let _guard = template_guard(MY, &tpl);
    let err = TestDatabase::new(&m, MY).await.expect_err("refused");
    let message = err.to_string();
    assert!(matches!(err, TestDbError::NotCopied { .. }), "{message}");
    for what in [
        "the view `item_names`",
        "the trigger `items_upper`",
        "the procedure `count_items`",
        "do not copy",
    ] {
        assert!(message.contains(what), "{what} in {message}");
    }
}
