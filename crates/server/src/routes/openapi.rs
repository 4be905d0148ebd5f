//! `GET /api/v1/openapi.json`: a hand-written OpenAPI 3.1 document of the REST API.
//!
//! Hand-written (rather than generated) to keep the proto crate free of an OpenAPI
//! dependency; [`ROUTES`] is the single list a test checks against the live router, so
//! a route cannot be added without appearing here. Schemas are described by name and
//! point at the proto crate's types, whose JSON shape they follow.

use axum::response::IntoResponse;
use serde_json::{json, Map, Value};

/// One route: method, path (OpenAPI syntax), who may call it, summary, request body
/// type, answer type.
pub type Route = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
);

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    ("get", "/api/v1/health", "anyone", "Checks now that the database answers and its migrations are this server's; with the version and database epoch. 503 with the same body when a check fails", None, "Health"),
    ("post", "/api/v1/auth/login", "anyone", "Sign in with e-mail and password. Each attempt is counted before its password is checked; past the allowed failures per account and per address the next one waits an exponentially growing delay (429 rate_limited with Retry-After seconds). A device that sends a token once issued for the account (Authorization: Bearer, even expired or revoked) is not slowed by others' guesses on it. When the server is hashing as many passwords as it allows, 503 busy with Retry-After", Some("LoginRequest"), "LoginResponse"),
    ("post", "/api/v1/auth/logout", "signed in", "Revoke the token of this request", None, "empty (204)"),
    ("get", "/api/v1/me", "signed in", "Who the token belongs to", None, "Me"),
    ("post", "/api/v1/sync/push", "signed in", "Apply an ordered batch of mutations (at most 500); one result per mutation. Past the per-user write quota: 429 rate_limited with Retry-After, nothing applied", Some("PushRequest"), "PushResponse"),
    ("get", "/api/v1/sync/pull", "signed in", "Changes after ?cursor, filtered to what the caller may see: each entity once at its newest change, at most ?limit changes and about the configured byte cap (at least one); pass the answer's cursor next", None, "PullResponse"),
    ("get", "/api/v1/events", "signed in", "Server-Sent Events: event `changes` with ChangesAvailable means pull now. At most 8 (configurable) per user, the oldest closed when one more opens; closed when the token is signed out, revoked or expires", None, "text/event-stream"),
    ("get", "/api/v1/tickets", "signed in", "Ticket list; filters ?status ?priority ?channel ?tier ?assignee (id|me|none) ?breaching ?q (at most 200 characters) ?limit ?offset", None, "TicketPage"),
    ("post", "/api/v1/tickets", "signed in", "File a ticket (staff: requester_id required, on behalf of any organisation; for an organisation whose subscription is not active also lapsed_override, the reason, kept on the timeline for staff only, else 402 subscription_inactive; customers: paid subscription required, lapsed_override forbidden). Contact details are checked: e-mail shape, phone characters (digits, spaces, + - ( ) .; Arabic-Indic digits become ASCII), lengths; else 400 invalid naming the field", Some("NewTicket"), "TicketDetail"),
    ("get", "/api/v1/tickets/{id}", "signed in", "A ticket with its visible messages and timeline", None, "TicketDetail"),
    ("patch", "/api/v1/tickets/{id}", "signed in", "Change fields, last writer wins per field (customers: on tickets they requested, title, category, status solved, open (reopen within the reopen window) or closed (confirming a solved ticket) only)", Some("TicketChanges"), "TicketDetail"),
    ("post", "/api/v1/tickets/{id}/messages", "signed in", "Add a public reply or (staff) an internal note", Some("NewMessage"), "TicketDetail"),
    ("post", "/api/v1/tickets/{id}/escalate", "staff", "Move the ticket up a tier with a reason", Some("EscalateRequest"), "TicketDetail"),
    ("get", "/api/v1/people", "staff", "Directory of users with their organisation; filters ?role ?q (at most 200 characters) ?limit (to pick a requester or assignee)", None, "PeoplePage"),
    ("get", "/api/v1/articles", "signed in", "Knowledge-base articles, most recently updated first; filters ?q (title, body or tags; at most 200 characters) ?category ?lang (ar|en) ?status (staff only: customers always get published articles) ?limit (at most 200) ?offset", None, "ArticlePage"),
    ("post", "/api/v1/articles", "staff", "Write an article (draft unless status says otherwise); translation_of joins the translation group of that article", Some("NewArticle"), "Article"),
    ("get", "/api/v1/articles/{id}", "signed in", "One article; to a customer anything not published answers 404 not_found", None, "Article"),
    ("patch", "/api/v1/articles/{id}", "staff", "Change an article's title, body, category, tags or status; the state it replaces is kept as a version. With seen_version older than the article's, 409 conflict", Some("ArticleChanges"), "Article"),
    ("get", "/api/v1/articles/{id}/versions", "staff", "The kept versions of an article, newest first", None, "ArticleVersions"),
    ("post", "/api/v1/articles/{id}/versions/{version}/restore", "staff", "Bring back a kept version's title, body and status, as a new save (the replaced state is kept in turn)", None, "Article"),
    ("get", "/api/v1/openapi.json", "anyone", "This document", None, "OpenAPI document"),
];

