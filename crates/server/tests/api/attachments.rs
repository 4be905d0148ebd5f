//! Attachments: resumable uploads, content-addressed storage, who may attach and who
//! may download, refused types and sizes. On SQLite and PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tadhkira_proto::{AttachmentRef, FileName, Mutation, MutationEnvelope, Sha256Hex, Visibility};
use tadhkira_server::config::AttachmentLimits;
use uuid::Uuid;

use crate::helpers::{m, test_settings, Db, Person, TestApp};
use crate::on_both;

/// A real 1×1 PNG (a screenshot as far as any sniffer can tell).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82";
/// The start of a Linux program.
const ELF: &[u8] =
    b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00\x01\x00\x00\x00";
/// The start of a Windows program.
const PE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00";

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A log of about `n` bytes with Arabic in it (multi-byte characters cut by chunks).
fn log(n: usize) -> Vec<u8> {
    let line = "2026-12-01T10:00:00Z ERROR الطابعة غير متصلة printer=HP-4 code=0x1f\n";
    let mut bytes = line.repeat(n / line.len() + 1).into_bytes();
    bytes.truncate(n);
    // A cut character at the end would not be text: end on whole characters.
    while let Err(e) = std::str::from_utf8(&bytes) {
        let at = e.valid_up_to();
        bytes[at] = b'.';
    }
    bytes
}

fn attach(bytes: &[u8], name: &str) -> AttachmentRef {
    AttachmentRef {
        sha256: Sha256Hex::parse(sha(bytes)).unwrap(),
        name: FileName::parse(name).unwrap(),
    }
}

/// `POST /uploads` as `who`.
async fn start(app: &TestApp, who: &Person, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        "/uploads",
        Some(&who.token),
        Some(json!({"name": name, "size": bytes.len(), "sha256": sha(bytes)})),
    )
    .await
}

/// `PUT /uploads/{id}?offset=…` with raw bytes.
async fn chunk(
    app: &TestApp,
    who: &Person,
    id: &str,
    offset: usize,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let resp = app
        .http
        .put(app.url(&format!("/uploads/{id}?offset={offset}")))
        .bearer_auth(&who.token)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("chunk");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Uploads a whole file in chunks of `size`; answers the final status.
async fn upload(app: &TestApp, who: &Person, name: &str, bytes: &[u8], size: usize) -> Value {
    let (s, mut status) = start(app, who, name, bytes).await;
    assert!(s.is_success(), "{s} {status}");
    let id = status["id"].as_str().unwrap().to_owned();
    while !status["complete"].as_bool().unwrap() {
        let at = status["offset"].as_u64().unwrap() as usize;
        let end = (at + size).min(bytes.len());
        let (s, next) = chunk(app, who, &id, at, &bytes[at..end]).await;
        assert_eq!(s, StatusCode::OK, "{next}");
        status = next;
    }
    status
}

/// `GET /attachments/{id}`: status, headers and bytes.
async fn download(
    app: &TestApp,
    who: &Person,
    id: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = app
        .http
        .get(app.url(&format!("/attachments/{id}")))
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("download");
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.expect("bytes").to_vec())
}

fn ticket_with(id: Uuid, files: Vec<AttachmentRef>) -> MutationEnvelope {
    let Mutation::CreateTicket(mut t) = m::new_ticket(id, "Printer offline", None) else {
        unreachable!()
    };
    t.attachments = files;
    m::envelope(Mutation::CreateTicket(t))
}

fn message_with(
    ticket: Uuid,
    visibility: Visibility,
    files: Vec<AttachmentRef>,
) -> MutationEnvelope {
    let Mutation::AddMessage(mut msg) = m::message(ticket, "See the file", visibility) else {
        unreachable!()
    };
    msg.attachments = files;
    m::envelope(Mutation::AddMessage(msg))
}

