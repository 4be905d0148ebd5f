//! Figure 11: the helpdesk at scale — 1, 2 and 3 `tadhkira-server` processes on one
//! PostgreSQL database behind HAProxy with the shipped configuration
//! (`tadhkira_testkit::cluster`, as the cluster suite runs it).
//!
//! On a machine of two cores more processes cannot add throughput; what these figures
//! are for is the cost of the cluster's two extra hops, stated per request: HAProxy
//! (the same sequential REST creates through it and straight to a process) and
//! LISTEN/NOTIFY between processes (reply → alert with the customer's live stream on
//! one process and the agent's reply through another, beside both through HAProxy).
//! The projection for a many-core host is in docs/bench.md.

use std::time::Duration;

use anyhow::{Context, Result};
use tadhkira_testkit::cluster::{Cluster, ClusterSpec};

use crate::stats::{self, Figure, Goal};
use crate::{engine, load, Bench};

/// Settings of the processes: the quota would otherwise be what is measured.
const SETTINGS: &str = "[write_quota]\nmutations_per_minute = 100000000\nburst = 100000000\n";

/// One cluster's measurements, one value per run where there are several.
#[derive(Default)]
struct Measured {
    direct_ms: Vec<f64>,
    balanced_ms: Vec<f64>,
    overhead_ms: Vec<f64>,
    balanced_8: Vec<f64>,
    alert_balanced_p50: Vec<f64>,
    alert_across_p50: Vec<f64>,
}

pub async fn figures(b: &mut Bench) -> Result<()> {
    println!("11. 1, 2 and 3 server processes on PostgreSQL behind HAProxy");
    let secs = Duration::from_secs(if b.args.quick { 1 } else { 5 });
    let replies = if b.args.quick { 20 } else { 300 };
    for processes in [1usize, 2, 3] {
        let m = measure(b, processes, secs, replies).await?;
        let n = format!(
            "{processes} process{}",
            if processes == 1 { "" } else { "es" }
        );
        b.add(Figure::from_runs(
            format!("REST create, 1 client, straight to one process ({n})"),
            "ms/req",
            m.direct_ms,
            Goal::None,
        ));
        b.add(Figure::from_runs(
            format!("REST create, 1 client, through HAProxy ({n})"),
            "ms/req",
            m.balanced_ms,
            Goal::None,
        ));
        b.add(Figure::from_runs(
            format!("  HAProxy's cost per request ({n})"),
            "ms/req",
            m.overhead_ms,
            Goal::None,
        ));
        b.add(Figure::from_runs(
            format!("REST creates, 8 clients, through HAProxy ({n})"),
            "tickets/s",
            m.balanced_8,
            Goal::None,
        ));
        b.add(Figure::from_runs(
            format!("reply → alert p50, both through HAProxy ({n}; {replies} replies)"),
            "ms",
            m.alert_balanced_p50,
            Goal::AtMost(50.0),
        ));
        if processes > 1 {
            b.add(Figure::from_runs(
                format!(
                    "reply → alert p50, reply on process {processes}, stream on process 1 \
                     (NOTIFY between them; {replies} replies)"
                ),
                "ms",
                m.alert_across_p50,
                Goal::AtMost(50.0),
            ));
        }
    }
    Ok(())
}

/// Runs the measurements on a fresh cluster of `processes`, `b.args.runs` times.
async fn measure(b: &Bench, processes: usize, secs: Duration, replies: usize) -> Result<Measured> {
    let mut m = Measured::default();
    for _ in 0..b.args.runs {
        let spec = ClusterSpec {
            pg_admin_url: b.args.pg_url.clone(),
            settings: SETTINGS.into(),
            ..ClusterSpec::new(processes)
        };
        let cluster = tokio::task::spawn_blocking(move || -> Result<Cluster> {
            let c = Cluster::start(&spec)?;
            c.admin(&["demo"])?;
            Ok(c)
        })
        .await
        .context("starting the cluster")?
        .with_context(|| format!("PostgreSQL at {} is needed for figure 11", b.args.pg_url))?;
        let (balanced, first) = (cluster.url(), cluster.process_url(0).context("process 1")?);
        let last = cluster
            .process_url(processes - 1)
            .context("the last process")?;
        let token = engine::login_token(&balanced, "customer@nile.example").await?;

        // Sequential creates, one client: time per request, straight and balanced.
        let direct = 1000.0 / load::rest_creates(&first, &token, 1, secs).await?;
        let through = 1000.0 / load::rest_creates(&balanced, &token, 1, secs).await?;
        m.direct_ms.push(direct);
        m.balanced_ms.push(through);
        m.overhead_ms.push(through - direct);
        m.balanced_8
            .push(load::rest_creates(&balanced, &token, 8, secs).await?);

        let mut lat =
            engine::reply_to_alert(&balanced, &balanced, replies, engine::ReplyPath::AppPush)
                .await?;
        m.alert_balanced_p50.push(stats::percentile(&mut lat, 50.0));
        if processes > 1 {
            let mut lat =
                engine::reply_to_alert(&first, &last, replies, engine::ReplyPath::AppPush).await?;
            m.alert_across_p50.push(stats::percentile(&mut lat, 50.0));
        }
        tokio::task::spawn_blocking(move || cluster.stop(Duration::from_secs(5)))
            .await
            .context("stopping the cluster")?;
    }
    Ok(m)
}
