//! The one apply path: every change to tickets (push, REST, demo data) goes through
//! [`apply_in`], one caller's batch inside a writing transaction. [`Store::apply_batch`]
//! gives a batch a transaction of its own; pushes and REST writes go through
//! [`Store::apply_grouped`] (`group.rs`), which applies the small batches that wait at
//! the same moment in one transaction, each with the same meaning as alone.
//!
//! A batch is one transaction (or part of one group's). Each mutation is checked
//! before it writes anything, so a rejection leaves no trace and the rest of the batch
//! still applies. An applied mutation's id is stored with its result in the same
//! transaction as its effect; a retry is answered `duplicate` with that first result.
//! Within a batch, a mutation on a ticket whose create was rejected is rejected
//! `depends_on_rejected`.

use std::collections::HashSet;

use chrono::Utc;
use sqlx::Row;
use tadhkira_proto::{
    contact, Applied, ArticleStatus, Contact, Deflection, ErrorCode, EventKind, FieldVersions,
    Filing, Mutation, MutationEnvelope, MutationResult, NewMessage, NewTicket, Outcome, Role,
    Status, Ticket, TicketField, Visibility,
};
use uuid::Uuid;

use super::attachments::{insert_attachments, resolve_refs};
use super::edit;
use super::writer::{AppliedRecord, EntityKind, Rejection, Step, Writer};
use super::{rows, visibility, Caller, QuotaRule, Store, StoreError};
use crate::config::Settings;
use crate::sla;

impl Store {
    /// Applies an ordered batch of mutations for `caller` in one transaction and answers
    /// one result per mutation, in order. With a `quota`, the batch's size is first
    /// taken from the caller's write quota in the same transaction (`quota.rs`); past
    /// it the answer is [`StoreError::OverQuota`] and nothing is applied.
    pub async fn apply_batch(
        &self,
        caller: &Caller,
        batch: &[MutationEnvelope],
        policy: &Settings,
        quota: Option<QuotaRule>,
    ) -> Result<Vec<MutationResult>, StoreError> {
        let mut w = Writer::begin(self).await?;
        if let Some(rule) = quota {
            w.take_write_quota(rule, caller.user.id, batch.len())
                .await?;
        }
        preload_batch(&mut w, batch).await?;
        let results = apply_in(&mut w, caller, batch, policy).await?;
        w.commit(self).await?;
        Ok(results)
    }
}

/// Reads what the mutations of `batch` will look up — their earlier records, their
/// tickets (to change, or ids to create), their new messages' ids — in a few
/// statements rather than one or two per mutation.
pub(super) async fn preload_batch<'a>(
    w: &mut Writer,
    batch: impl IntoIterator<Item = &'a MutationEnvelope>,
) -> Result<(), StoreError> {
    let (mut ids, mut tickets, mut messages) = (Vec::new(), Vec::new(), Vec::new());
    for env in batch {
        ids.push(env.id);
        tickets.push(env.mutation.ticket_id());
        if let Mutation::AddMessage(m) = &env.mutation {
            messages.push(m.id);
        }
    }
    w.preload_applied(&ids).await?;
    w.preload_tickets(&tickets).await?;
    w.preload_messages(&messages).await
}

/// Applies one caller's ordered batch inside `w` and answers one result per mutation.
pub(super) async fn apply_in(
    w: &mut Writer,
    caller: &Caller,
    batch: &[MutationEnvelope],
    policy: &Settings,
) -> Result<Vec<MutationResult>, StoreError> {
    let mut rejected_creates = HashSet::new();
    let mut results = Vec::with_capacity(batch.len());
    for env in batch {
        let outcome = apply_one(w, caller, env, policy, &rejected_creates).await?;
        if let (Outcome::Rejected { .. }, Mutation::CreateTicket(t)) = (&outcome, &env.mutation) {
            rejected_creates.insert(t.id);
        }
        results.push(MutationResult {
            id: env.id,
            outcome,
        });
    }
    Ok(results)
}

