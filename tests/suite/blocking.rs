//! The blocking client runs every operation on the fake, gives the same results as the
//! async client, and refuses (without panicking) to run inside an async runtime.
#![cfg(all(feature = "blocking", feature = "mock"))]

use futures::TryStreamExt;
use honeycomb_api_keys::{
    ApiKey, ApiKeyUpdate, Client, Error, KeyType, NewApiKey, Operation, Permission, Permissions, blocking,
    mock::MockHoneycomb,
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

fn summary(key: &ApiKey) -> String {
    format!("{}|{}|disabled={}|{}", key.name, key.key_type, key.disabled, key.permissions)
}

/// Every operation through the async client; what came back, without ids or times.
async fn async_script(client: &Client) -> Vec<String> {
    let mut log = vec![client.auth().await.unwrap().team.slug];
    let envs = client.environments();
    log.extend(envs.list().collect().await.unwrap().into_iter().map(|e| e.name));
    let staging = envs.find("Staging").await.unwrap().unwrap();
    log.push(envs.get(&staging.id).await.unwrap().slug);
    let keys = client.api_keys();
    let ingest = keys.create(NewApiKey::ingest("batch", &staging.id).create_datasets(true)).await.unwrap();
    let config =
        keys.create(NewApiKey::configuration("ci", &staging.id, Permissions::read_only_querying())).await.unwrap();
    log.push(summary(ingest.key()));
    log.push(summary(&keys.get(config.id()).await.unwrap()));
    log.push(format!("{:?}", keys.get_opt(ingest.id()).await.unwrap().map(|k| k.name)));
    log.push(summary(&keys.update(ingest.id(), ApiKeyUpdate::new().name("batch (old)").disable()).await.unwrap()));
    log.push(summary(&keys.update(config.id(), ApiKeyUpdate::new().grant(Permission::ManageBoards)).await.unwrap()));
    log.extend(keys.list().collect().await.unwrap().iter().map(summary));
    log.extend(keys.list().key_type(KeyType::Ingest).collect().await.unwrap().iter().map(summary));
    let pages: Vec<_> = keys.list().page_size(1).pages().try_collect().await.unwrap();
    log.push(format!("{} pages", pages.len()));
    keys.delete(config.id()).await.unwrap();
    log.push(format!("{:?}", keys.get_opt(config.id()).await.unwrap()));
    log.push(keys.get("../x").await.unwrap_err().to_string());
    log.push(keys.delete(config.id()).await.unwrap_err().status().unwrap().to_string());
    log
}

/// The same through the blocking client.
fn blocking_script(client: &blocking::Client) -> Vec<String> {
    let mut log = vec![client.auth().unwrap().team.slug];
    let envs = client.environments();
    log.extend(envs.list().collect().unwrap().into_iter().map(|e| e.name));
    let staging = envs.find("Staging").unwrap().unwrap();
    log.push(envs.get(&staging.id).unwrap().slug);
    let keys = client.api_keys();
    let ingest = keys.create(NewApiKey::ingest("batch", &staging.id).create_datasets(true)).unwrap();
    let config = keys.create(NewApiKey::configuration("ci", &staging.id, Permissions::read_only_querying())).unwrap();
    log.push(summary(ingest.key()));
    log.push(summary(&keys.get(config.id()).unwrap()));
    log.push(format!("{:?}", keys.get_opt(ingest.id()).unwrap().map(|k| k.name)));
    log.push(summary(&keys.update(ingest.id(), ApiKeyUpdate::new().name("batch (old)").disable()).unwrap()));
    log.push(summary(&keys.update(config.id(), ApiKeyUpdate::new().grant(Permission::ManageBoards)).unwrap()));
    log.extend(keys.list().collect().unwrap().iter().map(summary));
    log.extend(keys.list().key_type(KeyType::Ingest).collect().unwrap().iter().map(summary));
    let pages: Vec<_> = keys.list().page_size(1).pages().collect::<Result<_, _>>().unwrap();
    log.push(format!("{} pages", pages.len()));
    keys.delete(config.id()).unwrap();
    log.push(format!("{:?}", keys.get_opt(config.id()).unwrap()));
    log.push(keys.get("../x").unwrap_err().to_string());
    log.push(keys.delete(config.id()).unwrap_err().status().unwrap().to_string());
    log
}

#[test]
fn blocking_and_async_agree_on_every_operation() {
    let (async_fake, blocking_fake) = (MockHoneycomb::start_blocking(), MockHoneycomb::start_blocking());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let from_async = runtime.block_on(async_script(&async_fake.client()));
    let from_blocking = blocking_script(&blocking_fake.client_builder().build_blocking().unwrap());
    assert_eq!(from_async, from_blocking);
    assert_eq!(from_async.len(), 16, "{from_async:#?}");
}

#[test]
fn the_async_client_underneath_works_from_another_runtime() {
    let (fake, client) = fake_and_client();
    fake.seed_keys(30);
    let blocking_list = client.api_keys().list().page_size(7).collect().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let async_client = client.as_async().clone();
    let async_list = runtime.block_on(async_client.api_keys().list().page_size(7).collect()).unwrap();
    assert_eq!(blocking_list, async_list, "pooled connections stay driven by the blocking runtime");
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
    assert!(message.contains("std::thread::spawn"), "{message}");
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

#[test]
fn the_workflows_work_blocking_and_hand_secrets_over_first() {
    let (fake, client) = fake_and_client();
    let keys = client.api_keys();
    let report =
        keys.provision("Production", &["checkout", "search"], honeycomb_api_keys::ProvisionOptions::new()).unwrap();
    assert!(report.is_complete() && report.created().count() == 2);
    let (_, checkout) = report.created().next().unwrap();
    let stored = std::sync::Arc::new(std::sync::Mutex::new(None));
    let stored_ = stored.clone();
    let options = honeycomb_api_keys::RotateOptions::new().on_created(move |created| {
        *stored_.lock().unwrap() = Some(created.id().clone());
        Ok(())
    });
    let rotation = keys.rotate(checkout.id(), options).unwrap();
    assert!(rotation.is_complete() && fake.key(checkout.id().as_str()).unwrap().disabled);
    assert_eq!(stored.lock().unwrap().as_ref(), Some(rotation.new_key.id()));
    let audit = keys.audit(honeycomb_api_keys::AuditOptions::new()).unwrap();
    assert_eq!(audit.total_keys, 3);
    assert_eq!(audit.disabled, 1);
    assert_eq!(
        client.environments().retry(honeycomb_api_keys::RetryConfig::disabled()).list().collect().unwrap().len(),
        2
    );
}
