//! Applying pulled pages on a real SQLite file: the batched writes of [`super::bulk`]
//! store the same rows as the one-at-a-time local writes, keep the search index right
//! when a message arrives before its ticket or a ticket is pulled again, and alert
//! once per message.

use chrono::Utc;
use sqlx::Row;
use tadhkira_proto::{
    Change, Channel, Entity, FieldChange, FieldValue, Message, Mutation, Priority, Role, Status,
    Ticket, TicketTitle, TicketUpdate, Tier, User, Visibility,
};
use uuid::Uuid;

use super::tickets::{upsert_ticket, SERVER_COPY_IS_DATA};
use super::Store;
use crate::model::ListQuery;

fn user(role: Role) -> User {
    User {
        id: Uuid::now_v7(),
        email: "agent@example.com".into(),
        name: "Agent".into(),
        role,
        org_id: None,
        tier: (role == Role::Agent).then_some(Tier::L1),
        locale: "en".into(),
        phone: None,
    }
}

/// A ticket as the server sends it back: numbered, worked on (open, tier 2, assigned).
fn ticket(title: &str, requester: &User) -> Ticket {
    let now = Utc::now();
    let mut t = super::tests::ticket(title, requester);
    t.number = 1042;
    t.description = "The VPN drops every hour. ينقطع الاتصال كل ساعة.".into();
    t.priority = Priority::High;
    t.status = Status::Open;
    t.channel = Channel::Phone;
    t.category = Some("network".into());
    t.tier = Some(Tier::L2);
    t.assignee_id = Some(Uuid::now_v7());
    t.assignee_name = Some("Layla".into());
    t.first_response_due_at = Some(now);
    t.resolution_due_at = Some(now);
    t
}

fn message(t: &Ticket, author: &User, body: &str) -> Message {
    Message {
        id: Uuid::now_v7(),
        ticket_id: t.id,
        author_id: author.id,
        author_name: author.name.clone(),
        author_role: author.role,
        body: body.into(),
        visibility: Visibility::Public,
        created_at: Utc::now(),
        attachments: vec![],
        delivery: None,
    }
}

fn changes(entities: Vec<Entity>) -> Vec<Change> {
    entities
        .into_iter()
        .enumerate()
        .map(|(i, entity)| Change {
            seq: i as i64 + 1,
            entity,
        })
        .collect()
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("local.db")).await.unwrap();
    (dir, s)
}

async fn found(s: &Store, me: &User, word: &str) -> Vec<Uuid> {
    let q = ListQuery {
        search: Some(word.into()),
        ..Default::default()
    };
    let page = s.list_tickets(&q, me).await.unwrap();
    page.rows.into_iter().map(|r| r.id).collect()
}

/// Every column of a ticket's row except its rowid and the server's copy.
async fn row_of(s: &Store, id: Uuid) -> Vec<Option<String>> {
    let row = sqlx::query("SELECT * FROM tickets WHERE id = ?")
        .bind(id.to_string())
        .fetch_one(&s.pool)
        .await
        .unwrap();
    let mut out = Vec::new();
    for (i, col) in row.columns().iter().enumerate() {
        use sqlx::Column;
        if matches!(col.name(), "rid" | "server_data") {
            continue;
        }
        let text: Option<String> = row
            .try_get::<Option<String>, _>(i)
            .or_else(|_| {
                row.try_get::<Option<i64>, _>(i)
                    .map(|v| v.map(|v| v.to_string()))
            })
            .unwrap();
        out.push(text);
    }
    out
}

