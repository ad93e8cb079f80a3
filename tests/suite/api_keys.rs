//! Every API-key operation: the request on the wire and the decoding of the response.

use crate::common::*;
use honeycomb_api_keys::{ApiKeyUpdate, ExposeSecret, KeyType, NewApiKey, Permission, Permissions};
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_json, header, method, path, query_param},
};

#[tokio::test]
async fn get_sends_a_bearer_jsonapi_request_and_decodes_every_field() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(key_path(INGEST_ID)))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "checkout")})))
        .expect(1)
        .mount(&server)
        .await;

    let key = client(&server).api_keys().get(INGEST_ID).await.unwrap();

    assert_common_headers(&server, false).await;
    assert_eq!(key.id.as_str(), INGEST_ID);
    assert_eq!(key.name, "checkout");
    assert_eq!(key.key_type, KeyType::Ingest);
    assert!(!key.disabled);
    assert_eq!(key.permissions, Permissions::from(Permission::CreateDatasets));
    assert_eq!(key.environment_id.as_ref().unwrap().as_str(), ENV_ID);
    assert_eq!(key.creator_id.as_deref(), Some("hcxus_01hznmeqrcq8rz533xrvtc6mk0"));
    assert_eq!(key.editor_id, None);
    assert_eq!(key.created.to_rfc3339(), "2022-09-22T17:32:11+00:00");
    assert_eq!(key.updated.to_rfc3339(), "2022-10-31T15:08:11+00:00");
}

#[tokio::test]
async fn get_opt_is_none_on_404_and_some_otherwise() {
    let server = MockServer::start().await;
    Mock::given(path(key_path(INGEST_ID)))
        .respond_with(jsonapi(404, error_body(404, "not-found", "API key not found", None, None)))
        .mount(&server)
        .await;
    Mock::given(path(key_path(CONFIG_ID)))
        .respond_with(jsonapi(200, json!({"data": config_key(CONFIG_ID, "ci", &["run_queries"])})))
        .mount(&server)
        .await;
    let keys = client(&server).api_keys();
    assert!(keys.get_opt(INGEST_ID).await.unwrap().is_none());
    let config = keys.get_opt(CONFIG_ID).await.unwrap().unwrap();
    assert_eq!(config.key_type, KeyType::Configuration);
    assert_eq!(config.permissions.iter().collect::<Vec<_>>(), vec![Permission::RunQueries]);
}

#[tokio::test]
async fn create_ingest_sends_the_exact_jsonapi_body_and_returns_the_secret_once() {
    let server = MockServer::start().await;
    let mut created = ingest_key(INGEST_ID, "checkout");
    created["attributes"]["secret"] = json!("s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3t00");
    Mock::given(method("POST"))
        .and(path(keys_path()))
        .and(header("content-type", JSON_API))
        .and(body_json(json!({"data": {
            "type": "api-keys",
            "attributes": {"name": "checkout", "key_type": "ingest", "disabled": false,
                           "permissions": {"create_datasets": true}},
            "relationships": {"environment": {"data": {"id": ENV_ID, "type": "environments"}}}
        }})))
        .respond_with(jsonapi(201, json!({"data": created})))
        .expect(1)
        .mount(&server)
        .await;

    let created =
        client(&server).api_keys().create(NewApiKey::ingest("checkout", ENV_ID).create_datasets(true)).await.unwrap();

    assert_common_headers(&server, true).await;
    assert_eq!(created.id().as_str(), INGEST_ID);
    assert_eq!(created.secret().expose_secret(), "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3t00");
    let full = format!("{INGEST_ID}s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3t00");
    assert_eq!(created.ingest_key().unwrap().expose_secret(), full);
    assert_eq!(created.header_value().expose_secret(), full);
    assert_eq!(full.len(), 64);
}

