//! Creating, changing and deleting environments: on the fake, against bad input (nothing
//! sent), and when an answer is lost (a create is never re-sent blindly; a delete whose
//! answer was lost succeeds on the 404 of its retry).
#![cfg(feature = "mock")]

use crate::common::{assert_no_requests, client};
use honeycomb_api_keys::{
    EnvironmentColor, EnvironmentUpdate, Error, MAX_ENVIRONMENT_DESCRIPTION_LEN, MAX_ENVIRONMENT_NAME_LEN,
    NewEnvironment, Operation,
    mock::{Fault, MockHoneycomb},
};
use wiremock::MockServer;

fn field_of(err: &Error) -> &'static str {
    match err {
        Error::InvalidArgument { field, .. } => field,
        other => panic!("expected an invalid-argument error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_environment_is_created_changed_protected_and_deleted() {
    let fake = MockHoneycomb::start().await;
    let environments = fake.client().environments();
    let new = NewEnvironment::new("Load test").description("k6 runs").color(EnvironmentColor::LightPurple);
    let env = environments.create(new).await.unwrap();
    assert_eq!((env.name.as_str(), env.slug.as_str()), ("Load test", "load-test"));
    assert_eq!((env.description.as_deref(), env.color.as_deref()), (Some("k6 runs"), Some("lightPurple")));
    assert_eq!(env.delete_protected, Some(true), "Honeycomb makes new environments delete-protected");
    assert_eq!(environments.find("load-test").await.unwrap().map(|e| e.id), Some(env.id.clone()));

    // A name in use is Honeycomb's 409.
    let taken = environments.create(NewEnvironment::new("load test")).await.unwrap_err();
    assert!(taken.is_conflict(), "{taken:?}");

    // Deleting a protected environment is refused; without protection it goes.
    let refused = environments.delete(&env.id).await.unwrap_err();
    assert!(refused.is_conflict(), "{refused:?}");
    let changed = environments
        .update(&env.id, EnvironmentUpdate::new().color(EnvironmentColor::Gold).description("").delete_protected(false))
        .await
        .unwrap();
    assert_eq!((changed.color.as_deref(), changed.delete_protected), (Some("gold"), Some(false)));
    assert_eq!(changed.description.as_deref(), Some(""), "an empty description clears it");
    assert_eq!(changed.name, "Load test", "what the update does not set is unchanged");
    environments.delete(&env.id).await.unwrap();
    assert!(environments.get(&env.id).await.unwrap_err().is_not_found());
    assert!(fake.environments().iter().all(|e| e.id != env.id.as_str()));

    // The longest name Honeycomb accepts is sent, not refused.
    let longest = environments.create(NewEnvironment::new("n".repeat(MAX_ENVIRONMENT_NAME_LEN))).await.unwrap();
    assert_eq!(longest.name.chars().count(), MAX_ENVIRONMENT_NAME_LEN);

    // The update sent only what it set (the published schema is checked in cli.rs and by CI).
    let update = fake.requests().into_iter().find(|r| r.operation == Some(Operation::UpdateEnvironment)).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&update.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"data": {"id": env.id.as_str(), "type": "environments", "attributes": {
            "description": "", "color": "gold", "settings": {"delete_protected": false}}}})
    );
}

#[tokio::test]
async fn bad_environment_input_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let environments = client(&server).environments();
    let long_name = "n".repeat(MAX_ENVIRONMENT_NAME_LEN + 1);
    let long_description = "d".repeat(MAX_ENVIRONMENT_DESCRIPTION_LEN + 1);
    for (new, field) in [
        (NewEnvironment::new(""), "name"),
        (NewEnvironment::new("   "), "name"),
        (NewEnvironment::new(long_name.as_str()), "name"),
        (NewEnvironment::new("prod\u{202e}"), "name"),
        (NewEnvironment::new("ok").description(long_description.as_str()), "description"),
        (NewEnvironment::new("ok").description("line\nbreak"), "description"),
    ] {
        let err = environments.create(new.clone()).await.unwrap_err();
        assert_eq!(field_of(&err), field, "{new:?}");
    }
    let err = environments.update("hcxen_01hznmeqrcq8rz533xrvtc6mk0", EnvironmentUpdate::new()).await.unwrap_err();
    assert_eq!(field_of(&err), "update");
    assert!(err.to_string().contains("changes nothing"), "{err}");
    let err = environments
        .update("hcxen_01hznmeqrcq8rz533xrvtc6mk0", EnvironmentUpdate::new().description(long_description.as_str()))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "description");
    for id in ["", "../x", "env id", "hcxen_01hznmeqrcq8rz533xrvtc6mk0/../../2/auth"] {
        let err = environments.update(id, EnvironmentUpdate::new().delete_protected(false)).await.unwrap_err();
        assert_eq!(field_of(&err), "environment_id", "{id:?}");
        let err = environments.delete(id).await.unwrap_err();
        assert_eq!(field_of(&err), "environment_id", "{id:?}");
    }
    let err = "pink".parse::<EnvironmentColor>().unwrap_err();
    assert_eq!(field_of(&err), "color");
    assert!(err.to_string().contains("lightPurple"), "the error lists the colours: {err}");
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_not_re_sent_and_says_so() {
    let fake = MockHoneycomb::start().await;
    fake.fail_next(Operation::CreateEnvironment, 1, Fault::status(502).after_processing());
    let err = fake.client().environments().create(NewEnvironment::new("Once")).await.unwrap_err();
    match &err {
        Error::OutcomeUnknown { operation: Operation::CreateEnvironment, subject, .. } => {
            assert_eq!(subject.as_deref(), Some("Once"));
        }
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    assert_eq!(fake.count(Operation::CreateEnvironment), 1, "a create is never re-sent blindly");
    assert_eq!(fake.environments().iter().filter(|e| e.name == "Once").count(), 1, "it was made, once");
}

#[tokio::test]
async fn a_create_answered_with_an_unreadable_body_is_an_unknown_outcome() {
    let fake = MockHoneycomb::start().await;
    let broken = Fault::status(201).body("{\"data\": {\"id\": ", "application/vnd.api+json").after_processing();
    fake.fail_next(Operation::CreateEnvironment, 1, broken);
    let err = fake.client().environments().create(NewEnvironment::new("Made")).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "the environment exists, though its answer was unreadable: {err:?}");
    assert!(err.to_string().contains("look for one named \"Made\""), "{err}");
    assert_eq!(fake.count(Operation::CreateEnvironment), 1);
    assert!(fake.environments().iter().any(|e| e.name == "Made"));
}

#[tokio::test]
async fn a_delete_whose_answer_was_lost_succeeds_on_the_404_of_its_retry() {
    let fake = MockHoneycomb::start().await;
    let environments = fake.client().environments();
    let env = environments.create(NewEnvironment::new("Short lived")).await.unwrap();
    environments.update(&env.id, EnvironmentUpdate::new().delete_protected(false)).await.unwrap();
    fake.fail_next(Operation::DeleteEnvironment, 1, Fault::status(503).after_processing());
    environments.delete(&env.id).await.unwrap();
    assert_eq!(fake.count(Operation::DeleteEnvironment), 2);
    // Without a lost answer first, a 404 is an error.
    assert!(environments.delete(&env.id).await.unwrap_err().is_not_found());
}
