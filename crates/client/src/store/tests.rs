//! Store tests on a real SQLite file: search normalisation in both directions, list
//! filters and paging, outbox holding and discarding, client id of a copied profile.

use chrono::{Duration, Utc};
use tadhkira_proto::{
    Channel, Description, Filing, Message, MessageBody, Mutation, MutationEnvelope, MutationResult,
    NewMessage, NewTicket, Outcome, Priority, Role, Status, Ticket, TicketTitle, Tier, User,
    Visibility,
};
use uuid::Uuid;

use super::tickets::{upsert_message, upsert_ticket};
use super::{outbox, Store};
use crate::model::{ListQuery, OutboxState, Queue, Sort};

/// A user of `role` (shared by the store's test modules).
pub(super) fn user(role: Role) -> User {
    User {
        id: Uuid::now_v7(),
        email: "u@example.com".into(),
        name: "U".into(),
        role,
        org_id: None,
        tier: (role == Role::Agent).then_some(Tier::L1),
        locale: "ar".into(),
        phone: None,
    }
}

/// A new, unnumbered ticket filed by `me` (shared by the store's test modules).
pub(super) fn ticket(title: &str, me: &User) -> Ticket {
    let new = NewTicket {
        id: Uuid::now_v7(),
        title: TicketTitle::parse(title).unwrap(),
        description: Description::parse("—").unwrap(),
        priority: Priority::Normal,
        channel: Channel::Desktop,
        category: None,
        contact: Default::default(),
        checks: vec![],
        system_info: None,
        requester_id: None,
        lapsed_override: None,
        attachments: vec![],
        terms_version: None,
    };
    let filing = Filing {
        org_id: Uuid::nil(),
        org_name: "Nile".into(),
        requester_id: me.id,
        requester_name: me.name.clone(),
        created_by: me.id,
    };
    Ticket::new(&new, filing, Utc::now())
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("local.db")).await.unwrap();
    (dir, s)
}

async fn search(s: &Store, me: &User, q: &str) -> Vec<String> {
    let q = ListQuery {
        search: Some(q.into()),
        ..Default::default()
    };
    s.list_tickets(&q, me)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.title)
        .collect()
}

#[tokio::test]
async fn arabic_search_ignores_diacritics_tatweel_and_letter_variants_both_ways() {
    let (_d, s) = store().await;
    let me = user(Role::Customer);
    let mut conn = s.pool.acquire().await.unwrap();
    upsert_ticket(&mut conn, &ticket("الطَّابِعَةُ لا تَعْمَل", &me))
        .await
        .unwrap();
    upsert_ticket(&mut conn, &ticket("مشكلة في البريد", &me))
        .await
        .unwrap();
    upsert_ticket(&mut conn, &ticket("Printer OFFLINE again", &me))
        .await
        .unwrap();
    let plain = ticket("ضبط الشبكة", &me);
    upsert_ticket(&mut conn, &plain).await.unwrap();
    let msg = Message {
        id: Uuid::now_v7(),
        ticket_id: plain.id,
        author_id: me.id,
        author_name: "U".into(),
        author_role: Role::Customer,
        body: "الإتصال مقطوع".into(),
        visibility: Visibility::Public,
        created_at: Utc::now(),
        attachments: vec![],
        delivery: None,
    };
    upsert_message(&mut conn, &msg).await.unwrap();
    drop(conn);

    // Diacritics in the title, none in the query.
    assert_eq!(search(&s, &me, "الطابعة").await, ["الطَّابِعَةُ لا تَعْمَل"]);
    // Diacritics and tatweel in the query, none in the title; ة/ه folded.
    assert_eq!(search(&s, &me, "مُشْكِلَـــه").await, ["مشكلة في البريد"]);
    // Hamza variants, in a message body.
    assert_eq!(search(&s, &me, "الاتصال").await, ["ضبط الشبكة"]);
    // English, case-insensitively, as a prefix.
    assert_eq!(
        search(&s, &me, "print offline").await,
        ["Printer OFFLINE again"]
    );
    assert!(search(&s, &me, "nothing-like-this").await.is_empty());
}

