//! What an incoming e-mail says, read with `mail-parser` (MIME, encodings and charsets
//! are its job): who sent it, its subject, the Message-IDs it answers, its new text,
//! its files, and whether it is an automatic message that must create nothing.
//!
//! Text trimming is deliberately plain: a reply's new text ends where the quoted
//! history starts (an "On … wrote:" line in English or Arabic, an Outlook "Original
//! Message" or `From:` block, a run of `>` lines) or where the signature starts (the
//! standard `-- ` line). What is cut is not lost: the whole message is kept as a file.

use mail_parser::{MessageParser, MimeHeaders};

/// A message read from a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Its Message-ID without the angle brackets, if it has one.
    pub message_id: Option<String>,
    /// The sender's address, in lower case.
    pub from: String,
    /// The sender's name, if given.
    pub from_name: Option<String>,
    /// The subject (decoded), possibly empty.
    pub subject: String,
    /// The Message-IDs it answers: `In-Reply-To` first, then `References` newest first.
    pub refs: Vec<String>,
    /// The ticket number in the subject (`[#1042]`), if any.
    pub ticket_number: Option<i64>,
    /// The new text, without quoted history or signature.
    pub text: String,
    /// Its attached files.
    pub files: Vec<MailFile>,
    /// Everyone else it was written to: its `To` and `Cc` addresses other than the
    /// sender, once each (our own addresses among them are left out where they are
    /// stored, which knows them).
    pub cc: Vec<crate::channels::MailAddress>,
    /// Why it must create nothing (an automatic message), if so.
    pub automatic: Option<&'static str>,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    /// The name the sender gave it (or one made up).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// Not a message at all.
    #[error("not an e-mail message")]
    NotMail,
    /// No sender address.
    #[error("the message names no sender address")]
    NoSender,
}

/// Reads a raw message. `our_domain` is the domain of our Message-IDs: a message that
/// carries one as its own id is one of ours coming back (a loop).
pub fn read(raw: &[u8], our_domain: &str) -> Result<Mail, Unreadable> {
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or(Unreadable::NotMail)?;
    if msg.headers().is_empty() {
        return Err(Unreadable::NotMail);
    }
    let from = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'))
        .ok_or(Unreadable::NoSender)?;
    let from_name = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.name())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let message_id = msg.message_id().map(clean_id).filter(|m| !m.is_empty());
    let subject = msg.subject().unwrap_or("").trim().to_owned();
    let mut refs: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        let id = clean_id(id);
        if !id.is_empty() && !refs.contains(&id) {
            refs.push(id);
        }
    };
    for id in ids(msg.in_reply_to()) {
        add(&id);
    }
    for id in ids(msg.references()).into_iter().rev() {
        add(&id);
    }
    let mut cc: Vec<crate::channels::MailAddress> = Vec::new();
    let named = [msg.to(), msg.cc()];
    for addr in named.into_iter().flatten().flat_map(|a| a.iter()) {
        let Some(address) = addr
            .address()
            .map(|a| a.trim().to_lowercase())
            .filter(|a| a.contains('@') && *a != from)
        else {
            continue;
        };
        if cc.iter().any(|c| c.address == address) {
            continue;
        }
        let name = addr
            .name()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        cc.push(crate::channels::MailAddress { address, name });
    }
    let automatic = automatic(&msg, message_id.as_deref(), our_domain);
    let body = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let files = msg
        .attachments()
        .enumerate()
        .map(|(i, part)| MailFile {
            name: part
                .attachment_name()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("attachment-{}", i + 1)),
            bytes: part.contents().to_vec(),
        })
        .collect();
    Ok(Mail {
        message_id,
        from,
        from_name,
        ticket_number: ticket_number(&subject),
        subject,
        refs,
        text: trim_reply(&body),
        files,
        cc,
        automatic,
    })
}

fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match value {
        mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// A Message-ID without angle brackets or white space.
pub fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_owned()
}

