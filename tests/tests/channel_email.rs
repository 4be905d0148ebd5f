//! The e-mail channel end to end (issue 19), against the real `tadhkira-server` binary
//! and real mail servers on loopback ([`tadhkira_tests::mail`]): Dovecot serves the
//! support mailbox and the customers' mailboxes over IMAP, and an SMTP server with AUTH
//! delivers what the helpdesk sends into them (through Dovecot's LMTP). Customers'
//! messages are put in the support mailbox as a delivery would; replies are read back
//! from the customer's mailbox over IMAP and parsed. No outside network.

use std::time::{Duration, Instant};

use mail_parser::MimeHeaders;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tadhkira_testkit::server::{ServerDb, ServerProcess};
use tadhkira_tests::channels::{eventually, ChannelDesk, LAPSED_ORG, PAID_ORG};
use tadhkira_tests::mail::{password_of, MailServers, SMTP_PASSWORD, SMTP_USER};

const SUPPORT: &str = "help@desk.example";
const AMAL: &str = "amal@nile.example";
const FARIS: &str = "faris@dunes.example";
const STRANGER: &str = "stranger@else.example";
/// Amal's colleague, copied on her e-mails.
const SAMI: &str = "sami@nile.example";
/// Another colleague, copied later in the thread.
const OPS: &str = "ops@nile.example";
const AGENT: &str = "agent@desk.example";
const SUPPORT_NAME: &str = "مكتب الدعم";

/// The helpdesk with its e-mail channel pointed at the private mail servers.
struct Desk {
    desk: ChannelDesk,
    mail: MailServers,
}

impl std::ops::Deref for Desk {
    type Target = ChannelDesk;
    fn deref(&self) -> &ChannelDesk {
        &self.desk
    }
}

impl std::ops::DerefMut for Desk {
    fn deref_mut(&mut self) -> &mut ChannelDesk {
        &mut self.desk
    }
}

impl Desk {
    fn start(pg: bool) -> Desk {
        let mail = MailServers::start(&[SUPPORT, AMAL, FARIS, STRANGER, SAMI, OPS]);
        let desk = ChannelDesk::start(pg, |secret| {
            format!(
                r#"[channels.email]
poll_interval_ms = 2000
send_interval_ms = 100

[[channels.email.mailboxes]]
name = "support"
host = "127.0.0.1"
port = {imap}
tls = "plain"
user = "{SUPPORT}"
password = {{ file = "{imap_password}" }}
folder = "INBOX"
processed_folder = "Processed"

[channels.email.smtp]
host = "127.0.0.1"
port = {smtp}
tls = "plain"
user = "{SMTP_USER}"
password = {{ file = "{smtp_password}" }}
from_address = "{SUPPORT}"
from_name = "{SUPPORT_NAME}"
"#,
                imap = mail.imap_port,
                smtp = mail.smtp_port,
                imap_password = secret("imap_password", &password_of(SUPPORT)),
                smtp_password = secret("smtp_password", SMTP_PASSWORD),
            )
        });
        desk.customer(AMAL, "Amal Nile", PAID_ORG, None);
        desk.customer(FARIS, "Faris", LAPSED_ORG, None);
        desk.server.agent(1, AGENT);
        Desk { desk, mail }
    }

