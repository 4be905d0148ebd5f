//! `tadhkira`: a headless Tadhkira client on the same engine as the desktop app, for
//! scripts, tests and power users.
//!
//! Every command works on the local store of the data folder (`--data-dir`, env
//! `TADHKIRA_DATA_DIR`, default the per-user data folder). Changes are saved locally
//! first, then one sync round is tried (skip it with `--offline`).
//!
//! Exit codes: 0 done; 1 error; 2 usage error; 3 saved locally but the server is
//! unreachable (the change stays queued); 4 the sync finished but some changes are
//! rejected (see `tadhkira outbox`).

mod commands;
mod help;
mod i18n;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "tadhkira",
    version,
    about = "Tadhkira help-desk client (works offline)"
)]
pub struct Cli {
    /// Data folder (local database, account, token).
    #[arg(long, global = true, env = "TADHKIRA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not try to sync after a change (it stays queued).
    #[arg(long, global = true)]
    pub offline: bool,
    /// Language of the output and the help: en or ar (else env TADHKIRA_LANG, else
    /// LC_ALL / LC_MESSAGES / LANG, else English).
    #[arg(long, global = true, value_name = "en|ar")]
    pub lang: Option<tadhkira_i18n::Locale>,
    /// Alerts not to raise, comma-separated: reply, solved, pending, reminder,
    /// assigned, escalated, reopened.
    #[arg(long, global = true, value_delimiter = ',', value_name = "KINDS", value_parser = alert_kind)]
    pub mute: Vec<tadhkira_client::AlertKind>,
    #[command(subcommand)]
    pub command: Command,
}

/// An alert kind by the engine's word for it (`reply`, `solved`, …), for `--mute`.
fn alert_kind(word: &str) -> Result<tadhkira_client::AlertKind, String> {
    serde_json::from_value(serde_json::Value::String(word.to_owned()))
        .map_err(|_| format!("unknown alert kind {word:?}"))
}

impl Cli {
    /// The alerts to raise: all but the muted ones.
    pub fn alert_settings(&self) -> tadhkira_client::AlertSettings {
        let mut a = tadhkira_client::AlertSettings::default();
        for kind in &self.mute {
            a.set(*kind, false);
        }
        a
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to a server.
    Login {
        #[arg(long)]
        server: String,
        #[arg(long)]
        email: String,
        /// The password (else env TADHKIRA_PASSWORD, else asked without echo on a
        /// terminal, else read from standard input).
        #[arg(long, env = "TADHKIRA_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Allow plain http:// to another machine (lab use only).
        #[arg(long, env = "TADHKIRA_INSECURE")]
        insecure: bool,
    },
    /// Sign out (the local data stays).
    Logout,
    /// Who is signed in.
    Whoami,
    /// Open a new ticket.
    New(commands::NewArgs),
    /// List tickets from the local store.
    List(commands::ListArgs),
    /// Show a ticket (`#1042`, `1042` or its id) with its messages and timeline.
    Show { ticket: String },
    /// Reply on a ticket (public).
    Reply {
        ticket: String,
        body: String,
        /// A file to attach (repeatable); copied into the data folder at once.
        #[arg(long, value_name = "FILE")]
        attach: Vec<PathBuf>,
    },
    /// Add an internal note (staff).
    Note {
        ticket: String,
        body: String,
        /// A file to attach (repeatable); copied into the data folder at once.
        #[arg(long, value_name = "FILE")]
        attach: Vec<PathBuf>,
    },
    /// Download a file attached to a ticket.
    Download {
        ticket: String,
        /// The file's number in `tadhkira show` (from 1), its id or its name.
        attachment: String,
        /// Where to write it: a folder (it keeps its name) or a file path.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Change a ticket's status.
    Status { ticket: String, status: String },
    /// Change a ticket's fields.
    Update {
        ticket: String,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        /// `me`, `none`, or a user id.
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        title: Option<String>,
    },
    /// Escalate a ticket to a higher tier.
    Escalate {
        ticket: String,
        #[arg(long)]
        tier: i64,
        #[arg(long)]
        reason: String,
    },
    /// Push queued changes and pull new ones now.
    Sync,
    /// Queued and rejected changes.
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxAction>,
    },
    /// Stay connected and print alerts as they arrive.
    Watch,
    /// Knowledge-base articles from the local store (published ones; staff: --all).
    Articles {
        /// Rank the published articles by this text (as the app's suggestions do).
        #[arg(long)]
        search: Option<String>,
        /// Staff: drafts and archived articles too.
        #[arg(long)]
        all: bool,
    },
    /// Show a knowledge-base article by its id.
    Article { id: String },
}

/// `tadhkira outbox …`.
#[derive(Debug, Subcommand)]
pub enum OutboxAction {
    /// List entries (the default).
    List,
    /// Queue a rejected entry again, optionally edited first.
    Resend {
        id: uuid::Uuid,
        /// New text for a reply or note.
        #[arg(long)]
        body: Option<String>,
        /// New title for a ticket's creation.
        #[arg(long)]
        title: Option<String>,
    },
    /// Drop an entry (dropping a ticket's creation removes the local ticket).
    Discard { id: uuid::Uuid },
}

/// Exit codes (see the module comment).
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const OFFLINE_QUEUED: u8 = 3;
    pub const REJECTED: u8 = 4;
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    // The language first: the help is built in it.
    let args: Vec<String> = std::env::args().collect();
    i18n::init(help::lang_flag(&args));
    let matches = help::localized(Cli::command()).get_matches_from(&args);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match commands::run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("tadhkira: {}", i18n::describe(&e));
            ExitCode::from(exit::ERROR)
        }
    }
}