#[tokio::test]
async fn lists_filter_sort_and_page_from_the_store() {
    let (_d, s) = store().await;
    let me = user(Role::Agent);
    let mut conn = s.pool.acquire().await.unwrap();
    for i in 0..30 {
        let mut t = ticket(&format!("ticket {i}"), &me);
        t.priority = if i % 3 == 0 {
            Priority::Urgent
        } else {
            Priority::Low
        };
        t.assignee_id = (i % 2 == 0).then_some(me.id);
        t.updated_at = Utc::now() + Duration::seconds(i);
        t.resolution_due_at = Some(Utc::now() + Duration::hours(100 - i));
        upsert_ticket(&mut conn, &t).await.unwrap();
    }
    drop(conn);
    let page = s
        .list_tickets(
            &ListQuery {
                queue: Queue::Mine,
                limit: 5,
                ..Default::default()
            },
            &me,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 15);
    assert_eq!(page.rows.len(), 5);
    assert_eq!(page.rows[0].title, "ticket 28");
    let urgent = ListQuery {
        priority: Some(Priority::Urgent),
        sort: Sort::Due,
        ..Default::default()
    };
    let page = s.list_tickets(&urgent, &me).await.unwrap();
    assert_eq!(page.total, 10);
    assert_eq!(page.rows[0].title, "ticket 27");
    let unassigned = ListQuery {
        queue: Queue::Unassigned,
        offset: 10,
        ..Default::default()
    };
    assert_eq!(
        s.list_tickets(&unassigned, &me).await.unwrap().rows.len(),
        5
    );
}

fn env(m: Mutation) -> MutationEnvelope {
    MutationEnvelope {
        id: Uuid::now_v7(),
        mutation: m,
    }
}

fn reply(ticket_id: Uuid) -> Mutation {
    Mutation::AddMessage(NewMessage {
        id: Uuid::now_v7(),
        ticket_id,
        body: MessageBody::parse("hello").unwrap(),
        visibility: Visibility::Public,
        attachments: vec![],
    })
}

#[tokio::test]
async fn a_rejection_holds_only_its_own_tickets_later_changes() {
    let (_d, s) = store().await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let (a1, a2, b1) = (env(reply(a)), env(reply(a)), env(reply(b)));
    let mut conn = s.pool.acquire().await.unwrap();
    for e in [&a1, &a2, &b1] {
        outbox::append(&mut conn, e).await.unwrap();
    }
    drop(conn);
    let (_, batch) = s.next_batch(1).await.unwrap();
    assert_eq!(batch[0].id, a1.id);
    let rejected = Outcome::Rejected {
        code: tadhkira_proto::ErrorCode::Forbidden,
        message: "no".into(),
    };
    s.apply_push_results(&[MutationResult {
        id: a1.id,
        outcome: rejected,
    }])
    .await
    .unwrap();
    let (held, batch) = s.next_batch(10).await.unwrap();
    assert_eq!(held, 1);
    assert_eq!(batch.iter().map(|e| e.id).collect::<Vec<_>>(), [b1.id]);
    let items = s.outbox(None).await.unwrap();
    assert_eq!(items[1].state, OutboxState::Rejected);
    assert_eq!(items[1].depends_on, Some(a1.id));
    // Resending the first puts both back, in order.
    s.resend(a1.id, None).await.unwrap();
    let (_, batch) = s.next_batch(10).await.unwrap();
    assert_eq!(
        batch.iter().map(|e| e.id).collect::<Vec<_>>(),
        [a1.id, a2.id, b1.id]
    );
}

