//! Types the engine hands to its callers (the app's UI, the CLI): list rows, ticket
//! detail, outbox entries, sync state, alerts and engine events.
//!
//! All are serde-serialisable; with the `ts` feature they also derive `ts_rs::TS`, so
//! the UI's TypeScript types are generated from them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tadhkira_proto::{
    ApiError, Channel, Contact, Message, Mutation, Organisation, Priority, Status, Ticket,
    TicketEvent, Tier, User,
};
use uuid::Uuid;

/// The signed-in account of an engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Account {
    /// The server's base address, e.g. `http://127.0.0.1:8080/`.
    pub server_url: String,
    pub user: User,
    pub organisation: Option<Organisation>,
    /// Signed in over plain HTTP to another machine, allowed by the user's lab-use
    /// opt-in: passwords and tokens cross the network unencrypted, and the app says so
    /// while it lasts.
    #[serde(default)]
    pub insecure: bool,
}

/// Which slice of tickets a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Everything in the local store.
    #[default]
    All,
    /// Customers: tickets they requested or filed. Staff: tickets assigned to them.
    Mine,
    /// Staff: tickets nobody is assigned to.
    Unassigned,
    /// Staff: tickets at the agent's own tier.
    MyTier,
    /// Tickets still needing work whose first-response or resolution target has passed
    /// unmet (the same rule as `Ticket::is_breaching`: never while the clock is paused).
    Breaching,
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Most recently updated first.
    #[default]
    Updated,
    /// Most urgent first, then most recently updated.
    Priority,
    /// Earliest resolution due time first; tickets without one last.
    Due,
}

/// A page request of the ticket list. Every field is optional in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct ListQuery {
    pub queue: Queue,
    pub status: Option<Status>,
    /// Only tickets still needing work (not solved or closed).
    pub active_only: bool,
    pub priority: Option<Priority>,
    pub channel: Option<Channel>,
    pub tier: Option<Tier>,
    pub assignee_id: Option<Uuid>,
    /// Words to find in titles, descriptions and messages (Arabic- and case-insensitive).
    pub search: Option<String>,
    pub sort: Sort,
    pub offset: u32,
    /// Rows per page, 1–500 (default 50).
    pub limit: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            queue: Queue::All,
            status: None,
            active_only: false,
            priority: None,
            channel: None,
            tier: None,
            assignee_id: None,
            search: None,
            sort: Sort::Updated,
            offset: 0,
            limit: 50,
        }
    }
}

/// One row of the ticket list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TicketRow {
    pub id: Uuid,
    /// The server's number; `None` while the ticket exists only locally.
    pub number: Option<i64>,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub channel: Channel,
    /// `None` in a customer's copy: the server does not tell customers the tier.
    pub tier: Option<Tier>,
    pub org_name: String,
    pub requester_name: String,
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    /// The first-response target while nobody has answered yet (`None` once met).
    pub first_response_due_at: Option<DateTime<Utc>>,
    /// The response-target clock is paused (waiting on the customer).
    pub sla_paused: bool,
    /// A response target has passed unmet.
    pub breaching: bool,
    /// Changed since the user last opened it.
    pub unread: bool,
    /// Local changes of this ticket still in the outbox (queued or rejected).
    pub pending_changes: u32,
    /// One of those changes was rejected by the server.
    pub has_rejected: bool,
}

/// A page of the local ticket list: rows made for the list screen, with local state
/// (unread, pending changes). Not the REST `tadhkira_proto::TicketPage`, which carries
/// whole server tickets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TicketListPage {
    pub rows: Vec<TicketRow>,
    /// How many tickets match the filters in all.
    pub total: i64,
}

/// A ticket as this client sees it: the stored ticket with its messages and timeline
/// (oldest first) plus the user's local changes not yet answered. Not the REST
/// `tadhkira_proto::TicketDetail`, which is only the server's copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TicketView {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
    pub events: Vec<TicketEvent>,
    /// Local changes of this ticket not yet answered by the server.
    pub pending: Vec<OutboxItem>,
    /// The server has not accepted the ticket yet (no number).
    pub local_only: bool,
}

