//! The CLI's commands, each a few engine calls.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tadhkira_client::{
    Alert, Engine, EngineConfig, EngineError, ListQuery, NewTicketInput, Notifier, Queue, Sort,
};
use tadhkira_proto::{
    Channel, Contact, FieldValue, MessageBody, Mutation, Priority, Status, TicketTitle, Tier,
    Visibility,
};
use uuid::Uuid;

use crate::i18n::{error, t};
use crate::{exit, i18n, output, Cli, Command, OutboxAction};

/// Filters of `tadhkira list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// all | mine | unassigned | my_tier | breaching
    #[arg(long, default_value = "all")]
    queue: String,
    #[arg(long)]
    status: Option<String>,
    /// Only tickets still needing work.
    #[arg(long)]
    active: bool,
    #[arg(long)]
    priority: Option<String>,
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    tier: Option<i64>,
    /// Words to find (titles, descriptions, messages).
    #[arg(long)]
    search: Option<String>,
    /// updated | priority | due
    #[arg(long, default_value = "updated")]
    sort: String,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[arg(long, default_value_t = 0)]
    offset: u32,
}

/// Prints alerts as they come: a JSON line each, or (for people) the engine's words,
/// in the user's language like the desktop's notifications.
struct PrintNotifier {
    json: bool,
}

impl Notifier for PrintNotifier {
    fn notify(&self, alert: &Alert) {
        if self.json {
            if let Ok(line) = serde_json::to_string(alert) {
                println!("{line}");
            }
        } else {
            println!("{} — {}", alert.title, alert.body);
        }
    }
}

fn data_dir(cli: &Cli) -> anyhow::Result<PathBuf> {
    match &cli.data_dir {
        Some(d) => Ok(d.clone()),
        None => dirs::data_dir()
            .map(|d| d.join("tadhkira"))
            .ok_or_else(|| error("cli-error-no-data-dir", &[])),
    }
}

fn parse<T: std::str::FromStr>(what: &str, s: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| {
        error(
            "cli-error-bad-value",
            &[("what", what.into()), ("error", e.to_string().into())],
        )
    })
}

/// Runs the command; returns the exit code.
pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    let dir = data_dir(&cli)?;
    let notifier: Arc<dyn Notifier> = Arc::new(PrintNotifier { json: cli.json });
    let config = EngineConfig {
        notifier,
        token_store: None,
        device_name: "tadhkira-cli".into(),
    };
    let engine = Engine::open(&dir, config).await?;
    engine.set_language(Some(i18n::locale().tag()));
    let code = dispatch(&cli, &engine).await;
    engine.close().await;
    code
}

