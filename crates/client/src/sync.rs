//! Sync rounds and the background loop.
//!
//! A round pushes the outbox in order, in batches, applying each answer; then pulls
//! after the cursor, one transaction per page; then raises reply alerts, worded in the
//! user's language. The background loop runs rounds when woken (a local change, a
//! live event from `GET /api/v1/events`) and, after a failure, retries on its own with
//! exponential backoff and jitter capped at [`MAX_BACKOFF`]. `Engine::sync_now` runs
//! a round itself.
//!
//! # Pipelined push
//!
//! A push round is bound by round trips: the server applies one batch while the client
//! waits, then the client applies the answer while the server waits. So up to
//! [`PUSH_IN_FLIGHT`] (two) batches are in flight: batch n+1 is sent while batch n is
//! being applied. Two requests on two HTTP/1.1 connections are not ordered — the
//! server may take n+1's transaction before n's — so batch n+1 is built only from
//! mutations that do not care which is applied first:
//!
//! - **No shared ticket.** Batch n+1 leaves out every entry of a ticket that has an
//!   entry in a batch still in flight (`Store::next_batch_beside`), and with it every
//!   later entry of that ticket. The order within a ticket (its creation before a
//!   reply or an update, one update before the next) is the order of the outbox,
//!   because a ticket's entries are only ever in one batch in flight, and a batch is
//!   applied in its own order in one transaction.
//! - **No mutation that reaches across tickets.** A ticket filed with the acceptance of
//!   the support terms records it for its organisation, and that changes the answer to
//!   the organisation's next ticket ([`crate::store::orders_other_tickets`]). Such a
//!   mutation is sent only when nothing else is in flight, nothing is sent beside it,
//!   and a batch built beside another stops before the first such entry in the queue.
//! - **Exactly once.** An entry leaves the outbox only by its own batch's answer,
//!   applied in the order the batches were sent (the answers of batch n, then of n+1).
//!   A rejection is recorded from that answer, and entries of the same ticket queued
//!   behind it were not sent (they were left out of n+1), so they are held
//!   `depends_on_rejected` before the next batch is built. When a batch fails (network,
//!   server), the round ends and the other batch is abandoned unanswered: each batch is
//!   one transaction on the server, applied whole or not at all, and every mutation id
//!   is recorded with its result, so the next round sends what is still queued and an
//!   already applied mutation is answered `duplicate` with its first result.
//! - **Server trouble.** An answer with a transient rejection stops the sending; the
//!   batch still in flight is awaited and its answers applied, then the round ends.
//! - **Too slow for a whole batch.** A batch that runs out of the request timeout is
//!   rolled back on the server when the client gives up, so the same batch sent again
//!   would time out again, for ever (a 30-minute soak on a loaded machine found engines
//!   with 200 queued changes and 3 s timeouts that never drained). After a timeout the
//!   next batches are half the size of the one that timed out, down to one mutation, and
//!   they double back to the set size as they are answered
//!   (`Engine::push_batch_now`). A pull page that times out is halved the same way
//!   (`Engine::pull_page_now`): the same soak, once pushes drained, had engines whose
//!   1,000-change pages never arrived within 3 s. Halving is not enough when the time
//!   goes in waiting for the server rather than in the batch: the server now finishes
//!   a push whose client hung up (`routes/sync.rs`), so the retry is answered
//!   `duplicate` instead of doing the work again.
//!
//! # Pipelined pull
//!
//! The first page is fetched from the stored cursor; the pages after it are fetched on
//! their own task, each from the cursor of the page before, [`PULL_AHEAD`] page(s)
//! ahead of the one being written (at most [`MAX_PULL_AHEAD`]). Pages are applied strictly in order, one
//! transaction each (the page and the new cursor together), so a failure or a kill
//! leaves the store at the last committed page; pages fetched ahead are dropped.
//!
//! # First sync by snapshot
//!
//! A pull from cursor 0 (a new device, a new server epoch) first asks for the server's
//! snapshot ([`crate::snapshot`]: `GET /api/v1/sync/snapshot`, one gzip answer of
//! length-prefixed frames) and bulk-loads it; the pull loop then continues from the
//! snapshot's cursor as from any page's. A server without it answers 404 and the round
//! pages from 0 as before ([`Engine::set_first_sync_snapshot`] asks for paging too).
//!
//! - **Consistency with the feed's seq.** The server reads the feed's committed head
//!   *before* the first frame and sends the feed's own pages from 0 up to that head,
//!   each entity once at its current state, filtered by `visibility.rs` as a pull is.
//!   Writers commit in seq order, so every change up to the head is in the snapshot; a
//!   change committed while it streams has a seq above the head and comes with the
//!   next pull, from the head. An entity the snapshot already sent at a state newer
//!   than the head (it changed mid-stream) is sent again by that pull at its current
//!   state: applying current state twice is applying it once (messages are inserted
//!   once by id; alerts are marked by id). Nothing is lost, nothing counted twice.
//! - **The load** (`store/snapshot.rs`) runs under a `snapshot_loading` marker in the
//!   store's `meta`, with the secondary indexes dropped (their SQL kept in `meta`) and
//!   built once at the end, rows written through SQLite's C API with prepared,
//!   reused statements, one transaction per frame. The cursor moves only at the end,
//!   with the marker's removal, after the end frame and the gzip trailer checked out.
//! - **The outbox is never touched.** The round pushes first, as always; the load
//!   discards and replaces only the server's copies of tickets the outbox does not
//!   name, and lays queued changes over the ones it does, as a pull does. Between
//!   frames the connection is free, so a user can file tickets during the load; they
//!   stay queued and go with the next round, once.
//! - **Failure and kill.** A failed load (the network, a cut or damaged answer) is
//!   undone at once: the partial rows go, the indexes come back, the cursor stays 0. A
//!   killed one leaves the marker, and the next open does the same before anything
//!   else. The next round starts the first sync over.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rand::Rng;
use tadhkira_i18n::Catalogue;
use tadhkira_proto::{ErrorCode, PullResponse, PushRequest, PushResponse, MAX_PUSH_BATCH};

