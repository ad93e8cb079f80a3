//! `Client::verify_key` (`GET /1/auth`): which data key a secret is. The request carries
//! that key in `X-Honeycomb-Team` and never the management key; the answer keeps what it
//! does not know; a refused key is an auth error that never shows the key; the fake
//! answers from its stored keys.

use crate::common::{CANARY, INGEST_ID, MGMT_ID, client, no_retry_client};
use honeycomb_api_keys::{Error, ExposeSecret, NewApiKey, Operation, Permissions, SecretString};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

/// A data key that must never show up in any output: an ingest key's id and secret joined.
const DATA_CANARY: &str = "hcxik_01j1824es7n4evcmv81cn392jbCANARYdataSECRET0123456789ab";

fn plain_json(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(serde_json::to_vec(&body).unwrap(), "application/json")
}

/// The published example of an ingest key's answer.
fn ingest_answer() -> Value {
    json!({
        "id": INGEST_ID,
        "type": "ingest",
        "api_key_access": {"createDatasets": true},
        "environment": {"name": "Production", "slug": "production"},
        "team": {"name": "Honeycomb Docs", "slug": "honeycomb-docs"},
    })
}

#[tokio::test]
async fn verify_key_sends_the_data_key_alone_and_never_the_management_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/1/auth")).respond_with(plain_json(200, ingest_answer())).mount(&server).await;
    let client = client(&server);
    // The management key is in use for other calls on the same client.
    let identity = client.verify_key(&SecretString::from(DATA_CANARY)).await.unwrap();
    assert_eq!(identity.id, INGEST_ID);

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "one request, no /2/auth on the side");
    let request = &received[0];
    assert_eq!(request.url.path(), "/1/auth");
    assert_eq!(request.headers["x-honeycomb-team"], DATA_CANARY);
    assert!(request.headers.get("authorization").is_none(), "the management key went with a data key");
    let all_headers = format!("{:?}", request.headers);
    assert!(!all_headers.contains(CANARY) && !all_headers.contains(MGMT_ID), "{all_headers}");
    assert_eq!(request.headers["accept"], "application/json", "/1/auth answers plain JSON");
    assert!(request.headers.get("api-version").is_none());
}

#[tokio::test]
async fn the_answer_is_decoded_as_given_with_unknown_members_kept() {
    let server = MockServer::start().await;
    let mut answer = ingest_answer();
    answer["type"] = json!("service");
    answer["api_key_access"]["newFlag"] = json!(true);
    answer["api_key_access"]["events"] = json!(false);
    answer["region"] = json!("eu1");
    answer["expires"] = json!({"at": "2027-01-01T00:00:00Z"});
    Mock::given(method("GET")).and(path("/1/auth")).respond_with(plain_json(200, answer)).mount(&server).await;

    let identity = no_retry_client(&server).verify_key(&SecretString::from(DATA_CANARY)).await.unwrap();
    assert_eq!(identity.key_type, "service", "an unknown key type is kept, not refused");
    assert_eq!(identity.environment_name.as_deref(), Some("Production"));
    assert_eq!(identity.environment_slug.as_deref(), Some("production"));
    assert_eq!(identity.team_name.as_deref(), Some("Honeycomb Docs"));
    assert_eq!(identity.team_slug.as_deref(), Some("honeycomb-docs"));
    assert_eq!(
        identity.access.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
        [("createDatasets", true), ("events", false), ("newFlag", true)],
        "the flags as the answer gives them"
    );
    assert!(identity.has_access("createDatasets") && !identity.has_access("events") && !identity.has_access("boards"));
    assert_eq!(identity.extra["region"], "eu1");
    assert_eq!(identity.extra["expires"]["at"], "2027-01-01T00:00:00Z");
    assert_eq!(identity.extra.len(), 2);
    // Its serde form keeps them too.
    let shown = serde_json::to_value(&identity).unwrap();
    assert_eq!(shown["extra"]["region"], "eu1");
}

#[tokio::test]
async fn a_classic_key_answers_empty_environment_names() {
    let server = MockServer::start().await;
    let mut answer = ingest_answer();
    answer["type"] = json!("configuration");
    answer["id"] = json!("A3jatwoWSxA");
    answer["environment"] = json!({"name": "", "slug": ""});
    Mock::given(method("GET")).and(path("/1/auth")).respond_with(plain_json(200, answer)).mount(&server).await;
    let identity = no_retry_client(&server).verify_key(&SecretString::from(DATA_CANARY)).await.unwrap();
    assert_eq!((identity.id.as_str(), identity.key_type.as_str()), ("A3jatwoWSxA", "configuration"));
    assert_eq!(identity.environment_slug.as_deref(), Some(""));
    assert!(identity.extra.is_empty());
}

