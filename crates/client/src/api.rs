//! The typed HTTP client for the central helpdesk's REST API (`/api/v1`).
//!
//! Plain `http://` is refused for any host but this machine (127.0.0.0/8, `::1`,
//! `localhost`): passwords and tokens would cross the network readable by anyone on the
//! path. [`PlainHttp::Allowed`] is the explicit opt-in for lab use. HTTPS trusts the
//! operating system's certificate store (on Linux, `SSL_CERT_FILE` / `SSL_CERT_DIR` or
//! the distribution's bundle) as well as the bundled Mozilla roots, so a company CA
//! installed on the machine works.

use std::net::IpAddr;
use std::time::Duration;

use tadhkira_proto::{ApiError, ErrorCode, Health, API_VERSION};

/// Why a call to the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiCallError {
    /// No connection could be made, or it broke: the server is unreachable.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The server took longer than the request timeout to answer (it may be slow or
    /// loaded, or the link slow); it may still have done the work, which the protocol's
    /// ids make safe to ask again.
    #[error("the server did not answer in time: {0}")]
    TimedOut(String),
    /// The server answered with an error body.
    #[error("{0}")]
    Api(ApiError),
    /// The server answered something that is not the Tadhkira API we speak.
    #[error("incompatible server: {0}")]
    Incompatible(String),
    /// The given server address is not a URL.
    #[error("invalid server address: {0}")]
    BadUrl(String),
    /// Plain `http://` to another machine, without the lab-use opt-in.
    #[error("refusing plain http:// to {0}: passwords and tokens would cross the network unencrypted; use https://, or allow insecure HTTP for lab use")]
    PlainHttpRefused(String),
}

/// A request that got no answer: [`ApiCallError::TimedOut`] when it ran out of time,
/// else [`ApiCallError::Unreachable`].
pub(crate) fn unreachable(e: reqwest::Error) -> ApiCallError {
    if e.is_timeout() {
        ApiCallError::TimedOut(e.to_string())
    } else {
        ApiCallError::Unreachable(e.to_string())
    }
}

/// Whether plain `http://` may reach a host other than this machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlainHttp {
    /// Only to loopback (127.0.0.0/8, `::1`, `localhost`); HTTPS anywhere.
    #[default]
    LoopbackOnly,
    /// Anywhere: the explicit opt-in for lab use.
    Allowed,
}

/// Whether `url` is plain HTTP to a host that is not this machine.
pub fn is_plain_http_to_another_host(url: &reqwest::Url) -> bool {
    if url.scheme() != "http" {
        return false;
    }
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
    };
    !loopback
}

/// A client for one server, optionally signed in with a bearer token.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    /// For the event stream: no overall timeout, since the stream stays open.
    sse: reqwest::Client,
    base: reqwest::Url,
    token: Option<String>,
    /// Sent as `Accept-Language`, so the server's messages come in the user's language.
    language: Language,
    /// Told the server's time from each answer's `Date` header (see crate::clock).
    clock: Option<std::sync::Arc<crate::clock::Clock>>,
}

/// How long the engine waits on the network. The defaults suit people; tests that
/// inject network faults shorten them so a stalled call fails in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// For a whole request and its answer (never applied to the event stream).
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(60),
        }
    }
}

