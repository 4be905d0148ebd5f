//! The HTTP error: one type that every handler returns, mapped once to a status and
//! the stable JSON body `{code, message}` (proto `ApiError`).
//!
//! The `message` is in the language of the request's `Accept-Language` (English or
//! Arabic, from the `server.ftl` catalogues of `tadhkira-i18n`): [`with_request_locale`]
//! notes it for the request and [`AppError`] renders its message in it. The `code`
//! never changes; logs stay English.
//!
//! Extractor rejections (malformed JSON, a bad query string or path) are turned into
//! the same JSON answers through [`Json`], [`Query`] and [`Path`], so bad input always
//! gets a clear 4xx and never axum's plain-text default.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tadhkira_i18n::{Arg, Catalogue, Locale};
use tadhkira_proto::{ApiError, ErrorCode};

use crate::db::{Rejection, StoreError};

tokio::task_local! {
    /// The language of the request being answered.
    static REQUEST_LOCALE: Locale;
}

/// Middleware: answers the request with its `Accept-Language` noted, so that error
/// messages come in that language (English when absent or unsupported).
pub async fn with_request_locale(request: Request, next: Next) -> Response {
    let locale = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or_default();
    REQUEST_LOCALE.scope(locale, next.run(request)).await
}

/// `f` in the language of the request being answered, for work the request hands to a
/// task of its own.
pub fn in_request_locale<F: std::future::Future>(
    f: F,
) -> impl std::future::Future<Output = F::Output> {
    REQUEST_LOCALE.scope(request_locale(), f)
}

/// The language of the request being answered (English outside a request).
pub fn request_locale() -> Locale {
    REQUEST_LOCALE.try_with(|l| *l).unwrap_or_default()
}

/// Where the text of an error's message comes from.
#[derive(Debug)]
enum Text {
    /// A catalogue message with its variables.
    Message(&'static str, Vec<(&'static str, String)>),
    /// An English detail from below (a field check, axum, the store): in another
    /// language the code's message, followed by this detail.
    Detail(String),
}

/// An error answer: a stable code and a message for people.
#[derive(Debug)]
pub struct AppError {
    code: ErrorCode,
    text: Text,
    /// Seconds for a `Retry-After` header (slowed or busy answers).
    retry_after: Option<u64>,
}

