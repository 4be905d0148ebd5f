//! The periodic task that runs the lifecycle jobs (`db/lifecycle.rs`) with the real
//! clock, every `lifecycle.job_interval_seconds`, until the server stops. Every server
//! process runs it; the jobs themselves make a second runner harmless.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::Settings;
use crate::db::Store;

/// Starts the task; it ends when `shutdown` becomes `true`.
pub fn spawn_lifecycle_jobs(
    store: Store,
    settings: Arc<Settings>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let every = Duration::from_secs(settings.lifecycle.job_interval_seconds.max(1));
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.wait_for(|stopped| *stopped) => return,
            }
            let now = chrono::Utc::now();
            match store
                .run_lifecycle_jobs(now, &settings.lifecycle, &settings.sla)
                .await
            {
                Ok(run) if run.closed > 0 || run.reminded > 0 => {
                    tracing::info!(
                        closed = run.closed,
                        reminded = run.reminded,
                        "lifecycle jobs"
                    );
                }
                Ok(_) => {}
                // A database hiccup: the next tick tries again.
                Err(e) => tracing::warn!(error = %e, "lifecycle jobs failed"),
            }
        }
    })
}