/// Files under the server's blobs folder.
fn blob_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(app.data_dir().join("blobs")) else {
        return out;
    };
    for d in dirs.flatten() {
        for f in std::fs::read_dir(d.path()).unwrap().flatten() {
            out.push(f.path());
        }
    }
    out
}

async fn a_file_goes_up_in_chunks_and_comes_back_byte_for_byte(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let body = log(3 * 1024 * 1024 + 17);
    let done = upload(&app, &c.customer_a, "app.log", &body, 1024 * 1024 - 1).await;
    assert_eq!(done["complete"], true);
    assert_eq!(done["content_type"], "text/plain");
    upload(&app, &c.customer_a, "shot.png", PNG, 10).await;
    let t = Uuid::now_v7();
    let r = app
        .push(
            &c.customer_a,
            &[ticket_with(
                t,
                vec![attach(&body, "app.log"), attach(PNG, "لقطة.png")],
            )],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    let (s, d) = app.get(&c.agent, &format!("/tickets/{t}")).await;
    assert_eq!(s, StatusCode::OK);
    let files = d["ticket"]["attachments"]
        .as_array()
        .expect("listed")
        .clone();
    assert_eq!(files.len(), 2, "{d}");
    assert_eq!(files[0]["name"], "app.log");
    assert_eq!(files[0]["size"], body.len());
    assert_eq!(files[0]["content_type"], "text/plain");
    assert_eq!(files[0]["sha256"], sha(&body));
    assert_eq!(files[1]["name"], "لقطة.png");
    assert_eq!(files[1]["content_type"], "image/png");
    for who in [&c.customer_a, &c.agent] {
        let (s, headers, bytes) = download(&app, who, files[0]["id"].as_str().unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(sha(&bytes), sha(&body), "the same bytes come back");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"app.log\""));
        assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    }
    let (_, headers, bytes) = download(&app, &c.customer_a, files[1]["id"].as_str().unwrap()).await;
    assert_eq!(bytes, PNG);
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("filename*=UTF-8''%D9%84"));
    // The pull feed carries the files with the ticket; a reply's files with the reply.
    let r = app
        .push(
            &c.agent,
            &[message_with(
                t,
                Visibility::Public,
                vec![attach(PNG, "again.png")],
            )],
        )
        .await;
    assert_eq!(
        r[0]["outcome"], "applied",
        "the agent may attach what they may see: {r:?}"
    );
    let feed = app.pull_all(&c.customer_a).await;
    // The first sync's snapshot carries the same files (on SQLite, read by its own
    // reader: db/snapshot.rs).
    for who in [&c.customer_a, &c.agent] {
        assert_eq!(
            app.snapshot_all(who).await.1,
            app.pull_all(who).await,
            "{}'s snapshot",
            who.email
        );
    }
    let ticket = feed
        .iter()
        .find(|ch| ch["entity"]["kind"] == "ticket")
        .unwrap();
    assert_eq!(
        ticket["entity"]["data"]["attachments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let reply = feed
        .iter()
        .find(|ch| ch["entity"]["kind"] == "message")
        .unwrap();
    assert_eq!(
        reply["entity"]["data"]["attachments"][0]["name"],
        "again.png"
    );
    assert_eq!(
        reply["entity"]["data"]["attachments"][0]["sha256"],
        sha(PNG)
    );
    app.finish().await;
}
on_both!(a_file_goes_up_in_chunks_and_comes_back_byte_for_byte);

async fn a_cut_upload_resumes_at_the_offset_the_server_holds(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let body = log(300_000);
    let (s, first) = start(&app, &c.customer_a, "app.log", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["offset"], 0);
    let id = first["id"].as_str().unwrap().to_owned();
    let (s, after) = chunk(&app, &c.customer_a, &id, 0, &body[..100_001]).await;
    assert_eq!((s, &after["offset"]), (StatusCode::OK, &json!(100_001)));
    // The connection was cut; the client lost its place and sends from the wrong one.
    let (s, wrong) = chunk(&app, &c.customer_a, &id, 50_000, &body[50_000..60_000]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{wrong}");
    assert_eq!(wrong["code"], "conflict");
    assert!(
        wrong["message"].as_str().unwrap().contains("100001"),
        "{wrong}"
    );
    // Starting again finds the same upload where it stopped; so does asking for it.
    let (s, again) = start(&app, &c.customer_a, "app.log", &body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (&again["id"], &again["offset"]),
        (&json!(id), &json!(100_001))
    );
    let (_, status) = app.get(&c.customer_a, &format!("/uploads/{id}")).await;
    assert_eq!(status["offset"], 100_001);
    // Nobody else may see or feed it.
    let (s, _) = app.get(&c.customer_b, &format!("/uploads/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = chunk(&app, &c.customer_b, &id, 100_001, &body[100_001..]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, done) = chunk(&app, &c.customer_a, &id, 100_001, &body[100_001..]).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(
        (&done["complete"], &done["offset"]),
        (&json!(true), &json!(300_000))
    );
    let stored = blob_files(&app);
    assert_eq!(stored.len(), 1);
    assert_eq!(sha(&std::fs::read(&stored[0]).unwrap()), sha(&body));
    assert!(stored[0].ends_with(format!("{}/{}", &sha(&body)[..2], &sha(&body)[2..])));
    // Bytes that do not match the declared hash are dropped, not stored.
    let mut forged = log(5_000);
    let declared = sha(&forged);
    forged[10] = b'X';
    let (_, up) = app
        .call(
            Method::POST,
            "/uploads",
            Some(&c.customer_a.token),
            Some(json!({"name": "x.log", "size": forged.len(), "sha256": declared})),
        )
        .await;
    let (s, bad) = chunk(&app, &c.customer_a, up["id"].as_str().unwrap(), 0, &forged).await;
    assert_eq!(
        (s, &bad["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid"))
    );
    assert_eq!(blob_files(&app).len(), 1);
    assert_eq!(
        app.count_on_database(&format!(
            "SELECT COUNT(*) AS n FROM blobs WHERE sha256 = '{declared}'"
        ))
        .await,
        0
    );
    app.finish().await;
}
on_both!(a_cut_upload_resumes_at_the_offset_the_server_holds);

async fn an_oversize_file_is_refused_before_any_byte_is_stored(db: Db) {
    let mut settings = test_settings();
    settings.attachments = AttachmentLimits {
        max_file_bytes: 10_000,
        max_message_bytes: 15_000,
    };
    let app = TestApp::spawn_with(db, settings).await;
    let c = app.cast().await;
    let big = log(10_001);
    let (s, e) = start(&app, &c.customer_a, "big.log", &big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
    assert_eq!(e["code"], "too_large");
    assert!(e["message"].as_str().unwrap().contains("10000"), "{e}");
    assert_eq!(
        app.count_on_database("SELECT COUNT(*) AS n FROM uploads")
            .await,
        0
    );
    assert_eq!(
        app.count_on_database("SELECT COUNT(*) AS n FROM blobs")
            .await,
        0
    );
    assert!(blob_files(&app).is_empty());
    assert!(
        !app.data_dir().join("uploads").exists(),
        "no byte staged either"
    );
    // Two files that each fit but together pass the per-message limit.
    let (one, two) = (log(8_000), log(9_000));
    upload(&app, &c.customer_a, "one.log", &one, 4_000).await;
    upload(&app, &c.customer_a, "two.log", &two, 4_000).await;
    let t = Uuid::now_v7();
    let r = app
        .push(
            &c.customer_a,
            &[ticket_with(
                t,
                vec![attach(&one, "one.log"), attach(&two, "two.log")],
            )],
        )
        .await;
    assert_eq!(r[0]["outcome"], "rejected");
    assert_eq!(r[0]["code"], "too_large", "{r:?}");
    assert_eq!(
        app.count_on_database("SELECT COUNT(*) AS n FROM attachments")
            .await,
        0
    );
    assert_eq!(
        app.count_on_database("SELECT COUNT(*) AS n FROM tickets")
            .await,
        0
    );
    app.finish().await;
}
on_both!(an_oversize_file_is_refused_before_any_byte_is_stored);

async fn another_organisations_customer_gets_not_found_whatever_they_guess(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    upload(&app, &c.customer_a, "shot.png", PNG, 1 << 20).await;
    let t = Uuid::now_v7();
    let r = app
        .push(
            &c.customer_a,
            &[ticket_with(t, vec![attach(PNG, "shot.png")])],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied");
    let (_, d) = app.get(&c.customer_a, &format!("/tickets/{t}")).await;
    let id = d["ticket"]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _, bytes) = download(&app, &c.customer_b, &id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!bytes.windows(4).any(|w| w == b"IHDR"), "not a byte of it");
    let (s, _, _) = download(&app, &c.customer_b, &Uuid::now_v7().to_string()).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the same answer as for no such file"
    );
    // Knowing the hash does not let them attach it to a ticket of their own.
    let r = app
        .push(
            &c.customer_b,
            &[ticket_with(Uuid::now_v7(), vec![attach(PNG, "mine.png")])],
        )
        .await;
    assert_eq!(
        (&r[0]["outcome"], &r[0]["code"]),
        (&json!("rejected"), &json!("not_found"))
    );
    // Nor does a blob that does not exist say anything else.
    let r = app
        .push(
            &c.customer_b,
            &[ticket_with(
                Uuid::now_v7(),
                vec![attach(b"nothing", "n.txt")],
            )],
        )
        .await;
    assert_eq!(r[0]["code"], "not_found");
    app.finish().await;
}
on_both!(another_organisations_customer_gets_not_found_whatever_they_guess);

async fn a_customer_never_gets_an_internal_notes_file(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "Printer offline", None))],
    )
    .await;
    let notes = log(2_000);
    upload(&app, &c.agent, "diagnosis.log", &notes, 1 << 20).await;
    let r = app
        .push(
            &c.agent,
            &[message_with(
                t,
                Visibility::Internal,
                vec![attach(&notes, "diagnosis.log")],
            )],
        )
        .await;
    assert_eq!(r[0]["outcome"], "applied", "{r:?}");
    let (_, d) = app.get(&c.agent, &format!("/tickets/{t}")).await;
    let id = d["messages"][0]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _, bytes) = download(&app, &c.agent, &id).await;
    assert_eq!((s, sha(&bytes)), (StatusCode::OK, sha(&notes)));
    let (s, _, _) = download(&app, &c.customer_a, &id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, d) = app.get(&c.customer_a, &format!("/tickets/{t}")).await;
    assert!(!d.to_string().contains("diagnosis.log"), "{d}");
    let feed = app.pull_all(&c.customer_a).await;
    assert!(!Value::Array(feed).to_string().contains(&sha(&notes)));
    // Nor may the customer attach the note's file by its hash.
    let r = app
        .push(
            &c.customer_a,
            &[message_with(
                t,
                Visibility::Public,
                vec![attach(&notes, "x.log")],
            )],
        )
        .await;
    assert_eq!(r[0]["code"], "not_found", "{r:?}");
    app.finish().await;
}
on_both!(a_customer_never_gets_an_internal_notes_file);