#[tokio::test]
async fn create_configuration_sends_only_granted_permissions_and_its_header_is_the_secret() {
    let server = MockServer::start().await;
    let mut created = config_key(CONFIG_ID, "CI", &["run_queries", "manage_boards"]);
    created["attributes"]["secret"] = json!("configSECRETconfigSECRETconfig00");
    Mock::given(method("POST"))
        .and(path(keys_path()))
        .and(body_json(json!({"data": {
            "type": "api-keys",
            "attributes": {"name": "CI", "key_type": "configuration", "disabled": true,
                           "permissions": {"run_queries": true, "manage_boards": true}},
            "relationships": {"environment": {"data": {"id": ENV_ID, "type": "environments"}}}
        }})))
        .respond_with(jsonapi(201, json!({"data": created})))
        .expect(1)
        .mount(&server)
        .await;

    let perms = Permissions::builder().run_queries().manage_boards().build();
    let created = client(&server)
        .api_keys()
        .create(NewApiKey::configuration("CI", ENV_ID, perms.clone()).disabled(true))
        .await
        .unwrap();

    assert_eq!(created.key().permissions, perms);
    assert!(created.ingest_key().is_none());
    assert_eq!(created.header_value().expose_secret(), "configSECRETconfigSECRETconfig00");
}

#[tokio::test]
async fn create_configuration_without_permissions_sends_an_empty_object() {
    let server = MockServer::start().await;
    let mut created = config_key(CONFIG_ID, "nothing", &[]);
    created["attributes"]["secret"] = json!("x");
    Mock::given(method("POST"))
        .and(body_json(json!({"data": {
            "type": "api-keys",
            "attributes": {"name": "nothing", "key_type": "configuration", "disabled": false, "permissions": {}},
            "relationships": {"environment": {"data": {"id": ENV_ID, "type": "environments"}}}
        }})))
        .respond_with(jsonapi(201, json!({"data": created})))
        .expect(1)
        .mount(&server)
        .await;
    let created = client(&server)
        .api_keys()
        .create(NewApiKey::configuration("nothing", ENV_ID, Permissions::none()))
        .await
        .unwrap();
    assert!(created.key().permissions.is_empty());
}

#[tokio::test]
async fn update_sends_only_what_changes() {
    let server = MockServer::start().await;
    let mut updated = ingest_key(INGEST_ID, "renamed");
    updated["attributes"]["disabled"] = json!(true);
    Mock::given(method("PATCH"))
        .and(path(key_path(INGEST_ID)))
        .and(header("content-type", JSON_API))
        .and(body_json(json!({"data": {"id": INGEST_ID, "type": "api-keys",
                                        "attributes": {"name": "renamed", "disabled": true}}})))
        .respond_with(jsonapi(200, json!({"data": updated})))
        .expect(1)
        .mount(&server)
        .await;

    let key =
        client(&server).api_keys().update(INGEST_ID, ApiKeyUpdate::new().name("renamed").disable()).await.unwrap();

    assert_common_headers(&server, true).await;
    assert_eq!(key.name, "renamed");
    assert!(key.disabled);
}

#[tokio::test]
async fn update_of_configuration_permissions_is_a_partial_merge() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(key_path(CONFIG_ID)))
        .and(body_json(json!({"data": {"id": CONFIG_ID, "type": "api-keys",
            "attributes": {"disabled": false, "permissions": {"manage_triggers": true, "manage_boards": false}}}})))
        .respond_with(jsonapi(200, json!({"data": config_key(CONFIG_ID, "ci", &["run_queries", "manage_triggers"])})))
        .expect(1)
        .mount(&server)
        .await;

    let key = client(&server)
        .api_keys()
        .update(
            CONFIG_ID,
            ApiKeyUpdate::new().enable().grant(Permission::ManageTriggers).revoke(Permission::ManageBoards),
        )
        .await
        .unwrap();
    assert_eq!(key.permissions.to_string(), "manage_triggers, run_queries");
}

