//! The user's local mutations in the store: each writes its local effect and appends its
//! outbox entry in ONE transaction, so the screen and the queue never disagree (a crash
//! leaves both or neither). The engine decides what a mutation is
//! (`crate::mutations`); this module only stores it.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use tadhkira_proto::{Message, Mutation, MutationEnvelope, Ticket, User, Visibility};
use uuid::Uuid;

use super::files::record_files;
use super::outbox::append;
use super::tickets::{apply_local, load_ticket, upsert_message, upsert_ticket};
use super::Store;
use crate::error::{EngineError, Result};
use crate::files::LocalFile;

impl Store {
    /// Saves a new local ticket and queues its creation.
    pub async fn create_ticket(
        &self,
        ticket: &Ticket,
        mutation: Mutation,
        files: &[LocalFile],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        record_files(&mut tx, files).await?;
        save_and_queue(&mut tx, ticket, mutation).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new local message and queues it; a public reply makes its ticket count
    /// as updated at the message's time, as the server will (an internal note does not,
    /// on either side). Fails with [`EngineError::NotFound`] when the ticket is not here.
    pub async fn add_message(
        &self,
        message: &Message,
        mutation: Mutation,
        files: &[LocalFile],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        record_files(&mut tx, files).await?;
        let mut ticket = ticket_in(&mut tx, message.ticket_id).await?;
        upsert_message(&mut tx, message).await?;
        if message.visibility == Visibility::Public {
            ticket.updated_at = ticket.updated_at.max(message.created_at);
        }
        save_and_queue(&mut tx, &ticket, mutation).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a stored ticket and queues the change: `decide` sees the ticket as stored
    /// (its field versions, its tier) and returns the mutation, or refuses; the mutation
    /// is laid over the ticket as `me` sees it until the server answers. Reading and
    /// writing share one transaction, so the mutation is decided on what it changes.
    pub async fn change_ticket(
        &self,
        ticket_id: Uuid,
        me: &User,
        now: DateTime<Utc>,
        decide: impl FnOnce(&Ticket) -> Result<Mutation> + Send,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let mut ticket = ticket_in(&mut tx, ticket_id).await?;
        let mutation = decide(&ticket)?;
        apply_local(&mut ticket, &mutation, me, now);
        save_and_queue(&mut tx, &ticket, mutation).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores `ticket` as the local copy unless one is there (a salvaged creation whose
    /// copy was lost with a damaged database; see `crate::mutations`).
    pub(crate) async fn restore_ticket(&self, ticket: &Ticket) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if load_ticket(&mut tx, ticket.id).await?.is_none() {
            upsert_ticket(&mut tx, ticket).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues a mutation that changes nothing stored locally (a deflection).
    pub async fn queue(&self, env: &MutationEnvelope) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        append(&mut tx, env).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The stored ticket `id`, or [`EngineError::NotFound`].
async fn ticket_in(conn: &mut SqliteConnection, id: Uuid) -> Result<Ticket> {
    load_ticket(conn, id)
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("ticket {id}")))
}

/// Writes `ticket`'s new local state and appends `mutation` to the outbox, in the
/// caller's transaction.
async fn save_and_queue(
    conn: &mut SqliteConnection,
    ticket: &Ticket,
    mutation: Mutation,
) -> Result<()> {
    upsert_ticket(conn, ticket).await?;
    append(
        conn,
        &MutationEnvelope {
            id: Uuid::now_v7(),
            mutation,
        },
    )
    .await
}