async fn apply_one(
    w: &mut Writer,
    caller: &Caller,
    env: &MutationEnvelope,
    policy: &Settings,
    rejected_creates: &HashSet<Uuid>,
) -> Result<Outcome, StoreError> {
    if let Some(earlier) = w.applied(env.id) {
        if earlier.user_id != caller.user.id {
            return Ok(rejected(Rejection::new(
                ErrorCode::Conflict,
                "this mutation id was already used",
            )));
        }
        return Ok(Outcome::Duplicate {
            result: earlier.result.clone(),
        });
    }
    let ticket_id = env.mutation.ticket_id();
    if !matches!(env.mutation, Mutation::CreateTicket(_)) && rejected_creates.contains(&ticket_id) {
        return Ok(rejected(Rejection::new(
            ErrorCode::DependsOnRejected,
            "the ticket's creation was rejected earlier in this batch",
        )));
    }
    if let Err(e) = env.mutation.check() {
        return Ok(rejected(Rejection::new(ErrorCode::Invalid, e.to_string())));
    }
    let step = match &env.mutation {
        Mutation::CreateTicket(t) => create_ticket(w, caller, t, policy, Filed::ByForm).await?,
        Mutation::AddMessage(m) => add_message(w, caller, m, policy).await?,
        Mutation::UpdateTicket(u) => edit::update_ticket(w, caller, u, policy).await?,
        Mutation::Escalate(e) => edit::escalate(w, caller, e).await?,
        Mutation::Deflect(d) => deflect(w, caller, env.id, d).await?,
        Mutation::ResolveOutOfScope(o) => edit::resolve_out_of_scope(w, caller, o, policy).await?,
        Mutation::LogContact(l) => log_contact(w, caller, l).await?,
    };
    match step {
        Ok(result) => {
            let record = AppliedRecord {
                user_id: caller.user.id,
                kind: env.mutation.kind(),
                result: result.clone(),
            };
            w.record_applied(env.id, record);
            Ok(Outcome::Applied { result })
        }
        Err(r) => Ok(rejected(r)),
    }
}

/// The contact by its one rule ([`Contact::checked`], which answers the contact as
/// stored). The other free text of a new ticket (bounds, forbidden characters) was
/// checked with the mutation ([`tadhkira_proto::Mutation::check`]).
fn checked_contact(new: &NewTicket) -> Result<Contact, Rejection> {
    new.contact
        .checked()
        .map_err(|e| Rejection::new(ErrorCode::Invalid, contact::describe(&e)))
}

/// Counts a deflection on an article the caller may see (customers: published only).
/// It writes no feed row: the count is staff information read with the article.
async fn deflect(
    w: &mut Writer,
    caller: &Caller,
    mutation_id: Uuid,
    d: &Deflection,
) -> Result<Step, StoreError> {
    let row = sqlx::query("SELECT status FROM articles WHERE id = $1")
        .bind(d.article_id.to_string())
        .fetch_optional(w.lookup().await?)
        .await?;
    let status: Option<String> = row.map(|r| r.try_get("status")).transpose()?;
    let visible = match status.as_deref() {
        Some(_) if caller.is_staff() => true,
        Some(s) => s == ArticleStatus::Published.as_str(),
        None => false,
    };
    if !visible {
        return Ok(Err(Rejection::new(
            ErrorCode::NotFound,
            format!("no article {}", d.article_id),
        )));
    }
    sqlx::query(
        "INSERT INTO article_deflections (mutation_id, article_id, user_id, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(mutation_id.to_string())
    .bind(d.article_id.to_string())
    .bind(caller.user.id.to_string())
    .bind(w.now)
    .execute(w.lookup().await?)
    .await?;
    Ok(Ok(Applied {
        ticket_id: d.article_id,
        ticket_number: 0,
        seq: w.last_seq(),
    }))
}

/// A call or remote session logged by staff: one staff-only timeline entry.
async fn log_contact(
    w: &mut Writer,
    caller: &Caller,
    log: &tadhkira_proto::ContactLog,
) -> Result<Step, StoreError> {
    if !caller.is_staff() {
        return Ok(Err(Rejection::new(
            ErrorCode::Forbidden,
            "only staff log calls and remote sessions",
        )));
    }
    let (t, _) = match w.visible_ticket(caller, log.ticket_id).await? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    let text = |v: &Option<tadhkira_proto::ShortText>| v.as_ref().map(|s| s.as_str().to_owned());
    let kind = EventKind::ContactLogged {
        channel: log.channel,
        direction: log.direction,
        minutes: log.minutes,
        notes: text(&log.notes),
        remote_tool: text(&log.remote_tool),
        remote_id: text(&log.remote_id),
    };
    let seq = w.insert_event(&t, &caller.user, kind).await?;
    Ok(Ok(Applied {
        ticket_id: t.id,
        ticket_number: t.number,
        seq,
    }))
}

fn rejected(r: Rejection) -> Outcome {
    Outcome::Rejected {
        code: r.code,
        message: r.message,
    }
}

/// Whose words a new ticket is: a form the filer filled in (the app, the CLI, the
/// REST API), or a message that reached a channel from outside (no form: no terms to
/// accept on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Filed {
    ByForm,
    FromChannel,
}

