//! Server-side figures over loopback HTTP: push throughput with the wire protocol, and
//! tickets created per second through the REST API by N concurrent clients (the live
//! event streams that listen meanwhile are [`crate::live`]'s).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};

pub use tadhkira_testkit::load::{creations, new_ticket, push_wire};

/// `clients` concurrent REST clients each creating tickets for `duration`; returns
/// tickets/s over all of them.
pub async fn rest_creates(
    url: &str,
    token: &str,
    clients: usize,
    duration: Duration,
) -> Result<f64> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let created = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, url, token, created) = (
            http.clone(),
            url.to_string(),
            token.to_string(),
            Arc::clone(&created),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while start.elapsed() < duration {
                let resp = http
                    .post(format!("{url}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&new_ticket(c * 1_000_000 + i))
                    .send()
                    .await?;
                ensure!(
                    resp.status().is_success(),
                    "create answered {}",
                    resp.status()
                );
                created.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await.context("client task")??;
    }
    Ok(created.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}
