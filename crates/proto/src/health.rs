//! The answer of `GET /api/v1/health`: what the server checked just now.
//!
//! The server answers HTTP 200 when every check passed and 503 with the same body when
//! one failed, so a load balancer can go by the status and a person by the body.

use serde::{Deserialize, Serialize};

/// Answer of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    /// `ok` when every check below passed (HTTP 200), `unavailable` otherwise (503).
    pub status: HealthStatus,
    /// The server's package version.
    pub version: String,
    /// The API version it speaks; a client refuses a server whose version it does not know.
    pub api_version: u32,
    /// Identity of this server's database; changes when it is restored or replaced.
    pub epoch: uuid::Uuid,
    /// The database answered a query just now. (`false` also from a server too old to
    /// report it.)
    #[serde(default)]
    pub database_reachable: bool,
    /// The migrations recorded in the database are exactly the ones this server
    /// embeds, each finished and unchanged: the schema is the one this server was built
    /// for. (`false` also from a server too old to report it.)
    #[serde(default)]
    pub migrations_current: bool,
}

/// The verdict of a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Every check passed.
    Ok,
    /// A check failed; the body says which.
    Unavailable,
}

impl HealthStatus {
    /// `ok` when every one of `checks` passed.
    pub fn of(checks: &[bool]) -> Self {
        if checks.iter().all(|c| *c) {
            HealthStatus::Ok
        } else {
            HealthStatus::Unavailable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_of_a_server_before_the_checks_still_parses() {
        // What servers answered before they reported their checks.
        let json = r#"{"status":"ok","version":"0.1.0","api_version":1,
            "epoch":"0190a8a0-0000-7000-8000-000000000001"}"#;
        let h: Health = serde_json::from_str(json).unwrap();
        assert_eq!((h.status, h.api_version), (HealthStatus::Ok, 1));
        assert!(!h.database_reachable && !h.migrations_current);
    }

    #[test]
    fn one_failed_check_makes_the_server_unavailable() {
        assert_eq!(HealthStatus::of(&[true, true]), HealthStatus::Ok);
        assert_eq!(HealthStatus::of(&[true, false]), HealthStatus::Unavailable);
        assert_eq!(
            serde_json::to_value(HealthStatus::Unavailable).unwrap(),
            "unavailable"
        );
    }
}
