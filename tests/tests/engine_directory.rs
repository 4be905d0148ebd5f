//! The staff directory behind the assignee pickers (`Engine::staff_directory`), against
//! a real server: every agent and admin by name and no customer; the last list is kept
//! for when the server is away; a customer has none.

use tadhkira_client::EngineError;
use tadhkira_proto::Role;
use tadhkira_tests::server::spawn_server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_every_agent_and_admin_by_name_and_keep_the_list_offline() {
    let mut server = spawn_server();
    server.demo();
    let agent = server.device("l1@tadhkira.example").await;
    let customer = server.device("customer@nile.example").await;

    let staff = agent.engine.staff_directory().await.expect("directory");
    let emails: Vec<_> = staff.iter().map(|u| u.email.to_string()).collect();
    for email in [
        "l1@tadhkira.example",
        "l2@tadhkira.example",
        "l3@tadhkira.example",
        "admin@tadhkira.example",
    ] {
        assert!(emails.contains(&email.to_owned()), "{email} in {emails:?}");
    }
    assert!(
        staff.iter().all(|u| u.role != Role::Customer),
        "no customer among {emails:?}"
    );
    let names: Vec<_> = staff.iter().map(|u| u.name.clone()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "by name");

    assert!(
        customer
            .engine
            .staff_directory()
            .await
            .expect("none")
            .is_empty(),
        "customers have no directory"
    );

    // The server goes away: the same list, from the store.
    server.stop();
    let kept = agent.engine.staff_directory().await.expect("kept list");
    assert_eq!(kept, staff);

    // A device that never fetched one says why it has none.
    let fresh = tadhkira_tests::server::spawn_server();
    fresh.demo();
    let other = fresh.device("l2@tadhkira.example").await;
    drop(fresh);
    let err = other
        .engine
        .staff_directory()
        .await
        .expect_err("no list, no server");
    assert!(matches!(err, EngineError::Offline(_)), "{err:?}");
}