#[tokio::test]
async fn a_pulled_ticket_is_stored_exactly_as_a_local_write_stores_it() {
    let (_d, pulled) = store().await;
    let (_d2, local) = store().await;
    let me = user(Role::Agent);
    let t = ticket("Printer offline", &user(Role::Customer));
    pulled
        .apply_pull_page(&changes(vec![Entity::Ticket(t.clone())]), 1, &me, false)
        .await
        .unwrap();
    let mut conn = local.pool.acquire().await.unwrap();
    upsert_ticket(&mut conn, &t).await.unwrap();
    drop(conn);
    assert_eq!(row_of(&pulled, t.id).await, row_of(&local, t.id).await);
    // Nothing of the user's laid over it: `data` is the server's copy, not stored twice.
    assert_eq!(
        server_data(&pulled, t.id).await.as_deref(),
        Some(SERVER_COPY_IS_DATA)
    );
}

async fn shown(s: &Store, id: Uuid) -> Ticket {
    let mut conn = s.pool.acquire().await.unwrap();
    super::tickets::load_ticket(&mut conn, id)
        .await
        .unwrap()
        .unwrap()
}

async fn server_data(s: &Store, id: Uuid) -> Option<String> {
    sqlx::query_scalar("SELECT server_data FROM tickets WHERE id = ?")
        .bind(id.to_string())
        .fetch_one(&s.pool)
        .await
        .unwrap()
}

/// The server's copy of a ticket, stored once (`SERVER_COPY_IS_DATA`), is still what a
/// discarded change puts back; and a pull that lays a queued change over a ticket keeps
/// the copy apart in full.
#[tokio::test]
async fn the_server_copy_stored_once_is_what_a_discarded_change_puts_back() {
    let (_d, s) = store().await;
    let me = user(Role::Agent);
    let t = ticket("Printer offline", &user(Role::Customer));
    s.apply_pull_page(&changes(vec![Entity::Ticket(t.clone())]), 1, &me, false)
        .await
        .unwrap();
    let retitle = |title: &str, seen_version| {
        let value = FieldValue::Title(TicketTitle::parse(title).unwrap());
        move |_: &Ticket| {
            Ok(Mutation::UpdateTicket(TicketUpdate {
                ticket_id: t.id,
                changes: vec![FieldChange {
                    value,
                    seen_version,
                }],
            }))
        }
    };
    s.change_ticket(
        t.id,
        &me,
        Utc::now(),
        retitle("Printer on fire", t.versions.title),
    )
    .await
    .unwrap();
    // The local change wrote the copy out in full before changing `data`.
    let copy = server_data(&s, t.id).await.unwrap();
    assert_eq!(
        serde_json::from_str::<Entity>(&copy).unwrap(),
        Entity::Ticket(t.clone())
    );
    assert_eq!(shown(&s, t.id).await.title, "Printer on fire");

    // A pull of the ticket while the change is queued: shown with the change, the
    // server's new copy kept apart.
    let mut newer = t.clone();
    newer.priority = Priority::Urgent;
    s.apply_pull_page(&changes(vec![Entity::Ticket(newer.clone())]), 2, &me, false)
        .await
        .unwrap();
    let copy = server_data(&s, t.id).await.unwrap();
    assert_eq!(
        serde_json::from_str::<Entity>(&copy).unwrap(),
        Entity::Ticket(newer.clone())
    );
    let now = shown(&s, t.id).await;
    assert_eq!(
        (now.title.as_str(), now.priority),
        ("Printer on fire", Priority::Urgent)
    );

    // Discarding the change puts the server's copy back, whole.
    let queued = s.outbox(Some(t.id)).await.unwrap();
    s.discard(queued[0].id, &me).await.unwrap();
    assert_eq!(shown(&s, t.id).await, newer);

    // A ticket pulled with its copy stored once, changed, then put back.
    let (_d2, s) = store().await;
    s.apply_pull_page(&changes(vec![Entity::Ticket(t.clone())]), 1, &me, false)
        .await
        .unwrap();
    s.change_ticket(
        t.id,
        &me,
        Utc::now(),
        retitle("Printer fixed", t.versions.title),
    )
    .await
    .unwrap();
    let queued = s.outbox(Some(t.id)).await.unwrap();
    s.discard(queued[0].id, &me).await.unwrap();
    assert_eq!(shown(&s, t.id).await, t);
}

