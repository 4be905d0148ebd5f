//! The closed list of error codes that cross the wire.
//!
//! The server maps every failure to one of these codes plus a human message; clients
//! decide what to do (and which translated text to show) by code, never by message.
//! A test pins the list so that adding a code is a deliberate change.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes, serialised in `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request or one of its fields is malformed or out of range.
    Invalid,
    /// No valid token was given, or it expired or was revoked.
    Unauthorized,
    /// The caller is known but may not do this.
    Forbidden,
    /// The thing does not exist, or the caller may not know that it does.
    NotFound,
    /// The customer's organisation has no paid subscription: no new tickets.
    SubscriptionInactive,
    /// A mutation depends on an earlier one in the outbox that was rejected.
    DependsOnRejected,
    /// A mutation id was reused for a different change.
    Conflict,
    /// Too many attempts (sign-in); retry later.
    RateLimited,
    /// The request body or a batch is larger than the server accepts.
    TooLarge,
    /// E-mail or password is wrong.
    BadCredentials,
    /// Something failed on the server; the request may be retried.
    Internal,
    /// The server is at its limit of this work (signing in) right now; retry after
    /// the answer's `Retry-After`.
    Busy,
    /// The ticket was solved longer ago than the server's reopen window: the customer
    /// may no longer reopen it (they file a new ticket instead). Also answered for a
    /// closed ticket, which is final.
    ReopenWindowPassed,
    /// A pull's cursor is ahead of the server's newest change: the server's database
    /// was replaced by an older copy without a new epoch. The client starts its pull
    /// over from 0 (nothing is skipped silently).
    CursorAhead,
    /// The password is a one-time password set by an admin: it must be changed
    /// (`POST /api/v1/auth/password`) before signing in.
    PasswordChangeRequired,
    /// A file's content is not of a type the server accepts (judged by its bytes,
    /// never by its name).
    UnsupportedType,
    /// A customer's ticket was filed without accepting the version of the support
    /// terms in force, which their organisation has not accepted yet: accept it and
    /// send the ticket again.
    TermsNotAccepted,
}

impl ErrorCode {
    /// Every code, in a fixed order (the pinned list).
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::Invalid,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::SubscriptionInactive,
        ErrorCode::DependsOnRejected,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::TooLarge,
        ErrorCode::BadCredentials,
        ErrorCode::Internal,
        ErrorCode::Busy,
        ErrorCode::ReopenWindowPassed,
        ErrorCode::CursorAhead,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::UnsupportedType,
        ErrorCode::TermsNotAccepted,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::SubscriptionInactive => "subscription_inactive",
            ErrorCode::DependsOnRejected => "depends_on_rejected",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::Internal => "internal",
            ErrorCode::Busy => "busy",
            ErrorCode::ReopenWindowPassed => "reopen_window_passed",
            ErrorCode::CursorAhead => "cursor_ahead",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::UnsupportedType => "unsupported_type",
            ErrorCode::TermsNotAccepted => "terms_not_accepted",
        }
    }

    /// Whether a mutation rejected with this code is worth sending again unchanged
    /// later (the server failed), as opposed to needing the user's attention.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorCode::Internal | ErrorCode::RateLimited | ErrorCode::Busy
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Body of every non-2xx answer of the REST API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_a_pinned_list() {
        let wire: Vec<String> = ErrorCode::ALL
            .iter()
            .map(|c| {
                serde_json::to_value(c)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            wire,
            [
                "invalid",
                "unauthorized",
                "forbidden",
                "not_found",
                "subscription_inactive",
                "depends_on_rejected",
                "conflict",
                "rate_limited",
                "too_large",
                "bad_credentials",
                "internal",
                "busy",
                "reopen_window_passed",
                "cursor_ahead",
                "password_change_required",
                "unsupported_type",
                "terms_not_accepted"
            ]
        );
        for c in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }
}
