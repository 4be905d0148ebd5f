//! The support terms on the engine, all from the local store (so offline too): the
//! customer's Support policy (with the response targets in effect), whether their next ticket must carry the acceptance of a
//! new version, the first-line checklists of the new-ticket form, and "outside the
//! support terms" (staff; queued in the outbox like any change).

use serde::{Deserialize, Serialize};
use tadhkira_proto::{
    Checklist, Mutation, Organisation, OutOfScope, ResponsePolicy, Role, SupportTerms,
    TermsAcceptance,
};
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::{EngineError, Result};

/// What the Support policy screen shows, read from the local store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SupportPolicy {
    /// The newest version the store holds (none before the first is published, or
    /// before the first sync).
    pub terms: Option<SupportTerms>,
    /// The customer's organisation, with its subscription end (none for staff).
    pub organisation: Option<Organisation>,
    /// The organisation's acceptance of `terms` when the store has it.
    pub accepted: Option<TermsAcceptance>,
    /// A ticket still in the outbox carries the acceptance of `terms`.
    pub acceptance_queued: bool,
    /// The user is a customer, `terms` exists, and neither of the two above: their
    /// next ticket must carry the acceptance (the form asks for it).
    pub must_accept: bool,
    /// The response targets and business hours in effect for new tickets (the same for
    /// every organisation), as last pulled; none before the first pull.
    pub targets: Option<ResponsePolicy>,
}

impl Engine {
    /// The Support policy from the local store.
    pub async fn support_policy(&self) -> Result<SupportPolicy> {
        let s = self.session()?;
        let me = &s.account.user;
        let terms = s.store.terms_in_force().await?;
        let customer = me.role == Role::Customer;
        let (accepted, acceptance_queued) = match (&terms, me.org_id) {
            (Some(t), Some(org)) if customer => {
                let accepted = s.store.acceptance(org, t.version).await?;
                // Once accepted, the answer changes nothing (`must_accept` is false).
                // Asked anyway, it found no match and so read and parsed every queued
                // new ticket, each time one was filed: filling an outbox was quadratic
                // (docs/bench.md, "Release figures, 2026-12-06").
                let queued = accepted.is_none() && s.store.acceptance_queued(t.version).await?;
                (accepted, queued)
            }
            _ => (None, false),
        };
        let must_accept = customer && terms.is_some() && accepted.is_none() && !acceptance_queued;
        Ok(SupportPolicy {
            terms,
            organisation: if customer {
                s.account.organisation.clone()
            } else {
                None
            },
            accepted,
            acceptance_queued,
            must_accept,
            targets: s.store.response_policy().await?,
        })
    }

    /// The first-line checklists the store holds, the default (`""`) first.
    pub async fn checklists(&self) -> Result<Vec<Checklist>> {
        self.session()?.store.checklists().await
    }

    /// Every acceptance of the terms the store holds (staff: every organisation's),
    /// newest version first.
    pub async fn acceptances(&self) -> Result<Vec<TermsAcceptance>> {
        self.session()?.store.acceptances().await
    }

    /// Staff: resolves a ticket as outside the support terms under one exclusion of
    /// the version in force; locally solved at once, queued for the server.
    pub async fn resolve_out_of_scope(&self, ticket_id: Uuid, exclusion: &str) -> Result<()> {
        let s = self.session()?;
        if !s.account.user.role.is_staff() {
            return Err(EngineError::Invalid(
                "only staff resolve a ticket as outside the support terms".into(),
            ));
        }
        let terms = s.store.terms_in_force().await?.ok_or_else(|| {
            EngineError::Invalid("no support terms are published: there is no exclusion".into())
        })?;
        if terms.content.exclusion(exclusion).is_none() {
            return Err(EngineError::Invalid(format!(
                "version {} of the support terms has no exclusion {exclusion:?}",
                terms.version
            )));
        }
        let exclusion = exclusion.to_owned();
        s.store
            .change_ticket(ticket_id, &s.account.user, self.now(), |ticket| {
                if ticket.status == tadhkira_proto::Status::Closed {
                    return Err(EngineError::Invalid(
                        "this ticket is closed: reopen it first to resolve it otherwise".into(),
                    ));
                }
                let m = Mutation::ResolveOutOfScope(OutOfScope {
                    ticket_id,
                    exclusion,
                });
                m.check()?;
                Ok(m)
            })
            .await?;
        self.after_local_change(ticket_id).await;
        Ok(())
    }
}
