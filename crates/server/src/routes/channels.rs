//! Channels: the WhatsApp webhook (`GET`: Meta's verification handshake; `POST`:
//! signed deliveries of messages and status reports), the channel's settings as the app
//! needs them, and the staff's unmatched queue.
//!
//! A delivery is checked before anything is read from it: a missing or wrong
//! `X-Hub-Signature-256` is 401 and nothing is stored. A delivery that fails halfway
//! (the database, a media file the Graph API would not give) answers 500, so Meta
//! delivers it again; what was placed already is recognised by its message id and not
//! placed twice.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tadhkira_proto::{
    normalise_phone, Channel, Delivery, Email, ErrorCode, FieldError, LinkUnmatched,
    LinkedUnmatched, Name, NewPersonFromUnmatched, PersonFromUnmatched, Sha256Hex, UnmatchedPage,
    WhatsAppChannel, WHATSAPP_WINDOW_HOURS,
};
use uuid::Uuid;

use super::uploads::blocking;
use crate::blobs::sniff;
use crate::channels::whatsapp::{GraphError, InboundMessage, Webhook};
use crate::channels::{Inbound, InboundFile, WhatsApp};
use crate::db::{Caller, ChannelPerson, PersonRefused};
use crate::error::{AppError, Json, Path, Query};
use crate::state::AppState;

fn whatsapp(state: &AppState) -> Result<&WhatsApp, AppError> {
    state.whatsapp.as_deref().ok_or_else(|| {
        AppError::message(
            ErrorCode::NotFound,
            "error-channel-not-configured",
            &[("channel", "WhatsApp".into())],
        )
    })
}

fn staff_only(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::message(
            ErrorCode::Forbidden,
            "error-unmatched-staff-only",
            &[],
        ))
    }
}

/// `GET /api/v1/channels/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`:
/// echoes the challenge when the verify token is ours.
pub async fn verify(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let wa = whatsapp(&state)?;
    let mode = q.get("hub.mode").map(String::as_str);
    let token = q.get("hub.verify_token").map(String::as_str).unwrap_or("");
    let Some(challenge) = q.get("hub.challenge") else {
        return Err(AppError::new(
            ErrorCode::Invalid,
            "hub.challenge is missing",
        ));
    };
    if mode != Some("subscribe") || !wa.verify_token_ok(token) {
        tracing::warn!("whatsapp: webhook verification with a wrong token");
        return Err(AppError::message(
            ErrorCode::Forbidden,
            "error-channel-verify-token",
            &[],
        ));
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge.clone(),
    )
        .into_response())
}

/// `POST /api/v1/channels/whatsapp/webhook`: a signed delivery.
pub async fn deliver(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let wa = whatsapp(&state)?;
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !wa.signature_ok(signature, &body) {
        tracing::warn!("whatsapp: webhook delivery with a bad or missing signature");
        return Err(AppError::message(
            ErrorCode::Unauthorized,
            "error-channel-bad-signature",
            &[],
        ));
    }
    let hook: Webhook = serde_json::from_slice(&body)
        .map_err(|e| AppError::new(ErrorCode::Invalid, format!("not a webhook delivery: {e}")))?;
    if hook.object != "whatsapp_business_account" {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!("not a WhatsApp delivery: object {:?}", hook.object),
        ));
    }
    for change in hook.entry.iter().flat_map(|e| &e.changes) {
        if change.field != "messages" {
            continue;
        }
        let value = &change.value;
        for m in &value.messages {
            let name = value
                .contacts
                .iter()
                .find(|c| c.wa_id == m.from)
                .and_then(|c| c.profile.as_ref())
                .and_then(|p| p.name.clone());
            receive(&state, wa, m, name).await?;
        }
        for s in &value.statuses {
            let Ok(delivery) = Delivery::parse(&s.status) else {
                tracing::info!(status = %s.status, "whatsapp: status not tracked");
                continue;
            };
            let known = state
                .store
                .record_delivery(Channel::Whatsapp, &s.id, delivery)
                .await?;
            if !known {
                tracing::info!(status = %s.status, "whatsapp: status of an unknown message");
            }
        }
    }
    Ok(StatusCode::OK)
}

