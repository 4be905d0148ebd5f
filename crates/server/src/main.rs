//! `tadhkira-server`: runs the central helpdesk (`serve`), loads demo data (`demo`),
//! and administers organisations, users and tokens on the same database.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tadhkira_proto::Role;
use tadhkira_server::config::{Config, DatabaseUrl, Settings};
use tadhkira_server::db::Store;
use tadhkira_server::transport::open_files;
use tadhkira_server::{admin, backup, demo, Application};

#[derive(Parser)]
#[command(
    name = "tadhkira-server",
    version,
    about = "The Tadhkira central helpdesk"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives (every subcommand).
#[derive(Args, Clone)]
struct Db {
    /// Folder for the embedded SQLite database.
    #[arg(long, env = "TADHKIRA_DATA_DIR", default_value = "tadhkira-data")]
    data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of DATA_DIR/tadhkira.db.
    #[arg(long, env = "TADHKIRA_DATABASE_URL")]
    database_url: Option<String>,
    /// TOML file with policies (response targets, token lifetime, hashing cost…).
    #[arg(long)]
    config: Option<PathBuf>,
}

impl Db {
    fn config(&self, bind: SocketAddr) -> anyhow::Result<Config> {
        let settings = match &self.config {
            Some(path) => Settings::from_file(path)?,
            None => Settings::default(),
        };
        Ok(Config {
            bind,
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone().map(DatabaseUrl),
            settings,
        })
    }

