//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the REST API, generated.
//!
//! [`ROUTES`] is the single list of the API: a test checks it against the live router,
//! so a route cannot be added without appearing here. Each entry states its parameters,
//! its request body, its answer and the error codes it adds to the ones every route of
//! its kind can answer ([`Route::error_codes`]). Bodies and answers name their type
//! through [`json`], which takes the type's JSON Schema from the proto crate
//! (`schemars`, feature `schema`): a type without a schema does not compile, and the
//! schema follows the type's `serde` attributes, so the document cannot describe
//! another shape than the one on the wire. The API suite validates every answer it
//! receives against this document, and the document against the OpenAPI 3.1 schema.

use std::collections::BTreeMap;

use axum::response::IntoResponse;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use tadhkira_proto::*;

use crate::error::AppError;

/// Makes the schema of a body, answer or parameter (a `$ref` for a named type).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, for a [`Route`] entry: `json::<TicketDetail>`.
pub fn json<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Who may call a route; decides the security requirement and the errors it implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// No token needed.
    Anyone,
    /// Any signed-in user (`Authorization: Bearer`): 401 `unauthorized` otherwise.
    SignedIn,
    /// Agents and admins: 403 `forbidden` for a customer.
    Staff,
    /// Admins only: 403 `forbidden` for anyone else, before any look-up.
    Admin,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A segment of the path (`{id}`).
    Path,
    /// `?name=value`.
    Query,
}

/// A path or query parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Path or query.
    pub location: In,
    /// Whether a request must carry it.
    pub required: bool,
    /// The schema of its value.
    pub schema: SchemaFn,
    /// What it does, for the reference.
    pub description: &'static str,
}

/// What a route answers when it succeeds.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// JSON of this schema, with this status.
    Json(u16, SchemaFn),
    /// No body, with this status.
    Empty(u16),
    /// A Server-Sent Events stream whose `data` is this schema.
    EventStream(SchemaFn),
    /// A file, with this media type: one of the API reference (`text/html`,
    /// `text/javascript`, `text/css`), or an attachment's bytes.
    Asset(&'static str),
}

/// One route of the API.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Lower-case HTTP method, as OpenAPI writes it.
    pub method: &'static str,
    /// The path in OpenAPI syntax (`{id}`), the same as the router's.
    pub path: &'static str,
    /// The group the reference shows it in.
    pub tag: &'static str,
    /// Who may call it.
    pub who: Who,
    /// What it does, in a sentence or a few.
    pub summary: &'static str,
    /// Its path and query parameters.
    pub params: &'static [Param],
    /// The schema of its JSON request body, if it takes one.
    pub body: Option<SchemaFn>,
    /// The media type of a raw (not JSON) request body, if it takes one (a file's
    /// bytes).
    pub raw_body: Option<&'static str>,
    /// What it answers on success.
    pub answer: Answer,
    /// Error codes this route answers besides the ones every route of its kind can
    /// (see [`Route::error_codes`]).
    pub errors: &'static [ErrorCode],
    /// Other answers than errors, by status (health's 503 with its own body).
    pub also: &'static [(u16, SchemaFn)],
}

const fn param(
    name: &'static str,
    location: In,
    required: bool,
    schema: SchemaFn,
    description: &'static str,
) -> Param {
    Param {
        name,
        location,
        required,
        schema,
        description,
    }
}

/// The `{id}` of an organisation.
const ORG_ID: Param = param(
    "id",
    In::Path,
    true,
    json::<uuid::Uuid>,
    "The organisation's id",
);

/// The `{id}` of a user.
const USER_ID: Param = param("id", In::Path, true, json::<uuid::Uuid>, "The user's id");

/// The `{id}` of an upload.
const UPLOAD_ID: Param = param("id", In::Path, true, json::<uuid::Uuid>, "The upload's id");

/// The `{target}` of an app release.
const UPDATE_TARGET: Param = param(
    "target",
    In::Path,
    true,
    json::<UpdateTarget>,
    "Which installed copies: os-arch-kind, e.g. linux-x86_64-deb",
);

/// The `{id}` of an article.
const ARTICLE_ID: Param = param("id", In::Path, true, json::<uuid::Uuid>, "The article's id");

/// The `{id}` of a ticket.
const TICKET_ID: Param = param("id", In::Path, true, json::<uuid::Uuid>, "The ticket's id");

fn search_text(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "type": "string",
        "maxLength": crate::routes::tickets::MAX_QUERY_CHARS,
    })
}

fn page_limit(max: i64) -> Schema {
    schemars::json_schema!({ "type": "integer", "format": "int64", "minimum": 1, "maximum": max })
}

fn ticket_limit(_: &mut SchemaGenerator) -> Schema {
    page_limit(crate::routes::tickets::MAX_PAGE)
}

fn people_limit(_: &mut SchemaGenerator) -> Schema {
    page_limit(crate::routes::people::MAX_LIMIT)
}

fn article_limit(_: &mut SchemaGenerator) -> Schema {
    page_limit(crate::routes::articles::MAX_PAGE)
}

fn audit_limit(_: &mut SchemaGenerator) -> Schema {
    page_limit(crate::routes::admin::MAX_AUDIT_LIMIT)
}