#[tokio::test]
async fn a_message_pulled_before_its_ticket_is_found_once_the_ticket_arrives() {
    let (_d, s) = store().await;
    let me = user(Role::Agent);
    let customer = user(Role::Customer);
    let t = ticket("Mail will not sync", &customer);
    let early = message(&t, &customer, "The spooler crashed with code 0x8007");
    s.apply_pull_page(&changes(vec![Entity::Message(early)]), 1, &me, false)
        .await
        .unwrap();
    assert!(found(&s, &me, "spooler").await.is_empty(), "no ticket yet");
    s.apply_pull_page(&changes(vec![Entity::Ticket(t.clone())]), 2, &me, false)
        .await
        .unwrap();
    assert_eq!(found(&s, &me, "spooler").await, vec![t.id]);
    // A later message on the stored ticket is linked at once, in Arabic too.
    let later = message(&t, &customer, "الطابعة لا تعمل");
    s.apply_pull_page(&changes(vec![Entity::Message(later)]), 3, &me, false)
        .await
        .unwrap();
    assert_eq!(found(&s, &me, "الطابعة").await, vec![t.id]);
}

#[tokio::test]
async fn messages_of_one_millisecond_read_in_one_order_however_they_arrived() {
    let me = user(Role::Agent);
    let customer = user(Role::Customer);
    let t = ticket("Printer jams", &customer);
    // The server stamps every write of one transaction with one time; the later id
    // came first in the feed here.
    let at = Utc::now();
    let (mut first, mut second) = (
        message(&t, &customer, "It jams on page two"),
        message(&t, &me, "Which tray?"),
    );
    (first.created_at, second.created_at) = (at, at);
    let feed = [second.clone(), first.clone()];
    // One store pulls both in one page, the other one at a time, reversed.
    let (_d1, together) = store().await;
    let page = vec![Entity::Ticket(t.clone())]
        .into_iter()
        .chain(feed.iter().cloned().map(Entity::Message))
        .collect();
    together
        .apply_pull_page(&changes(page), 3, &me, false)
        .await
        .unwrap();
    let (_d2, apart) = store().await;
    apart
        .apply_pull_page(&changes(vec![Entity::Ticket(t.clone())]), 1, &me, false)
        .await
        .unwrap();
    for (cursor, m) in [(2, &feed[1]), (3, &feed[0])] {
        apart
            .apply_pull_page(
                &changes(vec![Entity::Message(m.clone())]),
                cursor,
                &me,
                false,
            )
            .await
            .unwrap();
    }
    let ids = |parts: (Ticket, Vec<Message>, Vec<tadhkira_proto::TicketEvent>)| {
        parts.1.iter().map(|m| m.id).collect::<Vec<_>>()
    };
    // By id: the order the server answers too (`ORDER BY created_at, id`).
    let mut expected = vec![first.id, second.id];
    expected.sort();
    assert_eq!(ids(together.ticket_parts(t.id).await.unwrap()), expected);
    assert_eq!(ids(apart.ticket_parts(t.id).await.unwrap()), expected);
}

#[tokio::test]
async fn a_ticket_pulled_again_is_indexed_by_its_new_text_only() {
    let (_d, s) = store().await;
    let me = user(Role::Agent);
    let mut t = ticket("Scanner jams", &user(Role::Customer));
    let m = message(&t, &me, "Checked the rollers");
    // The feed may name the same entity twice in a page.
    let page = changes(vec![
        Entity::Ticket(t.clone()),
        Entity::Message(m.clone()),
        Entity::Ticket(t.clone()),
        Entity::Message(m),
    ]);
    s.apply_pull_page(&page, 4, &me, false).await.unwrap();
    assert_eq!(found(&s, &me, "scanner").await, vec![t.id]);
    assert_eq!(found(&s, &me, "rollers").await, vec![t.id]);
    t.title = "Plotter jams".into();
    t.description = "Paper feed".into();
    s.apply_pull_page(&changes(vec![Entity::Ticket(t.clone())]), 5, &me, false)
        .await
        .unwrap();
    assert!(found(&s, &me, "scanner").await.is_empty());
    assert_eq!(found(&s, &me, "plotter").await, vec![t.id]);
    assert_eq!(
        found(&s, &me, "rollers").await,
        vec![t.id],
        "messages stay linked"
    );
    let (indexed, messages): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM ticket_fts), (SELECT COUNT(*) FROM message_fts)",
    )
    .fetch_one(&s.pool)
    .await
    .unwrap();
    assert_eq!((indexed, messages), (1, 1));
}

