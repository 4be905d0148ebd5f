//! Reading tickets for the REST API: the filtered list (a tier's queue, breaching
//! tickets, search) and one ticket with its conversation and timeline.

use sqlx::Row;
use tadhkira_proto::{Channel, Priority, Status, TicketDetail, TicketPage, Tier};
use uuid::Uuid;

use super::visibility::{view_of, Audience};
use super::{rows, Backend, Caller, Store, StoreError};

/// Filters of `GET /api/v1/tickets`, already parsed.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this tier (a tier's queue).
    pub tier: Option<Tier>,
    /// `Some(None)`: unassigned only.
    pub assignee: Option<Option<Uuid>>,
    /// Only tickets past a response target (or, `false`, only those that are not).
    pub breaching: Option<bool>,
    /// Text in the title or description, or a ticket number.
    pub q: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Tickets to skip.
    pub offset: i64,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// WHERE conditions with numbered placeholders (`$?` becomes the next `$n`).
#[derive(Default)]
struct Where {
    conds: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    fn add(&mut self, cond: &str, b: Bind) {
        self.conds
            .push(cond.replace("$?", &format!("${}", self.binds.len() + 1)));
        self.binds.push(b);
    }
}

impl Store {
    /// One page of the tickets `caller` may see, newest first.
    pub async fn list_tickets(
        &self,
        caller: &Caller,
        f: &TicketFilter,
    ) -> Result<TicketPage, StoreError> {
        let mut w = Where::default();
        let audience = Audience::of(caller);
        if let Some(org) = audience.org_limit() {
            w.add("t.org_id = $?", Bind::Text(org));
        }
        if let Some(s) = f.status {
            w.add("t.status = $?", Bind::Text(s.as_str().into()));
        }
        if let Some(p) = f.priority {
            w.add("t.priority = $?", Bind::Text(p.as_str().into()));
        }
        if let Some(c) = f.channel {
            w.add("t.channel = $?", Bind::Text(c.as_str().into()));
        }
        if let Some(t) = f.tier {
            w.add("t.tier = $?", Bind::Int(t.into()));
        }
        match f.assignee {
            Some(Some(a)) => w.add("t.assignee_id = $?", Bind::Text(a.to_string())),
            Some(None) => w.conds.push("t.assignee_id IS NULL".into()),
            None => {}
        }
        let (mut conds, mut binds) = (w.conds, w.binds);
        if let Some(b) = f.breaching {
            let n = binds.len() + 1;
            let cond = format!(
                "(t.status NOT IN ('solved', 'closed') AND t.sla_paused_at IS NULL AND \
                 ((t.first_response_at IS NULL AND t.first_response_due_at < ${n}) OR t.resolution_due_at < ${n}))"
            );
            conds.push(if b { cond } else { format!("NOT {cond}") });
            binds.push(Bind::Int(rows::now_ms()));
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let n = binds.len() + 1;
            let number = q.trim_start_matches('#').parse::<i64>().unwrap_or(-1);
            let folded = q.to_lowercase().replace('\0', "");
            // Both engines answer a substring search from a trigram index (migration
            // 0009); a query shorter than a trigram has no index to use and reads the
            // rows, as every engine must.
            let indexed = folded.chars().count() >= 3;
            let text = match (self.backend, indexed) {
                (Backend::Sqlite, true) => {
                    binds.push(Bind::Text(format!("\"{}\"", folded.replace('"', "\"\""))));
                    format!("t.number IN (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ${n})")
                }
                _ => {
                    let escaped = folded.replace(['%', '_', '\\'], "");
                    binds.push(Bind::Text(format!("%{escaped}%")));
                    format!("LOWER(t.title) LIKE ${n} OR LOWER(t.description) LIKE ${n}")
                }
            };
            conds.push(format!("({text} OR t.number = ${})", n + 1));
            binds.push(Bind::Int(number));
        }
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let n = binds.len();
        let list_sql = format!(
            "SELECT {} FROM {}{where_sql} ORDER BY t.number DESC LIMIT ${} OFFSET ${}",
            rows::TICKET_COLUMNS,
            rows::TICKET_FROM,
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) AS n FROM tickets t{where_sql}");
        let mut list = sqlx::query(&list_sql);
        let mut count = sqlx::query(&count_sql);
        for b in &binds {
            (list, count) = match b {
                Bind::Text(s) => (list.bind(s.clone()), count.bind(s.clone())),
                Bind::Int(i) => (list.bind(*i), count.bind(*i)),
            };
        }
        let found = list
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = count.fetch_one(&self.pool).await?.try_get("n")?;
        let tickets = found
            .iter()
            .map(|r| rows::ticket(r).map(|t| view_of(audience, t.0)))
            .collect::<Result<_, _>>()?;
        Ok(TicketPage { tickets, total })
    }

    /// One ticket with the messages and events `caller` may see.
    pub async fn ticket_detail(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<TicketDetail, StoreError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE t.id = $1",
            rows::TICKET_COLUMNS,
            rows::TICKET_FROM
        );
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let (mut ticket, _) = row
            .as_ref()
            .map(rows::ticket)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        let audience = Audience::of(caller);
        if !audience.may_see_ticket(ticket.org_id) {
            return Err(StoreError::NotFound);
        }
        self.fill_ticket_attachments(std::slice::from_mut(&mut ticket))
            .await?;
        let msgs = sqlx::query(&format!(
            "{} WHERE m.ticket_id = $1 ORDER BY m.created_at, m.id",
            rows::MESSAGE_SELECT
        ))
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let evs = sqlx::query(&format!(
            "{} WHERE e.ticket_id = $1 ORDER BY e.created_at, e.id",
            rows::EVENT_SELECT
        ))
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut messages = msgs
            .iter()
            .map(rows::message)
            .collect::<Result<Vec<_>, _>>()?;
        let mut events = evs.iter().map(rows::event).collect::<Result<Vec<_>, _>>()?;
        messages.retain(|m| audience.may_see_message(m));
        events.retain(|e| audience.may_see_event(e));
        self.fill_message_attachments(&mut messages).await?;
        Ok(TicketDetail {
            ticket: view_of(audience, ticket),
            messages,
            events,
        })
    }
}