use crate::api::ApiCallError;
use crate::engine::{Engine, Session};
use crate::error::{EngineError, Result};
use crate::model::{EngineEvent, SyncReport};
use crate::store::{PulledAlert, PulledEventAlert};
use crate::wording::{word_alert, word_event_alert};
use uuid::Uuid;

/// Mutations per push (the protocol allows up to [`MAX_PUSH_BATCH`]).
pub const PUSH_BATCH: usize = if MAX_PUSH_BATCH < 200 {
    MAX_PUSH_BATCH
} else {
    200
};
/// Changes per pull page: large pages amortise each request and commit (the server
/// allows up to 5,000).
pub const PULL_PAGE: i64 = 1_000;

/// A pull round this large (or the first sync) refreshes the planner's statistics.
const ANALYZE_AFTER: u32 = 5_000;
/// Longest wait between retries while offline.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// At most this many ticket ids in one [`EngineEvent::TicketsChanged`]; more changed
/// tickets are announced with no ids ("many: reload everything").
pub const MAX_NAMED_CHANGES: usize = 1_000;

/// Pushes answered `rate_limited` (the server's per-user write quota) are sent again
/// this many times within one round, after a growing wait, before the round fails.
pub const QUOTA_RETRIES: u32 = 6;

/// A live-event stream that stayed open this long ended normally; one that ended
/// sooner makes the next reconnect wait longer.
pub const HEALTHY_STREAM: Duration = Duration::from_secs(30);

/// Rounds run at least this often while connected, in case a live event was missed.
pub const IDLE_ROUND: Duration = Duration::from_secs(60);

/// Push batches in flight at once (see the module's documentation).
pub const PUSH_IN_FLIGHT: usize = 2;

