//! The WhatsApp channel end to end (issue 19), against the real `tadhkira-server`
//! binary, with a local HTTP server standing in for Meta's Graph API: it checks every
//! request's bearer token and shape the way the Cloud API documents them, records
//! them, and answers like the real one (a `wamid` per sent message; media metadata
//! with a URL, then the bytes). Webhook deliveries are the documented payloads, signed
//! with the app secret as Meta signs them (HMAC-SHA256 of the raw body). No outside
//! network.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tadhkira_tests::channels::{ChannelDesk, LAPSED_ORG, PAID_ORG};

const TOKEN: &str = "EAAG-test-access-token";
const APP_SECRET: &str = "test-app-secret";
const VERIFY: &str = "verify-me-please";
const PHONE_ID: &str = "106540352242922";
const TEMPLATE: &str = "support_follow_up";
/// The customer's number as WhatsApp sends it (`wa_id`), and as the customer's record
/// holds it (written nationally; the server's default country code is 20).
const WA_ID: &str = "201001234567";
const ON_RECORD: &str = "0100 123 4567";
/// A 1×1 PNG: the server accepts a file by its content.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    body: Value,
}

#[derive(Clone, Default)]
struct Graph {
    sent: Arc<Mutex<Vec<Seen>>>,
    media_fetches: Arc<AtomicUsize>,
    /// Problems with a request's auth or shape: the test fails on any.
    wrong: Arc<Mutex<Vec<String>>>,
    /// Answer this many sends with 503 before accepting.
    fail_sends: Arc<AtomicUsize>,
    addr: Arc<Mutex<Option<SocketAddr>>>,
}

fn authorised(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(format!("Bearer {TOKEN}").as_str())
}

async fn messages(
    State(g): State<Graph>,
    Path((version, phone_id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let refuse = |why: String| {
        g.wrong.lock().unwrap().push(why);
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "bad request", "code": 100}})),
        )
    };
    if !authorised(&headers) {
        return refuse(format!("send without the token: {headers:?}"));
    }
    if version != "v21.0" || phone_id != PHONE_ID {
        return refuse(format!("send to /{version}/{phone_id}"));
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return refuse("send not as JSON".into());
    }
    let to = body["to"].as_str().unwrap_or("");
    let shape_ok = body["messaging_product"] == "whatsapp"
        && body["recipient_type"] == "individual"
        && !to.is_empty()
        && to.chars().all(|c| c.is_ascii_digit())
        && match body["type"].as_str() {
            Some("text") => body["text"]["body"].is_string(),
            Some("template") => {
                body["template"]["name"].is_string()
                    && body["template"]["language"]["code"].is_string()
            }
            _ => false,
        };
    if !shape_ok {
        return refuse(format!("a send of the wrong shape: {body}"));
    }
    if g.fail_sends
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": {"message": "try later", "code": 2}})),
        );
    }
    let mut sent = g.sent.lock().unwrap();
    sent.push(Seen {
        path: format!("/{version}/{phone_id}/messages"),
        body: body.clone(),
    });
    let id = format!("wamid.OUT{}", sent.len());
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": id}],
        })),
    )
}

async fn media(
    State(g): State<Graph>,
    Path((_version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    if !authorised(&headers) {
        g.wrong
            .lock()
            .unwrap()
            .push("media metadata without the token".into());
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"code": 190}})),
        );
    }
    let addr = g.addr.lock().unwrap().expect("bound");
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "url": format!("http://{addr}/whatsapp_business/attachments/?mid={id}&sig=SECRET"),
            "mime_type": "image/png",
            "sha256": "ignored",
            "file_size": PNG.len(),
            "id": id,
        })),
    )
}

async fn media_bytes(State(g): State<Graph>, headers: HeaderMap) -> (StatusCode, Vec<u8>) {
    if !authorised(&headers) {
        g.wrong
            .lock()
            .unwrap()
            .push("media bytes without the token".into());
        return (StatusCode::UNAUTHORIZED, Vec::new());
    }
    g.media_fetches.fetch_add(1, Ordering::SeqCst);
    (StatusCode::OK, PNG.to_vec())
}