async fn a_program_named_log_txt_is_refused_by_its_content(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    for program in [ELF, PE] {
        let mut bytes = program.to_vec();
        bytes.extend(log(4_000));
        let (s, up) = start(&app, &c.customer_a, "log.txt", &bytes).await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, e) = chunk(
            &app,
            &c.customer_a,
            up["id"].as_str().unwrap(),
            0,
            &bytes[..1_000],
        )
        .await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{e}");
        assert_eq!(e["code"], "unsupported_type");
        let (s, _) = app
            .get(
                &c.customer_a,
                &format!("/uploads/{}", up["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "the refused upload is gone");
    }
    // Binary that no sniffer knows, with NUL bytes: not text either, refused at the end.
    let mut odd = log(3_000);
    odd[2_500] = 0;
    let (_, up) = start(&app, &c.customer_a, "notes.txt", &odd).await;
    let (s, e) = chunk(&app, &c.customer_a, up["id"].as_str().unwrap(), 0, &odd).await;
    assert_eq!(
        (s, &e["code"]),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &json!("unsupported_type")
        )
    );
    assert!(blob_files(&app).is_empty());
    assert_eq!(
        app.count_on_database("SELECT COUNT(*) AS n FROM blobs")
            .await,
        0
    );
    assert_eq!(
        app.count_on_database("SELECT COUNT(*) AS n FROM uploads")
            .await,
        0
    );
    app.finish().await;
}
on_both!(a_program_named_log_txt_is_refused_by_its_content);

async fn the_same_bytes_uploaded_twice_are_stored_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    upload(&app, &c.customer_a, "shot.png", PNG, 16).await;
    // The same person again: already there, nothing to send.
    let (s, again) = start(&app, &c.customer_a, "copy.png", PNG).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (&again["complete"], &again["offset"]),
        (&json!(true), &json!(PNG.len()))
    );
    // Someone else must still send the bytes (proving they have them), but they are
    // kept once.
    let (s, theirs) = start(&app, &c.customer_b, "shot.png", PNG).await;
    assert_eq!(
        (s, &theirs["complete"]),
        (StatusCode::CREATED, &json!(false))
    );
    upload(&app, &c.customer_b, "shot.png", PNG, 1 << 20).await;
    assert_eq!(blob_files(&app).len(), 1);
    assert_eq!(
        app.count_on_database("SELECT COUNT(*) AS n FROM blobs")
            .await,
        1
    );
    for who in [&c.customer_a, &c.customer_b] {
        let t = Uuid::now_v7();
        let r = app
            .push(who, &[ticket_with(t, vec![attach(PNG, "shot.png")])])
            .await;
        assert_eq!(r[0]["outcome"], "applied");
        let (_, d) = app.get(who, &format!("/tickets/{t}")).await;
        let (s, _, bytes) = download(
            &app,
            who,
            d["ticket"]["attachments"][0]["id"].as_str().unwrap(),
        )
        .await;
        assert_eq!((s, bytes.as_slice()), (StatusCode::OK, PNG));
    }
    app.finish().await;
}
on_both!(the_same_bytes_uploaded_twice_are_stored_once);

