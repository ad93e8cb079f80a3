//! The blocking client runs every operation on the fake, gives the same results as the
//! async client, and refuses (without panicking) to run inside an async runtime.
#![cfg(all(feature = "blocking", feature = "mock"))]

use honeycomb_api_keys::{
    ApiKeyUpdate, Error, KeyType, NewApiKey, Permission, Permissions, blocking,
    mock::{MockHoneycomb, Operation},
};

fn fake_and_client() -> (MockHoneycomb, blocking::Client) {
    let fake = MockHoneycomb::start_blocking();
    let client = fake.client_builder().build_blocking().unwrap();
    (fake, client)
}

#[test]
fn every_operation_works_blocking() {
    let (fake, client) = fake_and_client();
    let me = client.auth().unwrap();
    assert_eq!(me.team.slug, "mock-team");
    assert_eq!(client.resolve_team().unwrap(), "mock-team");

    let envs = client.environments();
    let all_envs = envs.list().collect().unwrap();
    assert_eq!(all_envs.len(), 2);
    let production = envs.find("Production").unwrap().unwrap();
    assert_eq!(envs.get(&production.id).unwrap(), production);
    assert_eq!(envs.list().page_size(1).items().map(Result::unwrap).count(), 2);

    let keys = client.api_keys();
    let ingest = keys.create(NewApiKey::ingest("batch", &production.id).create_datasets(true)).unwrap();
    let config =
        keys.create(NewApiKey::configuration("ci", &production.id, Permissions::read_only_querying())).unwrap();
    assert_eq!(keys.get(ingest.id()).unwrap(), *ingest.key());
    let renamed = keys.update(ingest.id(), ApiKeyUpdate::new().name("batch (old)").disable()).unwrap();
    assert!(renamed.disabled && renamed.name == "batch (old)");
    let widened = keys.update(config.id(), ApiKeyUpdate::new().grant(Permission::ManageBoards)).unwrap();
    assert!(
        widened.permissions.contains(Permission::ManageBoards) && widened.permissions.contains(Permission::RunQueries)
    );

    fake.seed_keys(150);
    assert_eq!(keys.list().collect().unwrap().len(), 152);
    assert_eq!(keys.list().key_type(KeyType::Configuration).items().map(Result::unwrap).count(), 1);
    let pages: Vec<_> = keys.list().page_size(50).pages().map(Result::unwrap).collect();
    assert_eq!(pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(), [50, 50, 50, 2]);
    let rest = keys.list().page_size(50).after(pages[2].next_cursor.clone().unwrap()).collect().unwrap();
    assert_eq!(rest.len(), 2);

    keys.delete(config.id()).unwrap();
    assert!(keys.get_opt(config.id()).unwrap().is_none());
    assert!(keys.get(config.id()).unwrap_err().is_not_found());
    assert_eq!(fake.count(Operation::CreateApiKey), 2);
    assert_eq!(fake.count(Operation::DeleteApiKey), 1);
}

#[test]
fn blocking_and_async_agree() {
    let (fake, client) = fake_and_client();
    fake.seed_keys(30);
    fake.seed_key(
        "staging",
        "old config",
        &KeyType::Configuration,
        &Permission::RunQueries.into(),
        std::time::Duration::from_secs(86_400 * 200),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let async_client = client.as_async().clone();

    let blocking_list = client.api_keys().list().page_size(7).collect().unwrap();
    let async_list = runtime.block_on(async_client.api_keys().list().page_size(7).collect()).unwrap();
    assert_eq!(blocking_list, async_list);
    let id = &blocking_list[3].id;
    assert_eq!(client.api_keys().get(id).unwrap(), runtime.block_on(async_client.api_keys().get(id)).unwrap());
    assert_eq!(client.auth().unwrap(), runtime.block_on(async_client.auth()).unwrap());
    assert_eq!(
        client.environments().list().collect().unwrap(),
        runtime.block_on(async_client.environments().list().collect()).unwrap()
    );
    let bad = client.api_keys().get("../x").unwrap_err().to_string();
    assert_eq!(bad, runtime.block_on(async_client.api_keys().get("../x")).unwrap_err().to_string());
}

#[tokio::test]
async fn inside_a_runtime_it_is_an_error_not_a_panic() {
    let fake = MockHoneycomb::start().await;
    let client = fake.client_builder().build_blocking().unwrap();
    assert!(matches!(client.auth(), Err(Error::BlockingInAsyncContext)));
    assert!(matches!(client.api_keys().get("hcxik_x1"), Err(Error::BlockingInAsyncContext)));
    let mut items = client.api_keys().list().items();
    assert!(matches!(items.next(), Some(Err(Error::BlockingInAsyncContext))));
    assert!(items.next().is_none(), "the iterator ends after its error");
    let message = client.resolve_team().unwrap_err().to_string();
    assert!(message.contains("spawn_blocking"), "{message}");
    assert_eq!(fake.requests().len(), 0, "nothing was sent");
    // Dropping the client (and its runtime) here must not panic either.
    drop(client);
}

#[test]
fn the_blocking_client_is_send_sync_and_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<blocking::Client>();
    assert_traits::<blocking::ApiKeys>();
    let (_fake, client) = fake_and_client();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || c.api_keys().list().collect().map(|keys| keys.len()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), 0);
    }
}
