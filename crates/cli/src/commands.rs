//! The CLI's commands, each a few engine calls: [`run`] opens the engine on the data
//! folder and hands the command to its own function, grouped by what it touches —
//! [`account`] (login, logout, whoami), [`tickets`] (new, list, show), [`edit`] (reply,
//! note, status, update, escalate), [`articles`] (articles, article) and [`sync`] (sync,
//! outbox, watch, and the sync round after every change).

mod account;
mod articles;
mod edit;
mod sync;
mod tickets;

use std::path::PathBuf;
use std::sync::Arc;

use tadhkira_client::{Alert, Engine, EngineConfig, Notifier};
use tadhkira_proto::Visibility;

use crate::i18n::error;
use crate::{i18n, Cli, Command};

use sync::after_change;
pub use tickets::{ListArgs, NewArgs};

/// Prints alerts as they come: a JSON line each, or (for people) the engine's words,
/// in the user's language like the desktop's notifications.
struct PrintNotifier {
    json: bool,
}

impl Notifier for PrintNotifier {
    fn notify(&self, alert: &Alert) {
        if self.json {
            if let Ok(line) = serde_json::to_string(alert) {
                println!("{}", crate::output::json_text(line));
            }
        } else {
            crate::output::say(&format!("{} — {}", alert.title, alert.body));
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
        timeouts: Default::default(),
        // `login --insecure` allows it for that sign-in.
        plain_http: Default::default(),
        alerts: cli.alert_settings(),
    };
    let engine = Engine::open(&dir, config).await?;
    engine.set_language(Some(i18n::locale().tag()));
    tell_store_recovery(&engine).await;
    let code = dispatch(&cli, &engine).await;
    engine.close().await;
    code
}

/// When the local database was found damaged and rebuilt (issue 21), says so once, in
/// plain words on stderr (what was kept, salvaged and lost), then forgets the report;
/// the damaged copy stays where the words say.
async fn tell_store_recovery(engine: &Engine) {
    if let Ok(Some(report)) = engine.store_recovery().await {
        let (title, body) = report.words(i18n::locale(), false);
        eprintln!("{title}\n{body}");
        if let Err(e) = engine.dismiss_store_recovery().await {
            tracing::warn!(error = %e, "could not dismiss the recovery report");
        }
    }
}

/// Runs the command's function.
async fn dispatch(cli: &Cli, engine: &Engine) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Login {
            server,
            email,
            password,
            insecure,
        } => {
            if *insecure {
                engine.set_plain_http(tadhkira_client::api::PlainHttp::Allowed);
            }
            account::login(cli, engine, server, email, password.as_deref()).await
        }
        Command::Logout => account::logout(cli, engine).await,
        Command::Whoami => account::whoami(cli, engine),
        Command::New(a) => tickets::new(cli, engine, a).await,
        Command::List(a) => tickets::list(cli, engine, a).await,
        Command::Show { ticket } => tickets::show(cli, engine, ticket).await,
        Command::Reply {
            ticket,
            body,
            attach,
        } => edit::message(cli, engine, ticket, body, Visibility::Public, attach).await,
        Command::Note {
            ticket,
            body,
            attach,
        } => edit::message(cli, engine, ticket, body, Visibility::Internal, attach).await,
        Command::Download {
            ticket,
            attachment,
            out,
        } => tickets::download(cli, engine, ticket, attachment, out.as_deref()).await,
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
        Command::Articles { search, all } => {
            articles::articles(cli, engine, search.as_deref(), *all).await
        }
        Command::Article { id } => articles::article(cli, engine, id).await,
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