/// The stand-in Graph API on a loopback port.
async fn graph() -> Graph {
    let g = Graph::default();
    let app = Router::new()
        .route("/{version}/{phone_id}/messages", post(messages))
        .route("/whatsapp_business/attachments/", get(media_bytes))
        .route("/{version}/{id}", get(media))
        .with_state(g.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    *g.addr.lock().unwrap() = Some(listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    g
}

impl Graph {
    fn url(&self) -> String {
        format!("http://{}", self.addr.lock().unwrap().expect("bound"))
    }

    fn sent(&self) -> Vec<Seen> {
        self.sent.lock().unwrap().clone()
    }

    fn assert_nothing_wrong(&self) {
        let wrong = self.wrong.lock().unwrap();
        assert!(wrong.is_empty(), "the Graph API stand-in saw: {wrong:?}");
    }

    async fn wait_for_sends(&self, n: usize) -> Vec<Seen> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let sent = self.sent();
            if sent.len() >= n {
                return sent;
            }
            assert!(
                Instant::now() < deadline,
                "{n} sends expected, got {sent:?}; wrong: {:?}",
                self.wrong.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The helpdesk with WhatsApp pointed at the stand-in; the secrets in files.
struct Desk(ChannelDesk);

impl std::ops::Deref for Desk {
    type Target = ChannelDesk;
    fn deref(&self) -> &ChannelDesk {
        &self.0
    }
}

impl std::ops::DerefMut for Desk {
    fn deref_mut(&mut self) -> &mut ChannelDesk {
        &mut self.0
    }
}

impl Desk {
    fn start(graph: &Graph, pg: bool) -> Desk {
        let desk = ChannelDesk::start(pg, |secret| {
            format!(
                r#"[channels.whatsapp]
graph_url = "{graph}"
api_version = "v21.0"
phone_number_id = "{PHONE_ID}"
access_token = {{ file = "{token}" }}
app_secret = {{ file = "{app_secret}" }}
verify_token = {{ file = "{verify}" }}
template_name = "{TEMPLATE}"
template_language = "en_US"
default_country_code = "20"
send_interval_ms = 100
"#,
                graph = graph.url(),
                token = secret("token", TOKEN),
                app_secret = secret("app_secret", APP_SECRET),
                verify = secret("verify", VERIFY),
            )
        });
        desk.customer("amal@nile.example", "Amal Nile", PAID_ORG, Some(ON_RECORD));
        desk.customer(
            "faris@dunes.example",
            "Faris",
            LAPSED_ORG,
            Some("+971 50 123 4567"),
        );
        desk.server.agent(1, "agent@help.example");
        Desk(desk)
    }

    /// Delivers a webhook payload signed with `secret` (`None`: no signature header).
    async fn deliver(&self, payload: &Value, secret: Option<&str>) -> StatusCode {
        let body = serde_json::to_vec(payload).unwrap();
        let mut req = self
            .http
            .post(self.url("/channels/whatsapp/webhook"))
            .header("content-type", "application/json");
        if let Some(secret) = secret {
            req = req.header("x-hub-signature-256", sign(secret, &body));
        }
        let r = req.body(body).send().await.unwrap();
        StatusCode::from_u16(r.status().as_u16()).unwrap()
    }

    /// The newest sequence number of the change feed as an agent sees it.
    async fn head(&self, token: &str) -> i64 {
        let mut cursor = 0;
        loop {
            let (_, page) = self
                .get(token, &format!("/sync/pull?cursor={cursor}&limit=1000"))
                .await;
            cursor = page["cursor"].as_i64().unwrap();
            if !page["has_more"].as_bool().unwrap() {
                return cursor;
            }
        }
    }
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A webhook delivery of the documented shape around one `value`.
fn delivery(value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "value": value,
                "field": "messages"
            }]
        }]
    })
}

fn metadata() -> Value {
    json!({"display_phone_number": "15550783881", "phone_number_id": PHONE_ID})
}

fn text_from(from: &str, wamid: &str, text: &str) -> Value {
    delivery(json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(),
        "contacts": [{"profile": {"name": "Amal"}, "wa_id": from}],
        "messages": [{
            "from": from,
            "id": wamid,
            "timestamp": "1733462400",
            "type": "text",
            "text": {"body": text}
        }]
    }))
}

fn image_from(from: &str, wamid: &str, caption: &str) -> Value {
    delivery(json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(),
        "contacts": [{"profile": {"name": "Amal"}, "wa_id": from}],
        "messages": [{
            "from": from,
            "id": wamid,
            "timestamp": "1733462460",
            "type": "image",
            "image": {
                "caption": caption,
                "mime_type": "image/png",
                "sha256": "ignored",
                "id": "1479537139650973"
            }
        }]
    }))
}