/// The user's language for the server's messages (a tag such as `ar`), shared by the
/// engine's clients and changed at run time (`Engine::set_language`).
pub type Language = std::sync::Arc<std::sync::RwLock<Option<String>>>;

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl ApiClient {
    /// A client for the server at `base_url` (e.g. `https://help.example.com`, or
    /// `http://127.0.0.1:8080` on this machine); plain HTTP to another host is refused.
    pub fn new(base_url: &str) -> Result<Self, ApiCallError> {
        Self::new_with(base_url, PlainHttp::LoopbackOnly, Timeouts::default())
    }

    /// A client for the server at `base_url`, with plain HTTP to other hosts allowed or
    /// not (the refusal comes before any connection is tried), waiting on the network as
    /// long as `timeouts` say.
    pub fn new_with(
        base_url: &str,
        plain_http: PlainHttp,
        timeouts: Timeouts,
    ) -> Result<Self, ApiCallError> {
        let mut base = reqwest::Url::parse(base_url.trim())
            .map_err(|e| ApiCallError::BadUrl(format!("{base_url:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ApiCallError::BadUrl(format!(
                "{base_url:?}: use http or https"
            )));
        }
        if plain_http == PlainHttp::LoopbackOnly && is_plain_http_to_another_host(&base) {
            return Err(ApiCallError::PlainHttpRefused(
                base.host_str().unwrap_or_default().to_owned(),
            ));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            // The server closes keep-alive connections idle for its header timeout
            // (30 s by default); dropping ours first avoids sending on one it is closing.
            .pool_idle_timeout(Duration::from_secs(20))
            .build()
            .map_err(unreachable)?;
        let sse = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .build()
            .map_err(unreachable)?;
        Ok(Self {
            http,
            sse,
            base,
            token: None,
            language: Language::default(),
            clock: None,
        })
    }

    /// The same client, sending `token` with every request.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The same client, asking for the server's messages in `language`.
    pub fn with_language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }

    /// The same client, telling `clock` the server's time from every JSON answer.
    pub fn with_clock(mut self, clock: std::sync::Arc<crate::clock::Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Whether this client talks plain HTTP to another machine (allowed for lab use).
    pub fn is_insecure(&self) -> bool {
        is_plain_http_to_another_host(&self.base)
    }

    /// The server's address.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// The URL of an API path such as `api/v1/health`.
    pub fn url(&self, path: &str) -> Result<reqwest::Url, ApiCallError> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ApiCallError::BadUrl(e.to_string()))
    }

    /// A request builder with the token attached.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> Result<reqwest::RequestBuilder, ApiCallError> {
        let mut rb = self.http.request(method, self.url(path)?);
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        if let Some(tag) = self.language.read().ok().and_then(|l| l.clone()) {
            rb = rb.header(reqwest::header::ACCEPT_LANGUAGE, tag);
        }
        Ok(rb)
    }

    /// Sends a request and decodes a JSON answer, mapping error bodies to [`ApiCallError::Api`].
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<T, ApiCallError> {
        let sent = self.clock.as_ref().map(|c| c.machine_now());
        let resp = rb.send().await.map_err(unreachable)?;
        if let (Some(clock), Some(sent)) = (&self.clock, sent) {
            let date = resp.headers().get(reqwest::header::DATE);
            clock.observe_date_header(date, sent, clock.machine_now());
        }
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(unreachable)?;
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            // Health answers 503 with its own body (which check failed), not an error
            // body: the server failed, worth retrying later, like any `internal` error.
            if let Ok(h) = serde_json::from_slice::<Health>(&bytes) {
                return Err(ApiCallError::Api(ApiError::new(
                    ErrorCode::Internal,
                    format!(
                        "the server is unavailable (database reachable: {}, migrations current: {})",
                        h.database_reachable, h.migrations_current
                    ),
                )));
            }
        }
        if status.is_success() {
            serde_json::from_slice(&bytes).map_err(|e| {
                ApiCallError::Incompatible(format!("unexpected answer ({status}): {e}"))
            })
        } else {
            match serde_json::from_slice::<ApiError>(&bytes) {
                Ok(err) => Err(ApiCallError::Api(err)),
                Err(_) => Err(ApiCallError::Incompatible(format!(
                    "HTTP {status} without a Tadhkira error body"
                ))),
            }
        }
    }

    /// `GET /api/v1/health`; fails with [`ApiCallError::Incompatible`] when the server
    /// speaks another API version, and with an `internal` [`ApiCallError::Api`] when
    /// one of the server's checks failed (HTTP 503).
    pub async fn health(&self) -> Result<Health, ApiCallError> {
        let h: Health = self
            .send_json(self.request(reqwest::Method::GET, "api/v1/health")?)
            .await?;
        if h.api_version != API_VERSION {
            return Err(ApiCallError::Incompatible(format!(
                "server speaks API v{}, this app v{API_VERSION}",
                h.api_version
            )));
        }
        Ok(h)
    }
}

