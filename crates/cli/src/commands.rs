//! The CLI's commands, each a few engine calls: [`run`] opens the engine on the data
//! folder and hands the command to its own function, grouped by what it touches —
//! [`account`] (login, logout, whoami), [`tickets`] (new, list, show), [`edit`] (reply,
//! note, status, update, escalate) and [`sync`] (sync, outbox, watch, and the sync round
//! after every change).

mod account;
mod edit;
mod sync;
mod tickets;

use std::path::PathBuf;
use std::sync::Arc;

use tadhkira_client::{word_alert, Alert, Engine, EngineConfig, Notifier};
use tadhkira_proto::Visibility;

use crate::i18n::error;
use crate::{i18n, Cli, Command};

use sync::after_change;
pub use tickets::{ListArgs, NewArgs};

/// Hands alerts on: as JSON lines at once, or (for people) to [`print_alerts`], which
/// reads the alert's messages to word it in the user's language.
struct PrintNotifier {
    json: bool,
    worded: tokio::sync::mpsc::UnboundedSender<Alert>,
}

impl Notifier for PrintNotifier {
    fn notify(&self, alert: &Alert) {
        if self.json {
            if let Ok(line) = serde_json::to_string(alert) {
                println!("{line}");
            }
        } else {
            // The receiver lives as long as the engine: a send cannot fail before close.
            let _ = self.worded.send(alert.clone());
        }
    }
}

/// Prints each alert that arrives, worded like the desktop's notifications, until
/// `done`; then the ones already sent, and ends (the engine must still be open).
async fn print_alerts(
    engine: Engine,
    mut alerts: tokio::sync::mpsc::UnboundedReceiver<Alert>,
    mut done: tokio::sync::oneshot::Receiver<()>,
) {
    let catalogue = tadhkira_i18n::Catalogue::get(i18n::locale());
    let print = |alert: Alert| {
        let engine = engine.clone();
        async move {
            let messages = engine.alert_messages(&alert).await.unwrap_or_default();
            let words = word_alert(catalogue, &alert, &messages);
            println!("{} — {}", words.summary, words.body);
        }
    };
    loop {
        tokio::select! {
            biased;
            Some(alert) = alerts.recv() => print(alert).await,
            _ = &mut done => break,
        }
    }
    while let Ok(alert) = alerts.try_recv() {
        print(alert).await;
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
    let (worded, alerts) = tokio::sync::mpsc::unbounded_channel();
    let notifier: Arc<dyn Notifier> = Arc::new(PrintNotifier {
        json: cli.json,
        worded,
    });
    let config = EngineConfig {
        notifier,
        token_store: None,
        device_name: "tadhkira-cli".into(),
    };
    let engine = Engine::open(&dir, config).await?;
    engine.set_language(Some(i18n::locale().tag()));
    let (done, finish) = tokio::sync::oneshot::channel();
    let printer = tokio::spawn(print_alerts(engine.clone(), alerts, finish));
    let code = dispatch(&cli, &engine).await;
    // The engine raises alerts synchronously: every one of this command is sent by now.
    let _ = done.send(());
    let _ = printer.await;
    engine.close().await;
    code
}

/// Runs the command's function.
async fn dispatch(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Login {
            server,
            email,
            password,
        } => account::login(cli, engine, server, email, password.as_deref()).await,
        Command::Logout => account::logout(cli, engine).await,
        Command::Whoami => account::whoami(cli, engine),
        Command::New(a) => tickets::new(cli, engine, a).await,
        Command::List(a) => tickets::list(cli, engine, a).await,
        Command::Show { ticket } => tickets::show(cli, engine, ticket).await,
        Command::Reply { ticket, body } => {
            edit::message(cli, engine, ticket, body, Visibility::Public).await
        }
        Command::Note { ticket, body } => {
            edit::message(cli, engine, ticket, body, Visibility::Internal).await
        }
        Command::Status { ticket, status } => edit::status(cli, engine, ticket, status).await,
        Command::Update {
            ticket,
            status,
            priority,
            assignee,
            title,
        } => {
            edit::update(
                cli,
                engine,
                ticket,
                status.as_deref(),
                priority.as_deref(),
                assignee.as_deref(),
                title.as_deref(),
            )
            .await
        }
        Command::Escalate {
            ticket,
            tier,
            reason,
        } => edit::escalate(cli, engine, ticket, *tier, reason).await,
        Command::Sync => sync::sync(cli, engine).await,
        Command::Outbox { action } => sync::outbox(cli, engine, action.as_ref()).await,
        Command::Watch => sync::watch(cli, engine).await,
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