/// Turns one WhatsApp message into an [`Inbound`] (its media fetched and stored) and
/// places it.
async fn receive(
    state: &AppState,
    wa: &WhatsApp,
    m: &InboundMessage,
    sender_name: Option<String>,
) -> Result<(), AppError> {
    let Some(sender) = normalise_phone(&m.from, None) else {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!("not a phone number: {:?}", m.from),
        ));
    };
    let catalogue = tadhkira_i18n::Catalogue::get(tadhkira_i18n::Locale::En);
    let mut body = String::new();
    let mut files = Vec::new();
    if let Some(text) = &m.text {
        body.push_str(&text.body);
    }
    if let Some(media) = m.media() {
        if let Some(caption) = &media.caption {
            body.push_str(caption);
        }
        match store_media(state, wa, &m.kind, media).await {
            Ok(file) => files.push(file),
            Err(Stored::Refused(reason)) => {
                // Kept as a line in the message: nothing is dropped silently.
                if !body.is_empty() {
                    body.push('\n');
                }
                body.push_str(&catalogue.text(
                    "whatsapp-media-refused",
                    &[("kind", m.kind.as_str().into()), ("reason", reason.into())],
                ));
            }
            Err(Stored::Later(e)) => return Err(e),
        }
    } else if m.text.is_none() {
        body = catalogue.text("whatsapp-unsupported", &[("kind", m.kind.as_str().into())]);
    }
    let inbound = Inbound {
        channel: Channel::Whatsapp,
        external_id: m.id.clone(),
        sender,
        sender_name,
        body,
        files,
        mail: None,
    };
    let placed = state
        .store
        .receive_inbound(&inbound, &state.settings)
        .await?;
    tracing::info!(placed = ?placed, "whatsapp: message received");
    Ok(())
}

enum Stored {
    /// The file will never be kept (too large, a refused type): say so in the message.
    Refused(String),
    /// Try the whole delivery again later.
    Later(AppError),
}

async fn store_media(
    state: &AppState,
    wa: &WhatsApp,
    kind: &str,
    media: &crate::channels::whatsapp::Media,
) -> Result<InboundFile, Stored> {
    let (bytes, declared) = match wa.fetch_media(&media.id).await {
        Ok(got) => got,
        Err(GraphError::Refused(e)) => return Err(Stored::Refused(e)),
        Err(GraphError::Transient(e)) => {
            tracing::warn!(error = %e, "whatsapp: media not fetched; the delivery will be retried");
            return Err(Stored::Later(AppError::message(
                ErrorCode::Internal,
                "error-internal",
                &[],
            )));
        }
    };
    let head = &bytes[..bytes.len().min(crate::blobs::HEAD_BYTES)];
    let is_text = std::str::from_utf8(&bytes).is_ok() && !bytes.contains(&0);
    let content_type = sniff::decide(head, is_text).map_err(Stored::Refused)?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let sha = Sha256Hex::parse(&sha).map_err(|e| Stored::Refused(e.to_string()))?;
    let size = bytes.len() as i64;
    let staging = state.staging.clone();
    let id = Uuid::now_v7();
    let blobs = state.blobs.clone();
    let path = staging.path(id);
    let stored_sha = sha.clone();
    blocking(move || {
        staging.write_at(id, 0, &bytes)?;
        blobs.put(&stored_sha, &path)
    })
    .await
    .map_err(Stored::Later)?;
    state
        .store
        .record_blob(&sha, size, content_type)
        .await
        .map_err(|e| Stored::Later(e.into()))?;
    let name = media
        .filename
        .clone()
        .unwrap_or_else(|| format!("{kind}.{}", extension(content_type, &declared)));
    Ok(InboundFile {
        sha256: sha,
        name,
        size,
        content_type: content_type.to_owned(),
    })
}

/// A file extension for a media file that came without a name.
fn extension(found: &str, declared: &str) -> String {
    let t = if found.is_empty() { declared } else { found };
    t.split('/')
        .nth(1)
        .and_then(|s| s.split([';', '+']).next())
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("bin")
        .to_owned()
}

