//! Server configuration: where to listen, which database, and the tunable policies
//! (response targets, token lifetime, password hashing cost, sign-in slowing).
//!
//! Policies come from an optional TOML file (`--config`); every key has a default, so
//! the server runs with no file at all. The database URL redacts its password in
//! `Debug`, so a logged configuration never carries a secret.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tadhkira_proto::Priority;

/// Everything needed to start the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Folder for the embedded SQLite database (and future blobs).
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` means `DATA_DIR/tadhkira.db`.
    pub database_url: Option<DatabaseUrl>,
    /// Tunable policies.
    pub settings: Settings,
}

impl Config {
    /// A configuration on loopback port 0 with default policies.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            database_url: None,
            settings: Settings::default(),
        }
    }

    /// The database URL to connect to.
    pub fn effective_database_url(&self) -> DatabaseUrl {
        self.database_url.clone().unwrap_or_else(|| {
            // Forward slashes so a Windows path reads as a URL path too.
            let path = self
                .data_dir
                .join("tadhkira.db")
                .display()
                .to_string()
                .replace('\\', "/");
            DatabaseUrl(format!("sqlite://{path}?mode=rwc"))
        })
    }
}

/// A database URL whose `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl DatabaseUrl {
    /// The URL itself, for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether this URL points at PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Drop anything between "://" and "@" (user:password).
        let s = &self.0;
        match (s.find("://"), s.rfind('@')) {
            (Some(a), Some(b)) if b > a => write!(f, "{}://<redacted>{}", &s[..a], &s[b..]),
            _ => f.write_str(s),
        }
    }
}

/// Policies read from the TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Response targets per priority.
    pub sla: SlaTargets,
    /// How long a sign-in token lives.
    pub token_ttl_hours: i64,
    /// Password hashing cost.
    pub argon2: Argon2Params,
    /// Sign-in slowing.
    pub login_limit: LoginLimit,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Connections, TLS and trusted proxies (`[transport]`).
    pub transport: crate::transport::TransportSettings,
    /// Live event streams: how many per user, how often their token is re-checked.
    pub event_streams: EventStreamLimits,
    /// About the most JSON one pull answers, in bytes (besides its `limit` of changes);
    /// a page always carries at least one change.
    pub pull_page_bytes: usize,
    /// Mutations one user may have applied per minute (push and REST writes).
    pub write_quota: WriteQuotaSettings,
    /// Reopen window, auto-close and pending reminders.
    pub lifecycle: Lifecycle,
    /// How the embedded SQLite database makes commits durable (`[database]`).
    pub database: DatabaseSettings,
    /// Size limits of attached files (`[attachments]`).
    pub attachments: AttachmentLimits,
    /// Channels besides the app: `[channels.whatsapp]`, `[channels.email]`.
    pub channels: crate::channels::ChannelSettings,
    /// Releases of the desktop app: the updater's public key, the largest package
    /// (`[updates]`).
    pub updates: crate::updates::UpdateSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            sla: SlaTargets::default(),
            token_ttl_hours: 24 * 30,
            argon2: Argon2Params::default(),
            login_limit: LoginLimit::default(),
            body_limit_bytes: 1024 * 1024,
            transport: Default::default(),
            event_streams: EventStreamLimits::default(),
            pull_page_bytes: 2 * 1024 * 1024,
            write_quota: WriteQuotaSettings::default(),
            lifecycle: Lifecycle::default(),
            database: DatabaseSettings::default(),
            attachments: AttachmentLimits::default(),
            channels: Default::default(),
            updates: Default::default(),
        }
    }
}