/// One push batch sent and not yet answered. Its request runs on its own task, so that
/// it goes on while the round waits for an earlier answer or builds the next batch; the
/// task is aborted when this is dropped unanswered (a round that failed or was
/// cancelled): the server applied all of the batch or none of it, and the next round
/// sends what is still queued again — a mutation already applied is answered
/// `duplicate`.
struct InFlight {
    ids: Vec<Uuid>,
    tickets: HashSet<Uuid>,
    /// The batch holds a mutation that [orders other tickets](crate::store::orders_other_tickets):
    /// nothing is sent beside it.
    orders_other_tickets: bool,
    /// Its request ran out of time (set by [`InFlight::answer`]).
    timed_out: bool,
    task: tokio::task::JoinHandle<std::result::Result<PushResponse, ApiCallError>>,
}

impl InFlight {
    fn send(s: &Arc<Session>, batch: Vec<tadhkira_proto::MutationEnvelope>) -> Self {
        let ids = batch.iter().map(|m| m.id).collect();
        let tickets = batch.iter().map(|m| m.mutation.ticket_id()).collect();
        let orders_other_tickets = batch
            .iter()
            .any(|m| crate::store::orders_other_tickets(&m.mutation));
        let req = PushRequest {
            client_id: s.client_id,
            mutations: batch,
        };
        let s = Arc::clone(s);
        let task = tokio::spawn(async move {
            // Past the server's write quota nothing of the batch was applied: wait and
            // send the same batch again, a few times, before leaving it to the next round.
            let mut waits = 0;
            loop {
                match s.api.push(&req).await {
                    Err(ApiCallError::Api(e))
                        if e.code == ErrorCode::RateLimited && waits < QUOTA_RETRIES =>
                    {
                        let wait = backoff(waits);
                        tracing::info!(
                            wait_ms = wait.as_millis() as u64,
                            "push over the server's write quota; waiting"
                        );
                        tokio::time::sleep(wait).await;
                        waits += 1;
                    }
                    answer => break answer,
                }
            }
        });
        InFlight {
            ids,
            tickets,
            orders_other_tickets,
            timed_out: false,
            task,
        }
    }

