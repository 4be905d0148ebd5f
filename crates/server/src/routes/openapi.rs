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
    ("post", "/api/v1/me/password", "signed in", "Change one's own password: current_password checked as a sign-in is (counted, slowed), new_password at least 8 characters and different", Some("PasswordChange"), "empty (204)"),
    ("post", "/api/v1/auth/password", "anyone", "Replace a password given email and current_password, without a token: how a one-time password set by an admin (sign-in answers 403 password_change_required) is replaced. Counted and slowed like a sign-in", Some("PasswordChange"), "empty (204)"),
    ("get", "/api/v1/admin/organisations", "admin", "Every organisation with its subscription end, designated contacts and number of customers. Every /admin route: 401 without a token, 403 forbidden for anyone but an admin, before any look-up", None, "AdminOrganisationList"),
    ("post", "/api/v1/admin/organisations", "admin", "Create an organisation, with a first agreement when paid_until is given; audited", Some("NewOrganisation"), "AdminOrganisation"),
    ("patch", "/api/v1/admin/organisations/{id}", "admin", "Rename an organisation; audited", Some("RenameOrganisation"), "AdminOrganisation"),
    ("get", "/api/v1/admin/organisations/{id}/agreements", "admin", "The subscription history, newest first (the newest is the current agreement; its end is paid_until, which the filing gate reads)", None, "AgreementHistory"),
    ("post", "/api/v1/admin/organisations/{id}/agreements", "admin", "Renew (from the current end, or now), extend (the current agreement to ends_at) or lapse (ends now); audited", Some("AgreementChange"), "Agreement"),
    ("put", "/api/v1/admin/organisations/{id}/contacts", "admin", "Set the designated contacts: the customers of the organisation who may file tickets (none: every customer may); audited", Some("DesignatedContacts"), "DesignatedContacts"),
    ("get", "/api/v1/admin/users", "admin", "Every user with their organisation, disabled time and whether a one-time password is pending", None, "AdminUserList"),
    ("post", "/api/v1/admin/users", "admin", "Create a customer of an organisation, an agent with a tier or an admin; the password is a one-time password; audited", Some("NewAdminUser"), "AdminUser"),
    ("patch", "/api/v1/admin/users/{id}", "admin", "Change role, tier, organisation or language (a new role clears what it does not have); audited", Some("UserChanges"), "AdminUser"),
    ("post", "/api/v1/admin/users/{id}/disable", "admin", "Disable a user: tokens revoked, live event streams closed, sign-in refused; their history stays; audited", None, "AdminUser"),
    ("post", "/api/v1/admin/users/{id}/password", "admin", "Set a one-time password (tokens revoked; must be changed before the next sign-in); audited", Some("OneTimePassword"), "empty (204)"),
    ("get", "/api/v1/admin/audit", "admin", "The append-only audit log, newest first: every admin write and every lapsed-subscription override, with before and after; filters ?actor ?action ?target ?since ?until (RFC 3339) ?limit ?offset", None, "AuditPage"),
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
