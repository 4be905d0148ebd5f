//! `tadhkira new --for EMAIL` against a real server: staff file on a customer's behalf
//! from the customer directory (channel phone, contact prefilled), a lapsed
//! organisation needs `--override-reason`, unknown e-mails and customers using `--for`
//! get a clear error; `show` prints what the customer gave (contact, checks done and
//! not done, system information), in text and JSON; `list --search` finds a ticket by
//! its number however it is typed.

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

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn login(dir: &Path, server: &str, email: &str) {
    let o = cli(dir, &["login", "--server", server, "--email", email]);
    assert_eq!(code(&o), 0, "{o:?}");
}

/// `n` in Arabic-Indic digits.
fn arabic_digits(n: i64) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap()).unwrap())
        .collect()
}

#[test]
fn staff_file_for_a_customer_by_e_mail_and_show_prints_what_was_given() {
    let server = spawn_server();
    server.demo();
    let agent_dir = tempfile::tempdir().unwrap();
    let a = agent_dir.path();
    login(a, &server.url(), "l1@tadhkira.example");

    let filed = cli(
        a,
        &[
            "--json",
            "new",
            "--for",
            "Customer@Nile.Example",
            "--title",
            "Scanner on the second floor jams",
            "--description",
            "Called in at 9: every page jams.",
        ],
    );
    assert_eq!(code(&filed), 0, "{filed:?}");
    let number = json(&filed)["number"].as_i64().expect("numbered online");

    let show = json(&cli(a, &["--json", "show", &number.to_string()]));
    let tk = &show["ticket"];
    assert_eq!(tk["channel"], "phone", "staff filing defaults to phone");
    assert_eq!(tk["org_name"], "Nile Logistics");
    assert_eq!(tk["contact"]["email"], "customer@nile.example", "prefilled");
    assert_ne!(tk["requester_id"], tk["created_by"]);
    assert_eq!(
        show["first_line_checks"],
        serde_json::json!([
            {"id": "restarted", "done": false},
            {"id": "network_checked", "done": false},
            {"id": "help_articles_read", "done": false},
        ])
    );

    // An explicit channel, walk-in.
    let walk_in = cli(
        a,
        &[
            "--json",
            "new",
            "--for",
            "customer@nile.example",
            "--channel",
            "other",
            "--title",
            "Brought the laptop to the desk",
            "--description",
            "Fan noise",
            "--contact-phone",
            "+٢٠ ١٠٠ ٥٥٥ ٠١٠٠",
        ],
    );
    assert_eq!(code(&walk_in), 0, "{walk_in:?}");
    let walk_in = json(&walk_in)["number"].as_i64().unwrap();
    let text = stdout(&cli(a, &["show", &format!("#{walk_in}")]));
    assert!(text.contains("channel walk-in / other"), "{text}");
    assert!(
        text.contains("+20 100 555 0100"),
        "normalised phone: {text}"
    );
    assert!(
        text.contains("[ ] restarted the application or device"),
        "{text}"
    );
    assert!(text.contains("system information: not attached"), "{text}");

    // A bad contact detail is refused before anything is queued, naming the field.
    let bad = cli(
        a,
        &[
            "new",
            "--for",
            "customer@nile.example",
            "--title",
            "Bad contact",
            "--description",
            "x",
            "--contact-email",
            "nile@",
        ],
    );
    assert_eq!(code(&bad), 1, "{bad:?}");
    assert!(stderr(&bad).contains("contact e-mail"), "{}", stderr(&bad));

    // Unknown e-mail: a clear error, nothing filed.
    let unknown = cli(
        a,
        &[
            "new",
            "--for",
            "nobody@nowhere.example",
            "--title",
            "Who?",
            "--description",
            "x",
        ],
    );
    assert_eq!(code(&unknown), 1, "{unknown:?}");
    assert!(
        stderr(&unknown).contains("no customer with the e-mail nobody@nowhere.example"),
        "{}",
        stderr(&unknown)
    );

    // A lapsed organisation: refused without a reason, accepted with one, the reason
    // on the timeline.
    let lapsed = [
        "new",
        "--for",
        "customer@dunes.example",
        "--title",
        "Customs portal down",
        "--description",
        "since 9",
    ];
    let refused = cli(a, &lapsed);
    assert_eq!(code(&refused), 1, "{refused:?}");
    assert!(
        stderr(&refused).contains("Dunes Trading's subscription is not active"),
        "{}",
        stderr(&refused)
    );
    let reason = "Renewal paid by transfer, finance to confirm";
    let mut with_reason = vec!["--json"];
    with_reason.extend(lapsed);
    with_reason.extend(["--override-reason", reason]);
    let accepted = cli(a, &with_reason);
    assert_eq!(code(&accepted), 0, "{accepted:?}");
    let lapsed_number = json(&accepted)["number"].as_i64().unwrap();
    let text = stdout(&cli(a, &["show", &lapsed_number.to_string()]));
    assert!(
        text.contains(&format!(
            "logged it although Dunes Trading's subscription is not active: {reason}"
        )),
        "{text}"
    );

    // Found by number, however it is typed.
    for typed in [
        number.to_string(),
        format!("#{number}"),
        arabic_digits(number),
    ] {
        let page = json(&cli(a, &["--json", "list", "--search", &typed]));
        let numbers: Vec<i64> = page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["number"].as_i64())
            .collect();
        assert!(numbers.contains(&number), "{typed}: {page}");
    }

    // A customer cannot use --for.
    let customer_dir = tempfile::tempdir().unwrap();
    let c = customer_dir.path();
    login(c, &server.url(), "customer@nile.example");
    let theirs = cli(
        c,
        &[
            "new",
            "--for",
            "customer@nile.example",
            "--title",
            "For me",
            "--description",
            "x",
        ],
    );
    assert_eq!(code(&theirs), 1, "{theirs:?}");
    assert!(
        stderr(&theirs).contains("--for is for staff"),
        "{}",
        stderr(&theirs)
    );
    // The customer's own ticket shows the contact they gave.
    assert_eq!(code(&cli(c, &["sync"])), 0);
    let shown = stdout(&cli(c, &["show", &number.to_string()]));
    assert!(shown.contains("contact "), "{shown}");
    assert!(shown.contains("customer@nile.example"), "{shown}");
}