#[tokio::test]
async fn set_permissions_sends_every_known_permission_explicitly() {
    let server = MockServer::start().await;
    let expected = config_permissions(&["run_queries"]);
    Mock::given(method("PATCH"))
        .and(body_json(json!({"data": {"id": CONFIG_ID, "type": "api-keys", "attributes": {"permissions": expected}}})))
        .respond_with(jsonapi(200, json!({"data": config_key(CONFIG_ID, "ci", &["run_queries"])})))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .api_keys()
        .update(CONFIG_ID, ApiKeyUpdate::new().set_permissions(&Permission::RunQueries.into()))
        .await
        .unwrap();
}

#[tokio::test]
async fn delete_accepts_204_with_no_body() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(key_path(INGEST_ID)))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).api_keys().delete(INGEST_ID).await.unwrap();
    assert_common_headers(&server, false).await;
}

#[tokio::test]
async fn list_asks_for_100_per_page_and_sends_the_type_filter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(keys_path()))
        .and(query_param("page[size]", "100"))
        .and(query_param("filter[type]", "configuration"))
        .respond_with(jsonapi(200, page(vec![config_key(CONFIG_ID, "ci", &[])], None)))
        .expect(1)
        .mount(&server)
        .await;
    let keys = client(&server).api_keys().list().key_type(KeyType::Configuration).collect().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_common_headers(&server, false).await;
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.url.query_pairs().all(|(k, _)| k != "page[after]"), "first page sends no cursor");
}

#[tokio::test]
async fn unknown_key_types_and_permissions_decode_and_are_kept() {
    let server = MockServer::start().await;
    let mut future = key_object(
        "hcxzk_01j1824es7n4evcmv81cn392jb",
        "from the future",
        "telepathy",
        json!({"create_datasets": false, "read_minds": true}),
    );
    future["relationships"]["creator"] = json!(null);
    let mut config = config_key(CONFIG_ID, "ci", &["manage_signals"]);
    config["attributes"]["permissions"]["manage_spaceships"] = json!(true);
    Mock::given(path(keys_path())).respond_with(jsonapi(200, page(vec![future, config], None))).mount(&server).await;

    let keys = client(&server).api_keys().list().collect().await.unwrap();

    assert_eq!(keys[0].key_type, KeyType::Other("telepathy".into()));
    assert_eq!(keys[0].permissions.unknown().collect::<Vec<_>>(), vec![("read_minds", true)]);
    assert_eq!(keys[0].creator_id, None);
    assert!(keys[1].permissions.contains(Permission::ManageSignals));
    assert_eq!(keys[1].permissions.to_string(), "manage_signals, manage_spaceships (unknown)");
}

#[tokio::test]
async fn odd_unknown_permission_members_are_ignored_not_fatal() {
    let server = MockServer::start().await;
    let mut key = config_key(CONFIG_ID, "ci", &["run_queries"]);
    key["attributes"]["permissions"]["future_nested"] = json!({"read": true});
    key["attributes"]["permissions"]["future_null"] = json!(null);
    Mock::given(path(keys_path())).respond_with(jsonapi(200, page(vec![key], None))).mount(&server).await;
    let keys = client(&server).api_keys().list().collect().await.unwrap();
    assert_eq!(keys[0].permissions.to_string(), "run_queries");
    assert_eq!(keys[0].permissions.unknown().count(), 0);
}

#[tokio::test]
async fn a_per_call_team_override_uses_that_team_without_asking_auth() {
    let server = MockServer::start().await;
    Mock::given(path("/2/auth")).respond_with(jsonapi(200, auth_body(TEAM))).expect(0).mount(&server).await;
    Mock::given(path(format!("/2/teams/other-team/api-keys/{INGEST_ID}")))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "theirs")})))
        .expect(1)
        .mount(&server)
        .await;
    let key = detecting_client(&server).api_keys().for_team("other-team").get(INGEST_ID).await.unwrap();
    assert_eq!(key.name, "theirs");
}