fn pull_limit(_: &mut SchemaGenerator) -> Schema {
    page_limit(MAX_PULL_LIMIT)
}

fn not_negative(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({ "type": "integer", "format": "int64", "minimum": 0 })
}

fn assignee(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "anyOf": [
            { "type": "string", "format": "uuid" },
            { "enum": ["me", "none"] }
        ]
    })
}

/// The document itself (an object; its shape is OpenAPI's, not ours).
fn openapi_document(_: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({ "type": "object", "description": "An OpenAPI 3.1 document" })
}

/// What a ticket write may be refused with, whichever way it arrives (REST or push):
/// the rules of the apply path and the write quota.
const TICKET_WRITE: &[ErrorCode] = &[
    ErrorCode::Forbidden,
    ErrorCode::NotFound,
    ErrorCode::SubscriptionInactive,
    ErrorCode::TermsNotAccepted,
    ErrorCode::ReopenWindowPassed,
    ErrorCode::Conflict,
    ErrorCode::RateLimited,
];

const ROUTE: Route = Route {
    method: "get",
    path: "",
    tag: "",
    who: Who::SignedIn,
    summary: "",
    params: &[],
    body: None,
    raw_body: None,
    answer: Answer::Empty(204),
    errors: &[],
    also: &[],
};

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    Route {
        path: "/api/v1/health",
        tag: "server",
        who: Who::Anyone,
        summary: "Checks now that the database answers and its migrations are this server's; with the version and database epoch. 503 with the same body when a check fails",
        answer: Answer::Json(200, json::<Health>),
        also: &[(503, json::<Health>)],
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/auth/login",
        tag: "session",
        who: Who::Anyone,
        summary: "Sign in with e-mail and password. Each attempt is counted before its password is checked; past the allowed failures per account and per address the next one waits an exponentially growing delay (429 rate_limited with Retry-After seconds). A device that sends a token once issued for the account (Authorization: Bearer, even expired or revoked) is not slowed by others' guesses on it. When the server is hashing as many passwords as it allows, 503 busy with Retry-After",
        body: Some(json::<LoginRequest>),
        answer: Answer::Json(200, json::<LoginResponse>),
        errors: &[
            ErrorCode::BadCredentials,
            ErrorCode::RateLimited,
            ErrorCode::Busy,
            ErrorCode::PasswordChangeRequired,
        ],
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/auth/logout",
        tag: "session",
        summary: "Revoke the token of this request",
        answer: Answer::Empty(204),
        ..ROUTE
    },
    Route {
        path: "/api/v1/me",
        tag: "session",
        summary: "Who the token belongs to",
        answer: Answer::Json(200, json::<Me>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/sync/push",
        tag: "sync",
        summary: "Apply an ordered batch of mutations (at most 500); one result per mutation, each applied, duplicate or rejected with its code. Past the per-user write quota: 429 rate_limited with Retry-After, nothing applied",
        body: Some(json::<PushRequest>),
        answer: Answer::Json(200, json::<PushResponse>),
        errors: &[ErrorCode::RateLimited],
        ..ROUTE
    },
    Route {
        path: "/api/v1/sync/pull",
        tag: "sync",
        summary: "Changes after ?cursor, filtered to what the caller may see: each entity once at its newest change, at most ?limit changes and about the configured byte cap (at least one); pass the answer's cursor next",
        params: &[
            param("cursor", In::Query, false, not_negative, "The cursor of the previous answer (0 for everything)"),
            param("limit", In::Query, false, pull_limit, "Most changes in the answer (default 1000)"),
        ],
        answer: Answer::Json(200, json::<PullResponse>),
        errors: &[ErrorCode::CursorAhead],
        ..ROUTE
    },
    Route {
        path: "/api/v1/sync/snapshot",
        tag: "sync",
        summary: "A first sync in one answer: what pulling from cursor 0 would bring (each entity once at its current state, filtered to what the caller may see) as one gzip stream of frames, each a 4-byte big-endian length and the JSON of a SnapshotFrame: head (epoch, cursor to pull from next), changes…, end (count). A stream without its end frame was cut",
        answer: Answer::Asset("application/vnd.tadhkira.snapshot+gzip"),
        ..ROUTE
    },
    Route {
        path: "/api/v1/events",
        tag: "sync",
        summary: "Server-Sent Events: event `changes` with ChangesAvailable means pull now. At most 8 (configurable) per user, the oldest closed when one more opens; closed when the token is signed out, revoked or expires",
        answer: Answer::EventStream(json::<ChangesAvailable>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/tickets",
        tag: "tickets",
        summary: "Ticket list, filtered to what the caller may see, newest first, with the total count",
        params: &[
            param("status", In::Query, false, json::<Status>, "Only tickets in this status"),
            param("priority", In::Query, false, json::<Priority>, "Only tickets of this priority"),
            param("channel", In::Query, false, json::<Channel>, "Only tickets that came this way"),
            param("tier", In::Query, false, json::<Tier>, "Only tickets at this support tier"),
            param("assignee", In::Query, false, assignee, "A user id, `me`, or `none` for unassigned tickets"),
            param("breaching", In::Query, false, json::<bool>, "Only tickets whose response target passed unmet (true) or not (false)"),
            param("q", In::Query, false, search_text, "Text to search in titles and descriptions"),
            param("limit", In::Query, false, ticket_limit, "Most tickets in the page (default 50)"),
            param("offset", In::Query, false, not_negative, "Tickets to skip"),
        ],
        answer: Answer::Json(200, json::<TicketPage>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/tickets",
        tag: "tickets",
        summary: "File a ticket (staff: requester_id required, on behalf of any organisation; for an organisation whose subscription is not active also lapsed_override, the reason, kept on the timeline for staff only, else 402 subscription_inactive; customers: paid subscription required, lapsed_override forbidden). Contact details are checked: e-mail shape, phone characters (digits, spaces, + - ( ) .; Arabic-Indic digits become ASCII), lengths; else 400 invalid naming the field",
        body: Some(json::<NewTicket>),
        answer: Answer::Json(201, json::<TicketDetail>),
        errors: TICKET_WRITE,
        ..ROUTE
    },
    Route {
        path: "/api/v1/tickets/{id}",
        tag: "tickets",
        summary: "A ticket with its visible messages and timeline",
        params: &[TICKET_ID],
        answer: Answer::Json(200, json::<TicketDetail>),
        ..ROUTE
    },
    Route {
        method: "patch",
        path: "/api/v1/tickets/{id}",
        tag: "tickets",
        summary: "Change fields, last writer wins per field (customers: on tickets they requested, title, category, status solved, open (reopen within the reopen window) or closed (confirming a solved ticket) only)",
        params: &[TICKET_ID],
        body: Some(json::<TicketChanges>),
        answer: Answer::Json(200, json::<TicketDetail>),
        errors: TICKET_WRITE,
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/tickets/{id}/messages",
        tag: "tickets",
        summary: "Add a public reply or (staff) an internal note",
        params: &[TICKET_ID],
        body: Some(json::<NewMessage>),
        answer: Answer::Json(201, json::<TicketDetail>),
        errors: TICKET_WRITE,
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/tickets/{id}/escalate",
        tag: "tickets",
        who: Who::Staff,
        summary: "Move the ticket up a tier with a reason",
        params: &[TICKET_ID],
        body: Some(json::<EscalateRequest>),
        answer: Answer::Json(200, json::<TicketDetail>),
        errors: TICKET_WRITE,
        ..ROUTE
    },
    Route {
        path: "/api/v1/people",
        tag: "people",
        who: Who::Staff,
        summary: "Directory of users with their organisation, to pick a requester or an assignee",
        params: &[
            param("role", In::Query, false, json::<Role>, "Only users of this role"),
            param("q", In::Query, false, search_text, "Text to search in names and e-mail addresses"),
            param("limit", In::Query, false, people_limit, "Most users in the answer (default 100)"),
        ],
        answer: Answer::Json(200, json::<PeoplePage>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/articles",
        tag: "articles",
        summary: "Knowledge-base articles, most recently updated first. Customers always get published articles only",
        params: &[
            param("q", In::Query, false, search_text, "Words in the title, body or tags"),
            param("category", In::Query, false, json::<String>, "Only this category"),
            param("lang", In::Query, false, json::<ArticleLang>, "Only this language"),
            param("status", In::Query, false, json::<ArticleStatus>, "Staff only: only this status"),
            param("limit", In::Query, false, article_limit, "Page size (default 50)"),
            param("offset", In::Query, false, not_negative, "Articles to skip"),
        ],
        answer: Answer::Json(200, json::<ArticlePage>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/articles",
        tag: "articles",
        who: Who::Staff,
        summary: "Write an article (draft unless status says otherwise); translation_of joins the translation group of that article",
        body: Some(json::<NewArticle>),
        answer: Answer::Json(201, json::<Article>),
        errors: &[ErrorCode::Conflict, ErrorCode::NotFound],
        ..ROUTE
    },
    Route {
        path: "/api/v1/articles/{id}",
        tag: "articles",
        summary: "One article; to a customer anything not published answers 404 not_found",
        params: &[ARTICLE_ID],
        answer: Answer::Json(200, json::<Article>),
        ..ROUTE
    },
    Route {
        method: "patch",
        path: "/api/v1/articles/{id}",
        tag: "articles",
        who: Who::Staff,
        summary: "Change an article's title, body, category, tags or status; the state it replaces is kept as a version. With seen_version older than the article's, 409 conflict",
        params: &[ARTICLE_ID],
        body: Some(json::<ArticleChanges>),
        answer: Answer::Json(200, json::<Article>),
        errors: &[ErrorCode::Conflict],
        ..ROUTE
    },
    Route {
        path: "/api/v1/articles/{id}/versions",
        tag: "articles",
        who: Who::Staff,
        summary: "The kept versions of an article, newest first",
        params: &[ARTICLE_ID],
        answer: Answer::Json(200, json::<ArticleVersions>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/articles/{id}/versions/{version}/restore",
        tag: "articles",
        who: Who::Staff,
        summary: "Bring back a kept version's title, body and status, as a new save (the replaced state is kept in turn)",
        params: &[
            ARTICLE_ID,
            param("version", In::Path, true, json::<i64>, "The version to bring back"),
        ],
        answer: Answer::Json(200, json::<Article>),
        errors: &[ErrorCode::Conflict],
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/uploads",
        tag: "attachments",
        summary: "Start sending a file to attach (name, size, sha256), or resume the caller's earlier upload of the same bytes: answers its id and the offset the server holds (complete when these bytes are already uploaded and verified; 200 then, 201 for a new upload). Above the configured per-file limit (default 25 MiB): 413 too_large before any byte is sent",
        body: Some(json::<UploadStart>),
        answer: Answer::Json(201, json::<UploadStatus>),
        also: &[(200, json::<UploadStatus>)],
        errors: &[ErrorCode::RateLimited],
        ..ROUTE
    },
    Route {
        path: "/api/v1/uploads/{id}",
        tag: "attachments",
        summary: "Where an upload stands (its sender only): the offset to send the next chunk from",
        params: &[UPLOAD_ID],
        answer: Answer::Json(200, json::<UploadStatus>),
        ..ROUTE
    },
    Route {
        method: "put",
        path: "/api/v1/uploads/{id}",
        tag: "attachments",
        summary: "Append the body (raw bytes, at most 8 MiB) at ?offset, which must be the offset the server holds (else 409 conflict; ask GET for it). A first chunk of a refused type (a program, HTML…), judged by content and never by name, is 415 unsupported_type. The last chunk checks the whole file against its sha256 (else 400 invalid, the upload is dropped) and its type (images, PDF, ZIP, gzip, or UTF-8 text), and stores it once per content",
        params: &[
            UPLOAD_ID,
            param("offset", In::Query, true, not_negative, "Where these bytes go: the offset the server holds"),
        ],
        raw_body: Some("application/octet-stream"),
        answer: Answer::Json(200, json::<UploadStatus>),
        errors: &[ErrorCode::Conflict, ErrorCode::UnsupportedType],
        ..ROUTE
    },
    Route {
        path: "/api/v1/attachments/{id}",
        tag: "attachments",
        summary: "An attached file's bytes, always as a download (Content-Disposition: attachment, X-Content-Type-Options: nosniff, the type found in its content); 404 not_found to anyone who may not see the ticket or message it is on (a customer and an internal note's file)",
        params: &[param("id", In::Path, true, json::<uuid::Uuid>, "The attachment's id")],
        answer: Answer::Asset("application/octet-stream"),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/admin/updates",
        tag: "updates",
        who: Who::Admin,
        summary: "Publish a release of the desktop app, as multipart/form-data: the text fields target (os-arch-kind, e.g. linux-x86_64-deb), version (semver), notes (what is new, shown to users before they install; at most 20000 characters) and signature (the package's minisign signature: base64 of the .sig file's text, as Tauri writes it), and the file field package (at most [updates] max_package_bytes, default 512 MiB, else 413 too_large). With [updates] public_key configured, a signature that key does not verify over these bytes is 400 invalid and nothing is stored. The same version for the same target again: 409 conflict. Audited (update.publish)",
        raw_body: Some("multipart/form-data"),
        answer: Answer::Json(201, json::<UpdateRelease>),
        errors: &[ErrorCode::Conflict],
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/updates",
        tag: "updates",
        who: Who::Admin,
        summary: "Every published release of the desktop app, by target, newest version first",
        answer: Answer::Json(200, json::<UpdateReleases>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/updates/{target}/{version}",
        tag: "updates",
        who: Who::Anyone,
        summary: "What the app's updater asks (Tauri's updater plugin, dynamic server): the newest release for target above the caller's version, with its notes, date, download url and signature; 204 with no body when there is none. The app installs a package only once its signature verifies against the public key compiled into it",
        params: &[UPDATE_TARGET, param("version", In::Path, true, json::<String>, "The caller's version (semver)")],
        answer: Answer::Json(200, json::<UpdateManifest>),
        also: &[(204, json::<()>)],
        ..ROUTE
    },
    Route {
        path: "/api/v1/updates/{target}/{version}/file",
        tag: "updates",
        who: Who::Anyone,
        summary: "A release's package, as published (the manifest's url)",
        params: &[UPDATE_TARGET, param("version", In::Path, true, json::<String>, "The release's version (semver)")],
        answer: Answer::Asset("application/octet-stream"),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/me/password",
        tag: "session",
        summary: "Change one's own password: current_password checked as a sign-in is (counted, slowed), new_password at least 8 characters and different",
        body: Some(json::<PasswordChange>),
        answer: Answer::Empty(204),
        errors: &[ErrorCode::BadCredentials, ErrorCode::RateLimited, ErrorCode::Busy],
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/auth/password",
        tag: "session",
        who: Who::Anyone,
        summary: "Replace a password given email and current_password, without a token: how a one-time password set by an admin (sign-in answers 403 password_change_required) is replaced. Counted and slowed like a sign-in",
        body: Some(json::<PasswordChange>),
        answer: Answer::Empty(204),
        errors: &[ErrorCode::BadCredentials, ErrorCode::RateLimited, ErrorCode::Busy],
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/organisations",
        tag: "admin",
        who: Who::Admin,
        summary: "Every organisation with its subscription end, designated contacts and number of customers. Every /admin route: 401 without a token, 403 forbidden for anyone but an admin, before any look-up",
        answer: Answer::Json(200, json::<AdminOrganisationList>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/admin/organisations",
        tag: "admin",
        who: Who::Admin,
        summary: "Create an organisation, with a first agreement when paid_until is given; audited",
        body: Some(json::<NewOrganisation>),
        answer: Answer::Json(201, json::<AdminOrganisation>),
        errors: &[ErrorCode::Conflict],
        ..ROUTE
    },
    Route {
        method: "patch",
        path: "/api/v1/admin/organisations/{id}",
        tag: "admin",
        who: Who::Admin,
        summary: "Rename an organisation; audited",
        params: &[ORG_ID],
        body: Some(json::<RenameOrganisation>),
        answer: Answer::Json(200, json::<AdminOrganisation>),
        errors: &[ErrorCode::Conflict],
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/organisations/{id}/agreements",
        tag: "admin",
        who: Who::Admin,
        summary: "The subscription history, newest first (the newest is the current agreement; its end is paid_until, which the filing gate reads)",
        params: &[ORG_ID],
        answer: Answer::Json(200, json::<AgreementHistory>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/admin/organisations/{id}/agreements",
        tag: "admin",
        who: Who::Admin,
        summary: "Renew (from the current end, or now), extend (the current agreement to ends_at) or lapse (ends now); audited",
        params: &[ORG_ID],
        body: Some(json::<AgreementChange>),
        answer: Answer::Json(201, json::<Agreement>),
        ..ROUTE
    },
    Route {
        method: "put",
        path: "/api/v1/admin/organisations/{id}/contacts",
        tag: "admin",
        who: Who::Admin,
        summary: "Set the designated contacts: the customers of the organisation who may file tickets (none: every customer may); audited",
        params: &[ORG_ID],
        body: Some(json::<DesignatedContacts>),
        answer: Answer::Json(200, json::<DesignatedContacts>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/users",
        tag: "admin",
        who: Who::Admin,
        summary: "Every user with their organisation, disabled time and whether a one-time password is pending",
        answer: Answer::Json(200, json::<AdminUserList>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/admin/users",
        tag: "admin",
        who: Who::Admin,
        summary: "Create a customer of an organisation, an agent with a tier or an admin; the password is a one-time password; audited",
        body: Some(json::<NewAdminUser>),
        answer: Answer::Json(201, json::<AdminUser>),
        errors: &[ErrorCode::Conflict, ErrorCode::NotFound],
        ..ROUTE
    },
    Route {
        method: "patch",
        path: "/api/v1/admin/users/{id}",
        tag: "admin",
        who: Who::Admin,
        summary: "Change role, tier, organisation or language (a new role clears what it does not have); audited",
        params: &[USER_ID],
        body: Some(json::<UserChanges>),
        answer: Answer::Json(200, json::<AdminUser>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/admin/users/{id}/disable",
        tag: "admin",
        who: Who::Admin,
        summary: "Disable a user: tokens revoked, live event streams closed, sign-in refused; their history stays; audited",
        params: &[USER_ID],
        answer: Answer::Json(200, json::<AdminUser>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/admin/users/{id}/password",
        tag: "admin",
        who: Who::Admin,
        summary: "Set a one-time password (tokens revoked; must be changed before the next sign-in); audited",
        params: &[USER_ID],
        body: Some(json::<OneTimePassword>),
        answer: Answer::Empty(204),
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/audit",
        tag: "admin",
        who: Who::Admin,
        summary: "The append-only audit log, newest first: every admin write and every lapsed-subscription override, with before and after",
        params: &[
            param("actor", In::Query, false, json::<uuid::Uuid>, "Only actions by this user"),
            param("action", In::Query, false, json::<String>, "Only this action (org.create, user.disable…)"),
            param("target", In::Query, false, json::<String>, "Only actions on this target id"),
            param("since", In::Query, false, json::<chrono::DateTime<chrono::Utc>>, "From this time (RFC 3339)"),
            param("until", In::Query, false, json::<chrono::DateTime<chrono::Utc>>, "Up to this time (RFC 3339)"),
            param("limit", In::Query, false, audit_limit, "Page size"),
            param("offset", In::Query, false, not_negative, "Entries to skip"),
        ],
        answer: Answer::Json(200, json::<AuditPage>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/policy",
        tag: "admin",
        who: Who::Admin,
        summary: "The response policy in effect (targets per priority, business hours) and how many active tickets still follow an older version",
        answer: Answer::Json(200, json::<AdminPolicy>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/organisations/{id}/acceptances",
        tag: "admin",
        who: Who::Admin,
        summary: "Which versions of the support terms the organisation accepted: who, when, with which ticket (newest version first)",
        params: &[ORG_ID],
        answer: Answer::Json(200, json::<TermsAcceptanceList>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/terms",
        tag: "terms",
        who: Who::Admin,
        summary: "The version of the support terms in force and the unpublished draft",
        answer: Answer::Json(200, json::<AdminTerms>),
        ..ROUTE
    },
    Route {
        method: "put",
        path: "/api/v1/admin/policy",
        tag: "admin",
        who: Who::Admin,
        summary: "Make the next version of the response policy: targets of 1 minute to 366 days with resolution no earlier than first response, business hours in an IANA time zone or none (wall clock). Tickets filed from now on follow it; tickets filed earlier keep their version and due times. Audited (policy.change); conflict when another admin's change took the version first",
        body: Some(json::<PolicyChange>),
        answer: Answer::Json(200, json::<AdminPolicy>),
        errors: &[ErrorCode::Conflict],
        ..ROUTE
    },
    Route {
        path: "/api/v1/policy/targets",
        tag: "policy",
        who: Who::SignedIn,
        summary: "The response targets and business hours in effect for new tickets (every organisation's); customers may read it",
        answer: Answer::Json(200, json::<ResponsePolicy>),
        ..ROUTE
    },
    Route {
        method: "put",
        path: "/api/v1/admin/terms/draft",
        tag: "terms",
        who: Who::Admin,
        summary: "Save the draft of the next version (pages in Arabic and English, named exclusions), replacing the one before; nobody else sees it; audited",
        body: Some(json::<TermsContent>),
        answer: Answer::Json(200, json::<AdminTerms>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/admin/terms/publish",
        tag: "terms",
        who: Who::Admin,
        summary: "Publish the draft as the next version; every client pulls it, and each organisation accepts it with its next ticket; audited",
        answer: Answer::Json(200, json::<SupportTerms>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/terms",
        tag: "terms",
        who: Who::SignedIn,
        summary: "The version of the support terms in force (never a draft); 404 before the first is published",
        answer: Answer::Json(200, json::<SupportTerms>),
        errors: &[ErrorCode::NotFound],
        ..ROUTE
    },
    Route {
        path: "/api/v1/admin/checklists",
        tag: "terms",
        who: Who::Admin,
        summary: "The first-line checklists per category (category \"\": the default list)",
        answer: Answer::Json(200, json::<ChecklistList>),
        ..ROUTE
    },
    Route {
        method: "put",
        path: "/api/v1/admin/checklists",
        tag: "terms",
        who: Who::Admin,
        summary: "Replace one category's first-line checklist (created the first time); every client pulls it; audited",
        body: Some(json::<ChecklistChange>),
        answer: Answer::Json(200, json::<Checklist>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/openapi.json",
        tag: "server",
        who: Who::Anyone,
        summary: "This document",
        answer: Answer::Json(200, openapi_document),
        ..ROUTE
    },
    Route {
        path: "/api/docs",
        tag: "server",
        who: Who::Anyone,
        summary: "The browsable reference of this document (HTML, with its script and styles served by the server)",
        answer: Answer::Asset("text/html"),
        ..ROUTE
    },
    Route {
        path: "/api/docs/docs.js",
        tag: "server",
        who: Who::Anyone,
        summary: "The reference page's script",
        answer: Answer::Asset("text/javascript"),
        ..ROUTE
    },
    Route {
        path: "/api/docs/docs.css",
        tag: "server",
        who: Who::Anyone,
        summary: "The reference page's styles",
        answer: Answer::Asset("text/css"),
        ..ROUTE
    },
    // Channels (issue 19).
    Route {
        path: "/api/v1/channels/whatsapp/webhook",
        tag: "channels",
        who: Who::Anyone,
        summary: "WhatsApp Cloud API webhook verification (Meta's handshake): with hub.mode=subscribe and our hub.verify_token, answers hub.challenge as plain text; 403 forbidden for a wrong token; 404 not_found when WhatsApp is not set up",
        params: &[
            param("hub.mode", In::Query, true, json::<String>, "subscribe"),
            param("hub.verify_token", In::Query, true, json::<String>, "The verify token set in the server's configuration"),
            param("hub.challenge", In::Query, true, json::<String>, "Echoed back"),
        ],
        answer: Answer::Asset("text/plain"),
        errors: &[ErrorCode::Forbidden, ErrorCode::NotFound],
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/channels/whatsapp/webhook",
        tag: "channels",
        who: Who::Anyone,
        summary: "WhatsApp Cloud API webhook delivery: X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret) is checked first, 401 unauthorized and nothing stored when missing or wrong. Messages become a ticket or a reply of the customer with that phone number, or wait in the unmatched queue; each is placed once by its id (a repeated delivery changes nothing). Status reports (sent, delivered, read, failed) move the reply's delivery forward. 500 internal when a part could not be stored (Meta delivers again)",
        raw_body: Some("application/json"),
        answer: Answer::Empty(200),
        errors: &[ErrorCode::Unauthorized, ErrorCode::NotFound],
        ..ROUTE
    },
    Route {
        path: "/api/v1/channels/whatsapp",
        tag: "channels",
        who: Who::Staff,
        summary: "Whether the WhatsApp channel is set up, and the template a reply goes out as once the customer's 24-hour window has closed",
        answer: Answer::Json(200, json::<WhatsAppChannel>),
        ..ROUTE
    },
    Route {
        path: "/api/v1/channels/unmatched",
        tag: "channels",
        who: Who::Staff,
        summary: "The unmatched queue: messages from addresses no customer has (or that could not be filed as theirs), oldest first",
        answer: Answer::Json(200, json::<UnmatchedPage>),
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/channels/unmatched/{id}/link",
        tag: "channels",
        who: Who::Staff,
        summary: "Place an unmatched message as a customer's: a reply on their open ticket of that channel, else a new ticket filed on their behalf (409 conflict when it was placed already; 422-style invalid when the person is not a customer; subscription_inactive for a lapsed organisation). save_address stores the sender's number as the customer's phone (audited)",
        params: &[param("id", In::Path, true, json::<uuid::Uuid>, "The unmatched message's id")],
        body: Some(json::<LinkUnmatched>),
        answer: Answer::Json(200, json::<LinkedUnmatched>),
        errors: &[ErrorCode::Conflict, ErrorCode::SubscriptionInactive],
        ..ROUTE
    },
    Route {
        method: "post",
        path: "/api/v1/channels/unmatched/{id}/person",
        tag: "channels",
        who: Who::Staff,
        summary: "Make the sender of an unmatched message a new customer of an organisation (name, e-mail, phone, language), and the message their new ticket, in one transaction, audited as user.create_from_channel. person_id is chosen by the caller: the same request again answers the same. Refused, with nothing written: 409 conflict when the message was placed already or the e-mail address or phone number belongs to someone (link the message to them instead), subscription_inactive when the organisation's subscription is not active, invalid for a missing organisation or a malformed field. The new customer has no password until an admin sets one",
        params: &[param("id", In::Path, true, json::<uuid::Uuid>, "The unmatched message's id")],
        body: Some(json::<NewPersonFromUnmatched>),
        answer: Answer::Json(200, json::<PersonFromUnmatched>),
        errors: &[ErrorCode::Conflict, ErrorCode::SubscriptionInactive],
        ..ROUTE
    },
];

impl Route {
    /// Every error code this route can answer: `invalid`, `internal` and `busy` from any
    /// route (a malformed request, a method the path does not take, a failure; a server
    /// shedding load or whose disk is full, with Retry-After); `too_large`
    /// with a body; `not_found` with a path parameter; `unauthorized` when signed in;
    /// `forbidden` for staff only; then the route's own.
    pub fn error_codes(&self) -> Vec<ErrorCode> {
        let mut codes = vec![ErrorCode::Invalid, ErrorCode::Internal, ErrorCode::Busy];
        if self.body.is_some() || self.raw_body.is_some() {
            codes.push(ErrorCode::TooLarge);
        }
        if self.params.iter().any(|p| p.location == In::Path) {
            codes.push(ErrorCode::NotFound);
        }
        if self.who != Who::Anyone {
            codes.push(ErrorCode::Unauthorized);
        }
        if matches!(self.who, Who::Staff | Who::Admin) {
            codes.push(ErrorCode::Forbidden);
        }
        codes.extend(self.errors.iter().copied());
        // In the pinned order of the list, each once.
        ErrorCode::ALL
            .into_iter()
            .filter(|c| codes.contains(c))
            .collect()
    }
}

/// The `#/components/schemas/…` reference of a named schema.
fn component_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The error answer of a status: an `ApiError` whose code is one of `codes`.
fn error_answer(status: u16, codes: &[ErrorCode]) -> Value {
    let words: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    let mut answer = json!({
        "description": format!("Error: {}", words.join(", ")),
        "content": { "application/json": { "schema": {
            "allOf": [component_ref("ApiError")],
            "properties": { "code": { "enum": words } },
        } } },
    });
    if status == 429 || status == 503 {
        answer["headers"] = json!({
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": { "type": "integer", "minimum": 1 }
            }
        });
    }
    answer
}

fn json_content(schema: Schema) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// One operation of the document.
fn operation(route: &Route, generator: &mut SchemaGenerator) -> Value {
    let who = match route.who {
        Who::Anyone => "anyone",
        Who::SignedIn => "any signed-in user",
        Who::Staff => "staff (agents and admins)",
        Who::Admin => "admins",
    };
    let mut responses = Map::new();
    match route.answer {
        Answer::Json(status, schema) => {
            responses.insert(
                status.to_string(),
                json!({ "description": "Success", "content": json_content(schema(generator)) }),
            );
        }
        Answer::Empty(status) => {
            responses.insert(
                status.to_string(),
                json!({ "description": "Done, no body" }),
            );
        }
        Answer::EventStream(data) => {
            responses.insert(
                "200".into(),
                json!({
                    "description": "A stream of Server-Sent Events; the data of each `changes` event is the JSON of the schema in x-event-data",
                    "content": { "text/event-stream": {
                        "schema": { "type": "string" },
                        "x-event-data": data(generator),
                    } },
                }),
            );
        }
        Answer::Asset(media) => {
            let mut content = Map::new();
            content.insert(media.into(), json!({ "schema": { "type": "string" } }));
            responses.insert(
                "200".into(),
                json!({ "description": "The file", "content": content }),
            );
        }
    }
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    for code in route.error_codes() {
        by_status
            .entry(AppError::status(code).as_u16())
            .or_default()
            .push(code);
    }
    for (status, codes) in by_status {
        responses.insert(status.to_string(), error_answer(status, &codes));
    }
    for (status, schema) in route.also {
        if *status == 204 {
            responses.insert(
                "204".into(),
                json!({ "description": "See the summary; no body" }),
            );
            continue;
        }
        responses.insert(
            status.to_string(),
            json!({ "description": "See the summary", "content": json_content(schema(generator)) }),
        );
    }
    let parameters: Vec<Value> = route
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "in": match p.location { In::Path => "path", In::Query => "query" },
                "required": p.required,
                "description": p.description,
                "schema": (p.schema)(generator),
            })
        })
        .collect();
    let mut op = json!({
        "operationId": operation_id(route),
        "tags": [route.tag],
        "summary": route.summary,
        "description": format!("Caller: {who}. Errors are JSON {{code, message}} (ApiError); each error status lists the codes it carries."),
        "responses": responses,
    });
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = route.body {
        op["requestBody"] = json!({ "required": true, "content": json_content(body(generator)) });
    }
    if let Some(media) = route.raw_body {
        let mut content = Map::new();
        content.insert(
            media.into(),
            json!({ "schema": { "type": "string", "contentMediaType": media } }),
        );
        op["requestBody"] = json!({ "required": true, "content": content });
    }
    if route.who != Who::Anyone {
        op["security"] = json!([{ "bearer": [] }]);
    }
    op
}

/// `get /api/v1/tickets/{id}` → `get_tickets_id`.
fn operation_id(route: &Route) -> String {
    let path: String = route
        .path
        .trim_start_matches("/api/v1")
        .trim_start_matches("/api")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path: Vec<&str> = path.split('_').filter(|s| !s.is_empty()).collect();
    format!("{}_{}", route.method, path.join("_"))
}

/// The OpenAPI document as JSON.
pub fn openapi() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    generator.subschema_for::<ApiError>();
    let mut paths = Map::new();
    for route in ROUTES {
        let op = operation(route, &mut generator);
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method] = op;
    }
    let schemas = generator.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Tadhkira helpdesk API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The REST API of the Tadhkira central helpdesk. Every path is under /api/v1; every answer that is not 2xx is the JSON {code, message} (ApiError), whose code is one of a closed list. The browsable reference is at /api/docs.",
        },
        "tags": tags(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }
        }
    })
}

/// The tags of [`ROUTES`], in their first order.
fn tags() -> Vec<Value> {
    let mut names: Vec<&str> = Vec::new();
    for route in ROUTES {
        if !names.contains(&route.tag) {
            names.push(route.tag);
        }
    }
    names.into_iter().map(|n| json!({ "name": n })).collect()
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> impl IntoResponse {
    axum::Json(openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` in `value`, with where it is.
    fn refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        if let Some(r) = v.as_str() {
                            out.push((at.clone(), r));
                        }
                    }
                    refs(v, format!("{at}/{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    refs(v, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_to_a_schema_in_the_components() {
        let doc = openapi();
        let mut found = Vec::new();
        refs(&doc, String::new(), &mut found);
        assert!(found.len() > 20, "{found:?}");
        for (at, r) in found {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{at}: {r} is not a component reference"));
            let schema = &doc["components"]["schemas"][name];
            assert!(
                schema.is_object() && schema != &json!({}),
                "{at}: {r} names no schema"
            );
        }
    }

    #[test]
    fn every_body_and_answer_has_a_real_schema() {
        let doc = openapi();
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method];
            let mut schemas = vec![];
            if route.body.is_some() {
                schemas.push(&op["requestBody"]["content"]["application/json"]["schema"]);
            }
            if let Answer::Json(status, _) = route.answer {
                schemas.push(
                    &op["responses"][status.to_string()]["content"]["application/json"]["schema"],
                );
            }
            for s in schemas {
                // `true` / `{}` would accept anything: the type has no real schema.
                assert!(
                    s.is_object() && s != &json!({}),
                    "{} {}: {s}",
                    route.method,
                    route.path
                );
            }
        }
    }

    #[test]
    fn sign_in_documents_its_slowed_and_busy_answers_with_retry_after() {
        let doc = openapi();
        let responses = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"];
        for (status, code) in [("429", "rate_limited"), ("503", "busy")] {
            assert_eq!(
                responses[status]["headers"]["Retry-After"]["schema"]["type"], "integer",
                "{status}"
            );
            let codes = &responses[status]["content"]["application/json"]["schema"]["properties"]
                ["code"]["enum"];
            assert_eq!(codes, &json!([code]), "{status}");
        }
        assert_eq!(
            responses["401"]["content"]["application/json"]["schema"]["properties"]["code"]["enum"],
            json!(["bad_credentials"])
        );
    }

    #[test]
    fn the_wire_shapes_are_the_serde_ones() {
        let doc = openapi();
        let schemas = &doc["components"]["schemas"];
        // Every error code, and the pinned list's order.
        let codes: Vec<Value> = ErrorCode::ALL.iter().map(|c| json!(c.as_str())).collect();
        let text = schemas["ErrorCode"].to_string();
        for c in &codes {
            assert!(text.contains(&c.to_string()), "{c} missing: {text}");
        }
        // Validated newtypes carry their limits.
        assert_eq!(schemas["TicketTitle"]["maxLength"], 200);
        assert_eq!(schemas["TicketTitle"]["minLength"], 3);
        assert_eq!(schemas["Tier"]["maximum"], 3);
        // `#[serde(default)]` fields are optional in a request.
        let required = schemas["NewTicket"]["required"].as_array().unwrap();
        assert!(required.contains(&json!("title")));
        assert!(!required.contains(&json!("contact")));
        // A tagged enum names its tag.
        assert!(schemas["Mutation"]
            .to_string()
            .contains("\"create_ticket\""));
    }
}