/// Why a message is automatic (RFC 3834 and the usual list and bounce markers).
fn automatic(
    msg: &mail_parser::Message<'_>,
    message_id: Option<&str>,
    our_domain: &str,
) -> Option<&'static str> {
    let header = |name: &'static str| {
        msg.header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
    };
    if header("Auto-Submitted").is_some_and(|v| !v.starts_with("no")) {
        return Some("Auto-Submitted");
    }
    if header("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list")) {
        return Some("Precedence");
    }
    if header("X-Autoreply").is_some() || header("X-Autorespond").is_some() {
        return Some("an auto-responder's header");
    }
    let report = msg.root_part().content_type().is_some_and(|ct| {
        ct.c_type.eq_ignore_ascii_case("multipart")
            && ct
                .c_subtype
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    if report {
        return Some("a delivery report");
    }
    if message_id.is_some_and(|id| is_ours(id, our_domain)) {
        return Some("our own Message-ID");
    }
    None
}

/// Whether a Message-ID is one we made (`tadhkira.<uuid>@<our domain>`).
pub fn is_ours(id: &str, our_domain: &str) -> bool {
    id.strip_prefix("tadhkira.")
        .and_then(|rest| rest.rsplit_once('@'))
        .is_some_and(|(uuid, domain)| {
            domain.eq_ignore_ascii_case(our_domain) && uuid::Uuid::parse_str(uuid).is_ok()
        })
}

/// The ticket number in a subject: the last `[#digits]`.
pub fn ticket_number(subject: &str) -> Option<i64> {
    let mut found = None;
    let mut rest = subject;
    while let Some(start) = rest.find("[#") {
        let after = &rest[start + 2..];
        let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() && after[digits.len()..].starts_with(']') {
            found = digits.parse().ok().or(found);
        }
        rest = after;
    }
    found
}

/// The new text of a reply: everything before the quoted history or the signature,
/// without trailing blank lines. Never empty when the message had text: a message that
/// is all quote keeps its first lines.
pub fn trim_reply(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        if starts_history(&lines, i) || line.trim_end() == "--" && line.starts_with("--") {
            end = i;
            break;
        }
    }
    let kept: Vec<&str> = lines[..end]
        .iter()
        .copied()
        .filter(|l| !l.trim_start().starts_with('>'))
        .collect();
    let text = kept.join("\n").trim().to_owned();
    if text.is_empty() {
        body.trim().to_owned()
    } else {
        text
    }
}