#[tokio::test]
async fn a_reply_alerts_once_and_never_during_the_first_sync() {
    let (_d, s) = store().await;
    let me = user(Role::Customer);
    let agent = user(Role::Agent);
    let t = ticket("Laptop will not boot", &me);
    let first = message(&t, &agent, "Hold the power button for 30 s");
    let (_, alerts, _) = s
        .apply_pull_page(
            &changes(vec![Entity::Ticket(t.clone()), Entity::Message(first)]),
            2,
            &me,
            false,
        )
        .await
        .unwrap();
    assert!(alerts.is_empty(), "the first sync raises none");
    let reply = message(&t, &agent, "Did that help?");
    let mine = message(&t, &me, "Trying now");
    let page = changes(vec![Entity::Message(reply.clone()), Entity::Message(mine)]);
    let (changed, alerts, _) = s.apply_pull_page(&page, 4, &me, true).await.unwrap();
    assert_eq!(changed.into_iter().collect::<Vec<_>>(), vec![t.id]);
    let ids: Vec<Uuid> = alerts.iter().map(|a| a.message.id).collect();
    assert_eq!(ids, vec![reply.id], "only the other person's new message");
    assert_eq!(alerts[0].ticket_number, Some(1042));
    let (_, again, _) = s.apply_pull_page(&page, 4, &me, true).await.unwrap();
    assert!(
        again.is_empty(),
        "a message pulled again does not alert again"
    );
}

/// Fuzz target (issue 21): a pull page as it may arrive from a broken proxy or a
/// hostile server — a valid page with a span replaced by random bytes. Whatever parses
/// is applied to a real store: an error is fine, a panic is not, and the store stays
/// usable (listing and searching still answer).
#[test]
fn fuzz_pull_pages_apply_or_fail_without_panic() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_dir, s) = rt.block_on(store());
    let me = user(Role::Agent);
    let t = ticket("Printer offline الطابعة", &user(Role::Customer));
    let m = message(&t, &me, "Restart the spooler. أعد تشغيل");
    let seed = serde_json::to_vec(&tadhkira_proto::PullResponse {
        epoch: Uuid::nil(),
        changes: changes(vec![Entity::Ticket(t), Entity::Message(m)]),
        cursor: 2,
        has_more: false,
    })
    .unwrap();
    // The runtime and the store outlive a panic only to report it.
    let shared = std::panic::AssertUnwindSafe((rt, s, me));
    bolero::check!()
        .with_type::<(u16, u8, Vec<u8>)>()
        .for_each(|(at, len, insert)| {
            let (rt, s, me) = std::ops::Deref::deref(&shared);
            let at = usize::from(*at) % (seed.len() + 1);
            let end = (at + usize::from(*len)).min(seed.len());
            let page = [&seed[..at], insert.as_slice(), &seed[end..]].concat();
            let Ok(page) = serde_json::from_slice::<tadhkira_proto::PullResponse>(&page) else {
                return;
            };
            rt.block_on(async {
                let _ = s
                    .apply_pull_page(&page.changes, page.cursor, me, true)
                    .await;
                s.list_tickets(&ListQuery::default(), me)
                    .await
                    .expect("the store still lists");
            });
        });
}
