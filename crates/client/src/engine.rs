//! [`Engine`]: the one object the app and the CLI hold. Every read comes from the local
//! store; every local mutation is written with its outbox entry in one transaction and
//! returns at once; syncing happens in [`crate::sync`].
//!
//! The user's local mutations (create, reply, update, escalate, outbox actions) are in
//! `mutations.rs`; every query and transaction is a method of the store (`store/`).
//!
//! Data folder layout: `engine.lock` (held while open), `account.json` (server and user
//! of the signed-in account), `accounts/<user id>/local.db` (one store per account), and
//! the token wherever the [`TokenStore`] keeps it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tadhkira_i18n::Locale;
use tadhkira_proto::{LoginRequest, Role, User};
use tokio::sync::{broadcast, Notify};
use uuid::Uuid;

use crate::api::{ApiClient, PlainHttp, Timeouts};
use crate::error::{EngineError, Result};
use crate::model::{
    Account, AlertSettings, Customer, EngineEvent, ListQuery, StoreRecovery, SyncReport, SyncState,
    TicketListPage, TicketView,
};
use crate::notifier::{NoopNotifier, Notifier};
use crate::store::Store;
use crate::token::{FileTokenStore, TokenStore};

/// How an engine is set up by its host (app or CLI).
#[derive(Clone)]
pub struct EngineConfig {
    /// Where reply alerts are shown.
    pub notifier: Arc<dyn Notifier>,
    /// Where the API token is kept; `None` means a 0600 file `token` in the data folder.
    pub token_store: Option<Arc<dyn TokenStore>>,
    /// A label for the sign-in token (shown in session lists), e.g. "tadhkira-cli".
    pub device_name: String,
    /// How long calls to the server may take.
    pub timeouts: Timeouts,
    /// Whether a sign-in may use plain HTTP to another machine (the lab-use opt-in;
    /// also [`Engine::set_plain_http`]).
    pub plain_http: PlainHttp,
    /// Which alerts to raise (changeable later with [`Engine::set_alert_settings`]).
    pub alerts: AlertSettings,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            notifier: Arc::new(NoopNotifier),
            token_store: None,
            device_name: "tadhkira".into(),
            timeouts: Timeouts::default(),
            plain_http: PlainHttp::LoopbackOnly,
            alerts: AlertSettings::default(),
        }
    }
}

/// The `meta` key of the last staff directory fetched ([`Engine::staff_directory`]).
const STAFF_DIRECTORY: &str = "staff_directory";
/// The `meta` key of the last customer directory fetched ([`Engine::customer_directory`]).
const CUSTOMER_DIRECTORY: &str = "customer_directory";
/// `meta` key of the server's clock offset last measured, in milliseconds (kept for the
/// next run, see [`crate::clock`]).
const CLOCK_OFFSET: &str = "server_clock_offset_ms";

/// The signed-in part of an engine.
pub(crate) struct Session {
    pub account: Account,
    pub api: ApiClient,
    pub store: Store,
    pub client_id: Uuid,
    /// The account's folder (its database and its attached files' copies).
    pub dir: PathBuf,
}

pub(crate) struct Inner {
    pub data_dir: PathBuf,
    pub _lock: std::fs::File,
    pub notifier: Arc<dyn Notifier>,
    pub tokens: Arc<dyn TokenStore>,
    pub device_name: String,
    pub timeouts: Timeouts,
    pub events: broadcast::Sender<EngineEvent>,
    pub session: Mutex<Option<Arc<Session>>>,
    /// Only one sync round at a time.
    pub sync_lock: tokio::sync::Mutex<()>,
    /// Wakes the background loop (a local change, a live event).
    pub wake: Notify,
    pub state: Mutex<SyncState>,
    /// The background sync loop and the live-event listener, while running.
    pub background: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// The language asked of the server (`Accept-Language`).
    pub language: crate::api::Language,
    /// Whether the next sign-in may use plain HTTP to another machine.
    pub plain_http: Mutex<PlainHttp>,
    /// Which alerts to raise.
    pub alerts: Mutex<AlertSettings>,
    /// The machine's clock and the server's offset from it (see crate::clock).
    pub clock: Arc<crate::clock::Clock>,
    /// Mutations per push and changes per pull page ([`Engine::set_sync_batches`]),
    /// less for a while after requests time out.
    pub push_batch: crate::request_size::RequestSize,
    pub pull_page: crate::request_size::RequestSize,
    /// Push batches in flight and pull pages fetched ahead ([`Engine::set_sync_pipeline`]).
    pub push_in_flight: std::sync::atomic::AtomicUsize,
    pub pull_ahead: std::sync::atomic::AtomicUsize,
    /// Whether a first sync asks for the snapshot ([`Engine::set_first_sync_snapshot`]).
    pub snapshot: std::sync::atomic::AtomicBool,
}

