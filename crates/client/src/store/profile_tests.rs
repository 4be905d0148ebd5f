//! The bench's local-read figures on a 100,000-ticket profile, without a server:
//! tickets, messages and text like `crates/bench` pulls them (`load.rs`), written by the
//! real pull path, then the exact list and search queries of `crates/bench/src/engine.rs`
//! timed. Ignored by default (a minute of writing); run it in release:
//!
//! ```text
//! TADHKIRA_PROFILE=/tmp/p100k.db cargo test -p tadhkira-client --release \
//!     profile_tests -- --ignored --nocapture
//! ```
//!
//! With `TADHKIRA_PROFILE` naming an existing file, that profile is opened (and
//! migrated) instead of written, so the same data can be timed before and after a
//! schema change.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use tadhkira_proto::{
    Change, Entity, Message, Priority, Role, Status, Ticket, Tier, User, Visibility,
};
use uuid::Uuid;

use super::Store;
use crate::model::{ListQuery, Sort};

const TICKETS: usize = 100_000;
const MESSAGES_PER_TICKET: usize = 3;

fn agent() -> User {
    User {
        id: Uuid::now_v7(),
        email: "l1@tadhkira.example".into(),
        name: "L1".into(),
        role: Role::Agent,
        org_id: None,
        tier: Some(Tier::L1),
        locale: "en".into(),
        phone: None,
    }
}

/// Ticket `i` as the bench files it; one in a hundred is worked on (open, another
/// priority, assigned), like the demo data beside the bench's tickets.
fn bench_ticket(i: usize, customer: Uuid, me: &User) -> Ticket {
    let now = Utc::now() - chrono::Duration::seconds((TICKETS - i) as i64);
    let worked = i.is_multiple_of(100);
    let mut t = super::tests::ticket(&format!("Bench ticket {i}: VPN drops every hour"), me);
    t.number = i as i64 + 1;
    t.org_name = "Nile Trading".into();
    t.requester_id = customer;
    t.requester_name = "Customer".into();
    t.created_by = customer;
    t.description = "The VPN disconnects every hour since Monday. ينقطع الاتصال كل ساعة.".into();
    if worked {
        t.priority = [Priority::Low, Priority::Normal, Priority::High][i / 100 % 3];
        t.status = Status::Open;
        t.assignee_id = Some(me.id);
        t.assignee_name = Some(me.name.clone());
    }
    t.first_response_due_at = Some(now + chrono::Duration::hours(4));
    t.resolution_due_at = Some(now + chrono::Duration::hours(24));
    t.created_at = now;
    t.updated_at = now;
    t
}

async fn write_profile(s: &Store, me: &User) {
    let customer = Uuid::now_v7();
    let mut seq = 0;
    let start = Instant::now();
    for page in 0..TICKETS / 1000 {
        let mut entities = Vec::new();
        for i in page * 1000..(page + 1) * 1000 {
            let t = bench_ticket(i, customer, me);
            let messages = (0..MESSAGES_PER_TICKET).map(|_| Message {
                id: Uuid::now_v7(),
                ticket_id: t.id,
                author_id: customer,
                author_name: "Customer".into(),
                author_role: Role::Customer,
                body: "Screenshot of the error attached.".into(),
                visibility: Visibility::Public,
                created_at: t.created_at,
                attachments: vec![],
                delivery: None,
            });
            let messages: Vec<_> = messages.collect();
            entities.push(Entity::Ticket(t));
            entities.extend(messages.into_iter().map(Entity::Message));
        }
        let changes: Vec<Change> = entities
            .into_iter()
            .map(|entity| {
                seq += 1;
                Change { seq, entity }
            })
            .collect();
        s.apply_pull_page(&changes, seq, me, false).await.unwrap();
    }
    s.analyze().await.unwrap();
    eprintln!("wrote {TICKETS} tickets in {:?}", start.elapsed());
}

/// Median and worst of `runs` timings of `q`, with the list's total.
async fn time(s: &Store, me: &User, q: &ListQuery, runs: usize) -> (Duration, Duration, i64) {
    let mut took = Vec::with_capacity(runs);
    let mut total = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let page = s.list_tickets(q, me).await.unwrap();
        took.push(start.elapsed());
        total = page.total;
    }
    took.sort();
    (took[runs / 2], took[runs - 1], total)
}

#[tokio::test]
#[ignore = "writes a 100,000-ticket profile; run in release with --ignored"]
async fn bench_queries_on_a_hundred_thousand_tickets() {
    let path = std::env::var_os("TADHKIRA_PROFILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tadhkira-profile-100k.db"));
    let existed = path.exists();
    let start = Instant::now();
    let s = Store::open(&path).await.unwrap();
    eprintln!("opened {} in {:?}", path.display(), start.elapsed());
    let me = agent();
    if !existed {
        write_profile(&s, &me).await;
    }
    let list = ListQuery {
        status: Some(Status::Open),
        priority: Some(Priority::Normal),
        sort: Sort::Priority,
        limit: 50,
        ..Default::default()
    };
    let search = |word: &str| ListQuery {
        search: Some(word.into()),
        limit: 50,
        ..Default::default()
    };
    let queries = [
        ("list first page", list),
        ("search vpn", search("vpn")),
        ("search الاتصال", search("الاتصال")),
        ("search 99999", search("99999")),
    ];
    // Beyond the bench: other shapes a user meets, to see where the store stands.
    let more = [
        ("list, no filter", ListQuery::default()),
        (
            "list, breaching queue",
            ListQuery {
                queue: crate::model::Queue::Breaching,
                ..Default::default()
            },
        ),
        (
            "search vpn, due sort, page 3",
            ListQuery {
                sort: Sort::Due,
                offset: 100,
                ..search("vpn")
            },
        ),
        (
            "search vpn + status open",
            ListQuery {
                status: Some(Status::Open),
                ..search("vpn")
            },
        ),
        (
            "search 99999 + status new",
            ListQuery {
                status: Some(Status::New),
                ..search("99999")
            },
        ),
        (
            "search vpn + status new",
            ListQuery {
                status: Some(Status::New),
                ..search("vpn")
            },
        ),
    ];
    for (name, q) in queries.iter().chain(&more) {
        let (median, worst, total) = time(&s, &me, q, 20).await;
        eprintln!("{name}: median {median:?}, worst {worst:?}, total {total}");
    }
    s.close().await;
}