pub(super) async fn create_ticket(
    w: &mut Writer,
    caller: &Caller,
    new: &NewTicket,
    policy: &Settings,
    filed: Filed,
) -> Result<Step, StoreError> {
    let contact = match checked_contact(new) {
        Ok(contact) => contact,
        Err(r) => return Ok(Err(r)),
    };
    // Who the ticket is for, and which organisation it belongs to.
    let (requester_id, requester_name, org) = if caller.is_staff() {
        let Some(rid) = new.requester_id else {
            return Ok(Err(Rejection::new(
                ErrorCode::Invalid,
                "requester_id is required when staff file a ticket for a customer",
            )));
        };
        let row = sqlx::query(
            "SELECT o.id, o.name, o.paid_until, u.name AS requester_name FROM users u \
             JOIN organisations o ON o.id = u.org_id WHERE u.id = $1 AND u.role = 'customer'",
        )
        .bind(rid.to_string())
        .fetch_optional(w.lookup().await?)
        .await?;
        let Some(row) = row else {
            return Ok(Err(Rejection::new(
                ErrorCode::Invalid,
                "requester_id is not a customer",
            )));
        };
        let org = rows::organisation(&row)?;
        let requester_name: String = row.try_get("requester_name")?;
        if !org.subscription_active(Utc::now()) && new.lapsed_override.is_none() {
            return Ok(Err(Rejection::new(
                ErrorCode::SubscriptionInactive,
                format!(
                    "{}'s subscription is not active: give an override reason \
                     (lapsed_override) to log this ticket anyway",
                    org.name
                ),
            )));
        }
        (rid, requester_name, org)
    } else {
        if new.requester_id.is_some_and(|r| r != caller.user.id) {
            return Ok(Err(Rejection::new(
                ErrorCode::Forbidden,
                "customers file tickets for themselves",
            )));
        }
        if new.lapsed_override.is_some() {
            return Ok(Err(Rejection::new(
                ErrorCode::Forbidden,
                "only staff may log a ticket for a lapsed subscription",
            )));
        }
        let Some(org) = caller.organisation.clone() else {
            return Ok(Err(Rejection::new(ErrorCode::Forbidden, "no organisation")));
        };
        if !org.subscription_active(Utc::now()) {
            return Ok(Err(Rejection::new(
                ErrorCode::SubscriptionInactive,
                format!("{}'s subscription is not active: no new tickets", org.name),
            )));
        }
        if !super::admin::may_file_in(w, org.id, caller.user.id).await? {
            return Ok(Err(Rejection::new(
                ErrorCode::Forbidden,
                format!(
                    "only {}'s designated contacts may file tickets for it",
                    org.name
                ),
            )));
        }
        (caller.user.id, caller.user.name.clone(), org)
    };
    if let Some(version) = new.terms_version {
        if let Err(r) = super::terms::check_terms_version(w, version).await? {
            return Ok(Err(r));
        }
    }
    // A customer's own form is held to the terms in force (see `check_accepted`).
    if !caller.is_staff() && filed == Filed::ByForm {
        if let Err(r) = super::terms::check_accepted(w, org.id, new.terms_version).await? {
            return Ok(Err(r));
        }
    }
    let files = match resolve_refs(w, caller, &new.attachments, &policy.attachments).await? {
        Ok(files) => files,
        Err(r) => return Ok(Err(r)),
    };
    // Recorded only when it was needed: for an active subscription there is nothing
    // to override (a directory kept offline may have been older than a renewal).
    let lapsed_override = new
        .lapsed_override
        .as_ref()
        .filter(|_| !org.subscription_active(Utc::now()))
        .map(|reason| EventKind::LapsedOverride {
            org_name: org.name.clone(),
            reason: reason.as_str().to_owned(),
        });
    if w.ticket(new.id).await?.is_some() {
        return Ok(Err(Rejection::new(
            ErrorCode::Conflict,
            "a ticket with this id already exists",
        )));
    }
    let org_paid_until = org.paid_until;
    let number = w.next_number();
    let filing = Filing {
        org_id: org.id,
        org_name: org.name,
        requester_id,
        requester_name,
        created_by: caller.user.id,
    };
    let mut t = Ticket::new(new, filing, rows::to_time(w.now));
    t.number = number;
    t.contact = contact;
    // The policy in effect now is the ticket's for life (a later change does not move
    // its due times).
    let sla_policy = super::policy::current_clock_in(w, &policy.sla).await?;
    sla::recompute_dues(&mut t, 0, &sla_policy);
    // The ticket's feed row comes first; its seq is the version of every field.
    let version = w.peek_seq();
    t.versions = FieldVersions {
        title: version,
        status: version,
        priority: version,
        assignee: version,
        category: version,
        tier: version,
    };
    w.insert_ticket(t.clone(), sla_policy.version);
    insert_attachments(w, t.id, None, files).await?;
    let ticket_seq = w.append_change(&t, EntityKind::Ticket, t.id, false).await?;
    debug_assert_eq!(ticket_seq, version);
    let on_behalf = caller.user.role != Role::Customer;
    let mut seq = w
        .insert_event(
            &t,
            &caller.user,
            EventKind::Created {
                channel: t.channel,
                on_behalf,
            },
        )
        .await?;
    if let Some(kind) = lapsed_override {
        // An override is audited with the ticket, in the same transaction.
        let record = super::AuditRecord {
            actor: caller.user.id,
            action: "ticket.lapsed_override",
            target_kind: "ticket",
            target_id: t.id,
            before: Some(serde_json::json!({
                "org_id": t.org_id,
                "paid_until": org_paid_until,
            })),
            after: Some(serde_json::json!({"number": number, "override": kind})),
        };
        w.audit(&record).await?;
        seq = w.insert_event(&t, &caller.user, kind).await?;
    }
    if let Some(version) = new.terms_version {
        // The organisation's first ticket under this version carries the acceptance;
        // a later one (a second filer who also ticked it offline) adds nothing.
        if super::terms::record_acceptance(w, &t, caller.user.id, version).await? {
            let kind = EventKind::TermsAccepted {
                terms_version: version,
            };
            seq = w.insert_event(&t, &caller.user, kind).await?;
        }
    }
    Ok(Ok(Applied {
        ticket_id: t.id,
        ticket_number: number,
        seq,
    }))
}