/// `GET /api/v1/channels/whatsapp` (staff): whether WhatsApp is on and its template.
pub async fn whatsapp_channel(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WhatsAppChannel>, AppError> {
    staff_only(&caller)?;
    let settings = state.whatsapp.as_ref().map(|w| &w.settings);
    Ok(Json(WhatsAppChannel {
        enabled: settings.is_some(),
        template_name: settings.and_then(|s| s.template_name.clone()),
        template_language: settings
            .filter(|s| s.template_name.is_some())
            .map(|s| s.template_language.clone()),
        window_hours: WHATSAPP_WINDOW_HOURS,
    }))
}

/// `GET /api/v1/channels/unmatched` (staff): messages waiting to be placed.
pub async fn unmatched(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UnmatchedPage>, AppError> {
    staff_only(&caller)?;
    Ok(Json(UnmatchedPage {
        messages: state.store.unmatched().await?,
    }))
}

/// `POST /api/v1/channels/unmatched/{id}/link` (staff): place one as a customer's.
pub async fn link(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(link): Json<LinkUnmatched>,
) -> Result<Json<LinkedUnmatched>, AppError> {
    staff_only(&caller)?;
    match state
        .store
        .link_unmatched(&caller, id, &link, &state.settings)
        .await?
    {
        Ok(linked) => {
            tracing::info!(unmatched = %id, ticket = linked.ticket_number, "unmatched message placed");
            Ok(Json(linked))
        }
        Err(r) if r.code == ErrorCode::Conflict => Err(AppError::message(
            ErrorCode::Conflict,
            "error-unmatched-placed",
            &[],
        )),
        Err(r) => Err(r.into()),
    }
}

/// `POST /api/v1/channels/unmatched/{id}/person` (staff): the sender becomes a new
/// customer of an organisation and the message their ticket, in one step (see
/// [`crate::db::Store::person_from_unmatched`]). The same request again answers the same.
pub async fn person(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(new): Json<NewPersonFromUnmatched>,
) -> Result<Json<PersonFromUnmatched>, AppError> {
    staff_only(&caller)?;
    let invalid = |e: FieldError| AppError::new(ErrorCode::Invalid, e.to_string());
    let email = Email::parse(&new.email).map_err(invalid)?;
    let name = Name::parse(&new.name).map_err(invalid)?.into_inner();
    if !matches!(new.locale.as_str(), "ar" | "en") {
        return Err(AppError::new(ErrorCode::Invalid, "locale must be ar or en"));
    }
    // A password nobody knows: the person signs in once an admin sets one for them.
    let unknown = hex::encode(rand::random::<[u8; 32]>());
    let argon2 = state.settings.argon2;
    let password_hash = blocking(move || {
        crate::auth::hash_password(argon2, &unknown).map_err(std::io::Error::other)
    })
    .await?;
    let person = ChannelPerson {
        id: new.person_id,
        email,
        name,
        phone: new.phone.clone(),
        org_id: new.org_id,
        locale: new.locale.clone(),
        password_hash,
    };
    let refused = match state
        .store
        .person_from_unmatched(&caller, id, &person, &state.settings)
        .await?
    {
        Ok(made) => {
            tracing::info!(unmatched = %id, ticket = made.ticket_number, "a new customer from an unmatched message");
            return Ok(Json(made));
        }
        Err(refused) => refused,
    };
    Err(match refused {
        PersonRefused::Placed => {
            AppError::message(ErrorCode::Conflict, "error-unmatched-placed", &[])
        }
        PersonRefused::IdTaken => {
            AppError::message(ErrorCode::Conflict, "error-unmatched-person-id-taken", &[])
        }
        PersonRefused::NoOrganisation => {
            AppError::message(ErrorCode::Invalid, "error-unmatched-no-organisation", &[])
        }
        PersonRefused::Lapsed { org } => AppError::message(
            ErrorCode::SubscriptionInactive,
            "error-unmatched-organisation-lapsed",
            &[("org", org)],
        ),
        PersonRefused::BadPhone => {
            AppError::message(ErrorCode::Invalid, "error-unmatched-bad-phone", &[])
        }
        PersonRefused::AddressTaken { address, name, .. } => AppError::message(
            ErrorCode::Conflict,
            "error-unmatched-address-taken",
            &[("address", address), ("name", name)],
        ),
        PersonRefused::Rejected(r) => r.into(),
    })
}
