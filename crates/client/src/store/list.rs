//! The ticket list: filters, search and sort over the local store, read so that a page
//! stays quick at 100,000 tickets.
//!
//! A ticket's row carries its full JSON (twice, with the server's copy), so the costly
//! thing is touching rows: a plan that reads every matching row to count or sort it
//! reads hundreds of megabytes. So:
//!
//! - Filters alone are left to SQLite's planner, which has statistics
//!   ([`Store::analyze`]) and an index per common filter and sort (status + priority
//!   for the agent's working view, migration 0003; the breaching queue is a range of
//!   `breach_at`, migration 0004).
//! - A search first becomes the set of tickets it finds ([`super::search`]), read from
//!   the search index alone; the count and the page come from that set and the indexes,
//!   and only the page's rows are read. Without filters the page is the first found
//!   entries of the sort's index; with filters, either the few found tickets are read
//!   and filtered, or the filters' own plan lists the tickets they pass in order and
//!   the set picks from it.

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite};
use tadhkira_proto::{Ticket, User};

use super::tickets::ts;
use super::{search, Store};
use crate::error::Result;
use crate::model::{ListQuery, Queue, Sort, TicketListPage, TicketRow};
use crate::normalize::{fts_query, ticket_number};

/// The `ORDER BY` of each sort, and the index that holds tickets in that order.
fn order_of(sort: Sort) -> (&'static str, &'static str) {
    match sort {
        Sort::Updated => (" ORDER BY t.updated_at DESC", "tickets_updated"),
        Sort::Priority => (
            " ORDER BY t.priority_rank DESC, t.updated_at DESC",
            "tickets_priority",
        ),
        Sort::Due => (
            " ORDER BY t.resolution_due_at IS NULL, t.resolution_due_at ASC",
            "tickets_due_order",
        ),
    }
}

/// Whether `q` filters by anything other than its search.
fn has_filters(q: &ListQuery) -> bool {
    q.queue != Queue::All
        || q.status.is_some()
        || q.active_only
        || q.priority.is_some()
        || q.channel.is_some()
        || q.tier.is_some()
        || q.assignee_id.is_some()
}

/// Pushes the list's filters other than search as `AND …` terms.
fn push_filters(
    b: &mut QueryBuilder<'_, Sqlite>,
    q: &ListQuery,
    me: &User,
    now: chrono::DateTime<Utc>,
) {
    let me_id = me.id.to_string();
    match q.queue {
        Queue::All => {}
        Queue::Mine if me.role.is_staff() => {
            b.push(" AND t.assignee_id = ").push_bind(me_id);
        }
        Queue::Mine => {
            b.push(" AND (t.requester_id = ").push_bind(me_id.clone());
            b.push(" OR t.created_by = ").push_bind(me_id).push(")");
        }
        Queue::Unassigned => {
            b.push(" AND t.assignee_id IS NULL");
        }
        Queue::MyTier => {
            b.push(" AND t.tier = ")
                .push_bind(me.tier.map(i64::from).unwrap_or(0));
        }
        Queue::Breaching => {
            // `breach_at` follows `Ticket::is_breaching` (see `tickets::breach_at`).
            b.push(" AND t.breach_at < ").push_bind(ts(now));
        }
    }
    if let Some(s) = q.status {
        b.push(" AND t.status = ").push_bind(s.as_str());
    }
    if q.active_only {
        b.push(" AND t.status NOT IN ('solved', 'closed')");
    }
    if let Some(p) = q.priority {
        b.push(" AND t.priority_rank = ").push_bind(p.rank() as i64);
    }
    if let Some(c) = q.channel {
        b.push(" AND t.channel = ").push_bind(c.as_str());
    }
    if let Some(t) = q.tier {
        b.push(" AND t.tier = ").push_bind(i64::from(t));
    }
    if let Some(a) = q.assignee_id {
        b.push(" AND t.assignee_id = ").push_bind(a.to_string());
    }
}

/// Up to this many found tickets, a search with filters reads the found tickets; above
/// it, it reads the list of tickets the filters pass (usually from an index). Tests
/// take both paths with a few hundred tickets.
const FEW_MATCHES: usize = if cfg!(test) { 20 } else { 2_000 };

/// The columns a list row is made of, from `tickets t` joined with `read_marks r`.
const ROW_COLUMNS: &str = "SELECT t.data, t.updated_at, r.read_at,
        (SELECT COUNT(*) FROM outbox o WHERE o.ticket_id = t.id) AS pending,
        (SELECT COUNT(*) FROM outbox o WHERE o.ticket_id = t.id AND o.state = 'rejected') AS rejected
     FROM tickets t LEFT JOIN read_marks r ON r.ticket_id = t.id";

/// A JSON array of rowids, for `IN (SELECT value FROM json_each(?))`.
fn json_list(rids: impl Iterator<Item = i64>) -> String {
    let mut out = String::from("[");
    for (i, rid) in rids.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&rid.to_string());
    }
    out.push(']');
    out
}

impl Store {
    /// A page of the ticket list for `me`, judging response targets by this machine's
    /// clock (the store's own tests).
    #[cfg(test)]
    pub async fn list_tickets(&self, q: &ListQuery, me: &User) -> Result<TicketListPage> {
        self.list_tickets_at(q, me, Utc::now()).await
    }