impl Settings {
    /// Reads a TOML file; missing keys keep their defaults.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        let settings: Self = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("bad config {}: {e}", path.display()))?;
        settings
            .validate()
            .map_err(|e| anyhow::anyhow!("bad config {}: {e}", path.display()))?;
        Ok(settings)
    }

    /// Refuses values no server can run with, naming the key, so that a nonsense
    /// setting stops the server at start instead of failing a request later: response
    /// targets of 0, negative or with the resolution due before the first response, a
    /// token that never lives, limits of zero.
    pub fn validate(&self) -> Result<(), String> {
        crate::sla::check_targets(&(&self.sla).into(), "sla.")?;
        let positive = |key: &str, v: i128| {
            if v > 0 {
                Ok(())
            } else {
                Err(format!("{key} = {v}: must be more than 0"))
            }
        };
        positive("token_ttl_hours", self.token_ttl_hours.into())?;
        self.channels.validate()?;
        self.updates.validate()?;
        if self.token_ttl_hours > 24 * 366 * 10 {
            return Err(format!(
                "token_ttl_hours = {}: at most ten years ({} hours)",
                self.token_ttl_hours,
                24 * 366 * 10
            ));
        }
        positive("body_limit_bytes", self.body_limit_bytes as i128)?;
        positive("pull_page_bytes", self.pull_page_bytes as i128)?;
        positive(
            "write_quota.mutations_per_minute",
            self.write_quota.mutations_per_minute.into(),
        )?;
        positive("write_quota.burst", self.write_quota.burst.into())?;
        positive(
            "event_streams.max_per_user",
            self.event_streams.max_per_user as i128,
        )?;
        positive(
            "event_streams.token_recheck_seconds",
            self.event_streams.token_recheck_seconds.into(),
        )?;
        positive(
            "lifecycle.job_interval_seconds",
            self.lifecycle.job_interval_seconds.into(),
        )?;
        positive(
            "attachments.max_file_bytes",
            self.attachments.max_file_bytes.into(),
        )?;
        if self.attachments.max_message_bytes < self.attachments.max_file_bytes {
            return Err(format!(
                "attachments.max_message_bytes = {}: must be at least \
                 attachments.max_file_bytes ({})",
                self.attachments.max_message_bytes, self.attachments.max_file_bytes
            ));
        }
        positive("argon2.iterations", self.argon2.iterations.into())?;
        positive("argon2.parallelism", self.argon2.parallelism.into())?;
        if self.argon2.memory_kib < 8 * self.argon2.parallelism {
            return Err(format!(
                "argon2.memory_kib = {}: at least 8 × argon2.parallelism",
                self.argon2.memory_kib
            ));
        }
        positive(
            "login_limit.window_seconds",
            self.login_limit.window_seconds.into(),
        )?;
        if self.login_limit.max_delay_seconds < self.login_limit.base_delay_seconds {
            return Err(format!(
                "login_limit.max_delay_seconds = {}: must be at least \
                 login_limit.base_delay_seconds ({})",
                self.login_limit.max_delay_seconds, self.login_limit.base_delay_seconds
            ));
        }
        if self.login_limit.max_concurrent_hashes == Some(0) {
            return Err("login_limit.max_concurrent_hashes = 0: must be more than 0".into());
        }
        positive(
            "transport.max_connections",
            self.transport.max_connections as i128,
        )?;
        Ok(())
    }
}

/// `[database]`: durability of the embedded SQLite database (PostgreSQL has its own
/// `synchronous_commit`, set on its server).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `full` (the default): a commit is on disk before the server acknowledges it, so
    /// a power cut never loses a change a client was told is stored. `normal` skips
    /// that fsync in WAL mode (faster; a power cut may lose the last commits, which
    /// clients then believe delivered). Only for throwaway data and for measuring.
    pub sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's `PRAGMA synchronous` levels the server allows.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// fsync at every commit (WAL): nothing acknowledged is lost on a power cut.
    #[default]
    Full,
    /// fsync only at checkpoints: survives a crash of the process, not of the machine.
    Normal,
}

impl SqliteSynchronous {
    /// The pragma's value.
    pub fn pragma(self) -> &'static str {
        match self {
            SqliteSynchronous::Full => "FULL",
            SqliteSynchronous::Normal => "NORMAL",
        }
    }
}

/// Bounds on live event streams (`GET /api/v1/events`): at most `max_per_user` open
/// per user (opening one more closes that user's oldest), and each stream re-checks its
/// token every `token_recheck_seconds`, ending once it was revoked or expired.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventStreamLimits {
    /// Streams one user may hold open at once.
    pub max_per_user: usize,
    /// Seconds between checks that a stream's token is still good.
    pub token_recheck_seconds: u64,
}

impl Default for EventStreamLimits {
    fn default() -> Self {
        Self {
            max_per_user: 8,
            token_recheck_seconds: 30,
        }
    }
}

/// Per-user write quota (see `quota.rs`): a bucket of `burst` mutations refilled at
/// `mutations_per_minute`; a write that does not fit is answered 429 `rate_limited`
/// with `Retry-After`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WriteQuotaSettings {
    /// Sustained mutations per minute per user.
    pub mutations_per_minute: u32,
    /// Mutations a user may send at once after a pause (an offline outbox catching up).
    pub burst: u32,
}

impl Default for WriteQuotaSettings {
    fn default() -> Self {
        Self {
            mutations_per_minute: 6_000,
            burst: 10_000,
        }
    }
}

/// First-response and resolution targets of one priority, in minutes (wall clock).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub struct Target {
    /// Minutes until the first public reply by staff is due.
    pub first_response_minutes: i64,
    /// Minutes until the ticket should be solved.
    pub resolution_minutes: i64,
}