fn status(wamid: &str, what: &str) -> Value {
    delivery(json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(),
        "statuses": [{
            "id": wamid,
            "status": what,
            "timestamp": "1733462500",
            "recipient_id": WA_ID,
            "conversation": {"id": "c1", "origin": {"type": "service"}},
            "pricing": {"billable": true, "pricing_model": "CBP", "category": "service"}
        }]
    }))
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_handshake_echoes_the_challenge_only_for_our_token() {
    let graph = graph().await;
    let desk = Desk::start(&graph, false);
    let ask = |token: &str| {
        desk.http
            .get(desk.url("/channels/whatsapp/webhook"))
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let ok = ask(VERIFY).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert!(ok.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let wrong = ask("not-it").await.unwrap();
    assert_eq!(wrong.status().as_u16(), 403);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["code"], "forbidden");
    assert!(!body.to_string().contains("1158201444"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_or_missing_signature_is_refused_and_nothing_is_stored() {
    let graph = graph().await;
    let desk = Desk::start(&graph, false);
    let agent = desk.sign_in("agent@help.example").await;
    let head = desk.head(&agent).await;
    let payload = text_from(WA_ID, "wamid.BAD1", "Printer offline");
    assert_eq!(
        desk.deliver(&payload, Some("not-the-app-secret")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(desk.deliver(&payload, None).await, StatusCode::UNAUTHORIZED);
    // Signed, then changed on the way: refused too.
    let body = serde_json::to_vec(&payload).unwrap();
    let signature = sign(APP_SECRET, &body);
    let tampered = serde_json::to_vec(&text_from(WA_ID, "wamid.BAD1", "Send money")).unwrap();
    let r = desk
        .http
        .post(desk.url("/channels/whatsapp/webhook"))
        .header("x-hub-signature-256", signature)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["code"], "unauthorized");

    assert!(desk.tickets(&agent).await.is_empty());
    let (_, queue) = desk.get(&agent, "/channels/unmatched").await;
    assert_eq!(queue["messages"], json!([]));
    assert_eq!(desk.head(&agent).await, head, "nothing reached the feed");
    assert_eq!(graph.media_fetches.load(Ordering::SeqCst), 0);
    // The same message, signed properly, is taken: the refusals kept nothing of it.
    assert_eq!(
        desk.deliver(&payload, Some(APP_SECRET)).await,
        StatusCode::OK
    );
    assert_eq!(desk.tickets(&agent).await.len(), 1);
}

/// The main story, on one engine.
async fn a_customers_message_becomes_a_ticket_and_the_reply_goes_back(pg: bool) {
    let graph = graph().await;
    let desk = Desk::start(&graph, pg);
    let agent = desk.sign_in("agent@help.example").await;
    let customer = desk.sign_in("amal@nile.example").await;

    // A text from the customer's number opens a WhatsApp ticket as theirs.
    let first = text_from(WA_ID, "wamid.IN1", "The label printer prints blank pages");
    assert_eq!(desk.deliver(&first, Some(APP_SECRET)).await, StatusCode::OK);
    let tickets = desk.tickets(&customer).await;
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    let t = &tickets[0];
    assert_eq!(t["channel"], "whatsapp");
    assert_eq!(t["title"], "The label printer prints blank pages");
    assert_eq!(t["requester_name"], "Amal Nile");
    assert_eq!(t["contact"]["phone"], "+201001234567");
    let id = t["id"].as_str().unwrap().to_owned();

    // A photo with a caption: a reply on the same ticket, the file kept.
    let photo = image_from(WA_ID, "wamid.IN2", "This is what it prints");
    assert_eq!(desk.deliver(&photo, Some(APP_SECRET)).await, StatusCode::OK);
    assert_eq!(graph.media_fetches.load(Ordering::SeqCst), 1);
    let d = desk.detail(&customer, &id).await;
    let messages = d["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{d}");
    assert_eq!(messages[0]["body"], "This is what it prints");
    assert_eq!(messages[0]["author_role"], "customer");
    let file = &messages[0]["attachments"][0];
    assert_eq!(file["content_type"], "image/png", "{d}");
    assert_eq!(file["size"], PNG.len());
    let bytes = desk
        .http
        .get(desk.url(&format!("/attachments/{}", file["id"].as_str().unwrap())))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], PNG, "the photo downloads as it was sent");

    // The agent replies in public and writes an internal note.
    let reply = "Please clean the print head and send us another photo";
    let note = "INTERNAL: this model has a known firmware bug";
    for (body, visibility) in [(reply, "public"), (note, "internal")] {
        let (s, answer) = desk
            .post(
                &agent,
                &format!("/tickets/{id}/messages"),
                json!({"id": uuid::Uuid::now_v7(), "ticket_id": id, "body": body, "visibility": visibility}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{answer}");
    }
    let sent = graph.wait_for_sends(1).await;
    assert_eq!(sent[0].path, format!("/v21.0/{PHONE_ID}/messages"));
    assert_eq!(sent[0].body["to"], WA_ID);
    assert_eq!(sent[0].body["type"], "text");
    assert_eq!(sent[0].body["text"]["body"], reply);
    // The reply's delivery shows on the message: sent, then what WhatsApp reports.
    let delivery_of = |d: &Value| {
        d["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["body"] == reply)
            .map(|m| m["delivery"].clone())
            .unwrap_or(Value::Null)
    };
    eventually("the reply shows sent", || async {
        delivery_of(&desk.detail(&agent, &id).await) == "sent"
    })
    .await;
    for (report, expected) in [
        ("delivered", "delivered"),
        ("read", "read"),
        ("sent", "read"),
    ] {
        assert_eq!(
            desk.deliver(&status("wamid.OUT1", report), Some(APP_SECRET))
                .await,
            StatusCode::OK
        );
        assert_eq!(
            delivery_of(&desk.detail(&customer, &id).await),
            expected,
            "after {report}"
        );
    }
    // The change feed carries it to the apps: the customer's pull has the read reply.
    let (_, pulled) = desk.get(&customer, "/sync/pull?cursor=0&limit=1000").await;
    let pulled_reply = pulled["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["entity"]["data"]["body"] == reply)
        .expect("the reply is in the customer's feed");
    assert_eq!(pulled_reply["entity"]["data"]["delivery"], "read");
    // A report about a message we never sent changes nothing and is accepted.
    assert_eq!(
        desk.deliver(&status("wamid.UNKNOWN", "failed"), Some(APP_SECRET))
            .await,
        StatusCode::OK
    );

    // The note never left; one message went out in all.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = graph.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(!serde_json::to_string(&sent[0].body)
        .unwrap()
        .contains("INTERNAL"));
    graph.assert_nothing_wrong();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_message_becomes_a_ticket_and_the_agents_reply_goes_out_sqlite() {
    a_customers_message_becomes_a_ticket_and_the_reply_goes_back(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_message_becomes_a_ticket_and_the_agents_reply_goes_out_postgres() {
    a_customers_message_becomes_a_ticket_and_the_reply_goes_back(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_webhook_delivery_changes_nothing() {
    let graph = graph().await;
    let desk = Desk::start(&graph, false);
    let agent = desk.sign_in("agent@help.example").await;
    let payload = image_from(WA_ID, "wamid.DUP1", "Blank pages again");
    assert_eq!(
        desk.deliver(&payload, Some(APP_SECRET)).await,
        StatusCode::OK
    );
    let tickets = desk.tickets(&agent).await;
    let id = tickets[0]["id"].as_str().unwrap().to_owned();
    let before = desk.detail(&agent, &id).await;
    let head = desk.head(&agent).await;
    // Meta redelivers (it does, at least once): same answer, nothing new.
    for _ in 0..3 {
        assert_eq!(
            desk.deliver(&payload, Some(APP_SECRET)).await,
            StatusCode::OK
        );
    }
    assert_eq!(desk.tickets(&agent).await.len(), 1);
    assert_eq!(desk.detail(&agent, &id).await, before);
    assert_eq!(desk.head(&agent).await, head, "the feed did not move");
    // The same message id after a restart is still known.
    let mut desk = desk;
    desk.server.restart();
    assert_eq!(
        desk.deliver(&payload, Some(APP_SECRET)).await,
        StatusCode::OK
    );
    let agent = desk.sign_in("agent@help.example").await;
    assert_eq!(desk.tickets(&agent).await.len(), 1);
    assert_eq!(desk.head(&agent).await, head);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_number_waits_in_the_unmatched_queue_until_an_agent_links_it() {
    let graph = graph().await;
    let desk = Desk::start(&graph, false);
    let agent = desk.sign_in("agent@help.example").await;
    let customer = desk.sign_in("amal@nile.example").await;
    let stranger = "966501112233";
    let payload = text_from(stranger, "wamid.UNK1", "Hello, our scanner is broken");
    assert_eq!(
        desk.deliver(&payload, Some(APP_SECRET)).await,
        StatusCode::OK
    );
    assert!(desk.tickets(&agent).await.is_empty());

    let (s, queue) = desk.get(&customer, "/channels/unmatched").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{queue}");
    let (s, queue) = desk.get(&agent, "/channels/unmatched").await;
    assert_eq!(s, StatusCode::OK);
    let waiting = queue["messages"].as_array().unwrap();
    assert_eq!(waiting.len(), 1, "{queue}");
    assert_eq!(waiting[0]["sender"], "+966501112233");
    assert_eq!(waiting[0]["body"], "Hello, our scanner is broken");

    // The agent knows who it is (Amal wrote from her other phone) and links it.
    let (_, me) = desk.get(&customer, "/me").await;
    let amal = me["user"]["id"].as_str().unwrap().to_owned();
    let (s, linked) = desk
        .post(
            &agent,
            &format!(
                "/channels/unmatched/{}/link",
                waiting[0]["id"].as_str().unwrap()
            ),
            json!({"customer_id": amal, "save_address": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{linked}");
    assert_eq!(linked["created"], true);
    let tickets = desk.tickets(&customer).await;
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["channel"], "whatsapp");
    assert_eq!(tickets[0]["number"], linked["ticket_number"]);
    let (_, queue) = desk.get(&agent, "/channels/unmatched").await;
    assert_eq!(queue["messages"], json!([]));

    // Her next message from that number lands on the ticket by itself, and the
    // agent's reply goes to the number she wrote from.
    let next = text_from(stranger, "wamid.UNK2", "It works again, thanks");
    assert_eq!(desk.deliver(&next, Some(APP_SECRET)).await, StatusCode::OK);
    let id = tickets[0]["id"].as_str().unwrap();
    let d = desk.detail(&agent, id).await;
    assert_eq!(d["messages"][0]["body"], "It works again, thanks");
    let (s, _) = desk
        .post(
            &agent,
            &format!("/tickets/{id}/messages"),
            json!({"id": uuid::Uuid::now_v7(), "ticket_id": id, "body": "Glad to hear it", "visibility": "public"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let sent = graph.wait_for_sends(1).await;
    assert_eq!(sent[0].body["to"], stranger);
    graph.assert_nothing_wrong();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_organisation_gets_a_polite_answer_and_no_ticket() {
    let graph = graph().await;
    let desk = Desk::start(&graph, false);
    let agent = desk.sign_in("agent@help.example").await;
    let payload = text_from("971501234567", "wamid.LAPSED1", "Our screens are dark");
    assert_eq!(
        desk.deliver(&payload, Some(APP_SECRET)).await,
        StatusCode::OK
    );
    let sent = graph.wait_for_sends(1).await;
    assert_eq!(sent[0].body["to"], "971501234567");
    let text = sent[0].body["text"]["body"].as_str().unwrap();
    assert!(
        text.contains("Dunes Trading") && text.contains("Faris"),
        "{text}"
    );
    assert!(desk.tickets(&agent).await.is_empty());
    let (_, queue) = desk.get(&agent, "/channels/unmatched").await;
    assert_eq!(queue["messages"], json!([]));
    graph.assert_nothing_wrong();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_window_the_reply_goes_as_the_template_and_failures_are_retried() {
    let graph = graph().await;
    let mut desk = Desk::start(&graph, false);
    let agent = desk.sign_in("agent@help.example").await;
    let customer = desk.sign_in("amal@nile.example").await;
    let (_, me) = desk.get(&customer, "/me").await;
    let amal = me["user"]["id"].as_str().unwrap().to_owned();
    // The agent logs a WhatsApp ticket for Amal, who never wrote: no window is open.
    let id = uuid::Uuid::now_v7();
    let (s, answer) = desk
        .post(
            &agent,
            "/tickets",
            json!({"id": id, "title": "Follow-up on the printer", "description": "Called us",
                   "priority": "normal", "channel": "whatsapp", "requester_id": amal}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{answer}");
    // The Graph API is down for the first two attempts; the reply waits and goes once.
    graph.fail_sends.store(2, Ordering::SeqCst);
    let (s, _) = desk
        .post(
            &agent,
            &format!("/tickets/{id}/messages"),
            json!({"id": uuid::Uuid::now_v7(), "ticket_id": id, "body": "Did the cleaning help?", "visibility": "public"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let d = desk.detail(&agent, &id.to_string()).await;
    assert_eq!(d["messages"][0]["delivery"], "queued");
    // A restart while it waits loses nothing.
    desk.server.restart();
    let sent = graph.wait_for_sends(1).await;
    assert_eq!(
        graph.fail_sends.load(Ordering::SeqCst),
        0,
        "both failures were seen"
    );
    assert_eq!(sent[0].body["type"], "template");
    assert_eq!(sent[0].body["template"]["name"], TEMPLATE);
    assert_eq!(sent[0].body["template"]["language"]["code"], "en_US");
    assert_eq!(sent[0].body["to"], WA_ID);
    let agent = desk.sign_in("agent@help.example").await;
    eventually("the template reply shows sent", || async {
        desk.detail(&agent, &id.to_string()).await["messages"][0]["delivery"] == "sent"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(graph.sent().len(), 1, "sent exactly once");
    graph.assert_nothing_wrong();
}