async fn dispatch(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Login {
            server,
            email,
            password,
        } => {
            let password = match password {
                Some(p) => p.clone(),
                None => {
                    eprint!("{} ", t("cli-password-prompt", &[("email", email.into())]));
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let account = engine.sign_in(server, email, &password).await?;
            if cli.json {
                output::json(&account)?;
            } else {
                println!(
                    "{}",
                    t(
                        "cli-signed-in",
                        &[
                            ("name", (&account.user.name).into()),
                            ("role", i18n::value("cli-role", account.user.role).into()),
                            ("server", account.server_url.to_string().into()),
                        ]
                    )
                );
            }
            // The first sync fills the local store (it raises no alerts).
            after_change(cli, engine).await
        }
        Command::Logout => {
            engine.sign_out().await?;
            if !cli.json {
                println!("{}", t("cli-signed-out", &[]));
            }
            Ok(exit::OK)
        }
        Command::Whoami => {
            let account = engine.account().ok_or(EngineError::NotSignedIn)?;
            if cli.json {
                output::json(&account)?;
            } else {
                println!(
                    "{}",
                    t(
                        "cli-whoami",
                        &[
                            ("name", (&account.user.name).into()),
                            ("email", account.user.email.to_string().into()),
                            ("server", account.server_url.to_string().into()),
                        ]
                    )
                );
            }
            Ok(exit::OK)
        }
        Command::New {
            title,
            description,
            priority,
            channel,
            category,
            contact_name,
            contact_email,
            contact_phone,
            requester,
        } => {
            let input = NewTicketInput {
                title: title.clone(),
                description: description.clone(),
                priority: parse::<Priority>("priority", priority)?,
                channel: parse::<Channel>("channel", channel)?,
                category: category.clone(),
                contact: Contact {
                    name: contact_name.clone(),
                    email: contact_email.clone(),
                    phone: contact_phone.clone(),
                },
                checks: vec![],
                system_info: None,
                requester_id: *requester,
            };
            let id = engine.create_ticket(input).await?;
            let code = after_change(cli, engine).await?;
            let d = engine.ticket(&id.to_string()).await?;
            if cli.json {
                output::json(&serde_json::json!({
                    "id": id,
                    "number": (d.ticket.number > 0).then_some(d.ticket.number),
                }))?;
            } else if d.ticket.number > 0 {
                println!(
                    "{}",
                    t(
                        "cli-ticket-created",
                        &[
                            ("number", d.ticket.number.to_string().into()),
                            ("id", id.to_string().into())
                        ]
                    )
                );
            } else {
                println!(
                    "{}",
                    t("cli-ticket-queued", &[("id", id.to_string().into())])
                );
            }
            Ok(code)
        }
        Command::List(a) => {
            let q = ListQuery {
                queue: match a.queue.as_str() {
                    "all" => Queue::All,
                    "mine" => Queue::Mine,
                    "unassigned" => Queue::Unassigned,
                    "my_tier" | "my-tier" => Queue::MyTier,
                    "breaching" => Queue::Breaching,
                    other => {
                        return Err(unknown_choice(
                            "queue",
                            other,
                            "all, mine, unassigned, my_tier, breaching",
                        ))
                    }
                },
                status: a
                    .status
                    .as_deref()
                    .map(|s| parse::<Status>("status", s))
                    .transpose()?,
                active_only: a.active,
                priority: a
                    .priority
                    .as_deref()
                    .map(|s| parse::<Priority>("priority", s))
                    .transpose()?,
                channel: a
                    .channel
                    .as_deref()
                    .map(|s| parse::<Channel>("channel", s))
                    .transpose()?,
                tier: a
                    .tier
                    .map(Tier::parse)
                    .transpose()
                    .map_err(|e| bad_value("tier", e))?,
                assignee_id: None,
                search: a.search.clone(),
                sort: match a.sort.as_str() {
                    "updated" => Sort::Updated,
                    "priority" => Sort::Priority,
                    "due" => Sort::Due,
                    other => return Err(unknown_choice("sort", other, "updated, priority, due")),
                },
                offset: a.offset,
                limit: a.limit,
            };
            let page = engine.list_tickets(&q).await?;
            if cli.json {
                output::json(&page)?;
            } else {
                output::rows(&page.rows, page.total);
            }
            Ok(exit::OK)
        }
        Command::Show { ticket } => {
            let d = engine.ticket(ticket).await?;
            engine.mark_read(d.ticket.id).await?;
            if cli.json {
                output::json(&d)?;
            } else {
                output::detail(&d);
            }
            Ok(exit::OK)
        }
        Command::Reply { ticket, body } | Command::Note { ticket, body } => {
            let visibility = if matches!(cli.command, Command::Note { .. }) {
                Visibility::Internal
            } else {
                Visibility::Public
            };
            let id = engine.resolve_ticket(ticket).await?;
            let mid = engine.add_message(id, body, visibility).await?;
            let code = after_change(cli, engine).await?;
            print_message_id(cli, mid)?;
            Ok(code)
        }
        Command::Status { ticket, status } => {
            let id = engine.resolve_ticket(ticket).await?;
            engine
                .update_ticket(id, vec![FieldValue::Status(parse("status", status)?)])
                .await?;
            after_change(cli, engine).await
        }
        Command::Update {
            ticket,
            status,
            priority,
            assignee,
            title,
        } => {
            let id = engine.resolve_ticket(ticket).await?;
            let mut values = Vec::new();
            if let Some(s) = status {
                values.push(FieldValue::Status(parse("status", s)?));
            }
            if let Some(p) = priority {
                values.push(FieldValue::Priority(parse("priority", p)?));
            }
            if let Some(a) = assignee {
                let who = match a.as_str() {
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
        Command::Escalate {
            ticket,
            tier,
            reason,
        } => {
            let id = engine.resolve_ticket(ticket).await?;
            let tier = Tier::parse(*tier).map_err(|e| bad_value("tier", e))?;
            engine.escalate(id, tier, reason).await?;
            after_change(cli, engine).await
        }
        Command::Sync => {
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
        Command::Outbox { action } => {
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
        Command::Watch => watch(cli, engine).await,
    }
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

fn bad_value(what: &str, e: impl std::fmt::Display) -> anyhow::Error {
    error(
        "cli-error-bad-value",
        &[("what", what.into()), ("error", e.to_string().into())],
    )
}

fn unknown_choice(what: &str, value: &str, choices: &str) -> anyhow::Error {
    error(
        "cli-error-unknown-choice",
        &[
            ("what", what.into()),
            ("value", format!("{value:?}").into()),
            ("choices", choices.into()),
        ],
    )
}

/// After a local change: one sync round unless `--offline`; the exit code says how it went.
async fn after_change(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
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

/// Stays connected, printing alerts (through the notifier) until interrupted.
async fn watch(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
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
