//! Building and running the server: [`Application::build`] connects the store, binds
//! the listener (port 0 in tests), loads the TLS certificate when one is configured and
//! assembles the router; [`spawn`] runs it in the background for tests in this and
//! other crates. How connections are taken is [`crate::transport`]'s job. The handlers' shared state lives in
//! [`crate::state`]; this module builds it and gives it to [`crate::routes::router`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{hash_password, HashingPool};
use crate::blobs::{DiskBlobStore, Staging};
use crate::config::Config;
use crate::db::Store;
use crate::quota::WriteQuota;
use crate::state::AppState;
use crate::streams::EventStreams;
use crate::transport::accept;
use crate::transport::tls::ReloadingTls;

/// A server ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    stop: watch::Sender<bool>,
    tls: Option<ReloadingTls>,
    /// The e-mail channel, when configured: its readers and sender run with the server.
    email: Option<Arc<crate::channels::Email>>,
}

impl Application {
    /// Connects to the database (running migrations) and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            anyhow::anyhow!("cannot create data dir {}: {e}", config.data_dir.display())
        })?;
        // A bad certificate fails start-up before anything else is touched.
        let tls = match config.settings.transport.tls_files()? {
            Some(files) => Some(ReloadingTls::load(files)?),
            None => None,
        };
        let url = config.effective_database_url();
        tracing::info!(database = ?url, "connecting");
        let store = Store::connect_with(&url, config.settings.database).await?;
        // Every client pulls the response policy in effect (version 1 on a new database).
        store.publish_policy(&config.settings.sla).await?;
        let listener = TcpListener::bind(config.bind).await?;
        let settings = config.settings;
        // A channel whose secrets cannot be read stops start-up with where they should be.
        let whatsapp = match &settings.channels.whatsapp {
            Some(w) => Some(Arc::new(crate::channels::WhatsApp::new(w.clone())?)),
            None => None,
        };
        let email = match &settings.channels.email {
            Some(e) => Some(Arc::new(crate::channels::Email::new(e.clone())?)),
            None => None,
        };
        let dummy_hash = hash_password(settings.argon2, "no such user")?;
        let (stop, shutdown) = watch::channel(false);
        let state = AppState {
            store,
            hashing: Arc::new(HashingPool::new(settings.login_limit.hash_pool_size())),
            dummy_hash: Arc::new(dummy_hash),
            streams: Arc::new(EventStreams::new(settings.event_streams)),
            quota: Arc::new(WriteQuota::new(settings.write_quota)),
            settings: Arc::new(settings),
            shutdown,
            blobs: Arc::new(DiskBlobStore::new(config.data_dir.join("blobs"))),
            staging: Staging::new(config.data_dir.join("uploads")),
            whatsapp,
        };
        Ok(Self {
            listener,
            state,
            stop,
            tls,
            email,
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The store, for admin tasks and tests.
    pub fn store(&self) -> Store {
        self.state.store.clone()
    }

    /// Serves until `signal` completes, then stops open streams and drains requests.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = crate::routes::router(self.state.clone());
        let reload = self.tls.clone().map(|tls| {
            let transport = &self.state.settings.transport;
            tls.watch(transport.tls_reload_check(), self.stop.subscribe())
        });
        // The lifecycle jobs end when the stop signal goes out (self.state.shutdown).
        let jobs = crate::jobs::spawn_lifecycle_jobs(
            self.state.store.clone(),
            self.state.settings.clone(),
            self.state.shutdown.clone(),
        );
        let sender = self.state.whatsapp.clone().map(|wa| {
            crate::channels::sender::spawn(
                self.state.store.clone(),
                wa,
                self.state.shutdown.clone(),
            )
        });
        let mail_tasks = match self.email.clone() {
            Some(email) => self.spawn_email(email)?,
            None => Vec::new(),
        };
        accept::serve_until(
            self.listener,
            app,
            self.tls,
            &self.state.settings.transport,
            self.stop,
            signal,
        )
        .await;
        if let Some(task) = reload {
            task.abort();
        }
        let _ = jobs.await;
        if let Some(sender) = sender {
            let _ = sender.await;
        }
        for task in mail_tasks {
            let _ = task.await;
        }
        self.state.store.close().await;
        Ok(())
    }
}

impl Application {
    /// Starts a reader per mailbox and the e-mail sender; they end with the server.
    fn spawn_email(
        &self,
        email: Arc<crate::channels::Email>,
    ) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
        let importer = crate::channels::email::import::Importer {
            store: self.state.store.clone(),
            blobs: self.state.blobs.clone(),
            staging: self.state.staging.clone(),
            settings: self.state.settings.clone(),
            email: email.clone(),
        };
        let mut tasks: Vec<_> = (0..email.settings.mailboxes.len())
            .map(|i| importer.clone().spawn(i, self.state.shutdown.clone()))
            .collect();
        let sender =
            crate::channels::email::send::EmailSender::new(email, self.state.blobs.clone())?;
        tasks.push(crate::channels::sender::spawn(
            self.state.store.clone(),
            Arc::new(sender),
            self.state.shutdown.clone(),
        ));
        Ok(tasks)
    }
}

/// A server running in the background (tests).
pub struct RunningServer {
    /// Where it listens.
    pub address: SocketAddr,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Its store (tests seed data through it).
    pub store: Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT` (`https://` when serving TLS).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.address)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await?
    }
}

/// Builds and starts a server in the background.
pub async fn spawn(config: Config) -> anyhow::Result<RunningServer> {
    let app = Application::build(config).await?;
    let address = app.address();
    let scheme = app.scheme();
    let store = app.store();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    Ok(RunningServer {
        address,
        scheme,
        store,
        stop: Some(stop),
        task,
    })
}
