//! The change feed: what a client pulls, filtered to what it may see, and the live
//! notices that tell SSE subscribers to pull.
//!
//! Each feed row names an entity; a pull answers the entity's CURRENT state. Who gets
//! which rows, and which view of a ticket, is `visibility.rs`'s: customers get only
//! rows of their organisation that are not staff-only (internal notes and events that
//! reveal internal handling), and tickets in the customer view; staff get every row.
//!
//! Bounded pages. Since a pull answers current state, a row whose entity has a newer
//! row (up to the committed head, visible to the caller) would only repeat what that
//! newer row brings: such rows are skipped, so a ticket updated 1,000 times is carried
//! once, at its newest seq. A page stops at `limit` rows or at `max_bytes` of JSON,
//! whichever comes first (always at least one change, so a huge entity still moves the
//! cursor); the cursor then stops at the last change sent and the next pull continues
//! there. Nothing is lost: a skipped row's entity comes with its newer row, which is
//! above the cursor and at most the head, so it is in this page or a later one.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::Row;
use tadhkira_proto::{ArticleWithdrawn, Change, Entity, MAX_PULL_LIMIT};
use uuid::Uuid;

use super::visibility::{view_of, Audience, FeedFilter};
use super::{rows, Caller, Store, StoreError};

/// Sent after each commit that wrote to the feed: in-process on SQLite, through
/// PostgreSQL's NOTIFY (so every server process on the database hears it) on PostgreSQL.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    /// The newest seq written.
    pub seq: i64,
    /// The newest customer-visible seq per organisation touched.
    pub orgs: Vec<(Uuid, i64)>,
    /// Tell everyone (the organisation list was too long for a NOTIFY payload); the
    /// pull still filters, so this only costs a spurious pull.
    #[serde(default)]
    pub all: bool,
}

impl Notice {
    /// The seq to announce to this caller, or `None` if nothing here is theirs to see.
    pub fn seq_for(&self, caller: &Caller) -> Option<i64> {
        let org = match Audience::of(caller) {
            Audience::Staff => return Some(self.seq),
            _ if self.all => return Some(self.seq),
            Audience::Customer(org) => org?,
        };
        self.orgs.iter().find(|(o, _)| *o == org).map(|(_, s)| *s)
    }
}

/// One page of the feed.
pub struct FeedPage {
    pub changes: Vec<Change>,
    pub cursor: i64,
    pub has_more: bool,
    /// The asked cursor is past the committed head (then `cursor` is the head).
    pub ahead: bool,
}

/// The feed's query for `audience`: its rows after `$1` up to the head `$2`, each entity
/// once (at its newest row up to the head), oldest first, at most `$3`; and the values
/// of its filter's placeholders (`$4`…). The pages and the snapshot's reader
/// (`snapshot.rs`) both run it.
pub(super) fn feed_sql(audience: Audience) -> (String, Vec<String>) {
    // What the caller may see, on the row and on the newer row that would supersede it
    // (both filtered alike, or a customer's row could be skipped for a newer staff-only
    // one).
    let (mine, newer) = (
        FeedFilter::new(audience, "c", 4),
        FeedFilter::new(audience, "n", 4),
    );
    let sql = format!(
        "SELECT c.seq, c.entity_kind, c.entity_id FROM changes c \
         WHERE c.seq > $1 AND c.seq <= $2{} \
         AND NOT EXISTS (SELECT 1 FROM changes n \
           WHERE n.entity_id = c.entity_id AND n.entity_kind = c.entity_kind \
           AND n.seq > c.seq AND n.seq <= $2{}) \
         ORDER BY c.seq LIMIT $3",
        mine.condition, newer.condition
    );
    (sql, mine.binds)
}

impl Store {
    /// The newest committed seq.
    pub async fn head_seq(&self) -> Result<i64, StoreError> {
        super::counter(&self.pool, "seq").await
    }

    /// Changes after `cursor` that `caller` may see, oldest first, each entity once (at
    /// its newest seq), at most `limit` of them and about `max_bytes` of JSON.
    pub async fn changes_after(
        &self,
        caller: &Caller,
        cursor: i64,
        limit: i64,
        max_bytes: usize,
    ) -> Result<FeedPage, StoreError> {
        // Writers commit in seq order (see writer.rs), so every seq up to the committed
        // head is visible: reading only up to it never skips a change.
        let head = self.head_seq().await?;
        self.changes_upto(caller, cursor, head, limit, max_bytes)
            .await
    }

