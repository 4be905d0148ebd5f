//! The snapshot's bulk load on real SQLite files (`store/snapshot.rs`, `crate::snapshot`):
//! it stores row for row what paging through the same changes stores (search index,
//! alert marks and queued changes laid over included); a cut or damaged snapshot, and a
//! load killed midway, leave the store as it was before the load — outbox included.

use chrono::Utc;
use sqlx::{Column, Row};
use tadhkira_proto::{
    Change, Entity, EventKind, Message, MessageBody, Mutation, MutationEnvelope, NewMessage, Role,
    SnapshotFrame, Status, Ticket, TicketEvent, User, Visibility,
};
use uuid::Uuid;

use super::outbox;
use super::tests::{ticket, user};

use super::tickets::upsert_ticket;
use super::Store;
use crate::snapshot::tests::encode;

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("local.db")).await.unwrap();
    (dir, s)
}

/// Everything a store holds, comparable across files: every table's rows without
/// rowids (the search index by the ids it points at), the sync facts of `meta`, and
/// the names of the indexes.
async fn dump(s: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "tickets",
        "messages",
        "events",
        "alerted",
        "outbox",
        "read_marks",
        "articles",
        "support_terms",
        "terms_acceptances",
        "checklists",
    ] {
        let mut rows = Vec::new();
        for row in sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&s.pool)
            .await
            .unwrap()
        {
            let mut cells = Vec::new();
            for (i, col) in row.columns().iter().enumerate() {
                // Rowids, and the local time an outbox entry was made.
                if matches!(col.name(), "rid" | "seq")
                    || (table == "outbox" && col.name() == "created_at")
                {
                    continue;
                }
                let text: Option<String> = row
                    .try_get::<Option<String>, _>(i)
                    .or_else(|_| {
                        row.try_get::<Option<i64>, _>(i)
                            .map(|v| v.map(|v| v.to_string()))
                    })
                    .unwrap();
                cells.push(format!("{}={}", col.name(), text.unwrap_or_default()));
            }
            rows.push(format!("{table}: {}", cells.join(" | ")));
        }
        rows.sort();
        out.extend(rows);
    }
    let mut fts: Vec<String> = sqlx::query_as::<_, (String, String)>(
        "SELECT t.id, f.body FROM ticket_fts f JOIN tickets t ON t.rid = f.rowid",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(id, body)| format!("ticket_fts: {id} {body}"))
    .collect();
    fts.sort();
    out.extend(fts);
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ticket_fts WHERE rowid NOT IN (SELECT rid FROM tickets)",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    out.push(format!("ticket_fts orphans: {orphans}"));
    let mut fts: Vec<String> = sqlx::query_as::<_, (String, Option<String>, String)>(
        "SELECT m.id, t.id, f.body FROM message_fts f JOIN messages m ON m.rid = f.rowid
         LEFT JOIN tickets t ON t.rid = f.ticket_rid",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(id, t, body)| format!("message_fts: {id} {t:?} {body}"))
    .collect();
    fts.sort();
    out.extend(fts);
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM message_fts WHERE rowid NOT IN (SELECT rid FROM messages)",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    out.push(format!("message_fts orphans: {orphans}"));
    let meta: Vec<(String, String)> = sqlx::query_as(
        "SELECT key, value FROM meta WHERE key NOT IN ('client_id', 'client_fingerprint')
         ORDER BY key",
    )
    .fetch_all(&s.pool)
    .await
    .unwrap();
    out.extend(meta.into_iter().map(|(k, v)| format!("meta: {k}={v}")));
    let indexes: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            .fetch_all(&s.pool)
            .await
            .unwrap();
    out.push(format!("indexes: {}", indexes.join(", ")));
    out
}

fn message(t: &Ticket, author: &User, body: &str, visibility: Visibility) -> Message {
    Message {
        id: Uuid::now_v7(),
        ticket_id: t.id,
        author_id: author.id,
        author_name: author.name.clone(),
        author_role: author.role,
        body: body.into(),
        visibility,
        created_at: Utc::now(),
        attachments: vec![],
        delivery: None,
    }
}

fn event(t: &Ticket, agent: &User) -> TicketEvent {
    TicketEvent {
        id: Uuid::now_v7(),
        ticket_id: t.id,
        actor_id: agent.id,
        actor_name: "system".into(),
        kind: EventKind::StatusChanged {
            from: Status::New,
            to: Status::Open,
        },
        created_at: Utc::now(),
    }
}