/// The offline engine of one data folder. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("data_dir", &self.inner.data_dir)
            .finish()
    }
}

fn lock_data_dir(dir: &Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(dir)?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("engine.lock"))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(EngineError::Locked(dir.display().to_string()))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

impl Engine {
    /// Opens the data folder (creating it), taking its exclusive lock: a second engine on
    /// the same folder, in this or another process, fails with [`EngineError::Locked`].
    /// Resumes the signed-in account when there is one and its token is stored.
    pub async fn open(data_dir: impl Into<PathBuf>, config: EngineConfig) -> Result<Engine> {
        let data_dir = data_dir.into();
        let lock = lock_data_dir(&data_dir)?;
        let tokens = config
            .token_store
            .unwrap_or_else(|| Arc::new(FileTokenStore::new(data_dir.join("token"))));
        let (events, _) = broadcast::channel(256);
        let engine = Engine {
            inner: Arc::new(Inner {
                data_dir,
                _lock: lock,
                notifier: config.notifier,
                tokens,
                device_name: config.device_name,
                timeouts: config.timeouts,
                events,
                session: Mutex::new(None),
                sync_lock: tokio::sync::Mutex::new(()),
                wake: Notify::new(),
                state: Mutex::new(SyncState::default()),
                background: Mutex::new(Vec::new()),
                language: Default::default(),
                plain_http: Mutex::new(config.plain_http),
                alerts: Mutex::new(config.alerts),
                clock: Arc::default(),
                push_batch: crate::request_size::RequestSize::new(crate::sync::PUSH_BATCH),
                pull_page: crate::request_size::RequestSize::new(crate::sync::PULL_PAGE as usize),
                push_in_flight: crate::sync::PUSH_IN_FLIGHT.into(),
                pull_ahead: crate::sync::PULL_AHEAD.into(),
                snapshot: true.into(),
            }),
        };
        let account_file = engine.inner.data_dir.join("account.json");
        if let Ok(text) = std::fs::read_to_string(&account_file) {
            let account: Account = serde_json::from_str(&text)?;
            let token = engine.inner.tokens.load().map_err(EngineError::Storage)?;
            if let Some(token) = token {
                match engine.attach(account, &token).await {
                    // An account kept from before plain HTTP was refused: signed out
                    // until the user signs in again (with the lab-use opt-in).
                    Err(EngineError::PlainHttpRefused(host)) => {
                        tracing::warn!(%host, "stored account uses plain HTTP; sign in again");
                    }
                    other => other?,
                }
            }
        }
        Ok(engine)
    }

    async fn attach(&self, account: Account, token: &str) -> Result<()> {
        // Plain HTTP to another machine only when the user allowed it at sign-in.
        let plain_http = if account.insecure {
            PlainHttp::Allowed
        } else {
            PlainHttp::LoopbackOnly
        };
        let api = ApiClient::new_with(&account.server_url, plain_http, self.inner.timeouts)?
            .with_clock(self.inner.clock.clone())
            .with_token(token)
            .with_language(self.inner.language.clone());
        let dir = self
            .inner
            .data_dir
            .join("accounts")
            .join(account.user.id.to_string());
        std::fs::create_dir_all(&dir)?;
        // Files staged in a composer of an earlier run were never sent: that composer is
        // gone (see crate::staging).
        crate::staging::clear(&dir);
        // Copies handed to the system's application in an earlier run (viewing.rs).
        let _ = std::fs::remove_dir_all(dir.join("cache").join("open"));
        // A damaged file is kept aside and rebuilt, its outbox salvaged (store/recovery.rs);
        // the report stays in the new store for the app and the CLI to show.
        let (store, recovery) = Store::open_or_recover(&dir.join("local.db")).await?;
        if let Some(r) = &recovery {
            crate::mutations::show_salvaged_tickets(&store, &account).await?;
            tracing::error!(
                kept = %r.kept_copy,
                salvaged = r.salvaged,
                unreadable = r.unreadable.len(),
                "the local database was damaged and has been rebuilt"
            );
        }
        if let Some(kept) = store.meta(CLOCK_OFFSET).await? {
            if let Ok(ms) = kept.parse::<i64>() {
                self.inner
                    .clock
                    .restore_offset(chrono::Duration::milliseconds(ms));
            }
        }
        let client_id = store.client_id().await?;
        let session = Arc::new(Session {
            account,
            api,
            store,
            client_id,
            dir,
        });
        *self.inner.session.lock().map_err(poisoned)? = Some(session);
        self.refresh_state(|s| s.signed_in = true).await;
        Ok(())
    }

