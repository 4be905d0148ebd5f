//! Building and running the server: [`Application::build`] connects the store, binds
//! the listener (port 0 in tests) and assembles the router; [`spawn`] runs it in the
//! background for tests in this and other crates. The handlers' shared state lives in
//! [`crate::state`]; this module builds it and gives it to [`crate::routes::router`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::{hash_password, HashingPool};
use crate::config::Config;
use crate::db::Store;
use crate::state::AppState;

/// A server ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    stop: watch::Sender<bool>,
}

impl Application {
    /// Connects to the database (running migrations) and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            anyhow::anyhow!("cannot create data dir {}: {e}", config.data_dir.display())
        })?;
        let url = config.effective_database_url();
        tracing::info!(database = ?url, "connecting");
        let store = Store::connect(&url).await?;
        let listener = TcpListener::bind(config.bind).await?;
        let settings = config.settings;
        let dummy_hash = hash_password(settings.argon2, "no such user")?;
        let (stop, shutdown) = watch::channel(false);
        let state = AppState {
            store,
            hashing: Arc::new(HashingPool::new(settings.login_limit.hash_pool_size())),
            dummy_hash: Arc::new(dummy_hash),
            settings: Arc::new(settings),
            shutdown,
        };
        Ok(Self {
            listener,
            state,
            stop,
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
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
        let jobs = crate::jobs::spawn_lifecycle_jobs(
            self.state.store.clone(),
            self.state.settings.clone(),
            self.state.shutdown.clone(),
        );
        let stop = self.stop;
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            signal.await;
            let _ = stop.send(true);
        })
        .await?;
        let _ = jobs.await;
        self.state.store.close().await;
        Ok(())
    }
}

/// A server running in the background (tests).
pub struct RunningServer {
    /// Where it listens.
    pub address: SocketAddr,
    /// Its store (tests seed data through it).
    pub store: Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
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
    let store = app.store();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    Ok(RunningServer {
        address,
        store,
        stop: Some(stop),
        task,
    })
}
