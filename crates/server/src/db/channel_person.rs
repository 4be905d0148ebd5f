//! A new customer made from the unmatched queue ([`Store::person_from_unmatched`]):
//! staff take a message from a sender nobody has, make that sender a customer of an
//! organisation, and the message becomes their ticket — in one transaction with its
//! audit row, so either all of it happens or none.
//!
//! The request names the new person's id. A retry of the same request (its answer was
//! lost) finds the message placed as that person and answers the same; any other
//! reuse of the id is refused. What is checked before anything is written, each with
//! its own refusal ([`PersonRefused`]): the message is still waiting, the organisation
//! exists and is paid, and neither the e-mail address nor the phone number belongs to
//! someone already (then staff link the message to them instead).

use sqlx::Row;
use tadhkira_proto::{normalise_phone, Email, PersonFromUnmatched, Role, User};
use uuid::Uuid;

use super::channels::{
    caller_in, customers_with_address, default_country, place_strict, queued_row, record_placement,
    ticket_number, Placement, UNMATCHED,
};
use super::writer::{Rejection, Writer};
use super::{rows, AuditRecord, Caller, Store, StoreError};
use crate::config::Settings;

/// The person to make, checked at the edge (address and name parsed, the password
/// already hashed).
#[derive(Debug, Clone)]
pub struct ChannelPerson {
    /// Their id, chosen by the caller (the idempotency key).
    pub id: Uuid,
    /// Their sign-in address.
    pub email: Email,
    /// Their name.
    pub name: String,
    /// Their phone, as given (it must normalise to E.164).
    pub phone: Option<String>,
    /// Their organisation.
    pub org_id: Uuid,
    /// `ar` or `en`.
    pub locale: String,
    /// The hash of a random password nobody knows: they sign in once an admin sets one.
    pub password_hash: String,
}

/// Why no person was made (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonRefused {
    /// The message was placed already (on someone else's ticket).
    Placed,
    /// The id names someone else: a new form needs a new id.
    IdTaken,
    /// No such organisation.
    NoOrganisation,
    /// The organisation's subscription is not active: no ticket can be opened.
    Lapsed {
        /// Its name.
        org: String,
    },
    /// The phone number is not one (E.164 after normalising).
    BadPhone,
    /// The address (e-mail or phone) belongs to someone already: link the message to
    /// them instead.
    AddressTaken {
        /// The address.
        address: String,
        /// Who has it.
        owner: Uuid,
        /// Their name.
        name: String,
    },
    /// The ticket was refused by the apply path (e.g. the organisation files only
    /// through designated contacts).
    Rejected(Rejection),
}

impl Store {
    /// Makes `person` a customer and places the unmatched message `id` as theirs (see
    /// the module comment). `Err(StoreError::NotFound)` when there is no such message.
    pub async fn person_from_unmatched(
        &self,
        staff: &Caller,
        id: Uuid,
        person: &ChannelPerson,
        policy: &Settings,
    ) -> Result<Result<PersonFromUnmatched, PersonRefused>, StoreError> {
        let mut w = Writer::begin(self).await?;
        let Some(row) = queued_row(&mut w, id).await? else {
            return Err(StoreError::NotFound);
        };
        let existing = caller_in(&mut w, person.id).await?;
        if row.state != UNMATCHED {
            // The same request again: answer what the first one did.
            return Ok(match (existing, row.customer_id, row.ticket_id) {
                (Some(made), Some(customer), Some(ticket_id)) if customer == made.user.id => {
                    let number = ticket_number(&mut w, ticket_id).await?;
                    Ok(PersonFromUnmatched {
                        user: made.user,
                        ticket_id,
                        ticket_number: number,
                    })
                }
                _ => Err(PersonRefused::Placed),
            });
        }
        if existing.is_some() {
            return Ok(Err(PersonRefused::IdTaken));
        }
        let org = sqlx::query("SELECT id, name, paid_until FROM organisations WHERE id = $1")
            .bind(person.org_id.to_string())
            .fetch_optional(w.lookup().await?)
            .await?
            .map(|r| rows::organisation(&r))
            .transpose()?;
        let Some(org) = org else {
            return Ok(Err(PersonRefused::NoOrganisation));
        };
        if !org.subscription_active(chrono::Utc::now()) {
            return Ok(Err(PersonRefused::Lapsed { org: org.name }));
        }
        let owner = sqlx::query("SELECT id, name FROM users WHERE lower(email) = lower($1)")
            .bind(person.email.as_str())
            .fetch_optional(w.lookup().await?)
            .await?;
        if let Some(owner) = owner {
            return Ok(Err(PersonRefused::AddressTaken {
                address: person.email.as_str().to_owned(),
                owner: rows::uuid(&owner, "id")?,
                name: owner.try_get("name")?,
            }));
        }
        let cc = default_country(policy);
        let phone = match person.phone.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => match normalise_phone(p, cc) {
                Some(e164) => Some(e164),
                None => return Ok(Err(PersonRefused::BadPhone)),
            },
            _ => None,
        };
        if let Some(phone) = &phone {
            if let Some(owner) = customers_with_address(&mut w, phone, cc).await?.first() {
                let name: String = sqlx::query("SELECT name FROM users WHERE id = $1")
                    .bind(owner.to_string())
                    .fetch_one(w.lookup().await?)
                    .await?
                    .try_get("name")?;
                return Ok(Err(PersonRefused::AddressTaken {
                    address: phone.clone(),
                    owner: *owner,
                    name,
                }));
            }
        }
        let user = User {
            id: person.id,
            email: person.email.as_str().to_owned(),
            name: person.name.clone(),
            role: Role::Customer,
            org_id: Some(org.id),
            tier: None,
            locale: person.locale.clone(),
            phone,
        };
        sqlx::query(
            "INSERT INTO users (id, email, name, role, org_id, tier, locale, phone, password_hash, \
             created_at, must_change_password) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, 1)",
        )
        .bind(user.id.to_string())
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(org.id.to_string())
        .bind(&user.locale)
        .bind(&user.phone)
        .bind(&person.password_hash)
        .bind(w.now)
        .execute(w.conn().await?)
        .await
        .map_err(|e| match e {
            // Another request took the address between the check and the insert.
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::AlreadyExists(format!("user {}", person.email.as_str()))
            }
            e => e.into(),
        })?;
        let record = AuditRecord {
            actor: staff.user.id,
            action: "user.create_from_channel",
            target_kind: "user",
            target_id: user.id,
            before: None,
            after: Some(serde_json::json!({
                "email": user.email, "name": user.name, "role": user.role,
                "org_id": user.org_id, "locale": user.locale, "phone": user.phone,
                "channel": row.msg.channel, "unmatched": id,
            })),
        };
        w.audit(&record).await?;
        let customer = Caller {
            user: user.clone(),
            organisation: Some(org),
        };
        let msg = row.msg;
        let (ticket_id, message_id, _) =
            match place_strict(&mut w, &customer, Some(staff), &msg, policy).await? {
                Ok(placed) => placed,
                // Nothing is written: no person, and the message stays in the queue.
                Err(r) => return Ok(Err(PersonRefused::Rejected(r))),
            };
        let placed = Placement {
            customer: user.id,
            ticket_id,
            message_id,
            staff: staff.user.id,
        };
        let number = record_placement(&mut w, id, &msg, &placed, policy).await?;
        w.commit(self).await?;
        Ok(Ok(PersonFromUnmatched {
            user,
            ticket_id,
            ticket_number: number,
        }))
    }
}
