//! Fuzz targets of what reaches the server from outside (issue 21): push batches,
//! WhatsApp webhook deliveries, e-mail read from a mailbox, and the configuration file. Each takes a valid input
//! and a random edit of it (a span replaced by random bytes), so the parsers are driven
//! past their first byte; none may panic, and what they accept must pass the same
//! checks the routes apply.
//!
//! Under `cargo test` bolero feeds random inputs for a bounded time (stable toolchain);
//! `cargo bolero test fuzz_…` (nightly) runs the same targets coverage-guided.

use tadhkira_proto::{normalise_phone, Delivery, PushRequest, MAX_PUSH_BATCH};

use crate::channels::email::parse;
use crate::channels::whatsapp::Webhook;
use crate::config::Settings;

/// `seed` with `len` bytes at `at` replaced by `insert` (positions wrap into the seed).
fn splice(seed: &[u8], at: u16, len: u8, insert: &[u8]) -> Vec<u8> {
    let at = usize::from(at) % (seed.len() + 1);
    let end = (at + usize::from(len)).min(seed.len());
    let mut out = Vec::with_capacity(seed.len() + insert.len());
    out.extend_from_slice(&seed[..at]);
    out.extend_from_slice(insert);
    out.extend_from_slice(&seed[end..]);
    out
}

const PUSH: &str = r#"{"client_id":"0190a1b2-0000-7000-8000-000000000001","mutations":[
 {"id":"0190a1b2-0000-7000-8000-000000000002","mutation":{"type":"create_ticket","data":{
  "id":"0190a1b2-0000-7000-8000-000000000003","title":"Printer offline","description":"It blinks",
  "priority":"high","channel":"desktop","category":"printing",
  "contact":{"name":"Amal","email":"amal@nile.example","phone":"+20 100 555 0101"},
  "checks":["restarted"],"system_info":"Windows 11","terms_version":1}}},
 {"id":"0190a1b2-0000-7000-8000-000000000004","mutation":{"type":"add_message","data":{
  "id":"0190a1b2-0000-7000-8000-000000000005","ticket_id":"0190a1b2-0000-7000-8000-000000000003",
  "body":"ما زالت الطابعة متوقفة","visibility":"public"}}}]}"#;

const WEBHOOK: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
 {"field":"messages","value":{"messaging_product":"whatsapp",
  "contacts":[{"wa_id":"201005550101","profile":{"name":"Amal"}}],
  "messages":[{"from":"201005550101","id":"wamid.A","timestamp":"1733472000","type":"text",
   "text":{"body":"الطابعة لا تعمل"}},
   {"from":"201005550101","id":"wamid.B","timestamp":"1733472001","type":"image",
   "image":{"id":"m1","mime_type":"image/jpeg","caption":"screen"}}],
  "statuses":[{"id":"wamid.C","status":"read"}]}}]}]}"#;

#[test]
fn fuzz_push_batches_parse_and_check_without_panic() {
    bolero::check!()
        .with_type::<(u16, u8, Vec<u8>)>()
        .for_each(|(at, len, insert)| {
            let body = splice(PUSH.as_bytes(), *at, *len, insert);
            if let Ok(req) = serde_json::from_slice::<PushRequest>(&body) {
                // What the push route does before anything is stored.
                let _ = req.mutations.len() <= MAX_PUSH_BATCH;
                for m in &req.mutations {
                    let _ = m.mutation.check();
                }
            }
        });
}

#[test]
fn fuzz_whatsapp_deliveries_parse_without_panic() {
    bolero::check!()
        .with_type::<(u16, u8, Vec<u8>)>()
        .for_each(|(at, len, insert)| {
            let body = splice(WEBHOOK.as_bytes(), *at, *len, insert);
            let Ok(hook) = serde_json::from_slice::<Webhook>(&body) else {
                return;
            };
            // What the webhook route reads of a delivery before it touches the store.
            for change in hook.entry.iter().flat_map(|e| &e.changes) {
                for m in &change.value.messages {
                    let _ = normalise_phone(&m.from, None);
                    let _ = m.media();
                    let _ = m.kind.as_str();
                }
                for s in &change.value.statuses {
                    let _ = Delivery::parse(&s.status);
                }
            }
        });
}