/// Sign-in: slowed (429) and busy (503) answers carry `Retry-After`.
const LOGIN: &str = "/api/v1/auth/login";

/// The one route that answers its own body on a server error (503).
const HEALTH: &str = "/api/v1/health";

fn schema_ref(name: &str) -> Value {
    if name.contains(' ') || name.contains('/') {
        json!({ "description": name })
    } else {
        json!({ "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{name}") } } } })
    }
}

/// The OpenAPI document as JSON.
pub fn openapi() -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for (method, path, who, summary, body, answer) in ROUTES {
        let mut op = json!({
            "summary": summary,
            "description": format!("Caller: {who}. Errors are JSON {{code, message}} (ApiError)."),
            "responses": {
                "200": schema_ref(answer),
                "default": schema_ref("ApiError"),
            },
        });
        if let Some(body) = body {
            op["requestBody"] = schema_ref(body);
            schemas.insert(
                (*body).into(),
                json!({ "description": format!("tadhkira_proto::{body}") }),
            );
        }
        if *path == LOGIN {
            let retry_after = json!({
                "Retry-After": {
                    "description": "Seconds to wait before trying again",
                    "schema": { "type": "integer", "minimum": 1 }
                }
            });
            let mut slowed = schema_ref("ApiError");
            slowed["description"] =
                json!("rate_limited: too many failed sign-ins for this account or address");
            slowed["headers"] = retry_after.clone();
            let mut busy = schema_ref("ApiError");
            busy["description"] =
                json!("busy: the server is hashing as many passwords as it allows");
            busy["headers"] = retry_after;
            op["responses"]["429"] = slowed;
            op["responses"]["503"] = busy;
        }
        if *path == HEALTH {
            // A failed check is still a Health answer, not an ApiError.
            op["responses"]["503"] = schema_ref(answer);
        }
        if *who != "anyone" {
            op["security"] = json!([{ "bearer": [] }]);
        }
        if !answer.contains(' ') && !answer.contains('/') {
            schemas.insert(
                (*answer).into(),
                json!({ "description": format!("tadhkira_proto::{answer}") }),
            );
        }
        let entry = paths
            .entry((*path).to_string())
            .or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    schemas.insert(
        "ApiError".into(),
        json!({
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": { "type": "string", "enum": tadhkira_proto::ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>() },
                "message": { "type": "string" }
            }
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Tadhkira helpdesk API", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> impl IntoResponse {
    axum::Json(openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_documents_its_slowed_and_busy_answers_with_retry_after() {
        let doc = openapi();
        let responses = &doc["paths"][LOGIN]["post"]["responses"];
        for status in ["429", "503"] {
            assert_eq!(
                responses[status]["headers"]["Retry-After"]["schema"]["type"], "integer",
                "{status}"
            );
        }
        let codes = &doc["components"]["schemas"]["ApiError"]["properties"]["code"]["enum"];
        assert!(codes.as_array().unwrap().iter().any(|c| c == "busy"));
    }
}
