//! Files staged in a composer, as the app stages them (issue 18), against a real server:
//! staged bytes are the engine's own copy at once; sending queues them with the
//! message and removes the staged copy; a discarded outbox item deletes its local
//! copies (and only those no other queued change names); a file seen on a ticket gives
//! a preview, a saved copy and a copy to open, fetched from the server by someone who
//! may see it and checked against its hash.

use std::path::Path;

use sha2::{Digest, Sha256};
use tadhkira_client::NewTicketInput;
use tadhkira_proto::Visibility;
use tadhkira_tests::server::spawn_server;

fn input(title: &str) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "see the files" }))
        .unwrap()
}

/// Every file under the account folders' `name` folders (`files`, `staged`).
fn files_under(data: &Path, name: &str) -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for account in std::fs::read_dir(data.join("accounts"))
        .into_iter()
        .flatten()
        .flatten()
    {
        walk(&account.path().join(name), &mut out);
    }
    out
}

/// A real PNG of `w`×`h` (ImageMagick's `convert`, as on any of these machines).
fn png(dir: &Path, w: u32, h: u32) -> Vec<u8> {
    let path = dir.join("shot.png");
    let status = std::process::Command::new("/usr/bin/convert")
        .args(["-size", &format!("{w}x{h}"), "gradient:#2060c0-#f0a020"])
        .arg(&path)
        .status()
        .expect("convert (imagemagick) runs");
    assert!(status.success());
    std::fs::read(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discarded_queued_ticket_deletes_its_staged_and_copied_files() {
    let mut server = spawn_server();
    server.demo();
    let dev = server.device("customer@nile.example").await;
    let e = &dev.engine;
    let data = dev.dir.path();
    server.stop();

    // Staged: the engine's copy exists the moment the bytes are handed over.
    let log = e
        .stage_bytes(
            "C:\\Users\\me\\spooler\u{0007}.log",
            b"job 4711 failed\n".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!((log.name.as_str(), log.size), ("spooler.log", 16));
    assert_eq!(files_under(data, "staged").len(), 1);
    // Removed from the composer: its copy goes.
    let extra = e
        .stage_bytes("extra.txt", b"not sent".to_vec())
        .await
        .unwrap();
    assert_eq!(files_under(data, "staged").len(), 2);
    e.unstage(extra.id).await.unwrap();
    assert_eq!(files_under(data, "staged").len(), 1);

    // Sent (offline: queued): the staged copy becomes the queued copy.
    let id = e
        .create_ticket_staged(input("Spooler stops"), &[log.id])
        .await
        .unwrap();
    assert!(files_under(data, "staged").is_empty());
    let queued = files_under(data, "files");
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(std::fs::read(&queued[0]).unwrap(), b"job 4711 failed\n");
    // A second change naming the same bytes keeps the copy while it is queued.
    let again = e
        .stage_bytes("again.log", b"job 4711 failed\n".to_vec())
        .await
        .unwrap();
    e.add_message_staged(id, "same log again", Visibility::Public, &[again.id])
        .await
        .unwrap();

    // Discarding the ticket's creation drops what depends on it; the copy goes once no
    // queued change names it.
    let outbox = e.outbox().await.unwrap();
    assert_eq!(outbox.len(), 2);
    e.discard(outbox[1].id).await.unwrap();
    assert_eq!(
        files_under(data, "files").len(),
        1,
        "the creation still names it"
    );
    e.discard(outbox[0].id).await.unwrap();
    assert!(e.outbox().await.unwrap().is_empty());
    assert!(
        files_under(data, "files").is_empty(),
        "the discarded ticket's copy is gone"
    );
    // A staged id that is gone is refused, nothing queued.
    let err = e
        .create_ticket_staged(input("Spooler stops"), &[log.id])
        .await
        .unwrap_err();
    assert_eq!(err.code(), tadhkira_client::EngineErrorCode::NotFound);
    assert!(e.outbox().await.unwrap().is_empty());
    e.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_previews_saves_and_opens_a_customers_screenshot_fetched_and_checked() {
    let server = spawn_server();
    server.demo();
    let work = tempfile::tempdir().unwrap();
    let shot = png(work.path(), 1280, 800);
    let customer = server.device("customer@nile.example").await;
    let c = &customer.engine;
    let staged = c.stage_bytes("screen.png", shot.clone()).await.unwrap();
    let thumb = staged
        .thumbnail
        .clone()
        .expect("a staged image has a thumbnail");
    assert!(thumb.starts_with("data:image/png;base64,"));
    let logged = c
        .stage_bytes("run.desktop", b"[Desktop Entry]\nExec=rm -rf ~\n".to_vec())
        .await
        .unwrap();
    assert_eq!(logged.thumbnail, None);
    let id = c
        .create_ticket_staged(input("Driver dialog"), &[staged.id, logged.id])
        .await
        .unwrap();
    c.sync_now().await.unwrap();
    assert_eq!(c.sync_state().queued, 0);

    let agent = server.device("l1@tadhkira.example").await;
    let a = &agent.engine;
    let files = a.attachments(&id.to_string()).await.unwrap();
    assert_eq!(files.len(), 2);
    let sha = hex::encode(Sha256::digest(&shot));
    assert_eq!(files[0].sha256, sha);
    // The preview: fetched from the server, checked, decoded and re-encoded small.
    let preview = a
        .attachment_preview(&id.to_string(), &sha, 320)
        .await
        .unwrap()
        .expect("a PNG previews");
    assert!(preview.starts_with("data:image/png;base64,"));
    // The log is never previewed.
    assert_eq!(
        a.attachment_preview(&id.to_string(), &files[1].sha256, 320)
            .await
            .unwrap(),
        None
    );
    // Saved twice into one folder: two files, nothing replaced.
    let downloads = work.path().join("Downloads");
    let first = a
        .save_attachment_to(&id.to_string(), &sha, &downloads)
        .await
        .unwrap();
    let second = a
        .save_attachment_to(&id.to_string(), &sha, &downloads)
        .await
        .unwrap();
    assert_eq!(first, downloads.join("screen.png"));
    assert_eq!(second, downloads.join("screen (2).png"));
    assert_eq!(std::fs::read(&second).unwrap(), shot);
    // The copy to open of a text file named .desktop ends in .txt.
    let open = a
        .attachment_to_open(&id.to_string(), &files[1].sha256)
        .await
        .unwrap();
    assert_eq!(open.file_name().unwrap(), "run.desktop.txt");
    // A hash not on this ticket is not found, whatever it is.
    let err = a
        .attachment_preview(&id.to_string(), &"0".repeat(64), 320)
        .await
        .unwrap_err();
    assert_eq!(err.code(), tadhkira_client::EngineErrorCode::NotFound);
    a.close().await;
    c.close().await;
}