    /// `GET` that must answer 200: its JSON.
    async fn get(&self, token: &str, path: &str) -> Value {
        let (status, body) = self.desk.get(token, path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    async fn reply(&self, token: &str, ticket: &str, body: &str, visibility: &str) {
        let r = self
            .http
            .post(self.url(&format!("/tickets/{ticket}/messages")))
            .bearer_auth(token)
            .json(
                &json!({"id": uuid::Uuid::now_v7(), "ticket_id": ticket, "body": body,
                          "visibility": visibility}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    }

    /// Uploads `bytes` as `name` (one chunk) and answers the reference a message
    /// attaches it by.
    async fn upload(&self, token: &str, name: &str, bytes: &[u8]) -> Value {
        use sha2::Digest;
        let sha = hex::encode(sha2::Sha256::digest(bytes));
        let r = self
            .http
            .post(self.url("/uploads"))
            .bearer_auth(token)
            .json(&json!({"name": name, "size": bytes.len(), "sha256": sha}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{:?}", r.text().await);
        let started: Value = r.json().await.unwrap();
        let id = started["id"].as_str().unwrap();
        let r = self
            .http
            .put(self.url(&format!("/uploads/{id}?offset=0")))
            .bearer_auth(token)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
        let status: Value = r.json().await.unwrap();
        assert_eq!(status["complete"], true, "{status}");
        json!({"sha256": sha, "name": name})
    }

    /// An agent's public reply with files.
    async fn reply_with(&self, token: &str, ticket: &str, body: &str, files: &[Value]) {
        let r = self
            .http
            .post(self.url(&format!("/tickets/{ticket}/messages")))
            .bearer_auth(token)
            .json(
                &json!({"id": uuid::Uuid::now_v7(), "ticket_id": ticket, "body": body,
                          "visibility": "public", "attachments": files}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    }

    /// A customer's message arrives in the support mailbox.
    async fn deliver(&self, raw: &str) {
        self.mail.append(SUPPORT, "INBOX", raw).await;
    }

    /// Waits until the support mailbox's INBOX is empty and `processed` messages were
    /// moved out of it: everything delivered so far has been handled.
    async fn wait_processed(&self, processed: u32) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let inbox = self.mail.count(SUPPORT, "INBOX").await;
            let done = self.mail.count(SUPPORT, "Processed").await;
            if inbox == 0 && done == processed {
                return;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.server.data_dir().join("server.log"))
                    .unwrap_or_default();
                panic!(
                    "timed out waiting for {processed} messages processed: {inbox} in the \
                     INBOX, {done} processed; server log:\n{log}"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `user`'s mailbox once it holds `n` messages, parsed.
    async fn mailbox(&self, user: &str, n: usize) -> Vec<Vec<u8>> {
        eventually(&format!("{n} messages for {user}"), || async {
            self.mail.messages(user, "INBOX").await.len() >= n
        })
        .await;
        let all = self.mail.messages(user, "INBOX").await;
        assert_eq!(all.len(), n, "exactly {n} messages for {user}");
        all
    }
}

/// An RFC 5322 message; `extra` holds more header lines.
fn email(from: &str, subject: &str, message_id: Option<&str>, extra: &str, body: &str) -> String {
    let id = message_id
        .map(|m| format!("Message-ID: <{m}>\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\nTo: {SUPPORT}\nSubject: {subject}\nDate: Sun, 6 Dec 2026 08:00:00 +0000\n\
         {id}{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\n{body}\n"
    )
}

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a readable message")
}

fn messages(d: &Value) -> Vec<Value> {
    d["messages"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_email_becomes_a_ticket_and_the_thread_goes_both_ways() {
    let desk = Desk::start(false);
    let agent = desk.sign_in(AGENT).await;

    // A new e-mail from a known customer: a ticket as theirs, signature trimmed.
    let first = email(
        "Amal Nile <Amal@Nile.example>",
        "Label printer prints blank pages",
        Some("c1@nile.example"),
        "",
        "It stopped this morning.\n\n-- \nAmal Nile\nNile Logistics",
    );
    desk.deliver(&first).await;
    desk.wait_processed(1).await;
    let tickets = desk.tickets(&agent).await;
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    let t = &tickets[0];
    assert_eq!(t["channel"], "email");
    assert_eq!(t["title"], "Label printer prints blank pages");
    assert_eq!(t["requester_name"], "Amal Nile");
    assert_eq!(t["contact"]["email"], AMAL);
    let id = t["id"].as_str().unwrap().to_owned();
    let number = t["number"].as_i64().unwrap();
    let d = desk.detail(&agent, &id).await;
    assert_eq!(
        d["ticket"]["description"], "It stopped this morning.",
        "{d}"
    );
    // The whole original is kept and downloadable by staff.
    let original = d["ticket"]["attachments"]
        .as_array()
        .or(d["attachments"].as_array())
        .and_then(|a| a.iter().find(|f| f["name"] == "original.eml").cloned())
        .unwrap_or_else(|| panic!("the original is attached: {d}"));
    let bytes = desk
        .http
        .get(desk.url(&format!(
            "/attachments/{}",
            original["id"].as_str().unwrap()
        )))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let kept = String::from_utf8_lossy(&bytes);
    assert!(kept.contains("Message-ID: <c1@nile.example>"), "{kept}");
    assert!(
        kept.contains("Nile Logistics"),
        "the signature is in the original"
    );

    // The agent answers in public and writes an internal note: one e-mail goes out.
    let answer = "Please clean the print head <gently> & try again.";
    let note = "INTERNAL: known firmware bug";
    desk.reply(&agent, &id, answer, "public").await;
    desk.reply(&agent, &id, note, "internal").await;
    let inbox = desk.mailbox(AMAL, 1).await;
    let raw = String::from_utf8_lossy(&inbox[0]).to_string();
    assert!(
        !raw.contains("INTERNAL"),
        "an internal note never leaves: {raw}"
    );
    let sent = parse(&inbox[0]);
    let subject = format!("Re: Label printer prints blank pages [#{number}]");
    assert_eq!(sent.subject(), Some(subject.as_str()));
    assert_eq!(sent.in_reply_to().as_text(), Some("c1@nile.example"));
    let refs: Vec<String> = match sent.references() {
        mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        other => panic!("no References: {other:?}"),
    };
    assert_eq!(refs.first().map(String::as_str), Some("c1@nile.example"));
    let ours = sent.message_id().expect("our Message-ID").to_owned();
    assert!(
        ours.starts_with("tadhkira.") && ours.ends_with("@desk.example"),
        "{ours}"
    );
    let from = sent.from().and_then(|a| a.first()).unwrap();
    assert_eq!(from.address(), Some(SUPPORT));
    assert_eq!(from.name(), Some(SUPPORT_NAME));
    assert_eq!(sent.body_text(0).unwrap().trim(), answer);
    let html = sent.body_html(0).expect("an HTML part");
    assert!(html.contains("&lt;gently&gt; &amp; try"), "{html}");
    eventually("the reply shows sent", || async {
        messages(&desk.detail(&agent, &id).await)
            .iter()
            .any(|m| m["body"] == answer && m["delivery"] == "sent")
    })
    .await;

    // The customer answers the reply (quoting it): it lands on the same ticket.
    let answer_back = email(
        AMAL,
        &format!("Re: {subject}"),
        Some("c2@nile.example"),
        &format!("In-Reply-To: <{ours}>\nReferences: <c1@nile.example> <{ours}>\n"),
        &format!(
            "Cleaning fixed it, thanks!\n\nOn Sun, 6 Dec 2026 at 08:05, {SUPPORT} wrote:\n> {answer}"
        ),
    );
    desk.deliver(&answer_back).await;
    desk.wait_processed(2).await;
    assert_eq!(desk.tickets(&agent).await.len(), 1, "no new ticket");
    let d = desk.detail(&agent, &id).await;
    let from_customer: Vec<Value> = messages(&d)
        .into_iter()
        .filter(|m| m["author_role"] == "customer")
        .collect();
    assert_eq!(from_customer.len(), 1, "{d}");
    assert_eq!(from_customer[0]["body"], "Cleaning fixed it, thanks!");

    // An out-of-office answer to our reply creates nothing and is not answered.
    let before = messages(&d).len();
    let auto = email(
        AMAL,
        &format!("Automatic reply: {subject}"),
        Some("ooo1@nile.example"),
        &format!("Auto-Submitted: auto-replied\nIn-Reply-To: <{ours}>\n"),
        "I am away until Monday.",
    );
    desk.deliver(&auto).await;
    // Bulk mail too.
    desk.deliver(&email(
        AMAL,
        "Newsletter",
        Some("news1@nile.example"),
        "Precedence: bulk\n",
        "News",
    ))
    .await;
    desk.wait_processed(4).await;
    assert_eq!(desk.tickets(&agent).await.len(), 1);
    assert_eq!(messages(&desk.detail(&agent, &id).await).len(), before);

    // A message with the ticket number in its subject only: the same ticket.
    desk.deliver(&email(
        AMAL,
        &format!("One more thing [#{number}]"),
        Some("c3@nile.example"),
        "",
        "It also jams now.",
    ))
    .await;
    desk.wait_processed(5).await;
    assert_eq!(desk.tickets(&agent).await.len(), 1);
    assert!(messages(&desk.detail(&agent, &id).await)
        .iter()
        .any(|m| m["body"] == "It also jams now."));

    // An Arabic subject (RFC 2047) round-trips: the title, then the reply's subject.
    let arabic = "الطابعة لا تطبع";
    desk.deliver(&email(
        "=?UTF-8?B?2KPZhdmE?= <amal@nile.example>",
        "=?UTF-8?B?2KfZhNi32KfYqNi52Kkg2YTYpyDYqti32KjYuQ==?=",
        Some("c4@nile.example"),
        "",
        "لا يخرج شيء من الطابعة.",
    ))
    .await;
    desk.wait_processed(6).await;
    let tickets = desk.tickets(&agent).await;
    assert_eq!(tickets.len(), 2);
    let t2 = tickets
        .iter()
        .find(|t| t["title"] == arabic)
        .unwrap_or_else(|| panic!("a ticket titled {arabic}: {tickets:?}"));
    let id2 = t2["id"].as_str().unwrap().to_owned();
    desk.reply(&agent, &id2, "سنتصل بك اليوم.", "public").await;
    let inbox = desk.mailbox(AMAL, 2).await;
    let second = parse(&inbox[1]);
    let expected = format!("Re: {arabic} [#{}]", t2["number"]);
    assert_eq!(second.subject(), Some(expected.as_str()));
    assert_eq!(second.in_reply_to().as_text(), Some("c4@nile.example"));
    assert_eq!(second.body_text(0).unwrap().trim(), "سنتصل بك اليوم.");
    let head_end = inbox[1].windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(
        inbox[1][..head_end].is_ascii(),
        "headers are RFC 2047 encoded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_unreadable_mail_and_lapsed_organisations_make_no_ticket() {
    let desk = Desk::start(false);
    let agent = desk.sign_in(AGENT).await;

    // An unknown sender (and no Message-ID): the unmatched queue.
    desk.deliver(&email(
        STRANGER,
        "Do you sell printers?",
        None,
        "",
        "Hello?",
    ))
    .await;
    // No sender at all: kept for staff with the reason, the original attached.
    desk.deliver("Subject: broken\nMessage-ID: <nofrom@x.example>\n\nwho am I\n")
        .await;
    // A customer of a lapsed organisation: no ticket, a polite answer by e-mail.
    desk.deliver(&email(
        "Faris <faris@dunes.example>",
        "Router down",
        Some("f1@dunes.example"),
        "",
        "Our router is down.",
    ))
    .await;
    desk.wait_processed(3).await;
    assert!(desk.tickets(&agent).await.is_empty());
    let queue = desk.get(&agent, "/channels/unmatched").await;
    let waiting = queue["messages"].as_array().unwrap();
    assert_eq!(waiting.len(), 2, "{queue}");
    let stranger = waiting
        .iter()
        .find(|m| m["sender"] == STRANGER)
        .expect("the stranger");
    assert_eq!(stranger["channel"], "email");
    assert_eq!(stranger["body"], "Hello?");
    let unreadable = waiting
        .iter()
        .find(|m| m["sender"] == "unknown")
        .expect("unreadable");
    assert!(
        unreadable["reason"]
            .as_str()
            .unwrap_or("")
            .contains("sender"),
        "{unreadable}"
    );
    assert_eq!(unreadable["files"][0]["name"], "original.eml");

    let inbox = desk.mailbox(FARIS, 1).await;
    let answer = parse(&inbox[0]);
    assert_eq!(answer.in_reply_to().as_text(), Some("f1@dunes.example"));
    assert_eq!(answer.subject(), Some("Re: Router down"));
    assert_eq!(
        answer.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-replied"),
        "an automatic answer says so"
    );
    // A letter of its own (not the WhatsApp line), in the customer's language.
    let letter = answer.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(letter.starts_with("Dear Faris,\n\n"), "{letter}");
    assert!(letter.contains("Thank you for your e-mail"), "{letter}");
    assert!(letter.contains("Dunes Trading"), "{letter}");
    // Its Message-ID is ours: were it to come back, it would create nothing.
    assert!(answer.message_id().unwrap().starts_with("tadhkira."));
}

/// The addresses of an address header (`To`, `Cc`), in order.
fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    list.map(|a| {
        a.iter()
            .filter_map(|a| a.address().map(str::to_owned))
            .collect()
    })
    .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_copies_the_threads_cc_and_carries_its_files() {
    let desk = Desk::start(false);
    let agent = desk.sign_in(AGENT).await;

    // Amal writes to support and copies her colleague, and our own address too.
    desk.deliver(&email(
        "Amal Nile <amal@nile.example>",
        "VPN drops every hour",
        Some("cc1@nile.example"),
        &format!("Cc: Sami Nile <Sami@Nile.example>, Help <{SUPPORT}>\n"),
        "Since Monday, every hour on the hour.",
    ))
    .await;
    desk.wait_processed(1).await;
    let tickets = desk.tickets(&agent).await;
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    let id = tickets[0]["id"].as_str().unwrap().to_owned();

    // An internal note first (were it sent, it would arrive before the reply), then a
    // public reply with a file: bytes of every value, as a binary file is.
    desk.reply(&agent, &id, "INTERNAL: the concentrator again", "internal")
        .await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..=255u8).cycle().take(70_000));
    let file = desk.upload(&agent, "vpn-settings.png", &png).await;
    let answer = "Please import these settings and reconnect.";
    desk.reply_with(&agent, &id, answer, &[file]).await;

    // One e-mail, to Amal with Sami copied (never our own address), in both mailboxes.
    let to_amal = desk.mailbox(AMAL, 1).await;
    let to_sami = desk.mailbox(SAMI, 1).await;
    for raw in [&to_amal[0], &to_sami[0]] {
        let text = String::from_utf8_lossy(raw);
        assert!(!text.contains("INTERNAL"), "a note never leaves: {text}");
        let sent = parse(raw);
        assert_eq!(addresses(sent.to()), vec![AMAL.to_owned()]);
        assert_eq!(addresses(sent.cc()), vec![SAMI.to_owned()], "{text}");
        let copied = sent.cc().and_then(|c| c.first()).unwrap();
        assert_eq!(copied.name(), Some("Sami Nile"));
        assert_eq!(sent.in_reply_to().as_text(), Some("cc1@nile.example"));
        assert_eq!(sent.body_text(0).unwrap().trim(), answer);
        // The file arrives whole: the same bytes under the same name.
        assert_eq!(sent.attachment_count(), 1, "{text}");
        let attached = sent.attachment(0).unwrap();
        assert_eq!(attached.attachment_name(), Some("vpn-settings.png"));
        assert_eq!(attached.contents(), png.as_slice());
    }
    assert_eq!(
        parse(&to_amal[0]).message_id(),
        parse(&to_sami[0]).message_id(),
        "one message, two recipients"
    );
    // Nothing came back to the support mailbox.
    assert_eq!(desk.mail.count(SUPPORT, "INBOX").await, 0);
    eventually("the reply shows sent", || async {
        messages(&desk.detail(&agent, &id).await)
            .iter()
            .any(|m| m["body"] == answer && m["delivery"] == "sent")
    })
    .await;

    // Amal answers, copying Sami and one more colleague: the thread's Cc list grows,
    // and she stays the one the reply is addressed to.
    let ours = parse(&to_amal[0]).message_id().unwrap().to_owned();
    desk.deliver(&email(
        "Amal Nile <amal@nile.example>",
        "Re: VPN drops every hour",
        Some("cc2@nile.example"),
        &format!("In-Reply-To: <{ours}>\nCc: {SAMI}, Ops <{OPS}>\n"),
        "Imported; it holds for now.",
    ))
    .await;
    desk.wait_processed(2).await;
    desk.reply(&agent, &id, "Good. We keep it open a day.", "public")
        .await;
    let to_amal = desk.mailbox(AMAL, 2).await;
    let second = parse(&to_amal[1]);
    assert_eq!(addresses(second.to()), vec![AMAL.to_owned()]);
    assert_eq!(
        addresses(second.cc()),
        vec![SAMI.to_owned(), OPS.to_owned()],
        "the thread's Cc list grows"
    );
    assert_eq!(second.attachment_count(), 0);
    desk.mailbox(SAMI, 2).await;
    desk.mailbox(OPS, 1).await;
}

/// `n` new e-mails from the customer, each with its own subject and Message-ID.
async fn deliver_many(desk: &Desk, n: usize) {
    for i in 0..n {
        desk.deliver(&email(
            AMAL,
            &format!("Batch message {i}"),
            Some(&format!("batch{i}@nile.example")),
            "",
            &format!("Body {i}"),
        ))
        .await;
    }
}

/// Exactly one ticket per batch message, and one inbound row each.
async fn assert_each_once(desk: &Desk, agent: &str, n: usize) {
    let tickets = desk.tickets(agent).await;
    let mut titles: Vec<String> = tickets
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(tickets.len(), n, "one ticket per message: {titles:?}");
    assert_eq!(titles.len(), n, "no title twice");
    let rows = desk
        .server
        .query_texts("SELECT CAST(COUNT(*) AS TEXT) FROM channel_inbound")
        .await;
    assert_eq!(rows, vec![n.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_import_imports_nothing_twice() {
    const N: usize = 25;
    let mut desk = Desk::start(false);
    let agent = desk.sign_in(AGENT).await;
    // The server stops; the mail piles up; it comes back and is killed mid-import.
    desk.server.stop();
    deliver_many(&desk, N).await;
    desk.server.start();
    let deadline = Instant::now() + Duration::from_secs(30);
    let at_kill = loop {
        let n = desk
            .server
            .query_texts("SELECT CAST(COUNT(*) AS TEXT) FROM channel_inbound")
            .await
            .first()
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(0);
        if n > 0 {
            break n;
        }
        assert!(Instant::now() < deadline, "nothing imported");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    desk.server.kill();
    let left = desk.mail.count(SUPPORT, "INBOX").await;
    eprintln!("killed with {at_kill} of {N} placed and {left} still in the INBOX");
    desk.server.start();
    let agent_again = desk.sign_in(AGENT).await;
    desk.wait_processed(N as u32).await;
    assert_each_once(&desk, &agent_again, N).await;

    // Moves lost after placement (the message back in the INBOX, as if the process had
    // died between its commit and the move): placed before, so only moved again.
    let mut s = desk.mail.imap(SUPPORT).await;
    s.select("Processed").await.unwrap();
    s.copy("1:5", "INBOX").await.unwrap();
    let _ = s.logout().await;
    eventually("the copies are moved out", || async {
        desk.mail.count(SUPPORT, "INBOX").await == 0
    })
    .await;
    assert_each_once(&desk, &agent, N).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_do_not_both_import_a_message() {
    const N: usize = 25;
    let desk = Desk::start(true);
    let agent = desk.sign_in(AGENT).await;
    let second_dir = tempfile::tempdir().unwrap();
    let db = ServerDb {
        data_dir: second_dir.path().to_path_buf(),
        database_url: desk.server.database_url(),
    };
    let log = second_dir.path().join("server.log");
    let extra = vec!["--config".into(), desk.config.clone().into_os_string()];
    let second = ServerProcess::start_with(&db, "127.0.0.1:0", Some(&log), &extra)
        .unwrap_or_else(|e| panic!("the second server did not start: {e:#}"));
    deliver_many(&desk, N).await;
    // Each message leaves the INBOX only once placed. (Two readers may both move one
    // message, and Dovecot then keeps two copies in the processed folder: a copy of
    // mail already handled, never a second ticket.)
    eventually("the INBOX emptied", || async {
        desk.mail.count(SUPPORT, "INBOX").await == 0
    })
    .await;
    assert_each_once(&desk, &agent, N).await;
    assert!(desk.mail.count(SUPPORT, "Processed").await >= N as u32);
    second.stop(Duration::from_secs(10));
}
