//! Push and pull: exactly-once application, the subscription gate, rejections that do
//! not poison a batch.

use std::time::Duration;

use reqwest::StatusCode;
use tadhkira_proto::Visibility;
use uuid::Uuid;

use crate::helpers::{m, Db, TestApp};
use crate::on_both;

async fn a_batch_retried_three_times_yields_one_ticket_and_one_message(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let ticket = Uuid::now_v7();
    let batch = [
        m::envelope(m::new_ticket(ticket, "Printer offline", None)),
        m::envelope(m::message(ticket, "It blinks orange", Visibility::Public)),
    ];
    let first = app.push(&cast.customer_a, &batch).await;
    assert_eq!(first[0]["outcome"], "applied", "{first:?}");
    assert_eq!(first[1]["outcome"], "applied", "{first:?}");
    let number = first[0]["result"]["ticket_number"].as_i64().unwrap();
    assert!(number >= 1001);
    for _ in 0..3 {
        let again = app.push(&cast.customer_a, &batch).await;
        assert_eq!(again[0]["outcome"], "duplicate");
        assert_eq!(again[1]["outcome"], "duplicate");
        // The first result, ticket number included.
        assert_eq!(again[0]["result"], first[0]["result"]);
        assert_eq!(again[1]["result"], first[1]["result"]);
    }
    let (status, detail) = app.get(&cast.agent, &format!("/tickets/{ticket}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["messages"].as_array().unwrap().len(), 1);
    let (_, list) = app.get(&cast.agent, "/tickets").await;
    assert_eq!(list["total"], 1);
    // Another user reusing the id is refused, not answered with someone else's result.
    let stolen = app.push(&cast.customer_b, &batch[..1]).await;
    assert_eq!(stolen[0]["code"], "conflict");
    app.finish().await;
}
on_both!(a_batch_retried_three_times_yields_one_ticket_and_one_message);

async fn a_lapsed_customer_cannot_open_a_ticket_but_may_reply(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let ticket = Uuid::now_v7();
    let results = app
        .push(
            &cast.lapsed,
            &[
                m::envelope(m::new_ticket(ticket, "Cannot print", None)),
                m::envelope(m::message(ticket, "still broken", Visibility::Public)),
            ],
        )
        .await;
    assert_eq!(results[0]["outcome"], "rejected");
    assert_eq!(results[0]["code"], "subscription_inactive");
    assert_eq!(results[1]["code"], "depends_on_rejected");
    assert!(
        app.pull_all_but_policy(&cast.agent).await.is_empty(),
        "nothing was created"
    );
    let (_, list) = app.get(&cast.agent, "/tickets").await;
    assert_eq!(list["total"], 0);
    // The same mutation id may be sent again once fixed: rejections are not recorded.
    let again = app
        .push(
            &cast.lapsed,
            &[m::envelope(m::new_ticket(ticket, "Cannot print", None))],
        )
        .await;
    assert_eq!(again[0]["code"], "subscription_inactive");

    // An agent logs it on the customer's behalf (a phone call), with the reason the
    // lapsed subscription is overridden (see lapsed.rs); the customer may reply.
    let logged = app
        .push(
            &cast.agent,
            &[m::envelope(m::overriding(
                m::new_ticket(ticket, "Cannot print", Some(cast.lapsed.id)),
                "Renewal paid, not yet booked",
            ))],
        )
        .await;
    assert_eq!(logged[0]["outcome"], "applied", "{logged:?}");
    let reply = app
        .push(
            &cast.lapsed,
            &[m::envelope(m::message(
                ticket,
                "Thanks for calling",
                Visibility::Public,
            ))],
        )
        .await;
    assert_eq!(reply[0]["outcome"], "applied", "{reply:?}");
    let (_, detail) = app.get(&cast.lapsed, &format!("/tickets/{ticket}")).await;
    let created = &detail["events"][0]["kind"];
    assert_eq!(created["type"], "created");
    assert_eq!(created["on_behalf"], true);
    assert_eq!(detail["ticket"]["created_by"], cast.agent.id.to_string());
    assert_eq!(detail["ticket"]["requester_id"], cast.lapsed.id.to_string());
    // Staff must say whom a ticket is for.
    let missing = app
        .push(
            &cast.agent,
            &[m::envelope(m::new_ticket(
                Uuid::now_v7(),
                "Who is this for",
                None,
            ))],
        )
        .await;
    assert_eq!(missing[0]["code"], "invalid");
    app.finish().await;
}
on_both!(a_lapsed_customer_cannot_open_a_ticket_but_may_reply);

async fn a_rejection_does_not_block_the_rest_of_the_batch(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let ok = Uuid::now_v7();
    let results = app
        .push(
            &cast.customer_a,
            &[
                m::envelope(m::message(
                    Uuid::now_v7(),
                    "on a ticket that does not exist",
                    Visibility::Public,
                )),
                m::envelope(m::new_ticket(ok, "A fine ticket", None)),
                m::envelope(m::message(ok, "internal? no", Visibility::Internal)),
                m::envelope(m::message(ok, "public reply", Visibility::Public)),
            ],
        )
        .await;
    let outcomes: Vec<_> = results
        .iter()
        .map(|r| (r["outcome"].clone(), r["code"].clone()))
        .collect();
    assert_eq!(results[0]["code"], "not_found", "{outcomes:?}");
    assert_eq!(results[1]["outcome"], "applied", "{outcomes:?}");
    assert_eq!(results[2]["code"], "forbidden", "{outcomes:?}");
    assert_eq!(results[3]["outcome"], "applied", "{outcomes:?}");
    app.finish().await;
}
on_both!(a_rejection_does_not_block_the_rest_of_the_batch);

async fn pull_pages_through_the_feed_in_order_and_reports_the_epoch(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let batch: Vec<_> = (0..30)
        .map(|i| m::envelope(m::new_ticket(Uuid::now_v7(), &format!("Ticket {i}"), None)))
        .collect();
    app.push(&cast.customer_a, &batch).await;
    let (_, health) = app.call(reqwest::Method::GET, "/health", None, None).await;
    let (_, page) = app
        .get(&cast.customer_a, "/sync/pull?cursor=0&limit=7")
        .await;
    assert_eq!(page["epoch"], health["epoch"]);
    assert_eq!(page["changes"].as_array().unwrap().len(), 7);
    assert_eq!(page["has_more"], true);
    let all = app.pull_all(&cast.customer_a).await;
    // Each create writes the ticket and its "created" event; the response policy first.
    assert_eq!(all.len(), 61);
    assert_eq!(all[0]["entity"]["kind"], "response_policy");
    let seqs: Vec<i64> = all.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seqs:?}"
    );
    let numbers: Vec<i64> = all
        .iter()
        .filter(|c| c["entity"]["kind"] == "ticket")
        .map(|c| c["entity"]["data"]["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1001..1031).collect::<Vec<_>>());
    app.finish().await;
}
on_both!(pull_pages_through_the_feed_in_order_and_reports_the_epoch);

async fn reusing_a_ticket_or_message_id_is_a_conflict_and_wastes_no_number(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let t = Uuid::now_v7();
    let msg = m::envelope(m::message(t, "hello", Visibility::Public));
    let first = app
        .push(
            &cast.customer_a,
            &[m::envelope(m::new_ticket(t, "Original", None)), msg.clone()],
        )
        .await;
    assert_eq!(first[0]["result"]["ticket_number"], 1001);
    // Same entity ids under new mutation ids.
    let mut same_message = msg.clone();
    same_message.id = Uuid::now_v7();
    let again = app
        .push(
            &cast.customer_a,
            &[
                m::envelope(m::new_ticket(t, "Copy", None)),
                same_message,
                m::envelope(m::new_ticket(Uuid::now_v7(), "Next one", None)),
            ],
        )
        .await;
    assert_eq!(again[0]["code"], "conflict");
    assert_eq!(again[1]["code"], "depends_on_rejected");
    assert_eq!(
        again[2]["result"]["ticket_number"], 1002,
        "no number lost to the conflict"
    );
    let (_, d) = app.get(&cast.agent, &format!("/tickets/{t}")).await;
    assert_eq!(d["ticket"]["title"], "Original");
    assert_eq!(d["messages"].as_array().unwrap().len(), 1);
    app.finish().await;
}
on_both!(reusing_a_ticket_or_message_id_is_a_conflict_and_wastes_no_number);

async fn a_public_reply_updates_the_ticket_for_everyone_and_an_internal_note_does_not(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let ticket = Uuid::now_v7();
    app.push(
        &cast.customer_a,
        &[m::envelope(m::new_ticket(ticket, "VPN drops", None))],
    )
    .await;
    let updated_at = |who| {
        let app = &app;
        async move {
            let (status, body) = app.get(who, &format!("/tickets/{ticket}")).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["ticket"]["updated_at"].as_str().unwrap().to_owned()
        }
    };
    let filed = updated_at(&cast.customer_a).await;

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let note = app
        .push(
            &cast.agent,
            &[m::envelope(m::message(
                ticket,
                "checking logs",
                Visibility::Internal,
            ))],
        )
        .await;
    assert_eq!(note[0]["outcome"], "applied", "{note:?}");
    // The customer cannot tell that staff wrote anything.
    assert_eq!(updated_at(&cast.customer_a).await, filed);

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let reply = app
        .push(
            &cast.customer_a,
            &[m::envelope(m::message(
                ticket,
                "still dropping",
                Visibility::Public,
            ))],
        )
        .await;
    assert_eq!(reply[0]["outcome"], "applied", "{reply:?}");
    let replied = updated_at(&cast.agent).await;
    assert!(replied > filed, "{replied} after {filed}");
    assert_eq!(updated_at(&cast.customer_a).await, replied);
    // And the ticket's new state is in the feed, after the message.
    let feed = app.pull_all(&cast.customer_a).await;
    let last = feed.last().expect("changes");
    assert_eq!(last["entity"]["kind"], "ticket", "{last}");
    app.finish().await;
}
on_both!(a_public_reply_updates_the_ticket_for_everyone_and_an_internal_note_does_not);

/// A cursor past the feed's head comes from another copy of the database (restored
/// without a new epoch): answered `cursor_ahead`, never an empty page that would let
/// the client skip what this database writes next.
async fn a_pull_with_a_cursor_ahead_of_the_feed_is_told_so(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let batch: Vec<_> = (0..3)
        .map(|i| m::envelope(m::new_ticket(Uuid::now_v7(), &format!("Ticket {i}"), None)))
        .collect();
    app.push(&cast.customer_a, &batch).await;
    let (_, page) = app.get(&cast.agent, "/sync/pull?cursor=0").await;
    let head = page["cursor"].as_i64().unwrap();

    let (status, body) = app
        .get(&cast.customer_a, &format!("/sync/pull?cursor={head}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changes"].as_array().unwrap().len(), 0);

    for who in [&cast.customer_a, &cast.agent] {
        let (status, body) = app
            .get(who, &format!("/sync/pull?cursor={}", head + 1))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["code"], "cursor_ahead");
        assert!(
            body["message"].as_str().unwrap().contains("restored"),
            "{body}"
        );
    }
    app.finish().await;
}
on_both!(a_pull_with_a_cursor_ahead_of_the_feed_is_told_so);

/// A client that gives up on a push (its timeout, a cut link) after the server has
/// read it must not waste the server's work: the batch is applied all the same, so
/// the client's retry is answered `duplicate` at once. (When a cancelled request rolled
/// its transaction back, a server too busy to answer within the client's timeout never
/// got a batch through: the 30-minute soak's engines kept 53 changes queued for ever.)
async fn a_push_whose_client_gives_up_is_applied_all_the_same(db: Db) {
    use tokio::io::AsyncWriteExt;

    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    // Big enough that applying it outlasts the client's patience below.
    let batch: Vec<_> = (0..tadhkira_proto::MAX_PUSH_BATCH)
        .map(|i| {
            m::envelope(m::new_ticket(
                Uuid::now_v7(),
                &format!("Given up {i}"),
                None,
            ))
        })
        .collect();
    let body = serde_json::to_vec(&tadhkira_proto::PushRequest {
        client_id: Uuid::now_v7(),
        mutations: batch.clone(),
    })
    .unwrap();
    let url = reqwest::Url::parse(&app.url("/sync/push")).unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut socket = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        url.path(),
        cast.customer_a.token,
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body).await.unwrap();
    socket.flush().await.unwrap();
    // The server has the whole request and is applying it; the client hangs up.
    tokio::time::sleep(Duration::from_millis(20)).await;
    drop(socket);

    let count = "SELECT COUNT(*) AS n FROM tickets WHERE title LIKE 'Given up %'";
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app.count_on_database(count).await < batch.len() as i64 {
        assert!(
            std::time::Instant::now() < deadline,
            "the push was dropped with its client: {} of {} tickets",
            app.count_on_database(count).await,
            batch.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The retry costs nothing: every mutation is answered `duplicate`.
    let again = app.push(&cast.customer_a, &batch).await;
    assert!(
        again.iter().all(|r| r["outcome"] == "duplicate"),
        "{again:?}"
    );
    app.finish().await;
}
on_both!(a_push_whose_client_gives_up_is_applied_all_the_same);

/// The same work on two tickets: on one in a single batch per person, on the other one
/// mutation per push. The writer holds a batch's new tickets, messages, events and
/// ticket changes in memory and writes them together, and later mutations of the batch
/// read the held copy; both tickets must read back alike.
async fn a_ticket_worked_in_one_batch_reads_back_as_one_worked_change_by_change(db: Db) {
    use tadhkira_proto::{
        Escalation, FieldValue, Mutation, Priority, ShortText, Status, TicketTitle, Tier,
    };
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let customer = |t: Uuid| {
        vec![
            m::new_ticket(t, "Printer offline", None),
            m::message(t, "It blinks orange", Visibility::Public),
            m::set(
                t,
                FieldValue::Title(TicketTitle::parse("Printer offline on floor 2").unwrap()),
                i64::MAX,
            ),
        ]
    };
    let agent = |t: Uuid| {
        vec![
            m::message(t, "Checking the logs", Visibility::Internal),
            m::message(t, "Is it plugged in?", Visibility::Public),
            m::set(t, FieldValue::Priority(Priority::High), i64::MAX),
            Mutation::Escalate(Escalation {
                ticket_id: t,
                to_tier: Tier::L2,
                reason: ShortText::parse("Needs the next tier").unwrap(),
            }),
            m::set(t, FieldValue::Status(Status::Pending), i64::MAX),
        ]
    };
    let answer = |t: Uuid| vec![m::message(t, "Yes, it is", Visibility::Public)];
    let (batched, single) = (Uuid::now_v7(), Uuid::now_v7());
    for (who, work) in [
        (&cast.customer_a, customer as fn(Uuid) -> Vec<Mutation>),
        (&cast.agent, agent),
        (&cast.customer_a, answer),
    ] {
        let batch: Vec<_> = work(batched).into_iter().map(m::envelope).collect();
        for r in app.push(who, &batch).await {
            assert_eq!(r["outcome"], "applied", "{r}");
        }
        for mutation in work(single) {
            let r = app.push(who, &[m::envelope(mutation)]).await;
            assert_eq!(r[0]["outcome"], "applied", "{r:?}");
        }
    }
    let read = |t: Uuid| {
        let app = &app;
        let agent = &cast.agent;
        async move {
            let (status, d) = app.get(agent, &format!("/tickets/{t}")).await;
            assert_eq!(status, StatusCode::OK, "{d}");
            d
        }
    };
    let (a, b) = (read(batched).await, read(single).await);
    for field in [
        "title",
        "description",
        "status",
        "priority",
        "tier",
        "channel",
        "org_name",
        "requester_name",
        "contact",
        "checks",
    ] {
        assert_eq!(a["ticket"][field], b["ticket"][field], "{field}");
    }
    for field in [
        "first_response_at",
        "first_response_due_at",
        "resolution_due_at",
        "sla_paused_at",
    ] {
        assert_eq!(
            a["ticket"][field].is_null(),
            b["ticket"][field].is_null(),
            "{field}: {} / {}",
            a["ticket"][field],
            b["ticket"][field]
        );
    }
    assert_eq!(a["ticket"]["status"], "open", "the answer reopened it");
    assert_eq!(a["ticket"]["tier"], serde_json::json!(Tier::L2));
    let of = |d: &serde_json::Value, list: &str, key: &str| -> Vec<serde_json::Value> {
        d[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[key].clone())
            .collect()
    };
    assert_eq!(of(&a, "messages", "body"), of(&b, "messages", "body"));
    assert_eq!(of(&a, "messages", "body").len(), 4);
    let kinds = |d: &serde_json::Value| -> Vec<serde_json::Value> {
        of(d, "events", "kind")
            .into_iter()
            .map(|k| k["type"].clone())
            .collect()
    };
    assert_eq!(kinds(&a), kinds(&b));
    // Every field's version is the seq of a change the customer pulls, as with single
    // pushes: the ticket's row in the feed is the newest state.
    let feed = app.pull_all(&cast.customer_a).await;
    let newest = feed
        .iter()
        .rev()
        .find(|c| {
            c["entity"]["kind"] == "ticket" && c["entity"]["data"]["id"] == batched.to_string()
        })
        .expect("the ticket in the feed");
    assert_eq!(
        newest["entity"]["data"]["title"],
        "Printer offline on floor 2"
    );
    assert_eq!(newest["entity"]["data"]["status"], "open");
    app.finish().await;
}
on_both!(a_ticket_worked_in_one_batch_reads_back_as_one_worked_change_by_change);

/// Within one batch, a ticket or message id used twice is a conflict the second time,
/// as it is across batches (the first is held, not yet written, when the second comes).
async fn an_id_used_twice_in_one_batch_is_a_conflict_the_second_time(db: Db) {
    let app = TestApp::spawn(db).await;
    let cast = app.cast().await;
    let t = Uuid::now_v7();
    let reply = m::message(t, "hello", Visibility::Public);
    let results = app
        .push(
            &cast.customer_a,
            &[
                m::envelope(m::new_ticket(t, "Original", None)),
                m::envelope(reply.clone()),
                m::envelope(reply),
                m::envelope(m::new_ticket(t, "Copy", None)),
                m::envelope(m::new_ticket(Uuid::now_v7(), "Next one", None)),
            ],
        )
        .await;
    let outcomes: Vec<_> = results.iter().map(|r| r["outcome"].clone()).collect();
    assert_eq!(
        outcomes,
        ["applied", "applied", "rejected", "rejected", "applied"],
        "{results:?}"
    );
    assert_eq!(results[2]["code"], "conflict");
    assert_eq!(results[3]["code"], "conflict");
    assert_eq!(results[4]["result"]["ticket_number"], 1002);
    let (_, d) = app.get(&cast.agent, &format!("/tickets/{t}")).await;
    assert_eq!(d["ticket"]["title"], "Original");
    assert_eq!(d["messages"].as_array().unwrap().len(), 1);
    app.finish().await;
}
on_both!(an_id_used_twice_in_one_batch_is_a_conflict_the_second_time);
