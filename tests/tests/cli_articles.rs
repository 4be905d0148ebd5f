//! `tadhkira articles` and `tadhkira article` on the demo knowledge base, as a script
//! sees them: a customer's store holds the published articles only (never the demo's
//! draft or archived one), a search folds Arabic as the app's suggestions do, and one
//! article prints its Markdown.

use std::path::Path;
use std::process::{Command, Output};

use tadhkira_tests::server::{spawn_server, PASSWORD};
use tadhkira_tests::workspace_bin;

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(workspace_bin("tadhkira"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TADHKIRA_PASSWORD", PASSWORD)
        .env("TADHKIRA_LANG", "en")
        .output()
        .expect("tadhkira runs")
}

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn signed_in(server: &tadhkira_tests::server::TestServer, email: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let login = cli(
        dir.path(),
        &["login", "--server", &server.url(), "--email", email],
    );
    assert_eq!(login.status.code(), Some(0), "{login:?}");
    let sync = cli(dir.path(), &["sync"]);
    assert_eq!(sync.status.code(), Some(0), "{sync:?}");
    dir
}

#[test]
fn a_customer_lists_searches_and_reads_the_published_articles_offline() {
    let mut server = spawn_server();
    server.demo();
    let customer = signed_in(&server, "customer@nile.example");
    let agent = signed_in(&server, "l1@tadhkira.example");
    // Everything below reads the local store: the server may go.
    server.stop();
    let d = customer.path();

    let list = json(&cli(d, &["--json", "articles"]));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 20, "ten problems in two languages");
    assert!(list.iter().all(|a| a["status"] == "published"));
    let all = json(&cli(d, &["--json", "articles", "--all"]));
    assert_eq!(all.as_array().unwrap().len(), 20, "--all is for staff only");
    let staff = json(&cli(agent.path(), &["--json", "articles", "--all"]));
    assert_eq!(
        staff.as_array().unwrap().len(),
        22,
        "staff also have the draft and the archived one"
    );

    for typed in ["الطابعه لا تطبع", "الطّابِعَة لا تَطْبَع"] {
        let hits = json(&cli(d, &["--json", "articles", "--search", typed]));
        let first = &hits[0];
        let title: String = first["title"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        assert_eq!(title, "الطابعة لا تطبع أو تظهر غير متصلة", "{typed}");
    }

    let id = list
        .iter()
        .find(|a| a["title"] == "Printer shows offline")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = cli(d, &["article", &id]);
    assert_eq!(shown.status.code(), Some(0), "{shown:?}");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.starts_with("Printer shows offline"), "{text}");
    assert!(text.contains("version 1"), "{text}");
    assert!(
        text.contains("If a network printer shows **offline**"),
        "{text}"
    );
    let missing = cli(d, &["article", "0190a1b2-0000-7000-8000-000000000000"]);
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
}
