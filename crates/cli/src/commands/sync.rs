//! `sync`, `outbox` and `watch`: the engine's link to the server, and the sync round
//! every change command runs afterwards ([`after_change`]).

use std::time::Duration;

use tadhkira_client::{Engine, EngineError};
use tadhkira_proto::{MessageBody, Mutation, TicketTitle};
use uuid::Uuid;

use super::bad_value;
use crate::i18n::{self, error, t};
use crate::{exit, output, Cli, OutboxAction};

/// `tadhkira sync`: one round now; the exit code says whether the server was reached
/// and whether changes are held back as rejected.
pub async fn sync(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
    let result = engine.sync_now().await;
    let state = engine.sync_state();
    match result {
        Ok(report) => {
            if cli.json {
                output::json(&serde_json::json!({ "report": report, "state": state }))?;
            } else {
                println!(
                    "{}",
                    t(
                        "cli-sync-summary",
                        &[
                            ("pushed", report.pushed.into()),
                            ("accepted", report.accepted.into()),
                            ("rejected", report.rejected.into()),
                            ("pulled", report.pulled.into()),
                            ("queued", state.queued.into()),
                            ("held", state.rejected.into()),
                        ]
                    )
                );
            }
            Ok(if state.rejected > 0 {
                exit::REJECTED
            } else {
                exit::OK
            })
        }
        Err(EngineError::Offline(m)) => {
            eprintln!(
                "tadhkira: {}",
                t(
                    "cli-sync-offline",
                    &[("reason", m.into()), ("count", state.queued.into())]
                )
            );
            Ok(exit::OFFLINE_QUEUED)
        }
        Err(e) => Err(e.into()),
    }
}

/// `tadhkira outbox [list | resend | discard]`: lists the queued and rejected changes,
/// or resends (optionally edited) or drops one and syncs.
pub async fn outbox(
    cli: &Cli,
    engine: &Engine,
    action: Option<&OutboxAction>,
) -> anyhow::Result<u8> {
    match action {
        None | Some(OutboxAction::List) => {
            let items = engine.outbox().await?;
            if cli.json {
                output::json(&items)?;
            } else {
                items.iter().for_each(output::outbox_line);
                println!(
                    "{}",
                    t("cli-outbox-count", &[("count", items.len().into())])
                );
            }
            return Ok(exit::OK);
        }
        Some(OutboxAction::Resend { id, body, title }) => {
            let edited = edit_entry(engine, *id, body.as_deref(), title.as_deref()).await?;
            engine.resend(*id, edited).await?
        }
        Some(OutboxAction::Discard { id }) => engine.discard(*id).await?,
    }
    after_change(cli, engine).await
}

/// The entry's mutation with the user's edits, or `None` when nothing is edited.
async fn edit_entry(
    engine: &Engine,
    id: Uuid,
    body: Option<&str>,
    title: Option<&str>,
) -> anyhow::Result<Option<Mutation>> {
    if body.is_none() && title.is_none() {
        return Ok(None);
    }
    let item = engine
        .outbox()
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| {
            error(
                "cli-error-no-outbox-entry",
                &[("id", id.to_string().into())],
            )
        })?;
    let mut m = item.mutation;
    match (&mut m, body, title) {
        (Mutation::AddMessage(msg), Some(b), None) => {
            msg.body = MessageBody::parse(b).map_err(|e| bad_value("body", e))?
        }
        (Mutation::CreateTicket(t), None, Some(new)) => {
            t.title = TicketTitle::parse(new).map_err(|e| bad_value("title", e))?
        }
        _ => return Err(error("cli-error-edit-kind", &[])),
    }
    Ok(Some(m))
}

/// After a local change: one sync round unless `--offline`; the exit code says how it went.
pub async fn after_change(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
    if cli.offline {
        return Ok(exit::OK);
    }
    match engine.sync_now().await {
        Ok(_) if engine.sync_state().rejected > 0 => {
            eprintln!("tadhkira: {}", t("cli-some-rejected", &[]));
            Ok(exit::REJECTED)
        }
        Ok(_) => Ok(exit::OK),
        Err(EngineError::Offline(m)) => {
            eprintln!(
                "tadhkira: {}",
                t("cli-saved-offline", &[("reason", m.into())])
            );
            Ok(exit::OFFLINE_QUEUED)
        }
        Err(e) => {
            let e = i18n::describe(&anyhow::Error::from(e));
            eprintln!(
                "tadhkira: {}",
                t("cli-saved-sync-failed", &[("error", e.into())])
            );
            Ok(exit::ERROR)
        }
    }
}

/// `tadhkira watch`: stays connected, printing alerts (through the notifier) until
/// interrupted.
pub async fn watch(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
    let account = engine.account().ok_or(EngineError::NotSignedIn)?;
    let mut events = engine.subscribe();
    engine.start_background_sync();
    // Say "watching" once the live stream is connected, so scripts know alerts will flow.
    let ready = async {
        loop {
            if engine.sync_state().live {
                return;
            }
            match tokio::time::timeout(Duration::from_millis(200), events.recv()).await {
                Err(_)
                | Ok(Ok(_))
                | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Err(_)) => return,
            }
        }
    };
    tokio::select! {
        _ = ready => {
            if cli.json {
                println!("{}", serde_json::json!({ "watching": account.user.email }));
            } else {
                println!("{}", t("cli-watching", &[("email", account.user.email.to_string().into())]));
            }
        }
        _ = tokio::signal::ctrl_c() => return Ok(exit::OK),
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    engine.stop_background_sync();
    Ok(exit::OK)
}
