//! `reply`, `note`, `status`, `update` and `escalate`: changes to an existing ticket,
//! each saved locally and then synced once.

use tadhkira_client::{Engine, EngineError};
use tadhkira_proto::{FieldValue, TicketTitle, Tier, Visibility};
use uuid::Uuid;

use super::{after_change, bad_value, parse};
use crate::i18n::t;
use crate::{output, Cli};

/// `tadhkira reply` (`Public`) and `tadhkira note` (`Internal`): adds a message and
/// prints its id.
pub async fn message(
    cli: &Cli,
    engine: &Engine,
    ticket: &str,
    body: &str,
    visibility: Visibility,
    files: &[std::path::PathBuf],
) -> anyhow::Result<u8> {
    let id = engine.resolve_ticket(ticket).await?;
    let mid = engine
        .add_message_with_files(id, body, visibility, files)
        .await?;
    let code = after_change(cli, engine).await?;
    print_message_id(cli, mid)?;
    Ok(code)
}

fn print_message_id(cli: &Cli, id: Uuid) -> anyhow::Result<()> {
    if cli.json {
        output::json(&serde_json::json!({ "message": id }))
    } else {
        println!(
            "{}",
            t("cli-message-saved", &[("id", id.to_string().into())])
        );
        Ok(())
    }
}

/// `tadhkira status`: changes a ticket's status.
pub async fn status(cli: &Cli, engine: &Engine, ticket: &str, status: &str) -> anyhow::Result<u8> {
    let id = engine.resolve_ticket(ticket).await?;
    engine
        .update_ticket(id, vec![FieldValue::Status(parse("status", status)?)])
        .await?;
    after_change(cli, engine).await
}

/// `tadhkira update`: changes the fields given (the assignee as `me`, `none` or a
/// user id).
pub async fn update(
    cli: &Cli,
    engine: &Engine,
    ticket: &str,
    status: Option<&str>,
    priority: Option<&str>,
    assignee: Option<&str>,
    title: Option<&str>,
) -> anyhow::Result<u8> {
    let id = engine.resolve_ticket(ticket).await?;
    let mut values = Vec::new();
    if let Some(s) = status {
        values.push(FieldValue::Status(parse("status", s)?));
    }
    if let Some(p) = priority {
        values.push(FieldValue::Priority(parse("priority", p)?));
    }
    if let Some(a) = assignee {
        let who = match a {
            "none" => None,
            "me" => Some(engine.account().ok_or(EngineError::NotSignedIn)?.user.id),
            other => Some(Uuid::parse_str(other).map_err(|e| bad_value("assignee", e))?),
        };
        values.push(FieldValue::Assignee(who));
    }
    if let Some(t) = title {
        values.push(FieldValue::Title(
            TicketTitle::parse(t).map_err(|e| bad_value("title", e))?,
        ));
    }
    engine.update_ticket(id, values).await?;
    after_change(cli, engine).await
}

/// `tadhkira escalate`: raises a ticket to `tier`, with the reason.
pub async fn escalate(
    cli: &Cli,
    engine: &Engine,
    ticket: &str,
    tier: i64,
    reason: &str,
) -> anyhow::Result<u8> {
    let id = engine.resolve_ticket(ticket).await?;
    let tier = Tier::parse(tier).map_err(|e| bad_value("tier", e))?;
    engine.escalate(id, tier, reason).await?;
    after_change(cli, engine).await
}
