//! The ticket list against a reference computed in Rust: a search alone (counted and
//! paged from the indexes, by walking the sort order or by sorting the few matches)
//! and a search with filters (the few found tickets filtered, or the filters' list
//! picked from) must give the same counts, rows and order as the plain definition, in
//! every sort, with a word found only in a message, and page after page.

use chrono::{Duration, Utc};
use tadhkira_proto::{Message, Priority, Role, Status, Ticket, User, Visibility};
use uuid::Uuid;

use super::tickets::{upsert_message, upsert_ticket};
use super::Store;
use crate::model::{ListQuery, Sort};

const TICKETS: usize = 300;

/// Whether a ticket is one a search must find.
type Hit<'a> = Box<dyn Fn(&Ticket) -> bool + 'a>;

/// Ticket `i` of the scenario: every title says "printer"; one in ten says "toner";
/// three say "fuser". They are written in an order unlike their update order, so the
/// rowid order says nothing about the sort.
fn scenario_ticket(i: usize, me: &User) -> Ticket {
    let base = Utc::now() - Duration::days(1);
    let mut words = vec!["printer"];
    if i.is_multiple_of(10) {
        words.push("toner");
    }
    if i % 100 == 1 {
        words.push("fuser");
    }
    let mut t = super::tests::ticket(&format!("{} {i}", words.join(" ")), me);
    t.number = i as i64 + 1;
    t.priority = [Priority::Low, Priority::Normal, Priority::High][i % 3];
    t.status = [Status::New, Status::Open][i % 2];
    // Some without a due date, which sort last; the rest in an order of their own.
    t.resolution_due_at =
        (!i.is_multiple_of(4)).then(|| base + Duration::minutes((i * 37 % 101) as i64));
    t.created_at = base;
    t.updated_at = base + Duration::seconds(((i * 7919) % TICKETS) as i64);
    t
}

/// The store with the scenario's tickets; tickets 5, 6 and 7 also have a message that
/// says "spooler", a word in no title.
async fn scenario() -> (tempfile::TempDir, Store, User, Vec<Ticket>) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("local.db")).await.unwrap();
    let me = super::tests::user(Role::Agent);
    let tickets: Vec<Ticket> = (0..TICKETS).map(|i| scenario_ticket(i, &me)).collect();
    let mut conn = s.pool.acquire().await.unwrap();
    for t in &tickets {
        upsert_ticket(&mut conn, t).await.unwrap();
    }
    for t in &tickets[5..8] {
        let m = Message {
            id: Uuid::now_v7(),
            ticket_id: t.id,
            author_id: me.id,
            author_name: me.name.clone(),
            author_role: Role::Agent,
            body: "The spooler service stopped".into(),
            visibility: Visibility::Public,
            created_at: t.updated_at,
            attachments: vec![],
            delivery: None,
        };
        upsert_message(&mut conn, &m).await.unwrap();
    }
    drop(conn);
    (dir, s, me, tickets)
}

/// What the list must show for `q`, by definition: the tickets `hit` keeps, sorted, paged.
/// Ties (tickets without a due date) are compared by their sort key only.
fn expected(
    tickets: &[Ticket],
    q: &ListQuery,
    hit: impl Fn(&Ticket) -> bool,
) -> (i64, Vec<String>) {
    let mut rows: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| hit(t))
        .filter(|t| q.status.is_none_or(|s| t.status == s))
        .collect();
    rows.sort_by(|a, b| match q.sort {
        Sort::Updated => b.updated_at.cmp(&a.updated_at),
        Sort::Priority => (b.priority.rank(), b.updated_at).cmp(&(a.priority.rank(), a.updated_at)),
        Sort::Due => (a.resolution_due_at.is_none(), a.resolution_due_at)
            .cmp(&(b.resolution_due_at.is_none(), b.resolution_due_at)),
    });
    let total = rows.len() as i64;
    let page = rows
        .into_iter()
        .skip(q.offset as usize)
        .take(q.limit as usize)
        .map(|t| key(q.sort, t))
        .collect();
    (total, page)
}

/// What identifies a row's place in the sort.
fn key(sort: Sort, t: &Ticket) -> String {
    match (sort, t.resolution_due_at) {
        (Sort::Due, None) => "no due date".into(),
        (Sort::Due, Some(due)) => format!("due {due}"),
        _ => t.title.clone(),
    }
}

