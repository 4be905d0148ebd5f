//! The user's local mutations (create, reply, update, escalate): each is checked and
//! built here, then the store writes the new local state and appends the mutation to
//! the outbox in ONE transaction, and the call returns at once (no network); the
//! background sync is woken to push it. Also the outbox actions (resend, discard).
//!
//! ("Mutation" is what the user does locally; a "change" is an entry of the server's
//! feed, pulled in [`crate::sync`].)

use std::path::{Path, PathBuf};

use tadhkira_proto::{
    check_attachment_refs, Attachment, Description, Escalation, FieldChange, FieldValue, Filing,
    Message, MessageBody, Mutation, NewMessage, NewTicket, ShortText, Ticket, TicketTitle,
    TicketUpdate, Tier, Visibility,
};
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::files::{copy_in, LocalFile};
use crate::model::{Account, NewTicketInput, OutboxItem};
use crate::store::Store;

/// Copies each file into the account's folder (see [`copy_in`]), each content once.
async fn copy_in_all(dir: &Path, files: &[PathBuf]) -> Result<Vec<LocalFile>> {
    let mut copies: Vec<LocalFile> = Vec::with_capacity(files.len());
    for f in files {
        let (dir, f) = (dir.to_path_buf(), f.clone());
        let copy = tokio::task::spawn_blocking(move || copy_in(&dir, &f))
            .await
            .map_err(|e| EngineError::Storage(e.to_string()))??;
        if !copies.iter().any(|c| c.sha256 == copy.sha256) {
            copies.push(copy);
        }
    }
    Ok(copies)
}

/// How queued files show until the server lists them: no id yet (nothing to download),
/// no type yet (the server decides it from the content).
fn pending(copies: &[LocalFile]) -> Vec<Attachment> {
    copies
        .iter()
        .map(|c| Attachment {
            id: Uuid::nil(),
            name: c.name.as_str().to_owned(),
            size: c.size,
            content_type: String::new(),
            sha256: c.sha256.as_str().to_owned(),
        })
        .collect()
}

impl Engine {
    /// Opens a ticket locally and queues it; returns its id at once (no network).
    pub async fn create_ticket(&self, input: NewTicketInput) -> Result<Uuid> {
        self.create_ticket_with_files(input, &[]).await
    }

    /// Opens a ticket with files attached to its description: each file is copied into
    /// the account's folder at once (the original may then move or go), and uploaded
    /// before the ticket is pushed. Returns its id at once (no network).
    pub async fn create_ticket_with_files(
        &self,
        input: NewTicketInput,
        files: &[PathBuf],
    ) -> Result<Uuid> {
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
        let lapsed_override = input
            .lapsed_override
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(ShortText::parse)
            .transpose()?;
        if lapsed_override.is_some() && !me.role.is_staff() {
            return Err(EngineError::Invalid(
                "only staff log a ticket for a lapsed subscription".into(),
            ));
        }
        if let (Some(rid), None) = (input.requester_id, &lapsed_override) {
            // Refused here, at once and offline, rather than later in the outbox.
            if let Some(org) = self.kept_lapsed_organisation(rid).await? {
                return Err(EngineError::Invalid(format!(
                    "{org}'s subscription is not active: give an override reason to log this \
                     ticket anyway"
                )));
            }
        }
        // Before the organisation's first ticket under a new version of the support
        // terms, the filer accepts it (the form asks; refused here for any other way in).
        let policy = self.support_policy().await?;
        if let (true, Some(terms)) = (policy.must_accept, &policy.terms) {
            if input.terms_version != Some(terms.version) && input.requester_id.is_none() {
                return Err(EngineError::Invalid(format!(
                    "accept version {} of the support terms to file this ticket",
                    terms.version
                )));
            }
        }
        let copies = copy_in_all(&s.dir, files).await?;
        let mut new = NewTicket {
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
            lapsed_override,
            attachments: copies.iter().map(LocalFile::reference).collect(),
            terms_version: input.terms_version,
        };
        // Refused here, before it is queued, by the rules the server applies, in its
        // order: forbidden characters first (named as such), then the contact's shape. An
        // offline user hears at once, not from the outbox.
        new.check_free_text()?;
        new.contact = new
            .contact
            .checked()
            .map_err(|e| EngineError::Invalid(tadhkira_proto::contact::describe(&e)))?;
        let mut ticket = Ticket::new(&new, filing_of(&s.account, &new), self.now());
        ticket.attachments = pending(&copies);
        let mutation = Mutation::CreateTicket(new);
        s.store.create_ticket(&ticket, mutation, &copies).await?;
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
        self.add_message_with_files(ticket_id, body, visibility, &[])
            .await
    }

