//! The periodic task that runs the lifecycle jobs (`db/lifecycle.rs`) with the real
//! clock, every `lifecycle.job_interval_seconds`, until the server stops. Every server
//! process runs the task, but each tick first takes the job's lease (`db/leases.rs`)
//! for nine tenths of the interval: with several processes on one database the jobs
//! run once per interval, not once per process. (The jobs would also be harmless run
//! twice; the lease saves the work and keeps the timeline free of races.)

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::Settings;
use crate::db::Store;

/// The lifecycle jobs' name in `job_leases`.
pub const LIFECYCLE: &str = "lifecycle";

/// Starts the task; it ends when `shutdown` becomes `true`.
pub fn spawn_lifecycle_jobs(
    store: Store,
    settings: Arc<Settings>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let every = Duration::from_secs(settings.lifecycle.job_interval_seconds.max(1));
    let lease_ms = i64::try_from(every.as_millis() * 9 / 10).unwrap_or(i64::MAX);
    // This process, as a lease holder.
    let holder = uuid::Uuid::new_v4();
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
                .take_job_lease(LIFECYCLE, holder, now.timestamp_millis(), lease_ms)
                .await
            {
                Ok(true) => {}
                // Another process runs it this time.
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "lifecycle jobs: the lease could not be taken");
                    continue;
                }
            }
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
            if let Err(e) = store
                .record_job_run(LIFECYCLE, now.timestamp_millis())
                .await
            {
                tracing::warn!(error = %e, "lifecycle jobs: the run could not be recorded");
            }
        }
    })
}