    pub(crate) fn session(&self) -> Result<Arc<Session>> {
        self.inner
            .session
            .lock()
            .map_err(poisoned)?
            .clone()
            .ok_or(EngineError::NotSignedIn)
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Option<Account> {
        self.session().ok().map(|s| s.account.clone())
    }

    /// This installation's client id (never shared by two copies of a profile).
    pub async fn client_id(&self) -> Result<Uuid> {
        Ok(self.session()?.client_id)
    }

    /// The server's time as best known: the machine's clock corrected by the offset
    /// measured from the server's answers (see [`crate::clock`]). Local changes are
    /// stamped with it, and response targets judged by it.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// The server's clock minus this machine's, as last measured (zero when they agree
    /// within [`crate::clock::TOLERANCE`] or nothing was measured yet).
    pub fn server_clock_offset(&self) -> chrono::Duration {
        self.inner.clock.server_offset()
    }

    /// Tests of a wrong clock: makes this machine's clock read `skew` off, for this
    /// engine only.
    pub fn set_machine_clock_skew(&self, skew: chrono::Duration) {
        self.inner.clock.set_machine_skew(skew);
    }

    /// Asks the server for its messages (error texts, rejection reasons) in `tag`'s
    /// language from now on (`ar`, `en`), and words reply alerts in it; `None` leaves
    /// the server's messages to the server (English) and alerts to the account's profile.
    pub fn set_language(&self, tag: Option<&str>) {
        if let Ok(mut l) = self.inner.language.write() {
            *l = tag.map(str::to_owned);
        }
    }

    /// Which alerts to raise from the next sync on (the app's settings, the CLI's
    /// flags).
    pub fn set_alert_settings(&self, alerts: AlertSettings) {
        if let Ok(mut a) = self.inner.alerts.lock() {
            *a = alerts;
        }
    }

    /// Which alerts are raised.
    pub fn alert_settings(&self) -> AlertSettings {
        self.inner.alerts.lock().map(|a| *a).unwrap_or_default()
    }

    /// The language the user reads (alerts are worded in it): the one given to
    /// [`Engine::set_language`], else the signed-in account's profile, else English.
    pub(crate) fn locale(&self) -> Locale {
        let chosen = self.inner.language.read().ok().and_then(|l| l.clone());
        chosen
            .as_deref()
            .and_then(Locale::from_tag)
            .or_else(|| {
                let profile = self.account()?.user.locale;
                Locale::from_tag(&profile)
            })
            .unwrap_or_default()
    }

    /// Whether sign-ins from now on may use plain HTTP to another machine (the app's
    /// "lab use" choice, the CLI's `--insecure`). Refused by default: see [`crate::api`].
    pub fn set_plain_http(&self, plain_http: PlainHttp) {
        if let Ok(mut p) = self.inner.plain_http.lock() {
            *p = plain_http;
        }
    }

    /// Signs in (needs the network), stores the token and opens the account's store.
    /// Signing in as another user switches stores; each account keeps its own. Plain
    /// HTTP to another machine fails with [`EngineError::PlainHttpRefused`] before any
    /// connection, unless allowed ([`Engine::set_plain_http`]).
    pub async fn sign_in(&self, server_url: &str, email: &str, password: &str) -> Result<Account> {
        let plain_http = self.inner.plain_http.lock().map(|p| *p).unwrap_or_default();
        let api = ApiClient::new_with(server_url, plain_http, self.inner.timeouts)?
            .with_clock(self.inner.clock.clone())
            .with_language(self.inner.language.clone());
        api.health().await?;
        let req = LoginRequest {
            email: email.trim().to_owned(),
            password: password.to_owned(),
            device: Some(self.inner.device_name.clone()),
        };
        let resp = api.login(&req).await?;
        let account = Account {
            server_url: api.base_url().to_owned(),
            user: resp.user,
            organisation: resp.organisation,
            insecure: api.is_insecure(),
        };
        self.stop_background_sync();
        self.inner
            .tokens
            .save(&resp.token)
            .map_err(EngineError::Storage)?;
        let tmp = self.inner.data_dir.join("account.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&account)?)?;
        std::fs::rename(&tmp, self.inner.data_dir.join("account.json"))?;
        self.attach(account.clone(), &resp.token).await?;
        Ok(account)
    }

    /// Signs out: revokes the token on the server when reachable, forgets it locally.
    /// The account's local store (and its outbox) stays for the next sign-in.
    pub async fn sign_out(&self) -> Result<()> {
        self.stop_background_sync();
        let session = self.inner.session.lock().map_err(poisoned)?.take();
        if let Some(s) = session {
            if let Err(e) = s.api.logout().await {
                tracing::warn!(error = %e, "could not revoke the token on the server");
            }
            s.store.close().await;
        }
        self.inner.tokens.delete().map_err(EngineError::Storage)?;
        let _ = std::fs::remove_file(self.inner.data_dir.join("account.json"));
        *self.inner.state.lock().map_err(poisoned)? = SyncState::default();
        let _ = self.inner.events.send(EngineEvent::SignedOut);
        Ok(())
    }

    /// Engine events: ticket changes, alerts, sync state. Lagging receivers lose the
    /// oldest events (then reload from the store).
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    /// The current sync state.
    pub fn sync_state(&self) -> SyncState {
        let mut state = self
            .inner
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        state.server_clock_offset_ms = self.inner.clock.server_offset().num_milliseconds();
        state
    }

    /// Keeps the server's clock offset in the account's store when it changed, for the
    /// next run to start with (called after each sync round).
    pub(crate) async fn keep_clock_offset(&self) -> Result<()> {
        let s = self.session()?;
        let now = self
            .inner
            .clock
            .server_offset()
            .num_milliseconds()
            .to_string();
        if s.store.meta(CLOCK_OFFSET).await?.as_deref() != Some(now.as_str()) {
            s.store.set_meta(CLOCK_OFFSET, &now).await?;
        }
        Ok(())
    }

    /// A page of tickets from the local store.
    pub async fn list_tickets(&self, query: &ListQuery) -> Result<TicketListPage> {
        let s = self.session()?;
        s.store
            .list_tickets_at(query, &s.account.user, self.now())
            .await
    }

    /// The staff a ticket can be assigned to (agents and admins), by name: fetched from
    /// the server when it answers and kept in the store, so the assignee pickers work
    /// offline with the last list seen. Customers have none. Fails only when the server
    /// cannot be asked and no list was ever kept.
    pub async fn staff_directory(&self) -> Result<Vec<User>> {
        let s = self.session()?;
        if !s.account.user.role.is_staff() {
            return Ok(Vec::new());
        }
        let fetched = async {
            let mut people = s.api.people(Role::Agent).await?.people;
            people.extend(s.api.people(Role::Admin).await?.people);
            Ok::<_, crate::api::ApiCallError>(people)
        }
        .await;
        match fetched {
            Ok(people) => {
                let mut staff: Vec<User> = people.into_iter().map(|p| p.user).collect();
                staff.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
                s.store
                    .set_meta(STAFF_DIRECTORY, &serde_json::to_string(&staff)?)
                    .await?;
                Ok(staff)
            }
            Err(e) => match s.store.meta(STAFF_DIRECTORY).await? {
                Some(kept) => {
                    tracing::debug!(error = %e, "staff directory from the store");
                    Ok(serde_json::from_str(&kept)?)
                }
                None => Err(e.into()),
            },
        }
    }

    /// The customers staff can file a ticket for, by name, each with their organisation
    /// and whether its subscription is paid: fetched from the server when it answers and
    /// kept in the store, so filing on behalf works offline with the last list seen.
    /// Customers have none. Fails only when the server cannot be asked and no list was
    /// ever kept.
    pub async fn customer_directory(&self) -> Result<Vec<Customer>> {
        let s = self.session()?;
        if !s.account.user.role.is_staff() {
            return Ok(Vec::new());
        }
        let people = match s.api.people(Role::Customer).await {
            Ok(page) => {
                let mut people = page.people;
                people.sort_by(|a, b| {
                    a.user
                        .name
                        .cmp(&b.user.name)
                        .then(a.user.id.cmp(&b.user.id))
                });
                s.store
                    .set_meta(CUSTOMER_DIRECTORY, &serde_json::to_string(&people)?)
                    .await?;
                people
            }
            Err(e) => match s.store.meta(CUSTOMER_DIRECTORY).await? {
                Some(kept) => {
                    tracing::debug!(error = %e, "customer directory from the store");
                    serde_json::from_str::<Vec<tadhkira_proto::Me>>(&kept)?
                }
                None => return Err(e.into()),
            },
        };
        let now = self.now();
        Ok(people
            .into_iter()
            .map(|p| Customer {
                subscription_active: p
                    .organisation
                    .as_ref()
                    .is_some_and(|o| o.subscription_active(now)),
                user: p.user,
                organisation: p.organisation,
            })
            .collect())
    }

    /// The name of `customer`'s organisation when the customer directory kept in the
    /// store (no network) says its subscription is not active now; `None` when it is
    /// active or the customer is not in the kept list (the server decides then).
    pub(crate) async fn kept_lapsed_organisation(&self, customer: Uuid) -> Result<Option<String>> {
        let s = self.session()?;
        let Some(kept) = s.store.meta(CUSTOMER_DIRECTORY).await? else {
            return Ok(None);
        };
        let people: Vec<tadhkira_proto::Me> = serde_json::from_str(&kept)?;
        let now = self.now();
        Ok(people
            .into_iter()
            .find(|p| p.user.id == customer)
            .and_then(|p| p.organisation)
            .filter(|o| !o.subscription_active(now))
            .map(|o| o.name))
    }

    /// A ticket with its messages, timeline and pending local changes. `reference` is a
    /// ticket id, or a number (`#1042` / `1042`) once the server gave one.
    pub async fn ticket(&self, reference: &str) -> Result<TicketView> {
        let s = self.session()?;
        let id = s.store.resolve_ticket(reference).await?;
        let (ticket, messages, events) = s.store.ticket_parts(id).await?;
        let pending = s.store.outbox(Some(id)).await?;
        Ok(TicketView {
            local_only: ticket.number == 0,
            ticket,
            messages,
            events,
            pending,
        })
    }

    /// Resolves a ticket reference (`#1042`, `1042`, or an id) to its id.
    pub async fn resolve_ticket(&self, reference: &str) -> Result<Uuid> {
        self.session()?.store.resolve_ticket(reference).await
    }

    /// Marks a ticket read (clears its unread mark).
    pub async fn mark_read(&self, ticket_id: Uuid) -> Result<()> {
        self.session()?.store.mark_read(ticket_id).await
    }

    /// How many tickets hold a message from someone else that came after the user last
    /// opened the ticket: the count the desktop app's tray shows. Tickets never opened
    /// count when someone else wrote on them.
    pub async fn unread_count(&self) -> Result<u32> {
        let s = self.session()?;
        s.store.unread_count(s.account.user.id).await
    }

    /// Runs one sync round now (push the outbox, then pull) and reports what it did.
    /// Fails with [`EngineError::Offline`] when the server cannot be reached; the
    /// outbox stays queued.
    ///
    /// The round runs here, not in the background loop: waking the loop as well would
    /// make it run a second round right after this one, with nothing new to do.
    pub async fn sync_now(&self) -> Result<SyncReport> {
        crate::sync::sync_round(self).await
    }

    /// The report of the last time the account's local database was found damaged at
    /// start and rebuilt (what was kept, salvaged and lost), until dismissed; worded for
    /// people by [`StoreRecovery::words`].
    pub async fn store_recovery(&self) -> Result<Option<StoreRecovery>> {
        self.session()?.store.store_recovery().await
    }

    /// Forgets the recovery report once the user has read it (the damaged copy stays).
    pub async fn dismiss_store_recovery(&self) -> Result<()> {
        self.session()?.store.dismiss_store_recovery().await
    }

    /// `PRAGMA integrity_check` of the account's store (`"ok"` when intact).
    pub async fn integrity_check(&self) -> Result<String> {
        self.session()?.store.integrity_check().await
    }

    /// Closes the store and releases the data folder (also happens on drop).
    pub async fn close(&self) {
        self.stop_background_sync();
        let session = self.inner.session.lock().ok().and_then(|mut s| s.take());
        if let Some(s) = session {
            s.store.close().await;
        }
    }

    pub(crate) async fn after_local_change(&self, ticket_id: Uuid) {
        let _ = self.inner.events.send(EngineEvent::TicketsChanged {
            ticket_ids: vec![ticket_id],
        });
        self.refresh_state(|_| {}).await;
        self.inner.wake.notify_one();
    }

    /// Wakes the background sync (something new is queued).
    pub(crate) fn wake_sync(&self) {
        self.inner.wake.notify_one();
    }

    /// Re-reads the outbox counts, applies `f`, and announces the new state if it changed.
    pub(crate) async fn refresh_state(&self, f: impl FnOnce(&mut SyncState)) {
        let counts = match self.session() {
            Ok(s) => s.store.outbox_counts().await.ok(),
            Err(_) => None,
        };
        let new = {
            let Ok(mut st) = self.inner.state.lock() else {
                return;
            };
            let before = st.clone();
            if let Some((q, r)) = counts {
                st.queued = q;
                st.rejected = r;
            }
            f(&mut st);
            st.server_clock_offset_ms = self.inner.clock.server_offset().num_milliseconds();
            (*st != before).then(|| st.clone())
        };
        if let Some(st) = new {
            let _ = self.inner.events.send(EngineEvent::SyncState(st));
        }
    }
}

fn poisoned<T>(_: T) -> EngineError {
    EngineError::Storage("engine state lock poisoned".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_engine_on_the_same_folder_is_refused_until_the_first_closes() {
        let dir = tempfile::tempdir().unwrap();
        let first = Engine::open(dir.path(), EngineConfig::default())
            .await
            .unwrap();
        let second = Engine::open(dir.path(), EngineConfig::default()).await;
        assert!(matches!(second, Err(EngineError::Locked(_))), "{second:?}");
        drop(first);
        let third = Engine::open(dir.path(), EngineConfig::default())
            .await
            .unwrap();
        assert!(matches!(
            third.list_tickets(&ListQuery::default()).await,
            Err(EngineError::NotSignedIn)
        ));
        assert_eq!(
            serde_json::to_value(EngineError::NotSignedIn.code()).unwrap(),
            "not_signed_in"
        );
    }

    #[tokio::test]
    async fn signing_in_over_plain_http_to_another_host_is_refused_before_connecting() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), EngineConfig::default())
            .await
            .unwrap();
        // 192.0.2.1 (TEST-NET-1) answers nothing: a connection attempt would hang for
        // the connect timeout, so a quick answer means none was tried.
        let started = std::time::Instant::now();
        let e = engine
            .sign_in("http://192.0.2.1:1", "a@b.example", "pw")
            .await
            .unwrap_err();
        assert!(
            matches!(e, EngineError::PlainHttpRefused(ref h) if h == "192.0.2.1"),
            "{e:?}"
        );
        assert_eq!(
            serde_json::to_value(e.code()).unwrap(),
            "plain_http_refused"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // With the lab-use opt-in it tries the network (and finds nobody there).
        engine.set_plain_http(PlainHttp::Allowed);
        let e = engine
            .sign_in("http://192.0.2.1:1", "a@b.example", "pw")
            .await
            .unwrap_err();
        assert!(matches!(e, EngineError::Offline(_)), "{e:?}");
    }
}
