//! Reading rows back into wire types: the portable column encodings (UUID as TEXT,
//! milliseconds as BIGINT, enums as their `snake_case` word, JSON as TEXT) decoded in
//! one place, with a [`StoreError::Corrupt`] instead of a panic on anything odd.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;
use tadhkira_proto::{
    Article, ArticleLang, ArticleStatus, ArticleVersion, Channel, Contact, EventKind,
    FieldVersions, Message, Organisation, Priority, Role, Status, Ticket, TicketEvent, Tier, User,
    Visibility,
};
use uuid::Uuid;

use super::StoreError;

/// Where a row's columns are read from: a row sqlx fetched ([`AnyRow`]), or a statement
/// stepped through SQLite's C API (the snapshot's reader, `db/snapshot.rs`). The
/// mappings below that both use ([`ticket`], [`message`], [`event`], the helpers) are
/// written once against this.
pub trait Cols {
    /// The column named `col`, as `T` (an SQL NULL only as an `Option`).
    fn col<T: ColValue>(&self, col: &str) -> Result<T, StoreError>;
}

/// A column's value as the C API gives it: NULL, an integer or text.
pub enum Native<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

/// A type a column is read as, through either kind of row.
pub trait ColValue: Sized + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> {
    /// From a value of the C API; `None` when the value is not of this type.
    fn from_native(v: Native<'_>) -> Option<Self>;
}

impl ColValue for i64 {
    fn from_native(v: Native<'_>) -> Option<Self> {
        match v {
            Native::Int(n) => Some(n),
            _ => None,
        }
    }
}

impl ColValue for String {
    fn from_native(v: Native<'_>) -> Option<Self> {
        match v {
            Native::Text(s) => Some(s.to_owned()),
            _ => None,
        }
    }
}

impl<T: ColValue> ColValue for Option<T> {
    fn from_native(v: Native<'_>) -> Option<Self> {
        match v {
            Native::Null => Some(None),
            v => T::from_native(v).map(Some),
        }
    }
}

impl Cols for AnyRow {
    fn col<T: ColValue>(&self, col: &str) -> Result<T, StoreError> {
        Ok(self.try_get::<T, _>(col)?)
    }
}

/// Columns of a ticket with its organisation, requester and assignee names.
pub const TICKET_COLUMNS: &str = "t.id, t.number, t.org_id, o.name AS org_name, \
    t.requester_id, r.name AS requester_name, t.created_by, t.title, t.description, \
    t.priority, t.status, t.channel, t.category, t.contact_name, t.contact_email, \
    t.contact_phone, t.checks, t.system_info, t.tier, t.assignee_id, a.name AS assignee_name, \
    t.first_response_due_at, t.first_response_at, t.resolution_due_at, t.solved_at, \
    t.sla_paused_at, t.sla_paused_ms, t.created_at, t.updated_at, t.v_title, t.v_status, \
    t.v_priority, t.v_assignee, t.v_category, t.v_tier, t.reopen_until";

/// The joins [`TICKET_COLUMNS`] needs.
pub const TICKET_FROM: &str = "tickets t JOIN organisations o ON o.id = t.org_id \
    JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assignee_id";

/// Columns of a message with its author.
pub const MESSAGE_SELECT: &str = "SELECT m.id, m.ticket_id, m.author_id, u.name AS author_name, \
    u.role AS author_role, m.body, m.visibility, m.created_at, m.delivery \
    FROM messages m JOIN users u ON u.id = m.author_id";

/// Columns of a timeline event with its actor.
pub const EVENT_SELECT: &str = "SELECT e.id, e.ticket_id, e.actor_id, u.name AS actor_name, \
    e.kind, e.created_at FROM ticket_events e JOIN users u ON u.id = e.actor_id";

/// Columns of an article with its author's name and its deflection count.
pub const ARTICLE_SELECT: &str = "SELECT a.id, a.group_id, a.lang, a.title, a.body, a.category, \
    a.tags, a.status, a.author_id, u.name AS author_name, a.version, a.created_at, a.updated_at, \
    (SELECT COUNT(*) FROM article_deflections d WHERE d.article_id = a.id) AS deflections \
    FROM articles a JOIN users u ON u.id = a.author_id";

/// Columns of a kept article version.
pub const ARTICLE_VERSION_SELECT: &str = "SELECT v.article_id, v.version, v.title, v.body, \
    v.status, v.author_id, v.saved_at FROM article_versions v";

/// Current time in unix milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Milliseconds to a UTC time.
pub fn to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn corrupt(col: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{col}: {e}"))
}

pub fn uuid(row: &impl Cols, col: &str) -> Result<Uuid, StoreError> {
    let s: String = row.col(col)?;
    Uuid::parse_str(&s).map_err(|e| corrupt(col, e))
}

pub fn opt_uuid(row: &impl Cols, col: &str) -> Result<Option<Uuid>, StoreError> {
    let s: Option<String> = row.col(col)?;
    s.map(|s| Uuid::parse_str(&s).map_err(|e| corrupt(col, e)))
        .transpose()
}

pub fn time(row: &impl Cols, col: &str) -> Result<DateTime<Utc>, StoreError> {
    Ok(to_time(row.col::<i64>(col)?))
}

pub fn opt_time(row: &impl Cols, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(row.col::<Option<i64>>(col)?.map(to_time))
}

fn word<T>(
    row: &impl Cols,
    col: &str,
    parse: impl Fn(&str) -> Result<T, tadhkira_proto::FieldError>,
) -> Result<T, StoreError> {
    let s: String = row.col(col)?;
    parse(&s).map_err(|e| corrupt(col, e))
}

fn tier(n: i64) -> Result<Tier, StoreError> {
    Tier::parse(n).map_err(|e| corrupt("tier", e))
}

/// A ticket row (selected with [`TICKET_COLUMNS`]) and its total paused milliseconds.
pub fn ticket(row: &impl Cols) -> Result<(Ticket, i64), StoreError> {
    let checks: String = row.col("checks")?;
    let ticket = Ticket {
        id: uuid(row, "id")?,
        number: row.col("number")?,
        org_id: uuid(row, "org_id")?,
        org_name: row.col("org_name")?,
        requester_id: uuid(row, "requester_id")?,
        requester_name: row.col("requester_name")?,
        created_by: uuid(row, "created_by")?,
        title: row.col("title")?,
        description: row.col("description")?,
        priority: word(row, "priority", Priority::parse)?,
        status: word(row, "status", Status::parse)?,
        channel: word(row, "channel", Channel::parse)?,
        category: row.col("category")?,
        contact: Contact {
            name: row.col("contact_name")?,
            email: row.col("contact_email")?,
            phone: row.col("contact_phone")?,
        },
        checks: serde_json::from_str(&checks).map_err(|e| corrupt("checks", e))?,
        system_info: row.col("system_info")?,
        tier: Some(tier(row.col("tier")?)?),
        assignee_id: opt_uuid(row, "assignee_id")?,
        assignee_name: row.col("assignee_name")?,
        first_response_due_at: opt_time(row, "first_response_due_at")?,
        first_response_at: opt_time(row, "first_response_at")?,
        resolution_due_at: opt_time(row, "resolution_due_at")?,
        solved_at: opt_time(row, "solved_at")?,
        reopen_until: opt_time(row, "reopen_until")?,
        sla_paused_at: opt_time(row, "sla_paused_at")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        versions: FieldVersions {
            title: row.col("v_title")?,
            status: row.col("v_status")?,
            priority: row.col("v_priority")?,
            assignee: row.col("v_assignee")?,
            category: row.col("v_category")?,
            tier: row.col("v_tier")?,
        },
        // Read separately (db/attachments.rs) where a ticket is shown whole.
        attachments: Vec::new(),
    };
    Ok((ticket, row.col("sla_paused_ms")?))
}

/// A message row (selected with [`MESSAGE_SELECT`]).
pub fn message(row: &impl Cols) -> Result<Message, StoreError> {
    Ok(Message {
        id: uuid(row, "id")?,
        ticket_id: uuid(row, "ticket_id")?,
        author_id: uuid(row, "author_id")?,
        author_name: row.col("author_name")?,
        author_role: word(row, "author_role", Role::parse)?,
        body: row.col("body")?,
        visibility: word(row, "visibility", Visibility::parse)?,
        created_at: time(row, "created_at")?,
        // Read separately (db/attachments.rs).
        attachments: Vec::new(),
        delivery: row
            .col::<Option<String>>("delivery")?
            .map(|d| tadhkira_proto::Delivery::parse(&d).map_err(|e| corrupt("delivery", e)))
            .transpose()?,
    })
}

/// An event row (selected with [`EVENT_SELECT`]).
pub fn event(row: &impl Cols) -> Result<TicketEvent, StoreError> {
    let kind: String = row.col("kind")?;
    let kind: EventKind = serde_json::from_str(&kind).map_err(|e| corrupt("kind", e))?;
    Ok(TicketEvent {
        id: uuid(row, "id")?,
        ticket_id: uuid(row, "ticket_id")?,
        actor_id: uuid(row, "actor_id")?,
        actor_name: row.col("actor_name")?,
        kind,
        created_at: time(row, "created_at")?,
    })
}

/// An organisation row (`id, name, paid_until`).
pub fn organisation(row: &AnyRow) -> Result<Organisation, StoreError> {
    organisation_in(row, ["id", "name", "paid_until"])
}

/// An organisation from a row that names its columns otherwise (id, name, paid until;
/// selected beside another table's, as a caller's are with the user's).
pub fn organisation_in(
    row: &AnyRow,
    [id, name, paid]: [&str; 3],
) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        id: uuid(row, id)?,
        name: row.try_get(name)?,
        paid_until: opt_time(row, paid)?,
    })
}