/// A customer in the staff's directory, to file a ticket on their behalf: the person,
/// their organisation, and whether its subscription is paid now (worked out when the
/// directory is read, so a list kept offline still ages correctly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Customer {
    pub user: User,
    pub organisation: Option<Organisation>,
    /// `Organisation::subscription_active` at the time of reading; `false` without an
    /// organisation (the server refuses such a ticket as it refuses a lapsed one).
    pub subscription_active: bool,
}

/// What a user fills in to open a ticket; validated by the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewTicketInput {
    pub title: String,
    pub description: String,
    #[serde(default = "default_priority")]
    pub priority: Priority,
    #[serde(default = "default_channel")]
    pub channel: Channel,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub contact: Contact,
    #[serde(default)]
    pub checks: Vec<String>,
    #[serde(default)]
    pub system_info: Option<String>,
    /// Staff only: the customer the ticket is for.
    #[serde(default)]
    pub requester_id: Option<Uuid>,
    /// Staff only: why the ticket is logged although the customer's subscription is not
    /// active (required then; see `tadhkira_proto::NewTicket::lapsed_override`).
    #[serde(default)]
    pub lapsed_override: Option<String>,
    /// The version of the support terms the filer accepted in the form (asked before
    /// their organisation's first ticket under a new version; see
    /// [`crate::terms::SupportPolicy::must_accept`]).
    #[serde(default)]
    // A version number fits a JS number; JSON cannot carry a bigint.
    #[cfg_attr(feature = "ts", ts(optional = nullable, as = "Option<i32>"))]
    pub terms_version: Option<i64>,
}

fn default_priority() -> Priority {
    Priority::Normal
}

fn default_channel() -> Channel {
    Channel::Desktop
}

/// Where an outbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be pushed.
    Queued,
    /// The server (or the engine, for `depends_on_rejected`) refused it; needs the user.
    Rejected,
}

/// A local change not yet answered by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct OutboxItem {
    /// The mutation id (UUIDv7).
    pub id: Uuid,
    /// Order of the change among all local changes.
    pub seq: i64,
    pub ticket_id: Uuid,
    /// `create_ticket`, `add_message`, `update_ticket` or `escalate`.
    pub kind: String,
    pub state: OutboxState,
    /// The reason, when rejected.
    pub error: Option<ApiError>,
    /// The rejected mutation this one waits behind.
    pub depends_on: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub mutation: Mutation,
}

/// What the UI shows about syncing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncState {
    pub signed_in: bool,
    /// The last attempt reached the server.
    pub online: bool,
    /// A sync round is running.
    pub syncing: bool,
    /// The live-event stream (`GET /api/v1/events`) is connected.
    #[serde(default)]
    pub live: bool,
    /// End of the last successful sync round.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Outbox entries waiting to be pushed.
    pub queued: u32,
    /// Outbox entries the server refused.
    pub rejected: u32,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// The server's clock minus this machine's, in milliseconds, as last measured (or
    /// kept from an earlier run; zero when they agree): the app adds it to the
    /// machine's clock for countdowns to server times (see `crate::clock`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub server_clock_offset_ms: i64,
}

/// What one sync round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SyncReport {
    /// Mutations sent.
    pub pushed: u32,
    /// Answered applied or duplicate.
    pub accepted: u32,
    /// Answered rejected (or held behind a rejection).
    pub rejected: u32,
    /// Changes pulled.
    pub pulled: u32,
    /// Alerts raised.
    pub alerts: u32,
}

/// What an alert is about. Each kind can be switched off ([`AlertSettings`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// New replies on a ticket I follow.
    Reply,
    /// Staff set my ticket `solved` (to its requester).
    Solved,
    /// Staff set my ticket `pending`: they wait on me (to its requester).
    Pending,
    /// The server's reminder that my ticket still waits on me (to its requester).
    Reminder,
    /// A ticket was assigned to me.
    Assigned,
    /// A ticket was escalated into my tier.
    Escalated,
    /// A customer reopened a solved ticket (to its assignee; to the agents of its tier
    /// while nobody is assigned).
    Reopened,
}