/// Response targets of every priority.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaTargets {
    /// Targets of urgent tickets.
    pub urgent: Target,
    /// Targets of high-priority tickets.
    pub high: Target,
    /// Targets of normal tickets.
    pub normal: Target,
    /// Targets of low-priority tickets.
    pub low: Target,
}

impl Default for SlaTargets {
    fn default() -> Self {
        let t = |f, r| Target {
            first_response_minutes: f,
            resolution_minutes: r,
        };
        Self {
            urgent: t(60, 480),
            high: t(240, 1440),
            normal: t(480, 2880),
            low: t(1440, 7200),
        }
    }
}

impl SlaTargets {
    /// The targets for a priority.
    pub fn for_priority(&self, p: Priority) -> Target {
        match p {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

/// What happens to a ticket after staff answer it: how long its customer may reopen it
/// once solved, when a solved ticket closes by itself, and when a ticket waiting on the
/// customer reminds them (see `db/lifecycle.rs`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Lifecycle {
    /// Days after it was solved during which the requester may reopen a ticket.
    pub reopen_days: u32,
    /// Days a ticket stays solved before the server closes it.
    pub auto_close_days: u32,
    /// Days a ticket waits on the customer (`pending`) before they are reminded, once.
    pub pending_reminder_days: u32,
    /// How often the server runs the auto-close and reminder jobs.
    pub job_interval_seconds: u64,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            reopen_days: 14,
            auto_close_days: 7,
            pending_reminder_days: 3,
            job_interval_seconds: 300,
        }
    }
}

/// How large attached files may be. A file above `max_file_bytes` is refused
/// `too_large` when its upload starts, before any byte is stored; a ticket or message
/// whose files add up to more than `max_message_bytes` is refused `too_large`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct AttachmentLimits {
    /// Largest single file, in bytes.
    pub max_file_bytes: i64,
    /// Largest total of the files on one ticket or message, in bytes.
    pub max_message_bytes: i64,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 25 * 1024 * 1024,
            max_message_bytes: 100 * 1024 * 1024,
        }
    }
}

/// Argon2id cost. The defaults follow OWASP's advice; tests lower them to stay fast.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Params {
    /// Memory per hash, KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Sign-in slowing: slow down, never lock out. Each account and each client address
/// may fail `max_failures_per_*` times freely; after that the next attempt is checked
/// only `base_delay_seconds × 2^(failures − max)` after the last one (at most
/// `max_delay_seconds`), and is answered `rate_limited` with `Retry-After` before then.
/// Also bounds how many passwords are hashed at once.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginLimit {
    /// Failures are forgotten after this long without another attempt.
    pub window_seconds: u64,
    /// Failures allowed per account before it is slowed.
    pub max_failures_per_account: usize,
    /// Failures allowed per client address before it is slowed.
    pub max_failures_per_address: usize,
    /// The first delay once slowed; each further failure doubles it.
    pub base_delay_seconds: u64,
    /// The longest delay.
    pub max_delay_seconds: u64,
    /// Passwords hashed at once, server-wide; a sign-in beyond this is answered `busy`.
    /// Unset: twice the machine's cores.
    pub max_concurrent_hashes: Option<usize>,
}

impl Default for LoginLimit {
    fn default() -> Self {
        Self {
            window_seconds: 900,
            max_failures_per_account: 5,
            max_failures_per_address: 30,
            base_delay_seconds: 1,
            max_delay_seconds: 900,
            max_concurrent_hashes: None,
        }
    }
}

impl LoginLimit {
    /// How long to wait after an attempt that brings a key to `failures`, given how many
    /// are allowed freely (milliseconds).
    pub fn delay_ms(&self, failures: i64, allowed: usize) -> i64 {
        let over = failures - allowed as i64;
        if over < 0 {
            return 0;
        }
        let cap = self.max_delay_seconds.saturating_mul(1000);
        let delay = self
            .base_delay_seconds
            .saturating_mul(1000)
            .saturating_mul(1u64.checked_shl(over.min(62) as u32).unwrap_or(u64::MAX));
        delay.min(cap).min(i64::MAX as u64) as i64
    }

