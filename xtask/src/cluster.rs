//! `cargo xtask run --cluster N`: the helpdesk as it runs at scale, on this machine — N
//! `tadhkira-server` processes on one fresh PostgreSQL database, behind HAProxy with
//! the shipped `deploy/haproxy.cfg` on 127.0.0.1:PORT, the demo data loaded once.
//!
//! Starting it all is `tadhkira_testkit::cluster`'s, the same code the cluster suite
//! runs, so what a developer clicks through is what the tests prove. The database and
//! the servers' data folder are temporary: they are dropped when the run ends.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use tadhkira_testkit::cluster::{Cluster, ClusterSpec};

use crate::setup;
use crate::util::step;

/// Starts the cluster and loads the demo data; prints where everything is.
pub fn start(processes: usize, port: u16, pg_url: &str) -> Result<Cluster> {
    anyhow::ensure!(
        processes >= 2,
        "--cluster needs at least 2 server processes (1 is `cargo xtask run`)"
    );
    setup::ensure_packages(setup::CLUSTER_PACKAGES)?;
    step(&format!(
        "Starting {processes} helpdesk processes on PostgreSQL behind HAProxy"
    ));
    let spec = ClusterSpec {
        pg_admin_url: pg_url.to_owned(),
        balancer_bind: Some(SocketAddr::from(([127, 0, 0, 1], port))),
        ..ClusterSpec::new(processes)
    };
    let cluster = Cluster::start(&spec).with_context(|| {
        format!(
            "starting the cluster (is PostgreSQL answering at {pg_url}? is port {port} free? \
             try --pg-url and --port)"
        )
    })?;
    step("Demo data (once, on the shared database)");
    cluster.admin(&["demo"])?;
    println!(
        "PostgreSQL database {} on {pg_url}",
        cluster.database_name()
    );
    for i in 0..cluster.len() {
        if let Some(url) = cluster.process_url(i) {
            println!("  process {} on {url}", i + 1);
        }
    }
    println!(
        "  logs in {} (server1.log…); HAProxy: deploy/haproxy.cfg",
        cluster.folder().display()
    );
    println!("central helpdesk (HAProxy) on {}", cluster.url());
    Ok(cluster)
}

/// Stops the processes cleanly, then HAProxy, and drops the database.
pub fn stop(cluster: Cluster) {
    cluster.stop(Duration::from_secs(5));
    println!("cluster stopped; its database dropped");
}
