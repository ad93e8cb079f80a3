//! Whole key lifecycles through the SDK against the stateful fake: what a user's
//! provisioning code does, end to end.
#![cfg(feature = "mock")]

use std::time::Duration;

use futures::TryStreamExt;
use honeycomb_api_keys::{
    ApiKeyUpdate, ExposeSecret, KeyType, NewApiKey, Operation, Permission, Permissions, RateLimitConfig, RetryConfig,
    mock::{Fault, MockHoneycomb},
};

#[tokio::test]
async fn create_get_update_delete() {
    let fake = MockHoneycomb::start().await;
    let client = fake.client();
    let keys = client.api_keys();
    let env = client.environments().find("production").await.unwrap().unwrap();

    let created = keys.create(NewApiKey::ingest("checkout", &env.id).create_datasets(true)).await.unwrap();
    assert_eq!(created.id().key_type(), Some(KeyType::Ingest));
    let stored = fake.key(created.id().as_str()).unwrap();
    assert_eq!(created.header_value().expose_secret(), format!("{}{}", stored.id, stored.secret));

    let got = keys.get(created.id()).await.unwrap();
    assert_eq!(&got, created.key());
    assert_eq!(got.environment_id.as_ref(), Some(&env.id));

    let updated = keys.update(created.id(), ApiKeyUpdate::new().name("checkout (old)").disable()).await.unwrap();
    assert_eq!((updated.name.as_str(), updated.disabled), ("checkout (old)", true));
    assert!(updated.updated > got.updated, "updated moves on a change");
    assert_eq!(updated.created, got.created);
    let reenabled = keys.update(created.id(), ApiKeyUpdate::new().enable()).await.unwrap();
    assert!(!reenabled.disabled && reenabled.name == "checkout (old)");

    keys.delete(created.id()).await.unwrap();
    assert!(keys.get_opt(created.id()).await.unwrap().is_none());
    assert!(keys.delete(created.id()).await.unwrap_err().is_not_found());
    assert!(fake.keys().is_empty());
}

#[tokio::test]
async fn configuration_permissions_merge_through_the_sdk() {
    let fake = MockHoneycomb::start().await;
    let client = fake.client();
    let env = fake.environment_id("staging").unwrap();
    let keys = client.api_keys();
    let ci = keys.create(NewApiKey::configuration("ci", &env, Permissions::read_only_querying())).await.unwrap();
    assert_eq!(ci.key().permissions, Permissions::read_only_querying());

    let after = keys
        .update(ci.id(), ApiKeyUpdate::new().grant(Permission::ManageSignals).revoke(Permission::ReadServiceMaps))
        .await
        .unwrap();
    assert_eq!(after.permissions.to_string(), "manage_signals, run_queries");
    let everything = keys.update(ci.id(), ApiKeyUpdate::new().set_permissions(&Permissions::all())).await.unwrap();
    assert_eq!(everything.permissions, Permissions::all());
    assert_eq!(fake.key(ci.id().as_str()).unwrap().permissions.values().filter(|v| **v).count(), Permission::ALL.len());
}

#[tokio::test]
async fn listing_hundreds_of_keys_with_filters_and_default_pages() {
    let fake = MockHoneycomb::start().await;
    let seeded = fake.seed_keys(420);
    let client = fake.client();
    let env = fake.environment_id("production").unwrap();
    for i in 0..5 {
        client.api_keys().create(NewApiKey::configuration(format!("c{i}"), &env, Permissions::none())).await.unwrap();
    }
    let all = client.api_keys().list().collect().await.unwrap();
    assert_eq!(all.len(), 425);
    assert_eq!(all.iter().take(420).map(|k| k.id.to_string()).collect::<Vec<_>>(), seeded, "stable creation order");
    assert_eq!(fake.count(Operation::ListApiKeys), 5, "pages of 100");

    let configuration = client.api_keys().list().key_type(KeyType::Configuration).page_size(2).collect().await.unwrap();
    assert_eq!(configuration.len(), 5);
    assert!(configuration.iter().all(|k| k.key_type == KeyType::Configuration));
    let pages: Vec<_> = client.api_keys().list().page_size(100).max_pages(2).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 2);
}

#[tokio::test]
async fn ten_thousand_seeded_keys_list_completely() {
    let fake = MockHoneycomb::start().await;
    fake.seed_keys(10_000);
    let mut count = 0;
    let mut items = fake.client().api_keys().list().items();
    while let Some(key) = items.try_next().await.unwrap() {
        assert_eq!(key.name, format!("seeded key {}", count + 1));
        count += 1;
    }
    assert_eq!(count, 10_000);
    assert_eq!(fake.count(Operation::ListApiKeys), 100);
}

#[tokio::test]
async fn a_failed_create_creates_nothing_and_a_lost_answer_is_visible() {
    let fake = MockHoneycomb::start().await;
    let client = fake.client();
    let env = fake.environment_id("production").unwrap();
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(500));
    let err = client.api_keys().create(NewApiKey::ingest("k", &env)).await.unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 500);
    assert_eq!(fake.count(Operation::CreateApiKey), 1, "exactly one POST was sent");
    assert!(fake.keys().is_empty());

    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(502).after_processing());
    let err = client.api_keys().create(NewApiKey::ingest("lost", &env)).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    let found = client.api_keys().list().collect().await.unwrap();
    assert_eq!(found.iter().filter(|k| k.name == "lost").count(), 1, "the key exists though its answer was lost");
}

#[tokio::test]
async fn a_rate_limited_list_reports_when_to_retry() {
    let fake = MockHoneycomb::start().await;
    let client =
        fake.client_builder().retry(RetryConfig::disabled()).rate_limit(RateLimitConfig::disabled()).build().unwrap();
    client.resolve_team().await.unwrap();
    fake.rate_limit(Operation::ListApiKeys, Some(1));
    client.api_keys().list().collect().await.unwrap();
    let err = client.api_keys().list().collect().await.unwrap_err();
    assert!(err.is_rate_limited());
    let wait = err.retry_after().unwrap();
    assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60), "{wait:?}");
    assert_eq!(err.api_error().unwrap().code(), Some("rate-limited/may-retry"));
    fake.rate_limit(Operation::ListApiKeys, None);
    client.api_keys().list().collect().await.unwrap();
}

#[tokio::test]
async fn a_rate_limited_list_waits_and_succeeds_with_the_default_policy() {
    let fake = MockHoneycomb::start().await;
    let client = fake.client();
    client.resolve_team().await.unwrap();
    fake.fail_next(Operation::ListApiKeys, 1, Fault::rate_limited(Duration::from_secs(5)));
    client.api_keys().list().collect().await.unwrap();
    let statuses: Vec<u16> =
        fake.requests().iter().filter(|r| r.operation == Some(Operation::ListApiKeys)).map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200], "one wait of about 5 s on the fake's clock, then the list");
}

#[tokio::test]
async fn a_wrong_management_key_is_refused_by_the_fake() {
    let fake = MockHoneycomb::start().await;
    let client = honeycomb_api_keys::Client::builder()
        .management_key("hcxmk_01jnotthekey0000000000000", "wrongsecretwrongsecretwrongsecr0")
        .endpoint(fake.uri())
        .build()
        .unwrap();
    let err = client.api_keys().list().collect().await.unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 401);
    assert_eq!(err.api_error().unwrap().code(), Some("unauthenticated/invalid-key"));
}