    async fn answer(&mut self) -> Result<PushResponse> {
        let joined = (&mut self.task).await;
        match joined {
            Ok(Err(e)) => {
                self.timed_out = matches!(e, ApiCallError::TimedOut(_));
                Err(e.into())
            }
            Ok(Ok(answer)) => Ok(answer),
            Err(e) => Err(EngineError::Storage(format!("the push task failed: {e}"))),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Pull pages fetched ahead of the one being written, by default: one (two pages in
/// flight, one written and one fetched). Two ahead ([`MAX_PULL_AHEAD`]) measured no
/// faster (the debug bench of issue 22: 1,052 against 1,049 tickets/s at 10k, the
/// server's page building being the bound), and on a loaded machine it doubles the
/// pages each client has the server build at once, so that under the soak's 3 s
/// timeouts some pulls timed out.
pub const PULL_AHEAD: usize = 1;
/// Most pull pages [`Engine::set_sync_pipeline`] lets a client fetch ahead.
pub const MAX_PULL_AHEAD: usize = 2;

/// Pull pages fetched on their own task, in order, each from the cursor the one before
/// it answered, until one says there is no more. The task is aborted when this is
/// dropped (the round failed, or must start over); pages not yet taken are then simply
/// not applied.
struct PagesAhead {
    rx: tokio::sync::mpsc::Receiver<std::result::Result<PullResponse, ApiCallError>>,
    task: tokio::task::JoinHandle<()>,
}

impl PagesAhead {
    /// Fetches from `cursor` on, at most `ahead` pages beyond the one taken last.
    fn start(s: &Arc<Session>, mut cursor: i64, limit: i64, ahead: usize) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(ahead.max(1));
        let s = Arc::clone(s);
        let task = tokio::spawn(async move {
            loop {
                // A page is fetched only into a free place: at most `ahead` pages wait
                // or are on the way.
                let Ok(place) = tx.reserve().await else {
                    return;
                };
                let page = s.api.pull(cursor, limit).await;
                let next = match &page {
                    Ok(p) if p.has_more => Some(p.cursor),
                    _ => None,
                };
                place.send(page);
                match next {
                    Some(c) => cursor = c,
                    None => return,
                }
            }
        });
        PagesAhead { rx, task }
    }

    async fn next(&mut self) -> std::result::Result<PullResponse, ApiCallError> {
        self.rx.recv().await.unwrap_or_else(|| {
            Err(ApiCallError::Unreachable(
                "the pull stopped before its last page".into(),
            ))
        })
    }
}

impl Drop for PagesAhead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Runs one round (one at a time per engine) and updates the sync state.
pub(crate) async fn sync_round(engine: &Engine) -> Result<SyncReport> {
    let _guard = engine.inner.sync_lock.lock().await;
    engine.refresh_state(|s| s.syncing = true).await;
    let span = match engine.session() {
        Ok(s) => tracing::info_span!("sync_round", client_id = %s.client_id),
        Err(_) => tracing::info_span!("sync_round"),
    };
    let result = tracing::Instrument::instrument(round(engine), span).await;
    match &result {
        Ok(_) => {
            if let Err(e) = engine.keep_clock_offset().await {
                tracing::warn!(error = %e, "could not keep the server's clock offset");
            }
            engine
                .refresh_state(|s| {
                    s.syncing = false;
                    s.online = true;
                    // The machine's clock: the app says "synced N minutes ago" by it.
                    s.last_sync_at = Some(engine.inner.clock.machine_now());
                    s.last_error = None;
                })
                .await
        }
        Err(e) => {
            if e.server_code() == Some(tadhkira_proto::ErrorCode::Unauthorized) {
                // The token expired or was revoked: the UI should ask to sign in again.
                let _ = engine.inner.events.send(EngineEvent::SignedOut);
            }
            let offline = matches!(e, EngineError::Offline(_));
            let msg = e.to_string();
            engine
                .refresh_state(|s| {
                    s.syncing = false;
                    s.online = !offline;
                    s.last_error = Some(msg);
                })
                .await
        }
    }
    result
}

async fn round(engine: &Engine) -> Result<SyncReport> {
    let s = engine.session()?;
    let mut report = SyncReport::default();

    // Push, in order, until the queue is empty or the server has trouble; up to
    // [`PUSH_IN_FLIGHT`] batches at once (see the module's documentation).
    let push_batch = engine.inner.push_batch.now();
    let in_flight = engine.inner.push_in_flight.load(Ordering::Relaxed);
    let mut server_trouble = None;
    let mut flight: VecDeque<InFlight> = VecDeque::new();
    let mut sending = true;
    loop {
        while sending && flight.len() < in_flight && !flight.iter().any(|f| f.orders_other_tickets)
        {
            let busy: HashSet<Uuid> = flight
                .iter()
                .flat_map(|f| f.tickets.iter().copied())
                .collect();
            let (held, batch) = s.store.next_batch_beside(push_batch, &busy).await?;
            report.rejected += held;
            if batch.is_empty() {
                break;
            }
            // A change and its files go out together: the files first.
            let sent = batch.len();
            let batch = crate::files::upload_batch_files(&s, batch).await?;
            if batch.len() < sent {
                report.rejected += 1;
            }
            if batch.is_empty() {
                continue;
            }
            flight.push_back(InFlight::send(&s, batch));
        }
        // Answers are taken in the order the batches were sent.
        let Some(mut batch) = flight.pop_front() else {
            break;
        };
        let resp = match batch.answer().await {
            Ok(resp) => resp,
            Err(e) => {
                if batch.timed_out {
                    let smaller = engine.inner.push_batch.timed_out(batch.ids.len());
                    tracing::info!(batch = smaller, "a push timed out; sending smaller batches");
                }
                return Err(e);
            }
        };
        engine.inner.push_batch.answered();
        if resp.results.len() != batch.ids.len()
            || resp
                .results
                .iter()
                .zip(&batch.ids)
                .any(|(r, id)| r.id != *id)
        {
            return Err(EngineError::Incompatible(
                "push answers do not match the batch".into(),
            ));
        }
        report.pushed += batch.ids.len() as u32;
        let (ok, rejected, transient) = s.store.apply_push_results(&resp.results).await?;
        // Files of accepted changes are on the server now; their copies may go.
        crate::files::forget_unused(&s).await?;
        // The queued count falls as the batches are answered (a long push shows its
        // progress; the counts are kept by triggers, so this costs one small read), and
        // an answer means the server is reached: an outbox seen empty is never shown
        // beside "offline" from an earlier round.
        engine.refresh_state(|s| s.online = true).await;
        report.accepted += ok;
        report.rejected += rejected;
        tracing::debug!(sent = batch.ids.len(), ok, rejected, transient, "pushed");
        if transient > 0 {
            // Send nothing more this round; the batch still in flight is answered and
            // its answers kept (it shares no ticket with this one).
            server_trouble = Some("the server could not apply some changes; retrying later");
            sending = false;
        }
    }

    // Pull until the feed has nothing more. Pages after the first are fetched ahead,
    // [`PULL_AHEAD`] of them, while this one is written (the server and the local
    // store work at the same time); each is only applied after the one before it
    // committed, and a failure drops them unapplied.
    let me = &s.account.user;
    let pull_page = engine.inner.pull_page.now() as i64;
    let pull_ahead = engine.inner.pull_ahead.load(Ordering::Relaxed);
    let mut alerts: Vec<PulledAlert> = Vec::new();
    let mut event_alerts: Vec<PulledEventAlert> = Vec::new();
    let mut changed = std::collections::BTreeSet::new();
    let mut ahead: Option<PagesAhead> = None;
    // A first sync (cursor 0) loads the server's snapshot when it has one; the pull
    // below then continues from the snapshot's cursor (the changes made while it
    // streamed), or pages from 0 when it has none.
    let mut reload_all = false;
    if s.store.cursor().await?.0 == 0 && engine.inner.snapshot.load(Ordering::Relaxed) {
        if let Some(n) = crate::snapshot::first_sync(&s).await? {
            report.pulled += u32::try_from(n).unwrap_or(u32::MAX);
            reload_all = true;
        }
    }
    loop {
        let (cursor, epoch) = s.store.cursor().await?;
        let fetched = match &mut ahead {
            Some(pages) => pages.next().await,
            None => s.api.pull(cursor, pull_page).await,
        };
        let page = match fetched {
            // The server's database was put back to an older copy without a new
            // epoch: what it writes now would sit below our cursor. Start over.
            Err(ApiCallError::Api(e)) if e.code == ErrorCode::CursorAhead && cursor != 0 => {
                tracing::warn!(
                    "our pull cursor is ahead of the server's feed; resyncing from the start"
                );
                ahead = None;
                s.store.restart_pull(None).await?;
                continue;
            }
            Err(e @ ApiCallError::TimedOut(_)) => {
                let smaller = engine.inner.pull_page.timed_out(pull_page as usize);
                tracing::info!(page = smaller, "a pull timed out; asking for smaller pages");
                return Err(e.into());
            }
            other => other?,
        };
        engine.inner.pull_page.answered();
        if epoch != Some(page.epoch) {
            if epoch.is_some() || cursor != 0 {
                tracing::warn!("the server's epoch changed; resyncing from the start");
            }
            s.store.reset_epoch(page.epoch).await?;
            if cursor != 0 {
                ahead = None;
                continue;
            }
        }
        let first_sync = s.store.meta("first_sync_done").await?.is_none();
        if page.has_more && ahead.is_none() {
            ahead = Some(PagesAhead::start(&s, page.cursor, pull_page, pull_ahead));
        }
        let (ids, mut new, mut new_events) = s
            .store
            .apply_pull_page(&page.changes, page.cursor, me, !first_sync)
            .await?;
        report.pulled += page.changes.len() as u32;
        changed.extend(ids);
        alerts.append(&mut new);
        event_alerts.append(&mut new_events);
        if !page.has_more {
            if first_sync {
                s.store.set_meta("first_sync_done", "1").await?;
            }
            if first_sync || report.pulled >= ANALYZE_AFTER {
                s.store.analyze().await?;
            }
            break;
        }
    }
    if !changed.is_empty() || reload_all {
        // A first sync changes every ticket: name them only when they are few, or the
        // window is sent one event of 100,000 ids (≈ 4 MB of JSON) to reload anyway.
        let ticket_ids = if changed.len() <= MAX_NAMED_CHANGES && !reload_all {
            changed.into_iter().collect()
        } else {
            Vec::new()
        };
        let _ = engine
            .inner
            .events
            .send(EngineEvent::TicketsChanged { ticket_ids });
    }
    let wanted = engine.alert_settings();
    let replies = match wanted.reply {
        true => word_alert(alert_catalogue(engine), &alerts),
        false => None,
    };
    let events = event_alerts
        .iter()
        .filter(|e| wanted.wants(e.kind))
        .map(|e| word_event_alert(alert_catalogue(engine), e));
    for alert in replies.into_iter().chain(events) {
        report.alerts += 1;
        engine.inner.notifier.notify(&alert);
        let _ = engine.inner.events.send(EngineEvent::Alert(alert));
    }
    match server_trouble {
        Some(m) => Err(EngineError::Server(tadhkira_proto::ApiError::new(
            tadhkira_proto::ErrorCode::Internal,
            m,
        ))),
        None => Ok(report),
    }
}

/// The catalogue alerts are worded from: the user's language, laid out as the notifier
/// shows text ([`crate::Notifier::bidi_layout`]).
fn alert_catalogue(engine: &Engine) -> &'static Catalogue {
    let locale = engine.locale();
    match engine.inner.notifier.bidi_layout() {
        true => Catalogue::isolated(locale),
        false => Catalogue::get(locale),
    }
}

/// The wait before retry number `attempt` (from 0): 0.5 s doubling to [`MAX_BACKOFF`],
/// with full jitter over its upper half so many clients do not retry in step.
pub fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(500)
        .saturating_mul(1u32 << attempt.min(10))
        .min(MAX_BACKOFF);
    let jitter = rand::thread_rng().gen_range(0.5..=1.0);
    base.mul_f64(jitter)
}

impl Engine {
    /// Sets the mutations per push batch and the changes per pull page (by default
    /// [`PUSH_BATCH`] and [`PULL_PAGE`]), within what the protocol allows. For tests and
    /// benchmarks that want many batches from a small outbox or feed; the defaults suit
    /// real use.
    pub fn set_sync_batches(&self, push: usize, pull: i64) {
        let push = push.clamp(1, MAX_PUSH_BATCH);
        let pull = pull.clamp(1, tadhkira_proto::MAX_PULL_LIMIT);
        self.inner.push_batch.set(push);
        self.inner.pull_page.set(pull as usize);
    }

