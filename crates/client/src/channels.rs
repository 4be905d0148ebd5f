//! Channels on the engine (issue 19): logging a call or a remote session on a ticket
//! (a mutation, queued offline like any other), and the staff's online views of the
//! server's channels: the unmatched queue (messages from unknown senders), placing one
//! as a customer's or as a new customer's, and the WhatsApp channel's template.

use tadhkira_proto::{
    ContactLog, LinkUnmatched, LinkedUnmatched, Mutation, MutationEnvelope, NewPersonFromUnmatched,
    PersonFromUnmatched, UnmatchedMessage, UnmatchedPage, WhatsAppChannel,
};
use uuid::Uuid;

use crate::api::{ApiCallError, ApiClient};
use crate::engine::Engine;
use crate::error::{EngineError, Result};

impl Engine {
    /// Staff: logs a call or a remote session on a stored ticket; queued (no network),
    /// answers the mutation's id. The timeline entry comes back with the next pull.
    pub async fn log_contact(&self, log: ContactLog) -> Result<Uuid> {
        let s = self.session()?;
        if !s.account.user.role.is_staff() {
            return Err(EngineError::Invalid(
                "only staff log calls and remote sessions".into(),
            ));
        }
        log.check()?;
        // The ticket must be one this store knows (a typo'd id would only be refused
        // later by the server).
        s.store.resolve_ticket(&log.ticket_id.to_string()).await?;
        let env = MutationEnvelope {
            id: Uuid::now_v7(),
            mutation: Mutation::LogContact(log),
        };
        s.store.queue(&env).await?;
        self.refresh_state(|_| {}).await;
        self.wake_sync();
        Ok(env.id)
    }

    /// Staff: the server's unmatched queue, oldest first (online only).
    pub async fn unmatched(&self) -> Result<Vec<UnmatchedMessage>> {
        let s = self.session()?;
        Ok(s.api.unmatched().await?.messages)
    }

    /// Staff: places an unmatched message as a customer's (online only); the ticket it
    /// lands on arrives with the sync this starts.
    pub async fn link_unmatched(
        &self,
        id: Uuid,
        customer_id: Uuid,
        save_address: bool,
    ) -> Result<LinkedUnmatched> {
        let s = self.session()?;
        let link = LinkUnmatched {
            customer_id,
            save_address,
        };
        let linked = s.api.link_unmatched(id, &link).await?;
        self.wake_sync();
        Ok(linked)
    }

    /// Staff: makes the sender of an unmatched message a new customer of an
    /// organisation (online only); the message becomes their ticket, which arrives with
    /// the sync this starts. The same `person.person_id` again answers the same.
    pub async fn person_from_unmatched(
        &self,
        id: Uuid,
        person: NewPersonFromUnmatched,
    ) -> Result<PersonFromUnmatched> {
        let s = self.session()?;
        let made = s.api.person_from_unmatched(id, &person).await?;
        self.wake_sync();
        Ok(made)
    }

    /// Staff: the WhatsApp channel's settings as the reply box needs them.
    pub async fn whatsapp_channel(&self) -> Result<WhatsAppChannel> {
        let s = self.session()?;
        Ok(s.api.whatsapp_channel().await?)
    }
}

impl ApiClient {
    /// `GET /api/v1/channels/unmatched`.
    pub async fn unmatched(&self) -> std::result::Result<UnmatchedPage, ApiCallError> {
        self.send_json(self.request(reqwest::Method::GET, "api/v1/channels/unmatched")?)
            .await
    }

    /// `POST /api/v1/channels/unmatched/{id}/link`.
    pub async fn link_unmatched(
        &self,
        id: Uuid,
        link: &LinkUnmatched,
    ) -> std::result::Result<LinkedUnmatched, ApiCallError> {
        let path = format!("api/v1/channels/unmatched/{id}/link");
        self.send_json(self.request(reqwest::Method::POST, &path)?.json(link))
            .await
    }

    /// `POST /api/v1/channels/unmatched/{id}/person`.
    pub async fn person_from_unmatched(
        &self,
        id: Uuid,
        person: &NewPersonFromUnmatched,
    ) -> std::result::Result<PersonFromUnmatched, ApiCallError> {
        let path = format!("api/v1/channels/unmatched/{id}/person");
        self.send_json(self.request(reqwest::Method::POST, &path)?.json(person))
            .await
    }

    /// `GET /api/v1/channels/whatsapp`.
    pub async fn whatsapp_channel(&self) -> std::result::Result<WhatsAppChannel, ApiCallError> {
        self.send_json(self.request(reqwest::Method::GET, "api/v1/channels/whatsapp")?)
            .await
    }
}