/// What the server would send: `n` tickets (the first is `named`, a ticket this device
/// filed and still has a reply queued for), each with messages from the customer, the
/// agent and an internal note, and an event; one message comes before its ticket (the
/// ticket changed after it), as the feed's order allows.
fn feed(me: &User, agent: &User, named: &Ticket, n: usize) -> Vec<Change> {
    let mut entities = Vec::new();
    let mut later = Vec::new();
    for i in 0..n {
        let mut t = if i == 0 {
            named.clone()
        } else {
            ticket(&format!("Printer {i} offline الطابعة"), me)
        };
        t.number = i as i64 + 1;
        t.status = Status::Open;
        let m1 = message(&t, me, &format!("still broken {i}"), Visibility::Public);
        let m2 = message(
            &t,
            agent,
            "have you tried turning it off",
            Visibility::Public,
        );
        let m3 = message(&t, agent, "internal: toner", Visibility::Internal);
        if i == 1 {
            entities.push(Entity::Message(m1));
            later.push(Entity::Ticket(t.clone()));
        } else {
            entities.push(Entity::Ticket(t.clone()));
            entities.push(Entity::Message(m1));
        }
        entities.push(Entity::Message(m2));
        entities.push(Entity::Message(m3));
        entities.push(Entity::Event(event(&t, agent)));
    }
    entities.extend(later);
    entities
        .into_iter()
        .enumerate()
        .map(|(i, entity)| Change {
            seq: i as i64 + 1,
            entity,
        })
        .collect()
}

fn frames(changes: &[Change], per_frame: usize) -> Vec<SnapshotFrame> {
    let mut frames = vec![SnapshotFrame::Head {
        epoch: Uuid::from_u128(7),
        cursor: changes.len() as i64,
    }];
    for c in changes.chunks(per_frame) {
        frames.push(SnapshotFrame::Changes(c.to_vec()));
    }
    frames.push(SnapshotFrame::End {
        changes: changes.len() as u64,
    });
    frames
}

/// What a device did offline: a reply queued on `named` (a ticket the server has),
/// and a ticket of its own with a reply queued (one the server does not have yet).
struct Offline {
    named: Ticket,
    other: Ticket,
    queued: Vec<MutationEnvelope>,
}

fn reply(ticket_id: Uuid, body: &str) -> MutationEnvelope {
    MutationEnvelope {
        id: Uuid::now_v7(),
        mutation: Mutation::AddMessage(NewMessage {
            id: Uuid::now_v7(),
            ticket_id,
            body: MessageBody::parse(body).unwrap(),
            visibility: Visibility::Public,
            attachments: vec![],
        }),
    }
}

impl Offline {
    fn new(me: &User) -> Self {
        let named = ticket("Filed offline, reply queued", me);
        let other = ticket("Filed on the train", me);
        let queued = vec![
            reply(named.id, "queued offline"),
            reply(other.id, "queued on the train"),
        ];
        Offline {
            named,
            other,
            queued,
        }
    }

    /// A device store holding it.
    async fn device(&self) -> (tempfile::TempDir, Store) {
        let (dir, s) = store().await;
        let mut conn = s.pool.acquire().await.unwrap();
        upsert_ticket(&mut conn, &self.named).await.unwrap();
        upsert_ticket(&mut conn, &self.other).await.unwrap();
        for q in &self.queued {
            outbox::append(&mut conn, q).await.unwrap();
        }
        drop(conn);
        (dir, s)
    }
}

/// The sync facts a started-over load leaves (cursor 0, the epoch it began against)
/// are left out: the rest must be as before.
fn without_restart(mut d: Vec<String>) -> Vec<String> {
    d.retain(|r| r != "meta: cursor=0" && !r.starts_with("meta: epoch="));
    d
}

/// Feeds `bytes` to the loader in pieces of `piece` bytes.
async fn load_bytes(s: &Store, me: &User, bytes: Vec<u8>, piece: usize) -> crate::Result<u64> {
    let pieces: Vec<std::result::Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(piece.max(1)).map(|c| Ok(c.to_vec())).collect();
    crate::snapshot::load(s, me, futures::stream::iter(pieces)).await
}