    /// The changes the next pull page may ask for: the set size, or less after a pull
    /// timed out (`request_size.rs`).
    pub fn pull_page_now(&self) -> i64 {
        self.inner.pull_page.now() as i64
    }

    /// The mutations the next push batch may carry: the set size, or less after a push
    /// timed out (`request_size.rs`).
    pub fn push_batch_now(&self) -> usize {
        self.inner.push_batch.now()
    }

    /// Sets how many push batches may be in flight at once (by default
    /// [`PUSH_IN_FLIGHT`]) and how many pull pages are fetched ahead of the one being
    /// written (by default [`PULL_AHEAD`], at most [`MAX_PULL_AHEAD`]); 1 and 1 are the
    /// protocol of before issue 22, which the bench measures beside the default.
    pub fn set_sync_pipeline(&self, push_in_flight: usize, pull_ahead: usize) {
        self.inner
            .push_in_flight
            .store(push_in_flight.clamp(1, PUSH_IN_FLIGHT), Ordering::Relaxed);
        self.inner
            .pull_ahead
            .store(pull_ahead.clamp(1, MAX_PULL_AHEAD), Ordering::Relaxed);
    }

    /// Whether a first sync (cursor 0) asks the server for the snapshot or pulls page by
    /// page from 0 as before issue 22 (what an older server gets anyway).
    ///
    /// On by default; the store it leaves equals a paging device's, row for row
    /// (`tests/tests/engine_snapshot.rs`, `cli_snapshot_crash.rs`).
    pub fn set_first_sync_snapshot(&self, on: bool) {
        self.inner.snapshot.store(on, Ordering::Relaxed);
    }

