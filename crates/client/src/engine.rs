//! [`Engine`]: the one object the app and the CLI hold. Every read comes from the local
//! store; every change is written locally with its outbox entry in one transaction and
//! returns at once; syncing happens in [`crate::sync`].
//!
//! Data folder layout: `engine.lock` (held while open), `account.json` (server and user
//! of the signed-in account), `accounts/<user id>/local.db` (one store per account), and
//! the token wherever the [`TokenStore`] keeps it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tadhkira_proto::{
    Description, Escalation, FieldChange, FieldValue, LoginRequest, Message, MessageBody, Mutation,
    MutationEnvelope, NewMessage, NewTicket, ShortText, Status, Ticket, TicketTitle, TicketUpdate,
    Tier, Visibility,
};
use tokio::sync::{broadcast, Notify};
use uuid::Uuid;

use crate::api::ApiClient;
use crate::error::{EngineError, Result};
use crate::model::{
    Account, EngineEvent, ListQuery, NewTicketInput, OutboxItem, SyncReport, SyncState,
    TicketDetail, TicketPage,
};
use crate::notifier::{NoopNotifier, Notifier};
use crate::store::tickets::{apply_local, load_ticket, upsert_message, upsert_ticket};
use crate::store::{outbox, Store};
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
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            notifier: Arc::new(NoopNotifier),
            token_store: None,
            device_name: "tadhkira".into(),
        }
    }
}

/// The signed-in part of an engine.
pub(crate) struct Session {
    pub account: Account,
    pub api: ApiClient,
    pub store: Store,
    pub client_id: Uuid,
}