/// Whether line `i` opens the quoted history.
fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    if line.starts_with("-----Original Message-----")
        || line.starts_with("-----الرسالة الأصلية-----")
        || line.starts_with("________________________________")
    {
        return true;
    }
    // "On Mon, 1 Dec 2026, Amal <a@b> wrote:" — possibly folded over two lines.
    let joined = match lines.get(i + 1) {
        Some(next) => format!("{line} {}", next.trim()),
        None => line.to_owned(),
    };
    let wrote = |s: &str| {
        (s.starts_with("On ") && s.ends_with("wrote:"))
            || (s.starts_with("في ") && s.ends_with("كتب:"))
            || (s.contains("كتب") && s.ends_with(':') && s.contains('@'))
    };
    if wrote(line) || (line.starts_with("On ") && wrote(&joined)) {
        return true;
    }
    // An Outlook header block: "From: …" followed by "Sent:"/"Date:" or "To:".
    if line.starts_with("From:") || line.starts_with("من:") {
        return lines.iter().skip(i + 1).take(3).any(|l| {
            let l = l.trim();
            l.starts_with("Sent:")
                || l.starts_with("Date:")
                || l.starts_with("To:")
                || l.starts_with("إلى:")
                || l.starts_with("التاريخ:")
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_and_signature_are_trimmed() {
        let body = "Thanks, that fixed it.\n\nAmal\n-- \nAmal Nile\nNile Logistics\n\n\
                    On Sat, 5 Dec 2026 at 10:00, Support <help@desk.example> wrote:\n> Try again\n";
        assert_eq!(trim_reply(body), "Thanks, that fixed it.\n\nAmal");
        let outlook = "Still broken.\r\n\r\nFrom: Support <help@desk.example>\r\n\
                       Sent: Saturday\r\nTo: Amal\r\nSubject: Re: printer\r\n\r\nold text";
        assert_eq!(trim_reply(outlook), "Still broken.");
        let arabic =
            "شكرًا، نجح الحل.\n\nفي السبت، ٥ ديسمبر ٢٠٢٦، كتب الدعم <help@desk.example>:\n> جرّب";
        assert_eq!(trim_reply(arabic), "شكرًا، نجح الحل.");
        let quoted = "> only a quote\n> nothing new";
        assert_eq!(trim_reply(quoted), quoted);
        assert_eq!(
            trim_reply("plain text\nsecond line"),
            "plain text\nsecond line"
        );
    }

    #[test]
    fn the_ticket_number_is_the_last_bracketed_one() {
        assert_eq!(ticket_number("Re: Printer [#1042]"), Some(1042));
        assert_eq!(ticket_number("[#7] Re: [#1042] x"), Some(1042));
        assert_eq!(ticket_number("Re: issue #1042"), None);
        assert_eq!(ticket_number("[#] [#12a]"), None);
    }

    #[test]
    fn a_message_is_read_with_its_thread_and_files() {
        let raw = "From: =?UTF-8?B?2KPZhdmE?= <Amal@Nile.Example>\r\n\
                   To: help@desk.example, Sami <Sami@Nile.Example>\r\n\
                   Cc: =?UTF-8?B?2KPZhdmE?= <amal@nile.example>, sami@nile.example, ops@nile.example\r\n\
                   Subject: =?UTF-8?B?2KfZhNi32KfYqNi52Kk=?= [#12]\r\n\
                   Message-ID: <m2@nile.example>\r\n\
                   In-Reply-To: <tadhkira.0191f0a0-0000-7000-8000-000000000001@desk.example>\r\n\
                   References: <m1@nile.example> <tadhkira.0191f0a0-0000-7000-8000-000000000001@desk.example>\r\n\
                   MIME-Version: 1.0\r\n\
                   Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
                   --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNew text\r\n> old\r\n\
                   --b\r\nContent-Type: text/plain; name=\"log.txt\"\r\n\
                   Content-Disposition: attachment; filename=\"log.txt\"\r\n\r\nline 1\r\n--b--\r\n";
        let mail = read(raw.as_bytes(), "desk.example").unwrap();
        assert_eq!(mail.from, "amal@nile.example");
        assert_eq!(mail.from_name.as_deref(), Some("أمل"));
        assert_eq!(mail.subject, "الطابعة [#12]");
        assert_eq!(mail.ticket_number, Some(12));
        assert_eq!(
            mail.refs,
            vec![
                "tadhkira.0191f0a0-0000-7000-8000-000000000001@desk.example".to_owned(),
                "m1@nile.example".to_owned()
            ]
        );
        assert_eq!(mail.text, "New text");
        assert_eq!(mail.files.len(), 1);
        assert_eq!(mail.files[0].name, "log.txt");
        assert_eq!(mail.automatic, None);
        // Everyone else it went to, once each, without the sender.
        let cc: Vec<(&str, Option<&str>)> = mail
            .cc
            .iter()
            .map(|c| (c.address.as_str(), c.name.as_deref()))
            .collect();
        assert_eq!(
            cc,
            vec![
                ("help@desk.example", None),
                ("sami@nile.example", Some("Sami")),
                ("ops@nile.example", None)
            ]
        );
    }

    #[test]
    fn automatic_messages_are_recognised() {
        let with = |header: &str| {
            let raw =
                format!("From: a@b.example\r\n{header}\r\nSubject: Out of office\r\n\r\nAway.\r\n");
            read(raw.as_bytes(), "desk.example").unwrap().automatic
        };
        assert!(with("Auto-Submitted: auto-replied").is_some());
        assert!(with("Auto-Submitted: no").is_none());
        assert!(with("Precedence: bulk").is_some());
        assert!(with("Precedence: list").is_some());
        assert!(with("X-Autoreply: yes").is_some());
        assert!(
            with("Message-ID: <tadhkira.0191f0a0-0000-7000-8000-000000000001@desk.example>")
                .is_some()
        );
        assert!(with("Message-ID: <tadhkira.x@desk.example>").is_none());
    }

    #[test]
    fn a_message_without_a_sender_is_unreadable() {
        assert_eq!(
            read(b"Subject: hi\r\n\r\nbody", "d.example"),
            Err(Unreadable::NoSender)
        );
        assert!(read(b"", "d.example").is_err());
    }
}