/// Which alerts the user wants: one switch per [`AlertKind`], all on by default. The
/// host (app settings, CLI flags) passes them to [`crate::Engine::set_alert_settings`].
/// A switched-off alert is still marked as seen, so switching it on later does not
/// bring back old news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct AlertSettings {
    pub reply: bool,
    pub solved: bool,
    pub pending: bool,
    pub reminder: bool,
    pub assigned: bool,
    pub escalated: bool,
    pub reopened: bool,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            reply: true,
            solved: true,
            pending: true,
            reminder: true,
            assigned: true,
            escalated: true,
            reopened: true,
        }
    }
}

impl AlertSettings {
    /// Whether alerts of `kind` are wanted.
    pub fn wants(&self, kind: AlertKind) -> bool {
        match kind {
            AlertKind::Reply => self.reply,
            AlertKind::Solved => self.solved,
            AlertKind::Pending => self.pending,
            AlertKind::Reminder => self.reminder,
            AlertKind::Assigned => self.assigned,
            AlertKind::Escalated => self.escalated,
            AlertKind::Reopened => self.reopened,
        }
    }

    /// Turns alerts of `kind` on or off.
    pub fn set(&mut self, kind: AlertKind, on: bool) {
        let switch = match kind {
            AlertKind::Reply => &mut self.reply,
            AlertKind::Solved => &mut self.solved,
            AlertKind::Pending => &mut self.pending,
            AlertKind::Reminder => &mut self.reminder,
            AlertKind::Assigned => &mut self.assigned,
            AlertKind::Escalated => &mut self.escalated,
            AlertKind::Reopened => &mut self.reopened,
        };
        *switch = on;
    }
}

/// An alert: one new message or a summary of several (kind `reply`), or one ticket
/// event that matters to me (the other kinds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Alert {
    pub kind: AlertKind,
    /// The ticket to open when the alert is clicked (the first one, for a summary).
    pub ticket_id: Uuid,
    pub ticket_number: Option<i64>,
    /// Short line in the user's language: "Reply on #1042: Printer offline" or "3 new
    /// replies".
    pub title: String,
    /// Author and the start of the message, or the tickets of a summary, in the user's
    /// language.
    pub body: String,
    /// How many messages (or events) this alert covers.
    pub count: u32,
    pub message_ids: Vec<Uuid>,
    /// The timeline event an event alert is about (none for replies).
    #[serde(default)]
    pub event_id: Option<Uuid>,
}

/// What the engine tells subscribers (see `Engine::subscribe`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum EngineEvent {
    /// Tickets changed locally or by a pull; lists and open details should reload. No
    /// ids means many tickets changed (more than `sync::MAX_NAMED_CHANGES`, as in a
    /// first sync): reload everything.
    TicketsChanged { ticket_ids: Vec<Uuid> },
    /// A reply alert was raised (the notifier got it too).
    Alert(Alert),
    /// The sync state changed.
    SyncState(SyncState),
    /// The account signed out (or its token was refused).
    SignedOut,
}

/// A piece of text, highlighted or not: how matches are marked for the UI without any
/// markup (the UI renders each piece as text, a highlighted one in a `<mark>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TextSegment {
    pub text: String,
    pub highlighted: bool,
}

/// A published article found for what the user typed, with the matching words marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ArticleHit {
    pub id: Uuid,
    pub lang: tadhkira_proto::ArticleLang,
    pub category: Option<String>,
    /// The title, in segments.
    pub title: Vec<TextSegment>,
    /// A short plain-text extract of the body around the first match, in segments.
    pub snippet: Vec<TextSegment>,
}

/// What happened when the account's local database could not be read at start (issue
/// 21): the damaged file was kept aside, a fresh database was made (the next sync
/// downloads everything again), and every outbox entry that could still be read was
/// put back in the queue. Kept in the store until the user dismisses it
/// ([`crate::Engine::dismiss_store_recovery`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StoreRecovery {
    /// When the damage was found.
    pub at: DateTime<Utc>,
    /// What SQLite (or the file's header) said was wrong.
    pub reason: String,
    /// Where the damaged file was kept (its `-wal` beside it, when there was one).
    pub kept_copy: String,
    /// Outbox entries read back and queued (or kept rejected) again.
    pub salvaged: u32,
    /// The entries that could not be read, each described as well as the damage
    /// allows (`entry 12: create_ticket on …`, `entry 13`, or the whole outbox).
    pub unreadable: Vec<String>,
}
