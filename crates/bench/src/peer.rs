//! The PouchDB peer (`cargo xtask bench --peers`): the kit in `../shared/peers/pouchdb`
//! has run PouchDB replicating with pouchdb-server on this machine, at the same sizes,
//! in the same invocation, and written its figures as JSON. Here each of our push,
//! pull and live-latency figures gets PouchDB's beside it and the ratio, so a slow day
//! reads the same for both.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::stats::{Figure, Goal};
use crate::Bench;

/// The peer's results file, as `bench.mjs --out` writes it.
pub struct Peer(Value);

impl Peer {
    pub fn load(path: &Path) -> Result<Peer> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("the PouchDB results at {}", path.display()))?;
        Ok(Peer(serde_json::from_str(&text)?))
    }

    /// A summary (`{median, min, max}`) as a figure of three values.
    fn summary(v: &Value) -> Option<Vec<f64>> {
        ["min", "median", "max"]
            .iter()
            .map(|k| v.get(*k).and_then(Value::as_f64))
            .collect()
    }

    /// PouchDB's `what` (`push`, `pull`) at `size` docs, docs/s.
    fn at(&self, size: usize, what: &str) -> Option<Vec<f64>> {
        Self::summary(self.0.get("sizes")?.get(size.to_string())?.get(what)?)
    }

    /// PouchDB's live latency percentile (`p50`, `p99`) of one change on an idle link.
    fn live(&self, pct: &str) -> Option<Vec<f64>> {
        Self::summary(self.0.get("live")?.get("isolated")?.get(pct)?)
    }
}

/// Our figure named `name`, if it ran.
fn ours(b: &Bench, name: &str) -> Option<f64> {
    b.figures.iter().find(|f| f.name == name).map(|f| f.median)
}

/// Adds PouchDB's figure and our ratio to it after ours.
fn beside(
    b: &mut Bench,
    ours_name: &str,
    theirs: Option<Vec<f64>>,
    label: &str,
    unit: &str,
    goal: Goal,
) {
    let (Some(mine), Some(theirs)) = (ours(b, ours_name), theirs) else {
        return;
    };
    let peer = Figure::from_runs(
        format!("  PouchDB {label}, same run"),
        unit,
        theirs,
        Goal::None,
    );
    // For a latency (ms) lower is better: the goal is then at most 1.
    let ratio = mine / peer.median;
    b.add(peer);
    b.add(Figure::from_runs(
        format!("  ours ÷ PouchDB, {label}"),
        "ratio",
        vec![ratio],
        goal,
    ));
}

/// Prints PouchDB's figures beside ours, with the targets on the ratios.
pub fn compare(b: &mut Bench, peer: &Peer) {
    println!("10. Beside PouchDB (same machine, same run)");
    let ten_k = b.scale(10_000);
    for size in b.sizes() {
        let push_goal = if size == ten_k {
            Goal::AtLeast(5.0)
        } else {
            Goal::None
        };
        beside(
            b,
            &format!("push {size} mutations from the outbox, SQLite"),
            peer.at(size, "push"),
            &format!("push {size} docs"),
            "docs/s",
            push_goal,
        );
        let pg_goal = if size == ten_k {
            Goal::AtLeast(2.5)
        } else {
            Goal::None
        };
        beside(
            b,
            &format!("push {size} mutations from the outbox, PostgreSQL"),
            peer.at(size, "push"),
            &format!("push {size} docs (against our PostgreSQL)"),
            "docs/s",
            pg_goal,
        );
        let pull_goal = if size == b.largest() {
            Goal::AtLeast(5.0)
        } else {
            Goal::None
        };
        beside(
            b,
            &format!("initial pull {size} tickets + 3 messages each"),
            peer.at(size, "pull"),
            &format!("pull {size} docs"),
            "docs/s",
            pull_goal,
        );
    }
    let names: Vec<String> = b
        .figures
        .iter()
        .filter(|f| f.name.starts_with("reply → alert ("))
        .map(|f| f.name.clone())
        .collect();
    for name in names {
        let pct = if name.contains("p50") { "p50" } else { "p99" };
        beside(
            b,
            &name,
            peer.live(pct),
            &format!("live change {pct} (one change at a time)"),
            "ms",
            Goal::AtMost(1.0),
        );
    }
}