    /// [`Store::changes_after`] up to a head read before (a snapshot reads the head
    /// once and pages up to it, so its pages end where its cursor says). `head` must be
    /// a committed head.
    pub async fn changes_upto(
        &self,
        caller: &Caller,
        cursor: i64,
        head: i64,
        limit: i64,
        max_bytes: usize,
    ) -> Result<FeedPage, StoreError> {
        let limit = limit.clamp(1, MAX_PULL_LIMIT);
        let ahead = cursor > head;
        let audience = Audience::of(caller);
        let (sql, binds) = feed_sql(audience);
        let mut query = sqlx::query(&sql).bind(cursor).bind(head).bind(limit);
        for b in binds {
            query = query.bind(b);
        }
        let feed_rows = query.fetch_all(&self.pool).await?;
        let mut wanted: Vec<(i64, String, Uuid)> = Vec::with_capacity(feed_rows.len());
        for r in &feed_rows {
            wanted.push((
                r.try_get("seq")?,
                r.try_get("entity_kind")?,
                rows::uuid(r, "entity_id")?,
            ));
        }
        let ids = |kind: &str| {
            wanted
                .iter()
                .filter(|w| w.1 == kind)
                .map(|w| w.2)
                .collect::<Vec<_>>()
        };
        let tickets = self
            .load_by_ids(
                &format!("SELECT {} FROM {}", rows::TICKET_COLUMNS, rows::TICKET_FROM),
                "t.id",
                &ids("ticket"),
            )
            .await?;
        let messages = self
            .load_by_ids(rows::MESSAGE_SELECT, "m.id", &ids("message"))
            .await?;
        let events = self
            .load_by_ids(rows::EVENT_SELECT, "e.id", &ids("event"))
            .await?;
        let articles = self
            .load_by_ids(rows::ARTICLE_SELECT, "a.id", &ids("article"))
            .await?;
        let terms = self
            .load_by_ids(super::terms::TERMS_SELECT, "s.id", &ids("terms"))
            .await?;
        let checklists = self
            .load_by_ids(super::terms::CHECKLIST_SELECT, "c.id", &ids("checklist"))
            .await?;
        let acceptances = self
            .load_by_ids(super::terms::ACCEPTANCE_SELECT, "a.id", &ids("acceptance"))
            .await?;
        // The policy's one entity always reads as its newest version.
        let policy = if ids("policy").is_empty() {
            None
        } else {
            let mut conn = self.pool.acquire().await?;
            super::policy::newest(&mut conn).await?
        };
        let staff = audience == Audience::Staff;
        // Files come with what they are on, in the same page.
        let mut ticket_files = self
            .attachments_where("a.ticket_id", &ids("ticket"))
            .await?;
        let mut message_files = self
            .attachments_where("a.message_id", &ids("message"))
            .await?;
        let mut changes = Vec::with_capacity(wanted.len());
        let mut bytes = 0usize;
        // The seq of the last row dealt with, when the byte cap stopped the page early.
        let mut stopped_after: Option<i64> = None;
        let mut previous = cursor;
        for (seq, kind, id) in &wanted {
            let entity = match kind.as_str() {
                "ticket" => tickets.get(id).map(|r| {
                    rows::ticket(r).map(|(mut t, _)| {
                        t.attachments = ticket_files.remove(id).unwrap_or_default();
                        Entity::Ticket(view_of(audience, t))
                    })
                }),
                "message" => messages.get(id).map(|r| {
                    rows::message(r).map(|mut m| {
                        m.attachments = message_files.remove(id).unwrap_or_default();
                        Entity::Message(m)
                    })
                }),
                "event" => events.get(id).map(|r| rows::event(r).map(Entity::Event)),
                // An article this audience may no longer see (unpublished since) comes
                // as its withdrawal, so their copy goes.
                "article" => articles.get(id).map(|r| {
                    rows::article(r, staff).map(|a| {
                        if audience.may_see_article(a.status) {
                            Entity::Article(a)
                        } else {
                            Entity::ArticleWithdrawn(ArticleWithdrawn { id: a.id })
                        }
                    })
                }),
                "terms" => terms
                    .get(id)
                    .map(|r| super::terms::terms(r).map(Entity::SupportTerms)),
                "checklist" => checklists
                    .get(id)
                    .map(|r| super::terms::checklist(r).map(Entity::Checklist)),
                "acceptance" => acceptances
                    .get(id)
                    .map(|r| super::terms::acceptance(r).map(Entity::TermsAccepted)),
                "policy" => policy
                    .as_ref()
                    .map(|r| super::policy::policy_row(r).map(Entity::ResponsePolicy)),
                _ => None,
            };
            if let Some(entity) = entity {
                let change = Change {
                    seq: *seq,
                    entity: entity?,
                };
                let size = serde_json::to_vec(&change)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?
                    .len();
                if !changes.is_empty() && bytes + size > max_bytes {
                    stopped_after = Some(previous);
                    break;
                }
                bytes += size;
                changes.push(change);
            }
            previous = *seq;
        }
        let full = wanted.len() as i64 == limit;
        let last = wanted.last().map(|w| w.0);
        let (cursor, has_more) = match (stopped_after, last) {
            (Some(stop), _) => (stop, true),
            (None, Some(last)) if full => (last, last < head),
            _ => (cursor.max(head), false),
        };
        Ok(FeedPage {
            changes,
            cursor: if ahead { head } else { cursor },
            has_more,
            ahead,
        })
    }

    /// Runs `select … WHERE id_col IN (…)` in chunks; rows keyed by the `id` column.
    pub(super) async fn load_by_ids(
        &self,
        select: &str,
        id_col: &str,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, AnyRow>, StoreError> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("{select} WHERE {id_col} IN ({})", marks.join(", "));
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for row in q.fetch_all(&self.pool).await? {
                out.insert(rows::uuid(&row, "id")?, row);
            }
        }
        Ok(out)
    }
}