    /// Passwords hashed at once: the setting, or twice the machine's cores.
    pub fn hash_pool_size(&self) -> usize {
        self.max_concurrent_hashes
            .unwrap_or_else(|| 2 * std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_delay_doubles_past_the_allowed_failures_up_to_the_cap() {
        let l = LoginLimit {
            base_delay_seconds: 2,
            max_delay_seconds: 10,
            ..LoginLimit::default()
        };
        let delays: Vec<i64> = (1..=7).map(|f| l.delay_ms(f, 3)).collect();
        assert_eq!(delays, [0, 0, 2000, 4000, 8000, 10_000, 10_000]);
        assert_eq!(l.delay_ms(i64::MAX, 0), 10_000, "no overflow");
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let s: Settings = toml::from_str(
            "token_ttl_hours = 5\n[sla.urgent]\nfirst_response_minutes = 30\nresolution_minutes = 120\n",
        )
        .unwrap();
        assert_eq!(s.token_ttl_hours, 5);
        assert_eq!(s.sla.urgent.first_response_minutes, 30);
        assert_eq!(s.sla.low.resolution_minutes, 7200);
        assert!(toml::from_str::<Settings>("nonsense = 1").is_err());
    }

    #[test]
    fn the_example_file_states_the_defaults() {
        let s: Settings = toml::from_str(include_str!("../config.example.toml")).unwrap();
        let d = Settings::default();
        assert_eq!(s.sla.urgent, d.sla.urgent);
        assert_eq!(s.sla.low, d.sla.low);
        assert_eq!(s.token_ttl_hours, d.token_ttl_hours);
        assert_eq!(s.body_limit_bytes, d.body_limit_bytes);
        assert_eq!(s.pull_page_bytes, d.pull_page_bytes);
        assert_eq!(
            s.write_quota.mutations_per_minute,
            d.write_quota.mutations_per_minute
        );
        assert_eq!(s.write_quota.burst, d.write_quota.burst);
        assert_eq!(s.event_streams.max_per_user, d.event_streams.max_per_user);
        assert_eq!(
            s.event_streams.token_recheck_seconds,
            d.event_streams.token_recheck_seconds
        );
        assert_eq!(s.lifecycle, d.lifecycle);
        assert_eq!(s.database, d.database);
        assert_eq!(d.database.sqlite_synchronous, SqliteSynchronous::Full);
        assert_eq!(s.attachments, d.attachments);
        assert_eq!(s.argon2.memory_kib, d.argon2.memory_kib);
        assert_eq!(
            s.login_limit.max_failures_per_account,
            d.login_limit.max_failures_per_account
        );
        assert_eq!(
            s.transport.header_timeout_seconds,
            d.transport.header_timeout_seconds
        );
        assert_eq!(s.transport.max_connections, d.transport.max_connections);
        assert_eq!(
            s.transport.tls_reload_check_ms,
            d.transport.tls_reload_check_ms
        );
        assert!(s.transport.trusted_proxies.is_empty() && s.transport.tls_cert.is_none());
    }

    #[test]
    fn a_bad_trusted_proxy_is_refused_when_the_file_is_read() {
        let e = toml::from_str::<Settings>(
            "[transport]\ntrusted_proxies = [\"10.0.0.0/8\", \"nope\"]\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("\"nope\" is not an IP address"),
            "{e}"
        );
    }

    #[test]
    fn nonsense_settings_are_refused_naming_the_key() {
        let bad = |toml_text: &str| {
            toml::from_str::<Settings>(toml_text)
                .unwrap()
                .validate()
                .unwrap_err()
        };
        assert!(Settings::default().validate().is_ok());
        let e = bad("[sla.urgent]\nfirst_response_minutes = 0\nresolution_minutes = 480\n");
        assert!(
            e.starts_with("sla.urgent.first_response_minutes = 0"),
            "{e}"
        );
        let e = bad("[sla.high]\nfirst_response_minutes = -5\nresolution_minutes = 480\n");
        assert!(e.starts_with("sla.high.first_response_minutes = -5"), "{e}");
        let e = bad("[sla.low]\nfirst_response_minutes = 600\nresolution_minutes = 60\n");
        assert!(
            e.contains("sla.low.resolution_minutes = 60")
                && e.contains("before the first response"),
            "{e}"
        );
        assert!(bad("token_ttl_hours = 0").starts_with("token_ttl_hours = 0"));
        assert!(bad("token_ttl_hours = -1").starts_with("token_ttl_hours = -1"));
        assert!(bad("body_limit_bytes = 0").starts_with("body_limit_bytes"));
        assert!(bad("[write_quota]\nburst = 0").starts_with("write_quota.burst"));
        assert!(
            bad("[login_limit]\nbase_delay_seconds = 10\nmax_delay_seconds = 1")
                .starts_with("login_limit.max_delay_seconds")
        );
    }

    #[test]
    fn database_urls_hide_their_password_in_logs() {
        let u = DatabaseUrl("postgres://me:secret@db:5432/x".into());
        assert_eq!(format!("{u:?}"), "postgres://<redacted>@db:5432/x");
    }
}