async fn shown(s: &Store, me: &User, tickets: &[Ticket], q: &ListQuery) -> (i64, Vec<String>) {
    let page = s.list_tickets(q, me).await.unwrap();
    let rows = page
        .rows
        .iter()
        .map(|r| {
            let t = tickets.iter().find(|t| t.id == r.id).unwrap();
            key(q.sort, t)
        })
        .collect();
    (page.total, rows)
}

#[tokio::test]
async fn a_search_alone_counts_sorts_and_pages_like_its_definition() {
    let (_d, s, me, tickets) = scenario().await;
    let has = |word: &'static str| move |t: &Ticket| t.title.split(' ').any(|w| w == word);
    // Found everywhere (walks the sort order), in a tenth (walks further), in three
    // titles (sorts the few matches), and only in messages.
    let searches: [(&str, Hit); 4] = [
        ("printer", Box::new(has("printer"))),
        ("toner", Box::new(has("toner"))),
        ("fuser", Box::new(has("fuser"))),
        (
            "spooler",
            Box::new(|t: &Ticket| tickets[5..8].iter().any(|x| x.id == t.id)),
        ),
    ];
    for (word, hit) in &searches {
        for sort in [Sort::Updated, Sort::Priority, Sort::Due] {
            for (offset, limit) in [(0, 50), (20, 7), (290, 50)] {
                let q = ListQuery {
                    search: Some((*word).into()),
                    sort,
                    offset,
                    limit,
                    ..Default::default()
                };
                assert_eq!(
                    shown(&s, &me, &tickets, &q).await,
                    expected(&tickets, &q, hit),
                    "{q:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_search_with_a_filter_counts_only_the_tickets_that_pass_both() {
    let (_d, s, me, tickets) = scenario().await;
    for (word, hit) in [
        (
            "toner",
            Box::new(|t: &Ticket| t.title.contains("toner")) as Hit,
        ),
        (
            "spooler",
            Box::new(|t: &Ticket| tickets[5..8].iter().any(|x| x.id == t.id)),
        ),
    ] {
        for status in [Status::Open, Status::New] {
            let q = ListQuery {
                search: Some(word.into()),
                status: Some(status),
                limit: 500,
                ..Default::default()
            };
            let (total, rows) = shown(&s, &me, &tickets, &q).await;
            assert_eq!((total, rows.clone()), expected(&tickets, &q, &hit), "{q:?}");
            assert_eq!(total as usize, rows.len());
        }
    }
    // Of the tickets with the message-only word, 5 and 7 are open and 6 is new.
    let open = ListQuery {
        search: Some("spooler".into()),
        status: Some(Status::Open),
        ..Default::default()
    };
    assert_eq!(s.list_tickets(&open, &me).await.unwrap().total, 2);
}

#[tokio::test]
async fn a_search_that_finds_nothing_shows_nothing() {
    let (_d, s, me, _) = scenario().await;
    for status in [None, Some(Status::Open)] {
        let q = ListQuery {
            search: Some("scanner".into()),
            status,
            ..Default::default()
        };
        let page = s.list_tickets(&q, &me).await.unwrap();
        assert_eq!((page.total, page.rows.len()), (0, 0));
    }
}

#[tokio::test]
async fn a_ticket_number_in_any_typed_form_finds_that_ticket_and_the_words_it_starts() {
    let (_d, s, me, tickets) = scenario().await;
    // Ticket i has number i + 1 and the word `i` in its title: "#250" finds number 250
    // (title word 249) and the title word 250 (number 251), never by one rule alone.
    let hit = |t: &Ticket| t.number == 250 || t.title.split(' ').any(|w| w.starts_with("250"));
    for typed in ["250", "#250", "٢٥٠", "#٢٥٠", " # 250 "] {
        let q = ListQuery {
            search: Some(typed.into()),
            limit: 50,
            ..Default::default()
        };
        let (total, rows) = shown(&s, &me, &tickets, &q).await;
        assert_eq!((total, rows), expected(&tickets, &q, hit), "{typed:?}");
        assert_eq!(total, 2, "{typed:?}");
    }
    // A number no ticket has, with no word either: nothing, not an error.
    let q = ListQuery {
        search: Some("#9999".into()),
        ..Default::default()
    };
    assert_eq!(s.list_tickets(&q, &me).await.unwrap().total, 0);
    // `show` resolves the same forms.
    let id = tickets[249].id;
    for typed in ["250", "#250", "#٢٥٠"] {
        assert_eq!(s.resolve_ticket(typed).await.unwrap(), id, "{typed:?}");
    }
}