/// The signed-in calls of the sync protocol and the account.
impl ApiClient {
    /// `POST /api/v1/auth/login`.
    pub async fn login(
        &self,
        req: &tadhkira_proto::LoginRequest,
    ) -> Result<tadhkira_proto::LoginResponse, ApiCallError> {
        self.send_json(
            self.request(reqwest::Method::POST, "api/v1/auth/login")?
                .json(req),
        )
        .await
    }

    /// `POST /api/v1/auth/logout`: revokes this client's token.
    pub async fn logout(&self) -> Result<(), ApiCallError> {
        let rb = self.request(reqwest::Method::POST, "api/v1/auth/logout")?;
        let resp = rb.send().await.map_err(unreachable)?;
        if resp.status().is_success() {
            Ok(())
        } else {
            let status = resp.status();
            let bytes = resp.bytes().await.map_err(unreachable)?;
            Err(serde_json::from_slice::<ApiError>(&bytes)
                .map(ApiCallError::Api)
                .unwrap_or_else(|_| {
                    ApiCallError::Incompatible(format!(
                        "HTTP {status} without a Tadhkira error body"
                    ))
                }))
        }
    }

    /// `GET /api/v1/me`.
    pub async fn me(&self) -> Result<tadhkira_proto::Me, ApiCallError> {
        self.send_json(self.request(reqwest::Method::GET, "api/v1/me")?)
            .await
    }

    /// `GET /api/v1/people?role=R&limit=500`: the directory (staff only).
    pub async fn people(
        &self,
        role: tadhkira_proto::Role,
    ) -> Result<tadhkira_proto::PeoplePage, ApiCallError> {
        let rb = self
            .request(reqwest::Method::GET, "api/v1/people")?
            .query(&[("role", role.as_str()), ("limit", "500")]);
        self.send_json(rb).await
    }

    /// `POST /api/v1/sync/push`.
    pub async fn push(
        &self,
        req: &tadhkira_proto::PushRequest,
    ) -> Result<tadhkira_proto::PushResponse, ApiCallError> {
        self.send_json(
            self.request(reqwest::Method::POST, "api/v1/sync/push")?
                .json(req),
        )
        .await
    }

    /// `POST /api/v1/uploads`: starts sending a file, or finds this user's earlier
    /// upload of the same bytes (its offset says where to resume; complete when the
    /// server already holds them).
    pub async fn start_upload(
        &self,
        name: &tadhkira_proto::FileName,
        size: i64,
        sha256: &tadhkira_proto::Sha256Hex,
    ) -> Result<tadhkira_proto::UploadStatus, ApiCallError> {
        let body = tadhkira_proto::UploadStart {
            name: name.clone(),
            size,
            sha256: sha256.clone(),
        };
        self.send_json(
            self.request(reqwest::Method::POST, "api/v1/uploads")?
                .json(&body),
        )
        .await
    }

    /// `GET /api/v1/uploads/{id}`: where an upload stands.
    pub async fn upload_status(
        &self,
        id: uuid::Uuid,
    ) -> Result<tadhkira_proto::UploadStatus, ApiCallError> {
        self.send_json(self.request(reqwest::Method::GET, &format!("api/v1/uploads/{id}"))?)
            .await
    }

    /// `PUT /api/v1/uploads/{id}?offset=N` with the next bytes.
    pub async fn put_chunk(
        &self,
        id: uuid::Uuid,
        offset: i64,
        bytes: Vec<u8>,
    ) -> Result<tadhkira_proto::UploadStatus, ApiCallError> {
        let rb = self
            .request(reqwest::Method::PUT, &format!("api/v1/uploads/{id}"))?
            .query(&[("offset", offset)])
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        self.send_json(rb).await
    }