    /// [`Engine::add_message`] with files attached (copied in at once, uploaded before
    /// the message is pushed; see [`Engine::create_ticket_with_files`]).
    pub async fn add_message_with_files(
        &self,
        ticket_id: Uuid,
        body: &str,
        visibility: Visibility,
        files: &[PathBuf],
    ) -> Result<Uuid> {
        let s = self.session()?;
        let me = &s.account.user;
        if visibility == Visibility::Internal && !me.role.is_staff() {
            return Err(EngineError::Invalid(
                "only staff write internal notes".into(),
            ));
        }
        let body = MessageBody::parse(body)?;
        let copies = copy_in_all(&s.dir, files).await?;
        let refs: Vec<_> = copies.iter().map(LocalFile::reference).collect();
        check_attachment_refs(&refs)?;
        let id = Uuid::now_v7();
        let now = self.now();
        let message = Message {
            id,
            ticket_id,
            author_id: me.id,
            author_name: me.name.clone(),
            author_role: me.role,
            body: body.as_str().to_owned(),
            visibility,
            created_at: now,
            attachments: pending(&copies),
            delivery: None,
        };
        let mutation = Mutation::AddMessage(NewMessage {
            id,
            ticket_id,
            body,
            visibility,
            attachments: refs,
        });
        s.store.add_message(&message, mutation, &copies).await?;
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
        s.store
            .change_ticket(ticket_id, &s.account.user, self.now(), |ticket| {
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
                let update = Mutation::UpdateTicket(TicketUpdate { ticket_id, changes });
                update.check()?;
                Ok(update)
            })
            .await?;
        self.after_local_change(ticket_id).await;
        Ok(())
    }

    /// Escalates a ticket to a higher tier locally and queues it.
    pub async fn escalate(&self, ticket_id: Uuid, to_tier: Tier, reason: &str) -> Result<()> {
        let s = self.session()?;
        let reason = ShortText::parse(reason)?;
        s.store
            .change_ticket(ticket_id, &s.account.user, self.now(), |ticket| {
                // Staff copies have a tier; a customer's has none (and the server
                // refuses a customer's escalation).
                if let Some(at) = ticket.tier.filter(|at| to_tier <= *at) {
                    return Err(EngineError::Invalid(format!(
                        "the ticket is already at tier {at}; escalate to a higher one"
                    )));
                }
                Ok(Mutation::Escalate(Escalation {
                    ticket_id,
                    to_tier,
                    reason,
                }))
            })
            .await?;
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
        if let Some(m) = &edited {
            m.check()?;
        }
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
        let s = self.session()?;
        let ticket = s.store.discard(id, &s.account.user).await?;
        // Its files' copies go with it, unless another queued change names them.
        crate::files::forget_unused(&s).await?;
        self.after_local_change(ticket).await;
        Ok(())
    }
}

/// Who a ticket `me` files is for, as the local copy shows it until the server's comes.
fn filing_of(account: &Account, new: &NewTicket) -> Filing {
    let me = &account.user;
    Filing {
        org_id: me.org_id.unwrap_or_default(),
        org_name: account
            .organisation
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        requester_id: new.requester_id.unwrap_or(me.id),
        // For someone else, the name comes back with the server's copy.
        requester_name: if new.requester_id.is_none() {
            me.name.clone()
        } else {
            String::new()
        },
        created_by: me.id,
    }
}

/// After a damaged store was rebuilt (`store/recovery.rs`), the salvaged creations of
/// tickets are queued again but their local copies went with the damaged file: each is
/// laid down again as it was filed, so the user's own ticket stays on screen (offline
/// too) until the server's copy replaces it.
pub(crate) async fn show_salvaged_tickets(store: &Store, account: &Account) -> Result<()> {
    for item in store.outbox(None).await? {
        if let Mutation::CreateTicket(new) = &item.mutation {
            let ticket = Ticket::new(new, filing_of(account, new), item.created_at);
            store.restore_ticket(&ticket).await?;
        }
    }
    Ok(())
}