/// A user row (`id, email, name, role, org_id, tier, locale, phone`).
pub fn user(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: uuid(row, "id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: word(row, "role", Role::parse)?,
        org_id: opt_uuid(row, "org_id")?,
        tier: row
            .try_get::<Option<i64>, _>("tier")?
            .map(tier)
            .transpose()?,
        locale: row.try_get("locale")?,
        phone: row.try_get("phone")?,
    })
}

/// An article row (selected with [`ARTICLE_SELECT`]); the deflection count only for
/// staff.
pub fn article(row: &AnyRow, staff: bool) -> Result<Article, StoreError> {
    let tags: String = row.try_get("tags")?;
    Ok(Article {
        id: uuid(row, "id")?,
        group_id: uuid(row, "group_id")?,
        lang: word(row, "lang", ArticleLang::parse)?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        category: row.try_get("category")?,
        tags: serde_json::from_str(&tags).map_err(|e| corrupt("tags", e))?,
        status: word(row, "status", ArticleStatus::parse)?,
        author_id: uuid(row, "author_id")?,
        author_name: row.try_get("author_name")?,
        version: row.try_get("version")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        deflections: if staff {
            Some(row.try_get("deflections")?)
        } else {
            None
        },
    })
}

/// A kept article version (selected with [`ARTICLE_VERSION_SELECT`]).
pub fn article_version(row: &AnyRow) -> Result<ArticleVersion, StoreError> {
    Ok(ArticleVersion {
        article_id: uuid(row, "article_id")?,
        version: row.try_get("version")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        status: word(row, "status", ArticleStatus::parse)?,
        author_id: uuid(row, "author_id")?,
        saved_at: time(row, "saved_at")?,
    })
}