    /// Starts the background sync: a round now, then whenever woken, a live-event
    /// listener, and retries with backoff while offline. Needs a tokio runtime; does
    /// nothing when already running or not signed in.
    pub fn start_background_sync(&self) {
        let Ok(mut bg) = self.inner.background.lock() else {
            return;
        };
        if bg.iter().any(|h| !h.is_finished()) || self.session().is_err() {
            return;
        }
        bg.clear();
        let engine = self.clone();
        bg.push(tokio::spawn(listen(self.clone())));
        bg.push(tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                let wait = match sync_round(&engine).await {
                    Ok(_) => {
                        failures = 0;
                        IDLE_ROUND
                    }
                    Err(EngineError::NotSignedIn) => break,
                    Err(e) => {
                        let wait = backoff(failures);
                        failures = failures.saturating_add(1);
                        tracing::info!(error = %e, retry_in_ms = wait.as_millis() as u64, "sync failed");
                        wait
                    }
                };
                let _ = tokio::time::timeout(wait, engine.inner.wake.notified()).await;
            }
        }));
    }

    /// Stops the background sync (a running round is cancelled between steps; what it
    /// committed stays committed).
    pub fn stop_background_sync(&self) {
        if let Ok(mut bg) = self.inner.background.lock() {
            for h in bg.drain(..) {
                h.abort();
            }
        }
        if let Ok(mut st) = self.inner.state.lock() {
            st.live = false;
        }
    }
}

