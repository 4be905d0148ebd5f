//! Figure 10: attachments. A 100 MiB log goes up from the engine's outbox (the sync
//! round that uploads it in the engine's chunks and pushes its ticket) and comes back
//! down (a download checked against its SHA-256), on loopback to a real server; beside
//! them, the machine's plain file-copy rate (copy + fsync of the same file), measured
//! in the same run so that the ratios compare like with like.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use tadhkira_client::NewTicketInput;
use tadhkira_proto::{Channel, Priority};

const MIB: f64 = 1024.0 * 1024.0;

/// A server config that takes files of `bytes` (the defaults stop at 25 MiB).
pub fn config_for(bytes: usize) -> String {
    let limit = bytes * 2;
    format!("[attachments]\nmax_file_bytes = {limit}\nmax_message_bytes = {limit}\n")
}

/// Writes a text log of `bytes` bytes (text, so the server's type check accepts it).
pub fn write_log(path: &Path, bytes: usize) -> Result<()> {
    let line = "2026-12-06T04:00:00Z INFO spooler job=4711 printer=HP-4 state=retry الطابعة\n";
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut left = bytes;
    while left >= line.len() {
        out.write_all(line.as_bytes())?;
        left -= line.len();
    }
    // The rest in ASCII, so the whole file stays valid UTF-8.
    out.write_all("x".repeat(left).as_bytes())?;
    out.into_inner()?.sync_all()?;
    Ok(())
}

/// The plain copy rate of `source` (copy + fsync), in MiB/s.
pub fn copy_rate(source: &Path, dir: &Path) -> Result<f64> {
    let target = dir.join("copy.bin");
    let start = Instant::now();
    let n = std::fs::copy(source, &target)?;
    std::fs::File::open(&target)?.sync_all()?;
    let secs = start.elapsed().as_secs_f64();
    std::fs::remove_file(&target)?;
    Ok(n as f64 / MIB / secs)
}

/// Uploads `source` through the engine's outbox and downloads it again; answers
/// (upload MiB/s, download MiB/s).
pub async fn upload_download(url: &str, source: &Path) -> Result<(f64, f64)> {
    let bytes = std::fs::metadata(source)?.len() as f64;
    let (engine, dir) = crate::engine::signed_in(url, "customer@nile.example").await?;
    engine.sync_now().await?;
    let id = engine
        .create_ticket_with_files(
            NewTicketInput {
                title: "Spooler log attached".into(),
                description: "The whole log of the print spooler.".into(),
                priority: Priority::Normal,
                channel: Channel::Desktop,
                category: None,
                contact: Default::default(),
                checks: vec![],
                system_info: None,
                requester_id: None,
                lapsed_override: None,
                terms_version: None,
            },
            &[source.to_path_buf()],
        )
        .await?;
    let start = Instant::now();
    while engine.sync_state().queued > 0 {
        engine.sync_now().await?;
    }
    let up = bytes / MIB / start.elapsed().as_secs_f64();
    ensure!(engine.sync_state().rejected == 0, "the file was refused");
    let out = dir.path().join("downloaded");
    std::fs::create_dir_all(&out)?;
    let start = Instant::now();
    let saved = engine
        .download_attachment(&id.to_string(), "1", Some(out.as_path()))
        .await
        .context("download")?;
    let down = bytes / MIB / start.elapsed().as_secs_f64();
    ensure!(
        std::fs::metadata(&saved)?.len() as f64 == bytes,
        "short download"
    );
    engine.close().await;
    Ok((up, down))
}
