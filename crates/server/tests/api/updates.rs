//! Releases of the desktop app over the REST API (issue 23): only admins publish and
//! list them; the apps, signed in or not, are offered the newest release above their
//! version for their target (semver order, not text) in the shape Tauri's updater reads,
//! or nothing (204); the package downloads byte for byte from the manifest's url and its
//! signature verifies. With the updater's public key configured, a package changed after
//! signing, signed by another key, or not signed at all is refused and nothing is stored.

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tadhkira_proto::Role;

use crate::helpers::{test_settings, Db, TestApp};
use crate::on_both;

const RELEASES: &str = "SELECT COUNT(*) AS n FROM app_updates";
const PUBLISH_AUDIT: &str = "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'update.publish'";
const TARGET: &str = "linux-x86_64-deb";

/// A form's fields by name, in order.
type Fields = Vec<(String, Vec<u8>)>;

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A minisign key pair in Tauri's form: (public key, secret key), base64 of the boxes.
struct Key {
    public: String,
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

fn key() -> Key {
    let minisign::KeyPair { pk, sk } =
        minisign::KeyPair::generate_unencrypted_keypair().expect("a key pair");
    Key {
        public: b64(&pk.to_box().expect("public key box").to_string()),
        pk,
        sk,
    }
}

/// The `.sig` of `data`, signed as `version`, as Tauri writes it (base64 of the
/// signature box's text, the version in its trusted comment).
fn sign(key: &Key, data: &[u8], version: &str) -> String {
    let sig = minisign::sign(
        Some(&key.pk),
        &key.sk,
        std::io::Cursor::new(data),
        Some(&format!(
            "timestamp:0\tfile:tadhkira.deb\tversion:{version}"
        )),
        None,
    )
    .expect("sign");
    b64(&sig.to_string())
}

/// A package's bytes (the server does not look inside; the app does).
fn package(version: &str) -> Vec<u8> {
    let mut bytes = b"!<arch>\ndebian-binary   ".to_vec();
    bytes.extend(format!("tadhkira {version} ").repeat(2000).into_bytes());
    bytes
}

/// A `multipart/form-data` body: (content type, bytes).
fn form(fields: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "tadhkira-test-boundary-7c1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--{boundary}\r\n").into_bytes());
        if *name == "package" {
            body.extend_from_slice(
                b"Content-Disposition: form-data; name=\"package\"; filename=\"tadhkira.deb\"\r\n\
                  Content-Type: application/octet-stream\r\n\r\n",
            );
        } else {
            body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").into_bytes(),
            );
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn publish(app: &TestApp, token: &str, fields: &[(&str, &[u8])]) -> (StatusCode, Value) {
    let (content_type, body) = form(fields);
    let resp = app
        .http
        .post(app.url("/admin/updates"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("publish");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn publish_signed(
    app: &TestApp,
    token: &str,
    key: &Key,
    version: &str,
    notes: &str,
) -> (StatusCode, Value) {
    let bytes = package(version);
    let sig = sign(key, &bytes, version);
    publish(
        app,
        token,
        &[
            ("target", TARGET.as_bytes()),
            ("version", version.as_bytes()),
            ("notes", notes.as_bytes()),
            ("signature", sig.as_bytes()),
            ("package", &bytes),
        ],
    )
    .await
}

/// What the app's updater asks, without a token.
async fn manifest(app: &TestApp, target: &str, current: &str) -> (StatusCode, Value) {
    app.call(
        Method::GET,
        &format!("/updates/{target}/{current}"),
        None,
        None,
    )
    .await
}

async fn an_admin_publishes_a_signed_release_and_apps_are_offered_only_a_newer_one(db: Db) {
    let key = key();
    let mut settings = test_settings();
    settings.updates.public_key = Some(key.public.clone());
    let app = TestApp::spawn_with(db, settings).await;
    let c = app.cast().await;

    // Nothing published: nothing offered.
    let (status, body) = manifest(&app, TARGET, "0.1.0").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Only admins publish and list.
    for who in [&c.customer_a, &c.agent] {
        let (status, body) = publish_signed(&app, &who.token, &key, "0.2.0", "x").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", who.email);
        let (status, _) = app.get(who, "/admin/updates").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count_on_database(RELEASES).await, 0);

    let notes = "What's new: faster sync.\nما الجديد: مزامنة أسرع.";
    let (status, release) = publish_signed(&app, &c.admin.token, &key, "0.2.0", notes).await;
    assert_eq!(status, StatusCode::CREATED, "{release}");
    assert_eq!(release["version"], "0.2.0");
    assert_eq!(release["target"], TARGET);
    assert_eq!(release["signature_checked"], true);
    assert_eq!(release["published_by"], c.admin.id.to_string());
    assert_eq!(app.count_on_database(PUBLISH_AUDIT).await, 1);

    // An app on 0.1.0 is offered 0.2.0, with what is new and a signed download.
    let (status, offer) = manifest(&app, TARGET, "0.1.0").await;
    assert_eq!(status, StatusCode::OK, "{offer}");
    assert_eq!(offer["version"], "0.2.0");
    assert_eq!(offer["notes"], notes);
    assert!(offer["pub_date"].as_str().is_some(), "{offer}");
    let url = offer["url"].as_str().expect("url").to_owned();
    assert_eq!(url, app.url(&format!("/updates/{TARGET}/0.2.0/file")));
    let resp = app.http.get(&url).send().await.expect("download");
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.expect("bytes");
    assert_eq!(bytes.as_ref(), package("0.2.0").as_slice());
    tadhkira_server::updates::verify(
        &key.public,
        &bytes,
        offer["signature"].as_str().unwrap(),
        &semver::Version::new(0, 2, 0),
    )
    .expect("the served signature verifies over the served bytes");

    // Up to date or ahead: nothing. Another target: nothing.
    for current in ["0.2.0", "0.3.0", "1.0.0"] {
        let (status, body) = manifest(&app, TARGET, current).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{current}: {body}");
    }
    let (status, _) = manifest(&app, "linux-x86_64-rpm", "0.1.0").await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Versions are semver: 0.10.0 is newer than 0.9.0 and 0.2.0 (not as text).
    for v in ["0.10.0", "0.9.0"] {
        let (status, body) = publish_signed(&app, &c.admin.token, &key, v, v).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, offer) = manifest(&app, TARGET, "0.2.0").await;
    assert_eq!(offer["version"], "0.10.0");
    let (status, _) = manifest(&app, TARGET, "0.10.0").await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // A release is never replaced.
    let (status, body) = publish_signed(&app, &c.admin.token, &key, "0.9.0", "again").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "conflict");

    let (status, list) = app.get(&c.admin, "/admin/updates").await;
    assert_eq!(status, StatusCode::OK);
    let versions: Vec<&str> = list["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["0.10.0", "0.9.0", "0.2.0"]);

    // Nonsense is refused, naming what is wrong.
    let (status, body) = manifest(&app, "linux-x86_64-exe", "0.1.0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = manifest(&app, TARGET, "latest").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = publish_signed(&app, &c.admin.token, &key, "one", "x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("one"), "{body}");
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/updates/{TARGET}/0.5.0/file"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await;
}
on_both!(an_admin_publishes_a_signed_release_and_apps_are_offered_only_a_newer_one);

async fn a_tampered_or_unsigned_package_is_refused_and_nothing_is_stored(db: Db) {
    let other = key();
    let key = key();
    let mut settings = test_settings();
    settings.updates.public_key = Some(key.public.clone());
    let app = TestApp::spawn_with(db, settings).await;
    let admin = app
        .person("admin@help.example", Role::Admin, None, None)
        .await;

    let bytes = package("0.2.0");
    let signature = sign(&key, &bytes, "0.2.0");
    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let by_other = sign(&other, &bytes, "0.2.0");
    let as_other_version = sign(&key, &bytes, "0.1.9");
    let fields = |package: &[u8], signature: Option<&str>| -> Vec<(String, Vec<u8>)> {
        let mut f = vec![
            ("target".to_owned(), TARGET.as_bytes().to_vec()),
            ("version".to_owned(), b"0.2.0".to_vec()),
            ("notes".to_owned(), b"notes".to_vec()),
        ];
        if let Some(s) = signature {
            f.push(("signature".to_owned(), s.as_bytes().to_vec()));
        }
        f.push(("package".to_owned(), package.to_vec()));
        f
    };
    let cases: [(&str, Fields, &str); 5] = [
        (
            "signed as another version",
            fields(&bytes, Some(&as_other_version)),
            "signed as version 0.1.9",
        ),
        (
            "changed after signing",
            fields(&tampered, Some(&signature)),
            "does not verify",
        ),
        (
            "signed by another key",
            fields(&bytes, Some(&by_other)),
            "does not verify",
        ),
        ("not signed", fields(&bytes, None), "signature"),
        (
            "a signature that is not one",
            fields(&bytes, Some(&b64("hello"))),
            "minisign",
        ),
    ];
    for (what, fields, says) in &cases {
        let borrowed: Vec<(&str, &[u8])> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let (status, body) = publish(&app, &admin.token, &borrowed).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        assert_eq!(body["code"], "invalid", "{what}");
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{what}: {body}"
        );
    }
    assert_eq!(
        app.count_on_database(RELEASES).await,
        0,
        "nothing was recorded"
    );
    assert_eq!(app.count_on_database(PUBLISH_AUDIT).await, 0);
    let (status, _) = manifest(&app, TARGET, "0.1.0").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "nothing is offered");
    let blobs = app.data_dir().join("blobs");
    let stored = walk(&blobs);
    assert!(
        stored.is_empty(),
        "refused packages were stored: {stored:?}"
    );

    // The signed package itself is taken.
    let borrowed = fields(&bytes, Some(&signature));
    let borrowed: Vec<(&str, &[u8])> = borrowed
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let (status, body) = publish(&app, &admin.token, &borrowed).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.finish().await;
}
on_both!(a_tampered_or_unsigned_package_is_refused_and_nothing_is_stored);

/// Files below `dir` (none when it does not exist).
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn without_the_public_key_a_wellformed_signature_is_kept_unchecked(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app
        .person("admin@help.example", Role::Admin, None, None)
        .await;
    let (status, body) = publish_signed(&app, &admin.token, &key(), "0.2.0", "n").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["signature_checked"], false, "{body}");
    // Still no package without a signature: the apps would refuse it.
    let bytes = package("0.3.0");
    let (status, body) = publish(
        &app,
        &admin.token,
        &[
            ("target", TARGET.as_bytes()),
            ("version", b"0.3.0"),
            ("package", &bytes),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    app.finish().await;
}
on_both!(without_the_public_key_a_wellformed_signature_is_kept_unchecked);
