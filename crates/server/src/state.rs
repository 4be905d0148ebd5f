//! [`AppState`]: what every handler can reach. Its own module so the dependency runs
//! one way: `routes` and the extractors in `auth` use the state, `startup` builds it and
//! hands it to `routes`, and nothing the handlers use depends on `startup`.

use std::sync::Arc;

use tokio::sync::watch;

use crate::auth::HashingPool;
use crate::blobs::{BlobStore, Staging};
use crate::config::Settings;
use crate::db::Store;
use crate::quota::WriteQuota;
use crate::streams::EventStreams;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Tunable policies.
    pub settings: Arc<Settings>,
    /// Password checks: at most a few at once, in reused memory (the memory bound).
    pub hashing: Arc<HashingPool>,
    /// Verified against when the e-mail is unknown, so timing does not reveal accounts.
    pub dummy_hash: Arc<String>,
    /// Becomes `true` when the server stops; long-lived streams end on it.
    pub shutdown: watch::Receiver<bool>,
    /// The open live event streams, bounded per user and closed on sign-out.
    pub streams: Arc<EventStreams>,
    /// Per-user write quotas (push and REST writes).
    pub quota: Arc<WriteQuota>,
    /// Attached files' bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Uploads in progress.
    pub staging: Staging,
    /// The WhatsApp channel, when `[channels.whatsapp]` is set.
    pub whatsapp: Option<Arc<crate::channels::WhatsApp>>,
}
