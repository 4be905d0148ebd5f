//! The customer directory behind "for whom" on the staff's new-ticket form
//! (`Engine::customer_directory`), against a real server: every customer by name with
//! their organisation and whether it is paid, no staff; the last list is kept for when
//! the server is away; a customer has none.

use tadhkira_client::api::{ApiCallError, ApiClient};
use tadhkira_client::EngineError;
use tadhkira_proto::{ErrorCode, LoginRequest, Role};
use tadhkira_tests::server::{spawn_server, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_customers_with_their_organisation_and_paid_state_and_keep_the_list_offline() {
    let mut server = spawn_server();
    server.demo();
    let agent = server.device("l1@tadhkira.example").await;
    let customer = server.device("customer@nile.example").await;

    let customers = agent.engine.customer_directory().await.expect("directory");
    assert!(
        customers.iter().all(|c| c.user.role == Role::Customer),
        "only customers: {customers:?}"
    );
    let find = |email: &str| {
        customers
            .iter()
            .find(|c| c.user.email == email)
            .unwrap_or_else(|| panic!("{email} in {customers:?}"))
    };
    let nile = find("customer@nile.example");
    assert_eq!(
        nile.organisation.as_ref().map(|o| o.name.as_str()),
        Some("Nile Logistics")
    );
    assert!(nile.subscription_active, "Nile Logistics is paid");
    let dunes = find("customer@dunes.example");
    assert_eq!(
        dunes.organisation.as_ref().map(|o| o.name.as_str()),
        Some("Dunes Trading")
    );
    assert!(!dunes.subscription_active, "Dunes Trading has lapsed");
    let names: Vec<_> = customers.iter().map(|c| c.user.name.clone()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "by name");

    assert!(
        customer
            .engine
            .customer_directory()
            .await
            .expect("none")
            .is_empty(),
        "customers have no directory"
    );

    // The server goes away: the same list, from the store.
    server.stop();
    let kept = agent.engine.customer_directory().await.expect("kept list");
    assert_eq!(kept, customers);

    // A device that never fetched one says why it has none.
    let fresh = spawn_server();
    fresh.demo();
    let other = fresh.device("l2@tadhkira.example").await;
    drop(fresh);
    let err = other
        .engine
        .customer_directory()
        .await
        .expect_err("no list, no server");
    assert!(matches!(err, EngineError::Offline(_)), "{err:?}");
}

/// The server itself refuses the directory to a customer, so hiding it in the engine is
/// not the only guard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_the_customer_directory_to_a_customer() {
    let server = spawn_server();
    server.demo();
    let api = ApiClient::new(&server.url()).expect("client");
    let login = api
        .login(&LoginRequest {
            email: "customer@nile.example".into(),
            password: PASSWORD.into(),
            device: None,
        })
        .await
        .expect("sign in");
    let err = api
        .with_token(login.token)
        .people(Role::Customer)
        .await
        .expect_err("forbidden");
    match err {
        ApiCallError::Api(e) => assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}"),
        other => panic!("not an API error: {other:?}"),
    }
}