/// Keeps `GET /api/v1/events` open; every `changes` event, every reconnect (which may
/// follow a network loss) and the stream's end (which may be one) wake the sync loop.
async fn listen(engine: Engine) {
    let mut failures = 0u32;
    loop {
        let Ok(s) = engine.session() else { return };
        match s.api.events().await {
            Ok(resp) => {
                let opened = std::time::Instant::now();
                engine.refresh_state(|s| s.live = true).await;
                engine.inner.wake.notify_one();
                let mut stream = resp.bytes_stream();
                let mut frames = crate::sse::EventFrames::default();
                while let Some(chunk) = stream.next().await {
                    let Ok(chunk) = chunk else { break };
                    match frames.push(&chunk) {
                        Ok(0) => {}
                        Ok(_) => engine.inner.wake.notify_one(),
                        Err(crate::sse::Oversized) => {
                            tracing::warn!(
                                "live events: an event past the size bound; reconnecting"
                            );
                            break;
                        }
                    }
                }
                // A stream the server closed soon after opening it (this user opened
                // more streams than the server allows and this was the oldest, or the
                // token was revoked) counts as a failure, so devices that keep closing
                // each other's streams reconnect ever more slowly, not in a loop.
                if opened.elapsed() >= HEALTHY_STREAM {
                    failures = 0;
                }
            }
            Err(e) => tracing::debug!(error = %e, "live events unavailable"),
        }
        engine.refresh_state(|s| s.live = false).await;
        // The stream ended: maybe the server is gone. A round now finds out, so the
        // indicator says "offline" at once instead of at the next local change.
        engine.inner.wake.notify_one();
        tokio::time::sleep(backoff(failures)).await;
        failures = failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(500));
        assert!(backoff(0) >= Duration::from_millis(250));
        assert!(backoff(3) >= Duration::from_secs(2));
        for n in [10, 20, 1000] {
            assert!(backoff(n) <= MAX_BACKOFF);
            assert!(backoff(n) >= MAX_BACKOFF / 2);
        }
    }
}
