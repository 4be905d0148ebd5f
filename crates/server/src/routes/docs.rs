//! `GET /api/docs`: a browsable reference of the OpenAPI document, served from the
//! binary.
//!
//! A small page of our own rather than a vendored renderer: it needs no CDN and no
//! download at build time, and a strict Content-Security-Policy holds (the script and
//! styles are files of this server; nothing inline, nothing from elsewhere). The script
//! fetches `/api/v1/openapi.json` and builds the page with DOM calls only (no
//! `innerHTML`), so no text of the document can become markup.

use axum::http::header;
use axum::response::IntoResponse;

/// Only this server's own script, styles and document; no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                   connect-src 'self'; img-src 'self'; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// `GET /api/docs`.
pub async fn page() -> impl IntoResponse {
    asset(
        "text/html; charset=utf-8",
        include_str!("../../assets/docs/index.html"),
    )
}

/// `GET /api/docs/docs.js`.
pub async fn script() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/docs/docs.js"),
    )
}

/// `GET /api/docs/docs.css`.
pub async fn styles() -> impl IntoResponse {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../assets/docs/docs.css"),
    )
}