/// Pushed tickets take their numbers one look-up each, even when the planner's
/// statistics (from a first sync of numbered tickets) say `number = 0` is rare.
#[tokio::test]
async fn numbering_pushed_tickets_looks_each_up_by_id_after_an_analyze() {
    let (_d, s) = store().await;
    let me = user(Role::Customer);
    let mut conn = s.pool.acquire().await.unwrap();
    for i in 0..50 {
        let mut t = ticket(&format!("from the server {i}"), &me);
        t.number = i + 1;
        upsert_ticket(&mut conn, &t).await.unwrap();
    }
    drop(conn);
    s.analyze().await.unwrap();
    let mut conn = s.pool.acquire().await.unwrap();
    let mut filed = Vec::new();
    for i in 0..300 {
        let t = ticket(&format!("filed offline {i}"), &me);
        upsert_ticket(&mut conn, &t).await.unwrap();
        filed.push(t.id);
    }
    drop(conn);

    let sql = format!("EXPLAIN QUERY PLAN {}", outbox::numbering_sql(100));
    let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
    for (n, id) in filed.iter().take(100).enumerate() {
        q = q.bind(id.to_string()).bind(n as i64 + 1000);
    }
    let plan: Vec<String> = q
        .fetch_all(&s.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.3)
        .collect();
    assert!(
        plan.iter()
            .any(|p| p.starts_with("SEARCH tickets USING INDEX sqlite_autoindex_tickets")),
        "{plan:?}"
    );
    assert!(
        !plan.iter().any(|p| p.contains("tickets_number")),
        "{plan:?}"
    );

    // And it numbers them: accepted creations take the server's numbers.
    let results: Vec<MutationResult> = filed
        .iter()
        .enumerate()
        .map(|(n, id)| MutationResult {
            id: Uuid::now_v7(),
            outcome: Outcome::Applied {
                result: tadhkira_proto::Applied {
                    ticket_id: *id,
                    ticket_number: n as i64 + 1000,
                    seq: n as i64 + 1,
                },
            },
        })
        .collect();
    s.apply_push_results(&results).await.unwrap();
    let unnumbered: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets WHERE number = 0")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(unnumbered, 0);
    let last: i64 = sqlx::query_scalar("SELECT number FROM tickets WHERE id = ?")
        .bind(filed[299].to_string())
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(last, 1299);
}

#[tokio::test]
async fn a_copied_profile_gets_a_new_client_id() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.db");
    let s = Store::open(&first).await.unwrap();
    let id = s.client_id().await.unwrap();
    s.close().await;
    assert_eq!(
        Store::open(&first)
            .await
            .unwrap()
            .client_id()
            .await
            .unwrap(),
        id
    );
    let copy = dir.path().join("b.db");
    std::fs::copy(&first, &copy).unwrap();
    let c = Store::open(&copy).await.unwrap();
    assert_ne!(c.client_id().await.unwrap(), id);
}

/// 100,000 tickets: a filtered, sorted page and a search stay interactive.
#[tokio::test]
async fn lists_stay_fast_with_a_hundred_thousand_tickets() {
    let (_d, s) = store().await;
    let me = user(Role::Agent);
    let mut tx = s.pool.begin().await.unwrap();
    for i in 0..100_000 {
        let mut t = ticket(&format!("ticket number {i} about printers"), &me);
        t.priority = [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ][i % 4];
        t.status = [Status::New, Status::Open, Status::Pending, Status::Solved][i % 4];
        t.assignee_id = (i % 7 == 0).then_some(me.id);
        upsert_ticket(&mut tx, &t).await.unwrap();
    }
    tx.commit().await.unwrap();
    let queries = [
        ListQuery::default(),
        ListQuery {
            sort: Sort::Priority,
            offset: 5_000,
            ..Default::default()
        },
        ListQuery {
            queue: Queue::Mine,
            status: Some(Status::Open),
            ..Default::default()
        },
        ListQuery {
            search: Some("ticket number 99999".into()),
            ..Default::default()
        },
    ];
    for q in &queries {
        let start = std::time::Instant::now();
        let page = s.list_tickets(q, &me).await.unwrap();
        let took = start.elapsed();
        eprintln!("{q:?}: {} of {} in {took:?}", page.rows.len(), page.total);
        assert!(!page.rows.is_empty());
        assert!(
            took < std::time::Duration::from_millis(1500),
            "{q:?} took {took:?}"
        );
    }
}