#[tokio::test]
async fn a_snapshot_stores_row_for_row_what_paging_stores() {
    let me = user(Role::Customer);
    let agent = user(Role::Agent);
    let offline = Offline::new(&me);
    let changes = feed(&me, &agent, &offline.named, 40);

    let (_a, paged) = offline.device().await;
    paged.reset_epoch(Uuid::from_u128(7)).await.unwrap();
    for page in changes.chunks(7) {
        let cursor = page.last().unwrap().seq;
        paged
            .apply_pull_page(page, cursor, &me, false)
            .await
            .unwrap();
    }

    let (_b, loaded) = offline.device().await;
    let n = load_bytes(&loaded, &me, encode(&frames(&changes, 9)), 1000)
        .await
        .unwrap();
    assert_eq!(n, changes.len() as u64);
    assert!(!loaded.snapshot_loading().await.unwrap());

    let (p, l) = (dump(&paged).await, dump(&loaded).await);
    assert!(p.iter().any(|r| r.contains("queued offline")), "{p:#?}");
    assert!(l.iter().any(|r| r.contains("Filed on the train")), "{l:#?}");
    for (a, b) in p.iter().zip(&l) {
        assert_eq!(a, b);
    }
    assert_eq!(p.len(), l.len());
}

#[tokio::test]
async fn a_cut_or_damaged_snapshot_is_an_error_and_leaves_the_store_as_it_was() {
    let me = user(Role::Customer);
    let agent = user(Role::Agent);
    let offline = Offline::new(&me);
    let changes = feed(&me, &agent, &offline.named, 30);
    let bytes = encode(&frames(&changes, 8));
    let (_d, s) = offline.device().await;
    let before = without_restart(dump(&s).await);

    for len in [
        bytes.len() / 4,
        bytes.len() / 2,
        bytes.len() - 9,
        bytes.len() - 1,
    ] {
        let e = load_bytes(&s, &me, bytes[..len].to_vec(), 512)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("snapshot"), "cut at {len}: {e}");
        assert!(!s.snapshot_loading().await.unwrap());
        assert_eq!(without_restart(dump(&s).await), before, "cut at {len}");
    }
    // A flipped byte in the compressed data, and in the CRC trailer.
    for at in [bytes.len() / 2, bytes.len() - 6] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x40;
        let e = load_bytes(&s, &me, bad, 512).await.unwrap_err();
        assert!(e.to_string().contains("snapshot"), "flipped at {at}: {e}");
        assert_eq!(without_restart(dump(&s).await), before, "flipped at {at}");
    }
    // The whole snapshot still loads afterwards.
    load_bytes(&s, &me, bytes, 512).await.unwrap();
    assert_ne!(without_restart(dump(&s).await), before);
}

#[tokio::test]
async fn a_load_killed_midway_is_discarded_at_the_next_open_and_loads_again() {
    let me = user(Role::Customer);
    let agent = user(Role::Agent);
    let offline = Offline::new(&me);
    let changes = feed(&me, &agent, &offline.named, 30);
    let (dir, s) = offline.device().await;
    let before = without_restart(dump(&s).await);

    // Two frames committed, then the process is gone (what it committed stays).
    let mut load = s.begin_snapshot(Uuid::from_u128(7)).await.unwrap();
    s.load_snapshot_changes(&mut load, &changes[..20], &me)
        .await
        .unwrap();
    s.load_snapshot_changes(&mut load, &changes[20..40], &me)
        .await
        .unwrap();
    assert!(s.snapshot_loading().await.unwrap());
    let mid = dump(&s).await;
    assert_ne!(mid, before);
    assert!(
        !mid.last().unwrap().contains("tickets_updated"),
        "indexes dropped while loading"
    );
    s.close().await;

    let s = Store::open(&dir.path().join("local.db")).await.unwrap();
    assert!(!s.snapshot_loading().await.unwrap());
    assert_eq!(without_restart(dump(&s).await), before);

    load_bytes(&s, &me, encode(&frames(&changes, 11)), 4096)
        .await
        .unwrap();
    let (_p, paged) = offline.device().await;
    paged.reset_epoch(Uuid::from_u128(7)).await.unwrap();
    paged
        .apply_pull_page(&changes, changes.len() as i64, &me, false)
        .await
        .unwrap();
    assert_eq!(dump(&s).await, dump(&paged).await);
}