    /// `GET /api/v1/attachments/{id}`: the answer, whose body is the file's bytes.
    pub async fn download_attachment(
        &self,
        id: uuid::Uuid,
    ) -> Result<reqwest::Response, ApiCallError> {
        let resp = self
            .request(reqwest::Method::GET, &format!("api/v1/attachments/{id}"))?
            .send()
            .await
            .map_err(unreachable)?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(unreachable)?;
        Err(match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(e) => ApiCallError::Api(e),
            Err(_) => {
                ApiCallError::Incompatible(format!("HTTP {status} without a Tadhkira error body"))
            }
        })
    }

    /// `GET /api/v1/sync/pull?cursor=N&limit=M`.
    pub async fn pull(
        &self,
        cursor: i64,
        limit: i64,
    ) -> Result<tadhkira_proto::PullResponse, ApiCallError> {
        let rb = self
            .request(reqwest::Method::GET, "api/v1/sync/pull")?
            .query(&[("cursor", cursor), ("limit", limit)]);
        self.send_json(rb).await
    }

    /// Opens `GET /api/v1/sync/snapshot` (see [`crate::snapshot`]): the answer, whose
    /// body is the snapshot's gzip stream, or `None` when the server has no snapshot
    /// (404: an older server; pull page by page). Like the event stream it has no overall
    /// timeout (a first sync of a large helpdesk takes a while): the reader gives up
    /// after [`crate::snapshot::SNAPSHOT_IDLE`] without a byte.
    pub async fn snapshot(&self) -> Result<Option<reqwest::Response>, ApiCallError> {
        let mut rb = self.sse.get(self.url(tadhkira_proto::SNAPSHOT_PATH)?);
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        if let Some(tag) = self.language.read().ok().and_then(|l| l.clone()) {
            rb = rb.header(reqwest::header::ACCEPT_LANGUAGE, tag);
        }
        let resp = rb
            .send()
            .await
            .map_err(|e| ApiCallError::Unreachable(e.to_string()))?;
        let status = resp.status();
        if status.is_success() {
            let media = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if media != tadhkira_proto::SNAPSHOT_MEDIA_TYPE {
                return Err(ApiCallError::Incompatible(format!(
                    "the snapshot came as {media:?}"
                )));
            }
            return Ok(Some(resp));
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ApiCallError::Unreachable(e.to_string()))?;
        Err(serde_json::from_slice::<ApiError>(&bytes)
            .map(ApiCallError::Api)
            .unwrap_or_else(|_| ApiCallError::Incompatible(format!("snapshot: HTTP {status}"))))
    }

    /// Opens `GET /api/v1/events` (Server-Sent Events). The answer's body is the stream;
    /// it has no overall timeout, only the connect timeout.
    pub async fn events(&self) -> Result<reqwest::Response, ApiCallError> {
        let mut rb = self
            .sse
            .get(self.url("api/v1/events")?)
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        let resp = rb.send().await.map_err(unreachable)?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let bytes = resp.bytes().await.map_err(unreachable)?;
        Err(serde_json::from_slice::<ApiError>(&bytes)
            .map(ApiCallError::Api)
            .unwrap_or_else(|_| ApiCallError::Incompatible(format!("events: HTTP {status}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_to_other_hosts_unless_allowed() {
        for url in [
            "http://192.0.2.1:1",
            "http://help.example.com",
            "http://[2001:db8::1]:8080",
            "http://127.example.com",
        ] {
            let e = ApiClient::new(url).unwrap_err();
            assert!(
                matches!(e, ApiCallError::PlainHttpRefused(_)),
                "{url}: {e:?}"
            );
            assert!(e.to_string().contains("unencrypted"), "{e}");
            let allowed =
                ApiClient::new_with(url, PlainHttp::Allowed, Timeouts::default()).unwrap();
            assert!(allowed.is_insecure(), "{url}");
        }
        for url in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://[::1]:8080",
            "http://localhost:8080",
            "http://LOCALHOST.",
            "https://192.0.2.1",
            "https://help.example.com",
        ] {
            let client = ApiClient::new(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(!client.is_insecure(), "{url}");
        }
    }
}