/// A customer's reply as a mail client writes it: an Arabic encoded-word subject with
/// the ticket's number, the thread's ids, text with a quote and a signature, a file.
const MAIL: &str = "From: =?UTF-8?B?2KPZhdmE?= <amal@nile.example>\r
To: support@tadhkira.example\r
Subject: =?UTF-8?B?2KfZhNi32KfYqNi52Kkg2YTYpyDYqti32KjYuQ==?= [#1042]\r
Message-ID: <c1@nile.example>\r
In-Reply-To: <t1042.r1@tadhkira.example>\r
References: <t1042@tadhkira.example> <t1042.r1@tadhkira.example>\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary=\"b1\"\r
\r
--b1\r
Content-Type: text/plain; charset=utf-8\r
Content-Transfer-Encoding: quoted-printable\r
\r
=D9=85=D8=A7 =D8=B2=D8=A7=D9=84=D8=AA =D9=85=D8=AA=D9=88=D9=82=D9=81=D8=A9.\r
\r
On Sun, 6 Dec 2026 at 10:00, Support <support@tadhkira.example> wrote:\r
> Please restart the spooler.\r
-- \r
Amal\r
--b1\r
Content-Type: text/plain; name=\"spooler.log\"\r
Content-Disposition: attachment; filename=\"spooler.log\"\r
Content-Transfer-Encoding: base64\r
\r
am9iIDQ3MTEgZmFpbGVkCg==\r
--b1--\r
";

#[test]
fn fuzz_emails_read_without_panic() {
    bolero::check!()
        .with_type::<(u16, u8, Vec<u8>)>()
        .for_each(|(at, len, insert)| {
            let raw = splice(MAIL.as_bytes(), *at, *len, insert);
            // What the mailbox reader does with a message before it touches the store.
            if let Ok(mail) = parse::read(&raw, "tadhkira.example") {
                let _ = parse::ticket_number(&mail.subject);
                let _ = parse::trim_reply(&mail.text);
                for id in &mail.refs {
                    let _ = parse::is_ours(&parse::clean_id(id), "tadhkira.example");
                }
            }
            // The plain-text helpers on any text at all.
            let text = String::from_utf8_lossy(&raw);
            let _ = parse::trim_reply(&text);
            let _ = parse::ticket_number(&text);
            let _ = parse::clean_id(&text);
        });
}

#[test]
fn fuzz_configuration_files_load_or_say_why_without_panic() {
    let seed = include_str!("../config.example.toml");
    bolero::check!()
        .with_type::<(u16, u8, Vec<u8>)>()
        .for_each(|(at, len, insert)| {
            let text = splice(seed.as_bytes(), *at, *len, insert);
            let Ok(text) = std::str::from_utf8(&text) else {
                return;
            };
            if let Ok(settings) = toml::from_str::<Settings>(text) {
                let _ = settings.validate();
            }
        });
}

#[test]
fn the_seeds_are_valid_inputs() {
    // A target whose seed does not parse would only ever test the error path.
    let req: PushRequest = serde_json::from_str(PUSH).expect("push seed");
    assert!(req.mutations.iter().all(|m| m.mutation.check().is_ok()));
    let hook: Webhook = serde_json::from_str(WEBHOOK).expect("webhook seed");
    assert_eq!(hook.entry[0].changes[0].value.messages.len(), 2);
    let settings: Settings =
        toml::from_str(include_str!("../config.example.toml")).expect("config seed");
    settings.validate().expect("valid example configuration");
    let mail = parse::read(MAIL.as_bytes(), "tadhkira.example").expect("mail seed");
    assert_eq!(mail.ticket_number, Some(1042), "{mail:?}");
    assert!(
        mail.refs.iter().any(|r| r == "t1042@tadhkira.example"),
        "{mail:?}"
    );
    assert_eq!(mail.files.len(), 1, "{mail:?}");
    assert!(!mail.text.contains("restart the spooler"), "{mail:?}");
}