pub(super) async fn add_message(
    w: &mut Writer,
    caller: &Caller,
    new: &NewMessage,
    policy: &Settings,
) -> Result<Step, StoreError> {
    let (mut t, mut paused) = match w.visible_ticket(caller, new.ticket_id).await? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    if !caller.is_staff() && new.visibility == Visibility::Internal {
        return Ok(Err(Rejection::new(
            ErrorCode::Forbidden,
            "customers cannot write internal notes",
        )));
    }
    let files = match resolve_refs(w, caller, &new.attachments, &policy.attachments).await? {
        Ok(files) => files,
        Err(r) => return Ok(Err(r)),
    };
    if w.message_exists(new.id).await? {
        return Ok(Err(Rejection::new(
            ErrorCode::Conflict,
            "a message with this id already exists",
        )));
    }
    w.insert_message(
        new.id,
        t.id,
        caller.user.id,
        new.body.as_str(),
        new.visibility.as_str(),
    );
    insert_attachments(w, t.id, Some(new.id), files).await?;
    let internal = visibility::message_is_staff_only(new.visibility);
    if caller.is_staff() && !internal {
        // A public reply on a channel ticket goes back the same way (exactly once,
        // from the channel outbox); internal notes never leave.
        super::channel_outbox::enqueue_reply(w, &t, new.id, new.body.as_str(), policy).await?;
    }
    let mut seq = w
        .append_change(&t, EntityKind::Message, new.id, internal)
        .await?;
    let now = rows::to_time(w.now);
    // A public reply updates the ticket for everyone (lists sort by it, and each device
    // counted its own reply as an update until the server's copy said otherwise). An
    // internal note does not: a customer would see a change with nothing behind it.
    let mut touched = !internal;
    let mut fields: &[TicketField] = &[];
    if caller.is_staff() && !internal && t.first_response_at.is_none() {
        // The first public reply by staff is the first response.
        t.first_response_at = Some(now);
        touched = true;
    }
    if !caller.is_staff() && t.status == Status::Pending {
        // The customer answered: the ticket is back with support and the clock runs.
        let from = t.status;
        let sla_policy = super::policy::of_ticket(w.lookup().await?, t.id, &policy.sla).await?;
        sla::on_status_change(&mut t, &mut paused, Status::Open, now, &sla_policy);
        w.insert_event(
            &t,
            &caller.user,
            EventKind::StatusChanged {
                from,
                to: Status::Open,
            },
        )
        .await?;
        touched = true;
        fields = &[TicketField::Status];
    }
    if touched {
        seq = w.save_ticket(&mut t, paused, fields).await?;
    }
    Ok(Ok(Applied {
        ticket_id: t.id,
        ticket_number: t.number,
        seq,
    }))
}
