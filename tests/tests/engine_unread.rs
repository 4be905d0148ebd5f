//! The unread count the desktop tray shows (`Engine::unread_count`), against a real
//! server: a reply from someone else makes its ticket unread, the user's own messages
//! never do, and opening the ticket clears it.

use tadhkira_client::ListQuery;
use tadhkira_proto::Visibility;
use tadhkira_tests::server::spawn_server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_from_someone_else_counts_until_the_ticket_is_opened() {
    let server = spawn_server();
    server.demo();
    let customer = server.device("customer@nile.example").await;
    let agent = server.device("l1@tadhkira.example").await;
    let me = &customer.engine;

    // Start from everything read.
    let all = ListQuery {
        limit: 500,
        ..ListQuery::default()
    };
    let mine = me.list_tickets(&all).await.expect("customer's tickets");
    assert!(mine.rows.len() >= 2, "the demo customer has tickets");
    for row in &mine.rows {
        me.mark_read(row.id).await.expect("mark read");
    }
    assert_eq!(me.unread_count().await.expect("count"), 0);

    // The customer's own reply is not unread for them.
    let (first, second) = (mine.rows[0].id, mine.rows[1].id);
    me.add_message(second, "Still broken here.", Visibility::Public)
        .await
        .expect("own reply");
    me.sync_now().await.expect("push own reply");
    assert_eq!(me.unread_count().await.expect("count"), 0);

    // An agent's reply is, once pulled; an internal note never reaches the customer.
    agent.engine.sync_now().await.expect("agent pulls");
    agent
        .engine
        .add_message(first, "We are on it.", Visibility::Public)
        .await
        .expect("agent replies");
    agent
        .engine
        .add_message(second, "Customer is impatient", Visibility::Internal)
        .await
        .expect("agent notes");
    agent.engine.sync_now().await.expect("agent pushes");
    me.sync_now().await.expect("customer pulls");
    assert_eq!(me.unread_count().await.expect("count"), 1);

    me.mark_read(first).await.expect("open the ticket");
    assert_eq!(me.unread_count().await.expect("count"), 0);

    // Signed out, there is nothing to count.
    me.sign_out().await.expect("sign out");
    assert!(me.unread_count().await.is_err());
    agent.engine.close().await;
}