/// The organisations' storage figure (admins): the distinct files on each one's tickets
/// and their bytes, a file attached twice counted once, nothing for another
/// organisation's files.
async fn admins_see_each_organisations_storage(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let text = log(3000);
    upload(&app, &c.customer_a, "shot.png", PNG, 1 << 20).await;
    upload(&app, &c.customer_a, "app.log", &text, 1 << 20).await;
    let (t1, t2) = (Uuid::now_v7(), Uuid::now_v7());
    let r = app
        .push(
            &c.customer_a,
            &[
                ticket_with(t1, vec![attach(PNG, "shot.png"), attach(&text, "app.log")]),
                // The same screenshot again, on another ticket: still one file.
                ticket_with(t2, vec![attach(PNG, "again.png")]),
            ],
        )
        .await;
    assert_eq!(
        (&r[0]["outcome"], &r[1]["outcome"]),
        (&json!("applied"), &json!("applied"))
    );
    let (s, list) = app.get(&c.admin, "/admin/organisations").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let figure = |name: &str| {
        let o = list["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["organisation"]["name"] == name)
            .unwrap_or_else(|| panic!("{name} is listed"));
        (
            o["storage_files"].as_i64().unwrap(),
            o["storage_bytes"].as_i64().unwrap(),
        )
    };
    assert_eq!(figure("Org A"), (2, (PNG.len() + text.len()) as i64));
    assert_eq!(figure("Org B"), (0, 0));
    app.finish().await;
}
on_both!(admins_see_each_organisations_storage);
