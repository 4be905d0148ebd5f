//! The accept loop, in place of `axum::serve`, so that the server decides how long a
//! client may take and how many it serves:
//!
//! - at most `max_connections` at once: the loop takes a permit before it accepts, so
//!   the next client waits in the kernel's listen queue (not in memory here) until a
//!   connection ends;
//! - every connection must deliver a complete request head within the header timeout
//!   of opening (TLS handshake and HTTP version detection included) and of starting
//!   each further head (hyper's HTTP/1 header timer, which also closes idle keep-alive
//!   connections), so a slow-loris client holding heads half-sent is cut;
//! - every answer but the event stream (which stays open for hours) must be ready
//!   within the request timeout of its head, reading the body included, else it is
//!   answered `busy`: a client dripping a body is cut too;
//! - on stop it accepts nothing more, asks each connection to finish what it is
//!   answering, and waits for them (a bounded time).
//!
//! Each request carries `ConnectInfo<SocketAddr>` (the peer) like `axum::serve`'s.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, Semaphore};
use tower::ServiceExt;

use super::tls::ReloadingTls;
use super::TransportSettings;
use crate::error::AppError;

/// The one route whose answer is meant to last: it is not timed.
const EVENT_STREAM: &str = "/api/v1/events";

/// How long a stopping server waits for its connections to finish their answers.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` (over TLS when `tls` is given) until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<ReloadingTls>,
    settings: &TransportSettings,
    mut stop: watch::Receiver<bool>,
) {
    let cap = settings.connection_cap();
    let slots = Arc::new(Semaphore::new(cap as usize));
    let header_timeout = settings.header_timeout();
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    http.http2()
        .timer(TokioTimer::new())
        // A peer that stops answering pings is gone.
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(20));
    let http = Arc::new(http);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = stop.wait_for(|s| *s) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let (tcp, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let connection = Connection {
            http: http.clone(),
            router: router.clone(),
            peer,
            header_timeout,
            request_timeout: settings.request_timeout(),
            stop: stop.clone(),
        };
        let tls = tls.as_ref().map(ReloadingTls::acceptor);
        tokio::spawn(async move {
            connection.run(tcp, tls).await;
            drop(slot);
        });
    }
    // Every slot back means every connection ended.
    let _ = tokio::time::timeout(DRAIN, slots.acquire_many(cap)).await;
}

/// One accepted connection.
struct Connection {
    http: Arc<auto::Builder<TokioExecutor>>,
    router: Router,
    peer: SocketAddr,
    header_timeout: Duration,
    request_timeout: Duration,
    stop: watch::Receiver<bool>,
}

impl Connection {
    async fn run(self, tcp: TcpStream, tls: Option<tokio_rustls::TlsAcceptor>) {
        let deadline = tokio::time::Instant::now() + self.header_timeout;
        match tls {
            None => self.serve(TokioIo::new(tcp), deadline).await,
            Some(acceptor) => match tokio::time::timeout_at(deadline, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => self.serve(TokioIo::new(stream), deadline).await,
                Ok(Err(e)) => {
                    tracing::debug!(peer = %self.peer, error = %e, "TLS handshake failed")
                }
                Err(_) => tracing::debug!(peer = %self.peer, "TLS handshake too slow"),
            },
        }
    }

    /// Serves HTTP on an open (and, with TLS, decrypted) stream. Until the first
    /// request head is in, the connection lives only until `deadline`: hyper's own
    /// header timer starts only once it knows the HTTP version, which waits on the
    /// client's first bytes.
    async fn serve<I>(self, io: TokioIo<I>, deadline: tokio::time::Instant)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let first_request = Arc::new(Notify::new());
        let service = {
            let (router, peer, first_request, request_timeout) = (
                self.router.clone(),
                self.peer,
                first_request.clone(),
                self.request_timeout,
            );
            hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                first_request.notify_one();
                request.extensions_mut().insert(ConnectInfo(peer));
                let timed = request.uri().path() != EVENT_STREAM;
                let answer = router.clone().oneshot(request);
                async move {
                    if !timed {
                        return Ok::<_, Infallible>(answer.await.unwrap_infallible_answer());
                    }
                    Ok(match tokio::time::timeout(request_timeout, answer).await {
                        Ok(response) => response.unwrap_infallible_answer(),
                        Err(_) => {
                            tracing::warn!(%peer, "request not answered within the request timeout");
                            let busy = AppError::message(
                                tadhkira_proto::ErrorCode::Busy,
                                "error-request-timeout",
                                &[],
                            )
                            .retry_after(1);
                            axum::response::IntoResponse::into_response(busy)
                        }
                    })
                }
            })
        };
        let connection = self.http.serve_connection_with_upgrades(io, service);
        tokio::pin!(connection);
        let mut stop = self.stop;
        tokio::select! {
            done = connection.as_mut() => return log_end(self.peer, done),
            _ = first_request.notified() => {}
            _ = tokio::time::sleep_until(deadline) => {
                tracing::debug!(peer = %self.peer, "no request head within the header timeout; closed");
                return;
            }
            _ = stop.wait_for(|s| *s) => return,
        }
        tokio::select! {
            done = connection.as_mut() => return log_end(self.peer, done),
            _ = stop.wait_for(|s| *s) => {}
        }
        // Stopping: finish the answers in flight, take no new requests.
        connection.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(DRAIN, connection).await;
    }
}

fn log_end(peer: SocketAddr, done: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(e) = done {
        tracing::debug!(%peer, error = %e, "connection ended");
    }
}

/// `Result<T, Infallible>` into `T`.
trait InfallibleAnswer<T> {
    fn unwrap_infallible_answer(self) -> T;
}

impl<T> InfallibleAnswer<T> for Result<T, Infallible> {
    fn unwrap_infallible_answer(self) -> T {
        match self {
            Ok(t) => t,
            Err(never) => match never {},
        }
    }
}

/// Runs `serve` until `signal` completes (the shape `Application::run_until` needs).
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    tls: Option<ReloadingTls>,
    settings: &TransportSettings,
    stop: watch::Sender<bool>,
    signal: impl Future<Output = ()> + Send + 'static,
) {
    let watcher = stop.subscribe();
    tokio::spawn(async move {
        signal.await;
        let _ = stop.send(true);
    });
    serve(listener, router, tls, settings, watcher).await;
}
