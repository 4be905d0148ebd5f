//! The `tadhkira` CLI as a script sees it: JSON output, exit codes (0 ok, 1 error,
//! 2 usage, 3 saved but offline, 4 rejected), the token file's mode, and the data-folder
//! lock.

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
        // The assertions read English output, whatever the machine's LANG says.
        .env("TADHKIRA_LANG", "en")
        .output()
        .expect("tadhkira runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn a_script_can_file_list_show_and_change_tickets() {
    let mut server = spawn_server();
    server.demo();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    assert_eq!(code(&cli(d, &["list"])), 1, "not signed in yet");
    assert_eq!(code(&cli(d, &["frobnicate"])), 2, "usage error");
    let bad = cli(
        d,
        &[
            "login",
            "--server",
            &server.url(),
            "--email",
            "customer@nile.example",
            "--password",
            "nope",
        ],
    );
    assert_eq!(code(&bad), 1);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("bad_credentials"),
        "{bad:?}"
    );

    let login = cli(
        d,
        &[
            "--json",
            "login",
            "--server",
            &server.url(),
            "--email",
            "customer@nile.example",
        ],
    );
    assert_eq!(code(&login), 0, "{login:?}");
    assert_eq!(json(&login)["user"]["email"], "customer@nile.example");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is private");
    }

    let new = cli(
        d,
        &[
            "--json",
            "new",
            "--title",
            "طابعةُ مكتبِ الأرشيفِ لا تطبع",
            "--description",
            "منذ الصباح",
            "--priority",
            "high",
        ],
    );
    assert_eq!(code(&new), 0, "{new:?}");
    let number = json(&new)["number"]
        .as_i64()
        .expect("numbered at once when online");

    let list = cli(
        d,
        &["--json", "list", "--search", "الارشيف", "--priority", "high"],
    );
    let page = json(&list);
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["rows"][0]["number"], number);

    let n = format!("#{number}");
    assert_eq!(code(&cli(d, &["reply", &n, "any update?"])), 0);
    assert_eq!(
        code(&cli(d, &["note", &n, "internal"])),
        1,
        "customers write no internal notes"
    );
    assert_eq!(code(&cli(d, &["status", &n, "solved"])), 0);
    let show = json(&cli(d, &["--json", "show", &n]));
    assert_eq!(show["ticket"]["status"], "solved");
    assert_eq!(show["messages"].as_array().unwrap().len(), 1);

    // Offline: the change is saved and queued, exit code 3; it goes out later.
    server.stop();
    let queued = cli(d, &["reply", &n, "written offline"]);
    assert_eq!(code(&queued), 3, "{queued:?}");
    let outbox = json(&cli(d, &["--json", "outbox"]));
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    assert_eq!(code(&cli(d, &["sync"])), 3);
    server.start();
    assert_eq!(code(&cli(d, &["sync"])), 0);
    assert_eq!(
        json(&cli(d, &["--json", "outbox"]))
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // While another process holds the folder, a second one says so.
    let mut watch = Command::new(workspace_bin("tadhkira"))
        .arg("--data-dir")
        .arg(d)
        .arg("watch")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let locked = cli(d, &["list"]);
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!(code(&locked), 1);
    assert!(
        String::from_utf8_lossy(&locked.stderr).contains("in use"),
        "{locked:?}"
    );

    assert_eq!(code(&cli(d, &["logout"])), 0);
    assert!(!d.join("token").exists());
}

#[test]
fn a_lapsed_customer_gets_exit_code_4_and_can_resend_after_renewal() {
    let server = spawn_server();
    server.demo();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(
        code(&cli(
            d,
            &[
                "login",
                "--server",
                &server.url(),
                "--email",
                "customer@dunes.example"
            ]
        )),
        0
    );
    let new = cli(
        d,
        &[
            "new",
            "--title",
            "Customs portal down",
            "--description",
            "since 9",
        ],
    );
    assert_eq!(code(&new), 4, "{new:?}");
    let outbox = json(&cli(d, &["--json", "outbox"]));
    assert_eq!(outbox[0]["error"]["code"], "subscription_inactive");
    let id = outbox[0]["id"].as_str().unwrap().to_owned();
    server.set_subscription("Dunes Trading", "2099-01-01");
    let edited = cli(
        d,
        &[
            "outbox",
            "resend",
            &id,
            "--title",
            "Customs portal down, all day",
        ],
    );
    assert_eq!(code(&edited), 0, "{edited:?}");
    let list = json(&cli(d, &["--json", "list", "--search", "customs portal"]));
    assert_eq!(
        list["rows"][0]["title"], "Customs portal down, all day",
        "{list}"
    );
    assert!(list["rows"][0]["number"].as_i64().is_some(), "{list}");
}

#[test]
fn the_breaching_queue_lists_exactly_the_tickets_past_a_response_target() {
    let server = spawn_server();
    server.demo();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let login = cli(
        d,
        &[
            "login",
            "--server",
            &server.url(),
            "--email",
            "l3@tadhkira.example",
        ],
    );
    assert_eq!(code(&login), 0, "{login:?}");

    let all = json(&cli(d, &["--json", "list", "--limit", "500"]));
    let rows = all["rows"].as_array().expect("rows");
    assert_eq!(
        rows.len() as i64,
        all["total"].as_i64().unwrap(),
        "one page"
    );
    let mut expected: Vec<_> = rows
        .iter()
        .filter(|r| r["breaching"] == true)
        .map(|r| r["id"].clone())
        .collect();
    assert!(!expected.is_empty(), "the demo has overdue tickets");
    assert!(expected.len() < rows.len(), "and tickets on time");

    let breaching = cli(
        d,
        &["--json", "list", "--queue", "breaching", "--limit", "500"],
    );
    assert_eq!(code(&breaching), 0, "{breaching:?}");
    let mut got: Vec<_> = json(&breaching)["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    expected.sort_by_key(|v| v.to_string());
    got.sort_by_key(|v| v.to_string());
    assert_eq!(got, expected);
}