    async fn open(&self) -> anyhow::Result<(Store, Settings)> {
        let config = self.config(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
        let store =
            Store::connect_with(&config.effective_database_url(), config.settings.database).await?;
        Ok((store, config.settings))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on (the packaged service sets it in its unit).
        #[arg(long, env = "TADHKIRA_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// PEM certificate chain: serve HTTPS (with --tls-key); reloaded when it changes.
        #[arg(long, env = "TADHKIRA_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key of --tls-cert.
        #[arg(long, env = "TADHKIRA_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        #[command(flatten)]
        db: Db,
    },
    /// Load the demo data (does nothing if it is there) and print the demo sign-ins.
    /// Refuses a database that has other users unless `--force`.
    Demo {
        /// Add the demo users even though the database has other users.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Sign-in tokens.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Write a consistent copy of the SQLite database to a new file (the server may
    /// keep running). PostgreSQL: use pg_dump (see the README's Deploying section).
    Backup {
        /// The file to write; must not exist.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Put a backup back (stop the server first). SQLite: `--from FILE` checks the
    /// backup, moves it into the data folder (the replaced database is kept beside it)
    /// and gives it a new epoch. PostgreSQL, or files copied back by hand:
    /// `--new-epoch` after the restore. The new epoch makes every app resync.
    Restore {
        /// The SQLite backup to restore.
        #[arg(
            long,
            conflicts_with = "new_epoch",
            required_unless_present = "new_epoch"
        )]
        from: Option<PathBuf>,
        /// Only give the (already restored) database a new epoch.
        #[arg(long)]
        new_epoch: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Run the lifecycle jobs once (auto-close solved tickets, remind pending
    /// customers), as `serve` does every `lifecycle.job_interval_seconds`.
    Jobs {
        /// The time to run them as of (RFC 3339); default now.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Create {
        #[arg(long)]
        name: String,
        /// End of the paid subscription, YYYY-MM-DD or `none`.
        #[arg(long, default_value = "none")]
        paid_until: String,
        #[command(flatten)]
        db: Db,
    },
    /// Set the end of an organisation's paid subscription.
    Subscription {
        #[arg(long)]
        name: String,
        /// YYYY-MM-DD or `none`.
        #[arg(long)]
        paid_until: String,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user (password from --password or TADHKIRA_PASSWORD).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// customer, agent or admin.
        #[arg(long)]
        role: String,
        /// The customer's organisation (by name).
        #[arg(long)]
        org: Option<String>,
        /// The agent's tier, 1–3.
        #[arg(long)]
        tier: Option<i64>,
        #[arg(long, default_value = "en")]
        locale: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long, env = "TADHKIRA_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: Db,
    },
    /// Set a user's password (and revoke their tokens).
    Password {
        #[arg(long)]
        email: String,
        #[arg(long, env = "TADHKIRA_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum TokensCommand {
    /// Revoke every token of a user (signs them out everywhere).
    Revoke {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: Db,
    },
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("stopping");
}

fn print_sign_ins() {
    println!("Demo sign-ins (password for all: {}):", demo::DEMO_PASSWORD);
    for (email, who) in demo::SIGN_INS {
        println!("  {email:<26} {who}");
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            bind,
            tls_cert,
            tls_key,
            db,
        } => {
            let mut config = db.config(bind)?;
            // The flags win over the configuration file's [transport] keys.
            if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                config.settings.transport.tls_cert = Some(cert);
                config.settings.transport.tls_key = Some(key);
            }
            // Each connection is a file descriptor: let the cap be reachable.
            match open_files::raise_to_hard_limit() {
                Some(limit) => {
                    let max = config.settings.transport.max_connections;
                    match open_files::shortfall(max, limit) {
                        Some(warning) => tracing::warn!("{warning}"),
                        None => tracing::info!(open_files = limit, "open-file limit"),
                    }
                }
                None => tracing::debug!("no open-file limit to raise"),
            }
            let app = Application::build(config).await?;
            let mut out = std::io::stdout();
            writeln!(out, "listening on {}://{}", app.scheme(), app.address())?;
            out.flush()?;
            app.run_until(shutdown_signal()).await?;
        }
        Command::Demo { force, db } => {
            let (store, settings) = db.open().await?;
            if demo::load_unless_in_use(&store, &settings, force).await? {
                println!("Demo data loaded.");
            } else {
                println!("Demo data was already loaded.");
            }
            print_sign_ins();
        }
        Command::Org { command } => match command {
            OrgCommand::Create {
                name,
                paid_until,
                db,
            } => {
                let (store, _) = db.open().await?;
                let org =
                    admin::create_org(&store, &name, admin::parse_paid_until(&paid_until)?).await?;
                println!("created organisation {} ({})", org.name, org.id);
            }
            OrgCommand::Subscription {
                name,
                paid_until,
                db,
            } => {
                let (store, _) = db.open().await?;
                admin::set_subscription(&store, &name, admin::parse_paid_until(&paid_until)?)
                    .await?;
                println!("subscription of {name} set to {paid_until}");
            }
        },
        Command::User { command } => match command {
            UserCommand::Create {
                email,
                name,
                role,
                org,
                tier,
                locale,
                phone,
                password,
                db,
            } => {
                let (store, settings) = db.open().await?;
                let role = Role::parse(&role)?;
                let spec = admin::UserSpec {
                    email,
                    name,
                    role,
                    org,
                    tier,
                    locale,
                    phone,
                };
                let user = admin::create_user(&store, &settings, spec, &password).await?;
                println!("created {} {} ({})", user.role, user.email, user.id);
            }
            UserCommand::Password {
                email,
                password,
                db,
            } => {
                let (store, settings) = db.open().await?;
                admin::set_password(&store, &settings, &email, &password).await?;
                println!("password of {email} changed; their tokens are revoked");
            }
        },
        Command::Tokens {
            command: TokensCommand::Revoke { email, db },
        } => {
            let (store, _) = db.open().await?;
            let n = admin::revoke_tokens(&store, &email).await?;
            println!("revoked {n} token(s) of {email}");
        }
        Command::Backup { to, db } => {
            let (store, _) = db.open().await?;
            backup::backup(&store, &to).await?;
            store.close().await;
            println!("backed up into {}", to.display());
        }
        Command::Restore {
            from,
            new_epoch: _,
            db,
        } => match from {
            Some(from) => {
                if db.database_url.is_some() {
                    anyhow::bail!(
                        "--from restores the SQLite database; for PostgreSQL use pg_restore, then restore --new-epoch"
                    );
                }
                let done = backup::restore_sqlite(&db.data_dir, &from).await?;
                if let Some(old) = &done.replaced {
                    println!("the replaced database is kept as {}", old.display());
                }
                println!(
                    "restored {} with the new epoch {}; every app will resync",
                    from.display(),
                    done.epoch
                );
            }
            None => {
                let (store, _) = db.open().await?;
                let epoch = store.rotate_epoch().await?;
                store.close().await;
                println!("new epoch {epoch}; every app will resync");
            }
        },
        Command::Jobs { now, db } => {
            let (store, settings) = db.open().await?;
            let now = now.unwrap_or_else(chrono::Utc::now);
            let run = store
                .run_lifecycle_jobs(now, &settings.lifecycle, &settings.sla)
                .await?;
            println!(
                "closed {} solved ticket(s), reminded {} pending customer(s)",
                run.closed, run.reminded
            );
        }
    }
    Ok(())
}