impl AppError {
    /// An error with this code and an English detail message (shown as it is in English;
    /// in Arabic after the code's translated message).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            text: Text::Detail(message.into()),
            retry_after: None,
        }
    }

    /// An error whose message is the catalogue message `id` (server.ftl) with `args`.
    pub fn message(code: ErrorCode, id: &'static str, args: &[(&'static str, String)]) -> Self {
        Self {
            code,
            text: Text::Message(id, args.to_vec()),
            retry_after: None,
        }
    }

    /// The same error, answered with `Retry-After: seconds` (at least 1).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// The answer to a write past the user's quota: 429 `rate_limited`, retry after
    /// `wait` (rounded up to whole seconds).
    pub fn write_quota(wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        AppError::message(ErrorCode::RateLimited, "error-too-many-writes", &[]).retry_after(seconds)
    }

    /// The answer when the server's disk (its database or its file store) is full: 503
    /// `busy`, retry later. Nothing was stored, so a client keeps the change queued and
    /// sends it again; it is not the client's fault and not a rejection.
    pub fn storage_full() -> Self {
        AppError::message(ErrorCode::Busy, "error-storage-full", &[]).retry_after(30)
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The wire body in `locale`.
    pub fn body(&self, locale: Locale) -> ApiError {
        let catalogue = Catalogue::get(locale);
        let message = match &self.text {
            Text::Message(id, args) => {
                let args: Vec<(&str, Arg<'_>)> =
                    args.iter().map(|(k, v)| (*k, Arg::from(v))).collect();
                catalogue.text(id, &args)
            }
            Text::Detail(detail) if locale == Locale::En => detail.clone(),
            Text::Detail(detail) => catalogue.text(
                "error-with-detail",
                &[
                    (
                        "message",
                        catalogue.text(&code_message_id(self.code), &[]).into(),
                    ),
                    ("detail", detail.into()),
                ],
            ),
        };
        ApiError::new(self.code, message)
    }

    /// The HTTP status of a code.
    pub fn status(code: ErrorCode) -> StatusCode {
        match code {
            ErrorCode::Invalid => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized | ErrorCode::BadCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden
            | ErrorCode::ReopenWindowPassed
            | ErrorCode::PasswordChangeRequired
            | ErrorCode::TermsNotAccepted => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::SubscriptionInactive => StatusCode::PAYMENT_REQUIRED,
            ErrorCode::DependsOnRejected | ErrorCode::Conflict | ErrorCode::CursorAhead => {
                StatusCode::CONFLICT
            }
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = self.body(request_locale());
        let mut response = (Self::status(body.code), axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::message(ErrorCode::NotFound, "error-not-found", &[]),
            StoreError::Invalid(what) => AppError::new(ErrorCode::Invalid, what),
            StoreError::AlreadyExists(what) => {
                AppError::new(ErrorCode::Conflict, format!("{what} already exists"))
            }
            StoreError::OverQuota(wait) => AppError::write_quota(wait),
            StoreError::Database(e) if is_storage_full(&e) => {
                tracing::error!(error = %e, "the database's disk is full");
                AppError::storage_full()
            }
            other => {
                tracing::error!(error = %other, "storage failed");
                AppError::message(ErrorCode::Internal, "error-internal", &[])
            }
        }
    }
}

/// Whether the database refused a write for want of disk space (SQLite's `SQLITE_FULL`,
/// PostgreSQL's `disk_full`).
fn is_storage_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("13" | "53100"))
                || d.message().contains("database or disk is full")
        }
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::StorageFull,
        _ => false,
    }
}

/// The id of a code's own message in server.ftl: `error-` and the code with dashes.
pub fn code_message_id(code: ErrorCode) -> String {
    format!("error-{}", code.as_str().replace('_', "-"))
}

impl From<Rejection> for AppError {
    fn from(r: Rejection) -> Self {
        AppError::new(r.code, r.message)
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::message(ErrorCode::TooLarge, "error-body-too-large", &[])
        } else {
            AppError::new(ErrorCode::Invalid, r.body_text())
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::new(ErrorCode::Invalid, r.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        AppError::new(ErrorCode::Invalid, r.body_text())
    }
}

/// `axum::Json` whose rejection is an [`AppError`].
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` whose rejection is an [`AppError`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` whose rejection is an [`AppError`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_message_in_both_languages() {
        for locale in Locale::ALL {
            for code in ErrorCode::ALL {
                let id = code_message_id(code);
                assert!(Catalogue::get(locale).has(&id), "{locale}: {id}");
            }
        }
    }

    #[test]
    fn english_keeps_the_detail_and_arabic_explains_the_code_first() {
        let e = AppError::new(ErrorCode::Invalid, "title: too short");
        assert_eq!(e.body(Locale::En).message, "title: too short");
        assert_eq!(
            e.body(Locale::Ar).message,
            "الطلب غير صالح: title: too short"
        );
        let e = AppError::message(
            ErrorCode::Invalid,
            "error-limit-range",
            &[("max", "500".into())],
        );
        assert_eq!(e.body(Locale::En).message, "limit must be 1 to 500");
        assert_eq!(e.body(Locale::Ar).code, ErrorCode::Invalid);
        assert_eq!(e.body(Locale::Ar).message, "يجب أن يكون الحد بين 1 و500");
        let e = AppError::message(ErrorCode::NotFound, "error-no-route", &[]);
        assert_eq!(e.body(Locale::En).message, crate::routes::NO_ROUTE);
    }
}
