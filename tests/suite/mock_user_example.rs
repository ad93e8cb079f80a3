//! A user's test, written only from the `honeycomb_api_keys::mock` rustdoc example.
#![cfg(feature = "mock")]

use futures::TryStreamExt;
use honeycomb_api_keys::{NewApiKey, Permissions};
use honeycomb_api_keys::{
    Operation,
    mock::{Fault, MockHoneycomb},
};

// Code under test: provisions a disabled CI key in the named environment.
async fn provision_ci_key(client: &honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<String> {
    let env = client.environments().find("Production").await?.expect("no Production environment");
    let key = NewApiKey::configuration("ci", &env.id, Permissions::read_only_querying()).disabled(true);
    Ok(client.api_keys().create(key).await?.id().to_string())
}

#[tokio::test]
async fn provisioning_code_tested_on_the_fake() -> honeycomb_api_keys::Result<()> {
    let honeycomb = MockHoneycomb::start().await;
    let client = honeycomb.client();

    let id = provision_ci_key(&client).await?;

    assert_eq!(honeycomb.count(Operation::CreateApiKey), 1);
    let stored = honeycomb.key(&id).expect("the key exists");
    assert!(stored.disabled);
    assert!(stored.permissions["run_queries"]);

    honeycomb.fail_next(Operation::CreateApiKey, 1, Fault::status(500));
    let err = provision_ci_key(&client).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(honeycomb.keys().len(), 1);

    honeycomb.seed_keys(250);
    let all: Vec<_> = client.api_keys().list().items().try_collect().await?;
    assert_eq!(all.len(), 251);
    Ok(())
}