#[tokio::test]
async fn the_breaching_queue_holds_exactly_the_tickets_past_an_unmet_target() {
    let (_d, s) = store().await;
    let me = user(Role::Agent);
    let now = Utc::now();
    let past = now - Duration::minutes(3);
    let future = now + Duration::hours(2);
    let mut conn = s.pool.acquire().await.unwrap();
    let add = |title: &str, f: &dyn Fn(&mut Ticket)| {
        let mut t = ticket(title, &me);
        t.status = Status::Open;
        f(&mut t);
        t
    };
    let tickets = [
        add("resolution overdue", &|t| t.resolution_due_at = Some(past)),
        add("first response overdue", &|t| {
            t.first_response_due_at = Some(past);
            t.resolution_due_at = Some(future);
        }),
        add("first response met late", &|t| {
            t.first_response_due_at = Some(past);
            t.first_response_at = Some(now);
            t.resolution_due_at = Some(future);
        }),
        add("overdue but solved", &|t| {
            t.resolution_due_at = Some(past);
            t.status = Status::Solved;
        }),
        add("overdue but closed", &|t| {
            t.first_response_due_at = Some(past);
            t.status = Status::Closed;
        }),
        add("overdue while waiting on the customer", &|t| {
            t.resolution_due_at = Some(past);
            t.status = Status::Pending;
            t.sla_paused_at = Some(past);
        }),
        add("due later", &|t| {
            t.first_response_due_at = Some(future);
            t.resolution_due_at = Some(future);
        }),
        add("no targets", &|_| {}),
    ];
    for t in &tickets {
        upsert_ticket(&mut conn, t).await.unwrap();
    }
    drop(conn);

    let titles = |q: Queue| {
        let s = &s;
        let me = &me;
        async move {
            let page = s
                .list_tickets(
                    &ListQuery {
                        queue: q,
                        ..Default::default()
                    },
                    me,
                )
                .await
                .unwrap();
            let mut rows: Vec<(String, bool)> = page
                .rows
                .into_iter()
                .map(|r| (r.title, r.breaching))
                .collect();
            rows.sort();
            (page.total, rows)
        }
    };
    let (total, breaching) = titles(Queue::Breaching).await;
    assert_eq!(total, 2);
    assert_eq!(
        breaching,
        [
            ("first response overdue".to_string(), true),
            ("resolution overdue".to_string(), true)
        ]
    );
    // The queue and the rows' own `breaching` mark agree on every ticket.
    let (_, all) = titles(Queue::All).await;
    let marked: Vec<_> = all.into_iter().filter(|(_, b)| *b).collect();
    assert_eq!(marked, breaching);
}

/// The stored form of a time, written digit by digit, is exactly chrono's
/// `%Y-%m-%dT%H:%M:%S%.6fZ` (stored rows written before compare with it as text).
#[test]
fn a_time_is_stored_exactly_as_chrono_formats_it() {
    use chrono::{NaiveDate, TimeZone};
    let chrono_form = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let mut times = vec![
        Utc::now(),
        Utc.timestamp_opt(0, 0).unwrap(),
        Utc.timestamp_opt(253_402_300_799, 999_999_999).unwrap(), // 9999-12-31T23:59:59
        Utc.timestamp_opt(-62_167_219_200, 1_000).unwrap(),       // year 0
        Utc.timestamp_opt(-62_167_219_201, 0).unwrap(),           // year -1
        Utc.timestamp_opt(253_402_300_800, 0).unwrap(),           // year 10000
    ];
    // A leap second (nanoseconds past 10⁹).
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_nano_opt(23, 59, 59, 1_234_567_891)
        .unwrap();
    times.push(Utc.from_utc_datetime(&leap));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let secs = (x % 4_102_444_800) as i64; // 1970 … 2100
        times.push(
            Utc.timestamp_opt(secs, (x >> 34) as u32 % 1_000_000_000)
                .unwrap(),
        );
    }
    for t in times {
        assert_eq!(super::tickets::ts(t), chrono_form(t), "{t:?}");
    }
}
