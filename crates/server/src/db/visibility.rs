//! Who may see what: the one place the REST reads and the change feed both ask.
//!
//! Staff (agents and admins) see everything. A customer sees:
//! - the tickets of their own organisation, in the *customer view* ([`view_of`]): who
//!   works on it (assignee) and which tier's queue holds it are internal;
//! - the public messages on them, never internal notes;
//! - the timeline events that do not reveal internal handling ([`event_is_staff_only`]:
//!   assignment, escalation, a lapsed-subscription override);
//! - published articles ([`Audience::may_see_article`]); one unpublished later comes
//!   through the feed as its withdrawal.
//!
//! The change feed cannot re-decide each row cheaply on every pull, so the writer stores
//! each row's organisation and a `staff_only` flag, computed here at write time
//! ([`message_is_staff_only`], [`event_is_staff_only`]), and a pull filters on them with
//! [`FeedFilter`]. The REST reads decide per item with [`Audience::may_see_ticket`],
//! [`Audience::may_see_message`] and [`Audience::may_see_event`], from the same two
//! rules. `tests/api/visibility.rs` checks, over random data and every role, that a
//! ticket's REST detail and what a pull brings of it agree.

use tadhkira_proto::{
    ArticleStatus, EventKind, Message, Ticket, TicketEvent, TicketField, Visibility,
};
use uuid::Uuid;

use super::writer::EVERY_ORG;
use super::Caller;

/// Whose eyes a read is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Agents and admins: everything.
    Staff,
    /// A customer of this organisation (`None`: a customer without one sees nothing).
    Customer(Option<Uuid>),
}

impl Audience {
    /// The audience of a signed-in caller.
    pub fn of(caller: &Caller) -> Self {
        if caller.is_staff() {
            Audience::Staff
        } else {
            Audience::Customer(caller.user.org_id)
        }
    }

    /// Whether a ticket of organisation `org` exists for this audience.
    pub fn may_see_ticket(self, org: Uuid) -> bool {
        match self {
            Audience::Staff => true,
            Audience::Customer(mine) => mine == Some(org),
        }
    }

    /// Whether this message (on a ticket this audience may see) is shown.
    pub fn may_see_message(self, message: &Message) -> bool {
        self == Audience::Staff || !message_is_staff_only(message.visibility)
    }

    /// Whether this event (on a ticket this audience may see) is shown.
    pub fn may_see_event(self, event: &TicketEvent) -> bool {
        self == Audience::Staff || !event_is_staff_only(&event.kind)
    }

    /// Whether an article in this state is shown: staff see drafts and archived ones,
    /// customers published articles only.
    pub fn may_see_article(self, status: ArticleStatus) -> bool {
        self == Audience::Staff || status == ArticleStatus::Published
    }

    /// The organisation a customer's feed and lists are limited to (`Some("")` for a
    /// customer without one, which matches nothing); `None` for staff.
    pub fn org_limit(self) -> Option<String> {
        match self {
            Audience::Staff => None,
            Audience::Customer(org) => Some(org.map(|o| o.to_string()).unwrap_or_default()),
        }
    }
}

/// A ticket as this audience sees it: staff whole; customers without who works on it
/// and without its tier (internal handling, like the assignment and escalation events
/// they do not get).
pub fn view_of(audience: Audience, mut ticket: Ticket) -> Ticket {
    if audience != Audience::Staff {
        ticket.assignee_id = None;
        ticket.assignee_name = None;
        ticket.tier = None;
    }
    ticket
}

/// Internal notes are for staff only.
pub fn message_is_staff_only(visibility: Visibility) -> bool {
    visibility == Visibility::Internal
}

/// Events that reveal internal handling (who works on it, why it moved up a tier, why
/// it was logged despite a lapsed subscription) are for staff only.
pub fn event_is_staff_only(kind: &EventKind) -> bool {
    match kind {
        EventKind::Assigned { .. }
        | EventKind::Escalated { .. }
        | EventKind::LapsedOverride { .. }
        | EventKind::ContactLogged { .. } => true,
        EventKind::Overwritten { field, .. } => matches!(
            TicketField::parse(field),
            Ok(TicketField::Assignee | TicketField::Tier)
        ),
        _ => false,
    }
}

/// The feed rows an audience may pull, as SQL over the `changes` table: the stored
/// organisation and `staff_only` flag of each row (see the module comment).
pub struct FeedFilter {
    /// A condition on the alias given to [`FeedFilter::new`], with `$N` placeholders
    /// numbered from its `first_param`; empty for staff.
    pub condition: String,
    /// The values of those placeholders, in order.
    pub binds: Vec<String>,
}

impl FeedFilter {
    /// The filter on rows of `alias` (`c`, `n`…), placeholders from `$first_param`.
    pub fn new(audience: Audience, alias: &str, first_param: usize) -> Self {
        match audience.org_limit() {
            None => Self {
                condition: String::new(),
                binds: Vec::new(),
            },
            // Their organisation's rows, and rows for every organisation (published
            // articles, and the withdrawal of one).
            Some(org) => Self {
                condition: format!(
                    " AND ({alias}.org_id = ${first_param} OR {alias}.org_id = ${}) \
                     AND {alias}.staff_only = 0",
                    first_param + 1
                ),
                binds: vec![org, EVERY_ORG.to_string()],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overwritten_assignees_and_tiers_are_for_staff_only() {
        let overwritten = |f: TicketField| EventKind::Overwritten {
            field: f.as_str().to_owned(),
            value: String::new(),
        };
        let staff_only: Vec<TicketField> = TicketField::ALL
            .into_iter()
            .filter(|f| event_is_staff_only(&overwritten(*f)))
            .collect();
        assert_eq!(staff_only, [TicketField::Assignee, TicketField::Tier]);
    }

    #[test]
    fn a_customer_without_an_organisation_sees_no_ticket_and_matches_no_feed_row() {
        let lost = Audience::Customer(None);
        assert!(!lost.may_see_ticket(Uuid::nil()));
        assert_eq!(lost.org_limit().as_deref(), Some(""));
        assert!(Audience::Staff.may_see_ticket(Uuid::nil()));
        let f = FeedFilter::new(lost, "c", 4);
        assert_eq!(
            f.condition,
            " AND (c.org_id = $4 OR c.org_id = $5) AND c.staff_only = 0"
        );
        assert_eq!(f.binds, [String::new(), EVERY_ORG.to_string()]);
        assert!(FeedFilter::new(Audience::Staff, "c", 4)
            .condition
            .is_empty());
    }
}