#[tokio::test]
async fn a_refused_key_is_an_auth_error_that_never_shows_the_key() {
    let server = MockServer::start().await;
    // A server that echoes the key it refuses, in every form it could.
    let echo = format!("unknown API key {DATA_CANARY} (Bearer {MGMT_ID}:{CANARY})");
    Mock::given(method("GET"))
        .and(path("/1/auth"))
        .respond_with(plain_json(401, json!({"error": echo})))
        .mount(&server)
        .await;
    let error = client(&server).verify_key(&SecretString::from(DATA_CANARY)).await.unwrap_err();
    assert!(error.is_auth(), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert!(matches!(&error, Error::Api(api) if api.operation == Operation::VerifyKey), "{error:?}");
    for shown in [error.to_string(), format!("{error:?}"), format!("{error:#}")] {
        assert!(!shown.contains(DATA_CANARY) && !shown.contains("CANARYdataSECRET"), "{shown}");
        assert!(!shown.contains(CANARY), "{shown}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "a 401 is not retried");
    // The hint is about the data key: the management key was not sent, so not refused.
    let text = error.to_string();
    assert!(text.contains("does not accept this data key") && !text.contains("management key"), "{text}");
}

#[tokio::test]
async fn an_empty_or_unprintable_key_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let client = client(&server);
    for bad in ["", " ", "hcxik_abc def", "secret\n", "sécret"] {
        let error = client.verify_key(&SecretString::from(bad)).await.unwrap_err();
        assert!(error.is_invalid_argument(), "{bad:?}: {error:?}");
        if bad.len() > 2 {
            assert!(!error.to_string().contains(bad.trim()), "the key is not echoed: {error}");
        }
    }
    crate::common::assert_no_requests(&server).await;
}

#[cfg(feature = "mock")]
mod on_the_fake {
    use super::*;
    use honeycomb_api_keys::{ApiKeyUpdate, mock::MockHoneycomb};

    #[tokio::test]
    async fn the_fake_knows_live_keys_and_refuses_disabled_deleted_and_unknown_ones() {
        let fake = MockHoneycomb::start().await;
        let client = fake.client();
        let keys = client.api_keys();
        let env = fake.environment_id("production").unwrap();
        let ingest = keys.create(NewApiKey::ingest("shipper", &env).create_datasets(true)).await.unwrap();
        let config =
            keys.create(NewApiKey::configuration("ci", &env, Permissions::read_only_querying())).await.unwrap();

        // An ingest key: its id and secret joined.
        let me = client.verify_key(&ingest.header_value()).await.unwrap();
        assert_eq!(me.id, ingest.id().as_str());
        assert_eq!(me.key_type, "ingest");
        assert_eq!(me.environment_slug.as_deref(), Some("production"));
        assert_eq!(me.team_slug, Some(fake.team_slug()));
        assert_eq!(me.access.keys().collect::<Vec<_>>(), ["createDatasets"], "an ingest key shows only that");
        assert!(me.has_access("createDatasets"));
        let shown = format!("{me:?} {}", serde_json::to_string(&me).unwrap());
        assert!(!shown.contains(ingest.secret().expose_secret()), "{shown}");

        // The secret alone is not an ingest key's value.
        let error = client.verify_key(ingest.secret()).await.unwrap_err();
        assert!(error.is_auth(), "{error:?}");

        // A configuration key: its secret alone.
        let me = client.verify_key(config.secret()).await.unwrap();
        assert_eq!((me.id.as_str(), me.key_type.as_str()), (config.id().as_str(), "configuration"));
        assert!(me.has_access("queries") && !me.has_access("boards"), "{:?}", me.access);

        // Disabled, then enabled again.
        keys.update(config.id(), ApiKeyUpdate::new().disable()).await.unwrap();
        let error = client.verify_key(config.secret()).await.unwrap_err();
        assert!(error.is_auth(), "{error:?}");
        assert!(!format!("{error:?} {error}").contains(config.secret().expose_secret()));
        keys.update(config.id(), ApiKeyUpdate::new().enable()).await.unwrap();
        client.verify_key(config.secret()).await.unwrap();

        // Deleted.
        keys.delete(ingest.id()).await.unwrap();
        let error = client.verify_key(&ingest.header_value()).await.unwrap_err();
        assert!(error.is_auth(), "{error:?}");

        // Unknown.
        let error = client.verify_key(&SecretString::from(DATA_CANARY)).await.unwrap_err();
        assert!(error.is_auth() && !format!("{error:?} {error}").contains(DATA_CANARY), "{error:?}");
    }

    #[tokio::test]
    async fn verify_key_has_its_own_rate_limit_window() {
        let fake = MockHoneycomb::start().await;
        let client = fake.client();
        let env = fake.environment_id("production").unwrap();
        let created = client.api_keys().create(NewApiKey::ingest("paced", &env)).await.unwrap();
        fake.rate_limit(Operation::VerifyKey, Some(2));
        client.verify_key(&created.header_value()).await.unwrap();
        let status = client.rate_limit_status(Operation::VerifyKey).expect("its window was read");
        assert_eq!((status.limit, status.remaining), (2, Some(1)));
        assert!(client.rate_limit_status(Operation::GetAuth).is_none(), "not another operation's window");
        assert_eq!(fake.count(Operation::VerifyKey), 1);
    }

    #[cfg(feature = "blocking")]
    #[test]
    fn the_blocking_twin_verifies_a_key() {
        let fake = MockHoneycomb::start_blocking();
        let client = fake.client_builder().build_blocking().unwrap();
        let env = fake.environment_id("production").unwrap();
        let created = client.api_keys().create(NewApiKey::ingest("blocking", &env)).unwrap();
        let me = client.verify_key(&created.header_value()).unwrap();
        assert_eq!(me.id, created.id().as_str());
        client.api_keys().delete(created.id()).unwrap();
        assert!(client.verify_key(&created.header_value()).unwrap_err().is_auth());
    }
}
