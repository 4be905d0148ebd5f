//! The CLI and transport security: plain `http://` to another machine is refused before
//! any connection (with a message that says why), and HTTPS works with a company CA
//! that the machine trusts the way the OS store is read (`SSL_CERT_FILE`), not only
//! with the bundled public roots.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use tadhkira_tests::server::{spawn_server_tls, PASSWORD};
use tadhkira_tests::workspace_bin;

fn cli(dir: &Path, args: &[&str], ca_file: Option<&Path>) -> Output {
    let mut cmd = Command::new(workspace_bin("tadhkira"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TADHKIRA_PASSWORD", PASSWORD)
        .env("TADHKIRA_LANG", "en")
        .env_remove("TADHKIRA_INSECURE")
        .env_remove("SSL_CERT_DIR");
    match ca_file {
        Some(f) => cmd.env("SSL_CERT_FILE", f),
        None => cmd.env_remove("SSL_CERT_FILE"),
    };
    cmd.output().expect("tadhkira runs")
}

#[test]
fn the_cli_refuses_plain_http_to_another_machine_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    // TEST-NET-1: nothing answers there, so a connection attempt would take the
    // connect timeout (5 s); the refusal comes first.
    let out = cli(
        dir.path(),
        &[
            "login",
            "--server",
            "http://192.0.2.1:1",
            "--email",
            "customer@nile.example",
        ],
        None,
    );
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stderr.contains("refusing plain http:// to 192.0.2.1")
            && stderr.contains("unencrypted")
            && stderr.contains("--insecure"),
        "says why and what to do: {stderr}"
    );
    assert!(
        took < Duration::from_secs(3),
        "no connection tried: {took:?}"
    );

    // With the lab-use opt-in it does try (and finds nobody: offline, exit 1).
    let out = cli(
        dir.path(),
        &[
            "login",
            "--insecure",
            "--server",
            "http://192.0.2.1:1",
            "--email",
            "customer@nile.example",
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr.contains("server unreachable"), "{stderr}");
}

#[test]
fn the_cli_talks_https_to_a_server_whose_ca_the_machine_trusts() {
    // A company CA and a server certificate for this machine.
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Tadhkira test company CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let pki = tempfile::tempdir().unwrap();
    let (cert, key, ca_file) = (
        pki.path().join("cert.pem"),
        pki.path().join("key.pem"),
        pki.path().join("company-ca.pem"),
    );
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let server = spawn_server_tls(&cert, &key);
    server.demo();
    let url = server.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let dir = tempfile::tempdir().unwrap();
    let login = [
        "--json",
        "login",
        "--server",
        &url,
        "--email",
        "customer@nile.example",
    ];

    // Without the company CA the certificate is not trusted.
    let out = cli(dir.path(), &login, None);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("server unreachable"),
        "{out:?}"
    );

    // With it (read as the OS store would be), sign-in and a sync work over HTTPS.
    let out = cli(dir.path(), &login, Some(&ca_file));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(account["user"]["email"], "customer@nile.example");
    assert_eq!(account["insecure"], false);
    let out = cli(dir.path(), &["--json", "list"], Some(&ca_file));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = cli(dir.path(), &["sync"], Some(&ca_file));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}
