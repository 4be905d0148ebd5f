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
    ("post", "/api/v1/uploads", "signed in", "Start sending a file to attach (name, size, sha256), or resume the caller's earlier upload of the same bytes: answers its id and the offset the server holds (complete when these bytes are already uploaded and verified). Above the configured per-file limit (default 25 MiB): 413 too_large before any byte is sent", Some("UploadStart"), "UploadStatus"),
    ("get", "/api/v1/uploads/{id}", "signed in (its sender)", "Where an upload stands: the offset to send the next chunk from", None, "UploadStatus"),
    ("put", "/api/v1/uploads/{id}", "signed in (its sender)", "Append the body (raw bytes, at most 8 MiB) at ?offset, which must be the offset the server holds (else 409 conflict; ask GET for it). A first chunk of a refused type (a program, HTML…), judged by content and never by name, is 415 unsupported_type. The last chunk checks the whole file against its sha256 (else 400 invalid, the upload is dropped) and its type (images, PDF, ZIP, gzip, or UTF-8 text), and stores it once per content", Some("raw bytes"), "UploadStatus"),
    ("get", "/api/v1/attachments/{id}", "who may see what it is on", "An attached file's bytes, always as a download (Content-Disposition: attachment, X-Content-Type-Options: nosniff, the type found in its content); 404 not_found to anyone who may not see the ticket or message it is on (a customer and an internal note's file)", None, "the file's bytes"),
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
        }
        if let Some(body) = body.filter(|b| !b.contains(' ')) {
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