    /// A page of the ticket list for `me`; a ticket is breaching when a due time is
    /// before `now` (the server's time as the engine knows it: see crate::clock).
    pub async fn list_tickets_at(
        &self,
        q: &ListQuery,
        me: &User,
        now: DateTime<Utc>,
    ) -> Result<TicketListPage> {
        let limit = q.limit.clamp(1, 500) as usize;
        // What was typed, as words to find and, when it is a ticket number (`1042`,
        // `#1042`, `١٠٤٢`), that ticket too.
        let search = match q.search.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => match (fts_query(s), ticket_number(s)) {
                (None, None) => return Ok(empty()),
                found => Some(found),
            },
            _ => None,
        };
        // One instant for the filter and the rows' `breaching`, so they agree.
        let filtered = has_filters(q);
        let (order_by, sort_index) = order_of(q.sort);
        let offset = q.offset as usize;

        let mut b = QueryBuilder::<Sqlite>::new(ROW_COLUMNS);
        let page_of = |b: &mut QueryBuilder<'_, Sqlite>| {
            b.push(order_by);
            b.push(" LIMIT ")
                .push_bind(limit as i64)
                .push(" OFFSET ")
                .push_bind(offset as i64);
        };
        let total = match &search {
            None => {
                let mut count =
                    QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM tickets t WHERE 1 = 1");
                push_filters(&mut count, q, me, now);
                b.push(" WHERE 1 = 1");
                push_filters(&mut b, q, me, now);
                page_of(&mut b);
                count.build_query_scalar().fetch_one(&self.pool).await?
            }
            Some((words, number)) => {
                let found = search::matches(&self.pool, words.as_deref(), *number).await?;
                if found.len() == 0 {
                    return Ok(empty());
                }
                b.push(" WHERE t.rid IN (SELECT value FROM json_each(");
                if !filtered {
                    let walked = search::page_by_walk(
                        &self.pool,
                        &found,
                        (sort_index, order_by),
                        offset,
                        limit,
                    )
                    .await?;
                    match walked {
                        Some(page) => {
                            b.push_bind(json_list(page.into_iter())).push("))");
                            b.push(order_by);
                        }
                        None => {
                            b.push_bind(json_list(found.rids())).push("))");
                            page_of(&mut b);
                        }
                    }
                    found.len() as i64
                } else if found.len() <= FEW_MATCHES {
                    // Read the found tickets and keep those the filters pass.
                    let list = json_list(found.rids());
                    let mut count = QueryBuilder::<Sqlite>::new(
                        "SELECT COUNT(*) FROM tickets t WHERE t.rid IN (SELECT value FROM json_each(",
                    );
                    count.push_bind(list.clone()).push("))");
                    push_filters(&mut count, q, me, now);
                    b.push_bind(list).push("))");
                    push_filters(&mut b, q, me, now);
                    page_of(&mut b);
                    count.build_query_scalar().fetch_one(&self.pool).await?
                } else {
                    // Many found: the filters' own plan lists the tickets they pass in
                    // the sort's order (from an index when one fits), and the found
                    // set picks the matches from that list.
                    let mut passing = QueryBuilder::<Sqlite>::new(
                        "SELECT group_concat(rid) FROM (SELECT t.rid FROM tickets t WHERE 1 = 1",
                    );
                    push_filters(&mut passing, q, me, now);
                    passing.push(order_by).push(")");
                    let list: Option<String> =
                        passing.build_query_scalar().fetch_one(&self.pool).await?;
                    let hits: Vec<i64> = search::parse_list(list.as_deref())?
                        .into_iter()
                        .filter(|rid| found.contains(*rid))
                        .collect();
                    let page = hits.iter().skip(offset).take(limit).copied();
                    b.push_bind(json_list(page)).push("))");
                    b.push(order_by);
                    hits.len() as i64
                }
            }
        };

        let mut rows = Vec::new();
        for row in b.build().fetch_all(&self.pool).await? {
            let t: Ticket = serde_json::from_str(row.try_get::<&str, _>("data")?)?;
            let updated: String = row.try_get("updated_at")?;
            let read_at: Option<String> = row.try_get("read_at")?;
            let pending: i64 = row.try_get("pending")?;
            let rejected: i64 = row.try_get("rejected")?;
            rows.push(TicketRow {
                id: t.id,
                number: (t.number > 0).then_some(t.number),
                breaching: t.is_breaching(now),
                unread: read_at.is_none_or(|r| r < updated),
                pending_changes: pending as u32,
                has_rejected: rejected > 0,
                title: t.title,
                status: t.status,
                priority: t.priority,
                channel: t.channel,
                tier: t.tier,
                org_name: t.org_name,
                requester_name: t.requester_name,
                assignee_id: t.assignee_id,
                assignee_name: t.assignee_name,
                updated_at: t.updated_at,
                resolution_due_at: t.resolution_due_at,
                first_response_due_at: t
                    .first_response_due_at
                    .filter(|_| t.first_response_at.is_none()),
                sla_paused: t.sla_paused_at.is_some(),
            });
        }
        Ok(TicketListPage { rows, total })
    }
}

fn empty() -> TicketListPage {
    TicketListPage {
        rows: vec![],
        total: 0,
    }
}
