//! `tadhkira login` reads the password without echo from a terminal, and still takes it
//! from a pipe so scripts keep working. The terminal is a real pseudo-terminal made by
//! `script` (util-linux): whatever the terminal echoes shows in its transcript.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use tadhkira_tests::server::{spawn_server, PASSWORD};
use tadhkira_tests::workspace_bin;

#[test]
fn the_password_typed_on_a_terminal_is_not_echoed() {
    let server = spawn_server();
    server.demo();
    let dir = tempfile::tempdir().unwrap();
    let login = format!(
        "{} --data-dir {} --lang en login --server {} --email customer@nile.example",
        workspace_bin("tadhkira").display(),
        dir.path().display(),
        server.url()
    );
    let mut child = Command::new("script")
        .args(["-qefc", &login, "/dev/null"])
        .env_remove("TADHKIRA_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    // Typed once the prompt is up (the terminal is in no-echo mode by then).
    std::thread::sleep(Duration::from_millis(1500));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    let transcript = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{transcript}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        transcript.contains("password for customer@nile.example:"),
        "{transcript}"
    );
    assert!(transcript.contains("signed in as"), "{transcript}");
    assert!(
        !transcript.contains(PASSWORD),
        "the password was echoed: {transcript}"
    );
}

#[test]
fn a_script_can_still_pipe_the_password() {
    let server = spawn_server();
    server.demo();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(workspace_bin("tadhkira"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--lang", "en", "login", "--server", &server.url()])
        .args(["--email", "customer@nile.example"])
        .env_remove("TADHKIRA_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("signed in as"));
}