pub(crate) struct Inner {
    pub data_dir: PathBuf,
    pub _lock: std::fs::File,
    pub notifier: Arc<dyn Notifier>,
    pub tokens: Arc<dyn TokenStore>,
    pub device_name: String,
    pub events: broadcast::Sender<EngineEvent>,
    pub session: Mutex<Option<Arc<Session>>>,
    /// Only one sync round at a time.
    pub sync_lock: tokio::sync::Mutex<()>,
    /// Wakes the background loop (`sync_now`, a local change, a live event).
    pub wake: Notify,
    pub state: Mutex<SyncState>,
    /// The background sync loop and the live-event listener, while running.
    pub background: Mutex<Vec<tokio::task::JoinHandle<()>>>,
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
                events,
                session: Mutex::new(None),
                sync_lock: tokio::sync::Mutex::new(()),
                wake: Notify::new(),
                state: Mutex::new(SyncState::default()),
                background: Mutex::new(Vec::new()),
            }),
        };
        let account_file = engine.inner.data_dir.join("account.json");
        if let Ok(text) = std::fs::read_to_string(&account_file) {
            let account: Account = serde_json::from_str(&text)?;
            let token = engine.inner.tokens.load().map_err(EngineError::Storage)?;
            if let Some(token) = token {
                engine.attach(account, &token).await?;
            }
        }
        Ok(engine)
    }

    async fn attach(&self, account: Account, token: &str) -> Result<()> {
        let api = ApiClient::new(&account.server_url)?.with_token(token);
        let dir = self
            .inner
            .data_dir
            .join("accounts")
            .join(account.user.id.to_string());
        std::fs::create_dir_all(&dir)?;
        let store = Store::open(&dir.join("local.db")).await?;
        let client_id = store.client_id().await?;
        let session = Arc::new(Session {
            account,
            api,
            store,
            client_id,
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

    /// Signs in (needs the network), stores the token and opens the account's store.
    /// Signing in as another user switches stores; each account keeps its own.
    pub async fn sign_in(&self, server_url: &str, email: &str, password: &str) -> Result<Account> {
        let api = ApiClient::new(server_url)?;
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
        self.inner
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// A page of tickets from the local store.
    pub async fn list_tickets(&self, query: &ListQuery) -> Result<TicketPage> {
        let s = self.session()?;
        s.store.list_tickets(query, &s.account.user).await
    }

    /// A ticket with its messages, timeline and pending local changes. `reference` is a
    /// ticket id, or a number (`#1042` / `1042`) once the server gave one.
    pub async fn ticket(&self, reference: &str) -> Result<TicketDetail> {
        let s = self.session()?;
        let id = s.store.resolve_ticket(reference).await?;
        let (ticket, messages, events) = s.store.ticket_parts(id).await?;
        let pending = s.store.outbox(Some(id)).await?;
        Ok(TicketDetail {
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

    /// Opens a ticket locally and queues it; returns its id at once (no network).
    pub async fn create_ticket(&self, input: NewTicketInput) -> Result<Uuid> {
        let s = self.session()?;
        let me = &s.account.user;
        let id = Uuid::now_v7();
        let title = TicketTitle::parse(&input.title)?;
        let description = Description::parse(&input.description)?;
        let category = input
            .category
            .as_deref()
            .map(ShortText::parse)
            .transpose()?;
        let checks = input
            .checks
            .iter()
            .map(ShortText::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if input.requester_id.is_some() && !me.role.is_staff() {
            return Err(EngineError::Invalid(
                "only staff file tickets for someone else".into(),
            ));
        }
        let now = Utc::now();
        let ticket = Ticket {
            id,
            number: 0,
            org_id: me.org_id.unwrap_or_default(),
            org_name: s
                .account
                .organisation
                .as_ref()
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            requester_id: input.requester_id.unwrap_or(me.id),
            requester_name: if input.requester_id.is_none() {
                me.name.clone()
            } else {
                String::new()
            },
            created_by: me.id,
            title: title.as_str().to_owned(),
            description: description.as_str().to_owned(),
            priority: input.priority,
            status: Status::New,
            channel: input.channel,
            category: category.as_ref().map(|c| c.as_str().to_owned()),
            contact: input.contact.clone(),
            checks: checks.iter().map(|c| c.as_str().to_owned()).collect(),
            system_info: input.system_info.clone(),
            tier: Tier::L1,
            assignee_id: None,
            assignee_name: None,
            first_response_due_at: None,
            first_response_at: None,
            resolution_due_at: None,
            solved_at: None,
            sla_paused_at: None,
            created_at: now,
            updated_at: now,
            versions: Default::default(),
        };
        let mutation = Mutation::CreateTicket(NewTicket {
            id,
            title,
            description,
            priority: input.priority,
            channel: input.channel,
            category,
            contact: input.contact,
            checks,
            system_info: input.system_info,
            requester_id: input.requester_id,
        });
        let mut tx = s.store.pool().begin().await?;
        upsert_ticket(&mut tx, &ticket).await?;
        outbox::append(
            &mut tx,
            &MutationEnvelope {
                id: Uuid::now_v7(),
                mutation,
            },
        )
        .await?;
        tx.commit().await?;
        self.after_local_change(id).await;
        Ok(id)
    }

    /// Adds a public reply (or, for staff, an internal note) locally and queues it.
    pub async fn add_message(
        &self,
        ticket_id: Uuid,
        body: &str,
        visibility: Visibility,
    ) -> Result<Uuid> {
        let s = self.session()?;
        let me = &s.account.user;
        if visibility == Visibility::Internal && !me.role.is_staff() {
            return Err(EngineError::Invalid(
                "only staff write internal notes".into(),
            ));
        }
        let body = MessageBody::parse(body)?;
        let id = Uuid::now_v7();
        let now = Utc::now();
        let mut tx = s.store.pool().begin().await?;
        let mut ticket = load_ticket(&mut tx, ticket_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("ticket {ticket_id}")))?;
        let message = Message {
            id,
            ticket_id,
            author_id: me.id,
            author_name: me.name.clone(),
            author_role: me.role,
            body: body.as_str().to_owned(),
            visibility,
            created_at: now,
        };
        upsert_message(&mut tx, &message).await?;
        ticket.updated_at = ticket.updated_at.max(now);
        upsert_ticket(&mut tx, &ticket).await?;
        let mutation = Mutation::AddMessage(NewMessage {
            id,
            ticket_id,
            body,
            visibility,
        });
        outbox::append(
            &mut tx,
            &MutationEnvelope {
                id: Uuid::now_v7(),
                mutation,
            },
        )
        .await?;
        tx.commit().await?;
        self.after_local_change(ticket_id).await;
        Ok(id)
    }

    /// Changes fields of a ticket locally and queues the change, with the field versions
    /// the user saw (a stale one makes the server keep the overwritten value visible).
    pub async fn update_ticket(&self, ticket_id: Uuid, values: Vec<FieldValue>) -> Result<()> {
        if values.is_empty() {
            return Err(EngineError::Invalid("nothing to change".into()));
        }
        let s = self.session()?;
        let mut tx = s.store.pool().begin().await?;
        let mut ticket = load_ticket(&mut tx, ticket_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("ticket {ticket_id}")))?;
        let v = ticket.versions;
        let changes = values
            .into_iter()
            .map(|value| {
                let seen_version = match &value {
                    FieldValue::Title(_) => v.title,
                    FieldValue::Status(_) => v.status,
                    FieldValue::Priority(_) => v.priority,
                    FieldValue::Assignee(_) => v.assignee,
                    FieldValue::Category(_) => v.category,
                };
                FieldChange {
                    value,
                    seen_version,
                }
            })
            .collect();
        let mutation = Mutation::UpdateTicket(TicketUpdate { ticket_id, changes });
        apply_local(&mut ticket, &mutation, &s.account.user, Utc::now());
        upsert_ticket(&mut tx, &ticket).await?;
        outbox::append(
            &mut tx,
            &MutationEnvelope {
                id: Uuid::now_v7(),
                mutation,
            },
        )
        .await?;
        tx.commit().await?;
        self.after_local_change(ticket_id).await;
        Ok(())
    }

    /// Escalates a ticket to a higher tier locally and queues it.
    pub async fn escalate(&self, ticket_id: Uuid, to_tier: Tier, reason: &str) -> Result<()> {
        let s = self.session()?;
        let reason = ShortText::parse(reason)?;
        let mut tx = s.store.pool().begin().await?;
        let mut ticket = load_ticket(&mut tx, ticket_id)
            .await?
            .ok_or_else(|| EngineError::NotFound(format!("ticket {ticket_id}")))?;
        if to_tier <= ticket.tier {
            return Err(EngineError::Invalid(format!(
                "the ticket is already at tier {}; escalate to a higher one",
                ticket.tier
            )));
        }
        let mutation = Mutation::Escalate(Escalation {
            ticket_id,
            to_tier,
            reason,
        });
        apply_local(&mut ticket, &mutation, &s.account.user, Utc::now());
        upsert_ticket(&mut tx, &ticket).await?;
        outbox::append(
            &mut tx,
            &MutationEnvelope {
                id: Uuid::now_v7(),
                mutation,
            },
        )
        .await?;
        tx.commit().await?;
        self.after_local_change(ticket_id).await;
        Ok(())
    }

    /// Every outbox entry (queued and rejected), oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.session()?.store.outbox(None).await
    }

    /// Queues a rejected entry again (edited, if `edited` is given) with the entries held
    /// behind it, and wakes the sync.
    pub async fn resend(&self, id: Uuid, edited: Option<Mutation>) -> Result<()> {
        let s = self.session()?;
        s.store.resend(id, edited).await?;
        let ticket = s
            .store
            .outbox(None)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .map(|i| i.ticket_id);
        self.after_local_change(ticket.unwrap_or_default()).await;
        Ok(())
    }

    /// Drops an outbox entry; dropping a ticket's creation removes the local ticket.
    pub async fn discard(&self, id: Uuid) -> Result<()> {
        let ticket = self.session()?.store.discard(id).await?;
        self.after_local_change(ticket).await;
        Ok(())
    }

    /// Runs one sync round now (push the outbox, then pull) and reports what it did.
    /// Fails with [`EngineError::Offline`] when the server cannot be reached; the
    /// outbox stays queued.
    pub async fn sync_now(&self) -> Result<SyncReport> {
        self.inner.wake.notify_one();
        crate::sync::sync_round(self).await
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

    async fn after_local_change(&self, ticket_id: Uuid) {
        let _ = self.inner.events.send(EngineEvent::TicketsChanged {
            ticket_ids: vec![ticket_id],
        });
        self.refresh_state(|_| {}).await;
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
            serde_json::to_value(EngineError::NotSignedIn).unwrap()["code"],
            "not_signed_in"
        );
    }
}
