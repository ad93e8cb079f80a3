//! The README's promises against a hostile server (`server.rs`, raw sockets on 127.0.0.1)
//! and the built-in fake, through the library (`hny-keys` as a process: its own tests): a
//! server that lies about ids, paginates forever, echoes the management secret, sends
//! escape codes or drops requests on idle connections; a user who interrupts, closes the
//! pipe or fills the disk.
#![cfg(feature = "mock")]

mod server;
mod shared;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::common::{CANARY, ENV_ID, MGMT_ID, TEAM, ingest_key, numbered_id};

use honeycomb_api_keys::{
    Client, Error, KeyType, NewApiKey, OldKeyAction, Operation, PaginationFault, Permissions, ProvisionOptions,
    ProvisionOutcome, RotateOptions, mock::MockHoneycomb,
};

use serde_json::{Value, json};

use server::{Hostile, Reply};
use shared::*;

fn key_path(id: &str) -> String {
    format!("/2/teams/{TEAM}/api-keys/{id}")
}

fn created_key(id: &str, name: &str, secret: &str) -> Value {
    let mut key = ingest_key(id, name);
    key["attributes"]["secret"] = json!(secret);
    key["links"] = json!({"self": key_path(id)});
    key
}

fn assert_typed_end(result: Result<(), Error>, shape: Endless, server: &Hostile, started: Instant) {
    match result {
        Err(Error::PaginationLoop { fault, pages, .. }) => {
            match (&fault, shape.fault()) {
                // The repeated item is the first one of the page that came again.
                (PaginationFault::RepeatedItem { id }, PaginationFault::RepeatedItem { .. }) => {
                    assert!(id.ends_with("00000001"), "{id}")
                }
                (fault, expected) => assert_eq!(*fault, expected, "{shape:?}"),
            }
            assert!(pages <= 6, "{shape:?}: {pages} pages");
        }
        other => panic!("{shape:?}: expected a pagination error, got {other:?}"),
    }
    // The pages, plus an environment lookup for provisioning (a GET by id, then the list).
    assert!(server.requests().len() <= 8, "{shape:?}: {} requests", server.requests().len());
    assert!(started.elapsed() < Duration::from_secs(10), "{shape:?}");
}

#[tokio::test]
async fn every_endless_pagination_ends_with_a_typed_error_in_listing_audit_provisioning_and_lookup() {
    for shape in Endless::ALL {
        let started = Instant::now();
        let server = endless(shape, true);
        let listed = client(&server).api_keys().list().collect().await.map(drop);
        assert_typed_end(listed, shape, &server, started);

        let server = endless(shape, true);
        let audit = client(&server).api_keys().audit(Default::default()).await.map(drop);
        assert_typed_end(audit, shape, &server, started);

        let server = endless(shape, true);
        let provisioned = client(&server).api_keys().provision(ENV_ID, &["svc"], ProvisionOptions::new()).await;
        assert_typed_end(provisioned.map(drop), shape, &server, started);
        assert_eq!(server.count("POST"), 0, "nothing created after a broken scan");

        let server = endless(shape, false);
        let found = client(&server).environments().find("Production").await.map(drop);
        assert_typed_end(found, shape, &server, started);
    }
}

#[tokio::test]
async fn fresh_items_under_fresh_cursors_end_at_the_page_limit() {
    let server = Hostile::start(|r| {
        let n: usize = r.query("page[after]").and_then(|c| c.parse().ok()).unwrap_or(0);
        let next = format!("{}?page[after]={}", r.path(), n + 1);
        Reply::json(200, json!({"data": [ingest_key(&numbered_id(n), "k")], "links": {"next": next}}))
    });
    let started = Instant::now();
    let keys: Vec<_> = futures::StreamExt::collect(client(&server).api_keys().list().page_limit(40).items()).await;
    assert_eq!(keys.iter().filter(|k| k.is_ok()).count(), 40, "the pages before the limit are yielded");
    assert!(matches!(
        keys.last(),
        Some(Err(Error::PaginationLoop { pages: 40, fault: PaginationFault::PageLimit { limit: 40 }, .. }))
    ));
    assert_eq!(server.requests().len(), 40);
    assert!(started.elapsed() < Duration::from_secs(10));
    // `max_pages` is a stop the caller asked for: no error.
    let server2 = Hostile::start(|r| {
        let n: usize = r.query("page[after]").and_then(|c| c.parse().ok()).unwrap_or(0);
        Reply::json(
            200,
            json!({"data": [ingest_key(&numbered_id(n), "k")], "links": {"next": format!("{}?page[after]={}", r.path(), n + 1)}}),
        )
    });
    assert_eq!(client(&server2).api_keys().list().max_pages(5).collect().await.unwrap().len(), 5);
}

#[tokio::test]
async fn an_answer_for_another_id_is_an_error_and_nothing_is_written() {
    let server = substituting();
    let asked = crate::common::INGEST_ID;
    let options = RotateOptions::new().old_key(OldKeyAction::Delete);
    match client(&server).api_keys().rotate(asked, options).await {
        Err(Error::IdMismatch { requested, answered, .. }) => {
            assert_eq!((requested.as_str(), answered.as_str()), (asked, crate::common::CONFIG_ID));
        }
        other => panic!("expected IdMismatch, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1, "the GET, and nothing after it");
    let err = client(&server).api_keys().get(asked).await.unwrap_err();
    assert!(err.to_string().contains(asked) && err.to_string().contains(crate::common::CONFIG_ID), "{err}");
}

#[tokio::test]
async fn an_echoed_management_secret_is_redacted_from_errors_in_every_body_format() {
    for format in ["jsonapi", "legacy", "html"] {
        let server = echoing(format);
        let err = client(&server).api_keys().get(crate::common::INGEST_ID).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        let shown = format!("{err} {err:?}");
        for form in secret_forms() {
            assert!(!shown.contains(&form), "{format}: {form} in {shown}");
        }
        assert!(shown.contains("[REDACTED]"), "{format}: {shown}");
    }
}

#[tokio::test]
async fn a_new_secret_echoed_by_a_later_error_of_the_rotation_is_redacted() {
    let new_secret = "NEWsecretCANARY0123456789abcdefXY";
    // Verified (the old key's disable then fails), or never verified (the new key's delete
    // then fails): either error quotes the new secret, and neither may show it.
    for verifies in [true, false] {
        let server = Hostile::start(move |r| match (r.method.as_str(), r.path()) {
            ("GET", p) if p == keys_path() => Reply::json(200, json!({"data": [], "links": {"next": null}})),
            ("GET", "/1/auth") if verifies => Reply::json(
                200,
                json!({"id": numbered_id(7), "type": "ingest", "api_key_access": {},
                       "environment": {"name": "P", "slug": "p"}, "team": {"name": "T", "slug": "t"}}),
            ),
            ("GET", "/1/auth") => Reply::json(401, json!({"error": "unknown API key"})),
            ("GET", _) => Reply::json(200, json!({"data": ingest_key(crate::common::INGEST_ID, "svc")})),
            ("POST", _) => Reply::json(201, json!({"data": created_key(&numbered_id(7), "svc (rotated)", new_secret)})),
            _ => Reply::json(
                400,
                json!({"errors": [{"status": "400", "title": "no", "detail": format!("key {} is in use", new_secret)}]}),
            ),
        });
        let shown = match client(&server).api_keys().rotate(crate::common::INGEST_ID, RotateOptions::new()).await {
            Ok(rotation) => {
                assert!(verifies, "{rotation}");
                format!("{rotation} {:?}", rotation.old_key_outcome)
            }
            Err(e) => {
                assert!(!verifies && matches!(e, Error::StepFailed { resumable: false, .. }), "{e:?}");
                format!("{e} {e:?}")
            }
        };
        assert!(shown.contains(if verifies { "STILL ENABLED" } else { "could not be deleted again" }), "{shown}");
        assert!(!shown.contains(new_secret), "{shown}");
    }
}

#[tokio::test]
async fn a_provisioning_failure_never_quotes_a_secret_the_provisioning_handed_out() {
    let first_secret = "FIRSTsecretCANARY0123456789abcdef";
    let posts = Arc::new(Mutex::new(0));
    let server = Hostile::start(move |r| match (r.method.as_str(), r.path()) {
        ("GET", p) if p == keys_path() => Reply::json(200, json!({"data": [], "links": {"next": null}})),
        ("GET", _) => Reply::json(200, json!({"data": environment(ENV_ID, "Production")})),
        _ => {
            let mut posts = posts.lock().unwrap();
            *posts += 1;
            if *posts == 1 {
                Reply::json(201, json!({"data": created_key(&numbered_id(1), "a", first_secret)}))
            } else {
                Reply::json(
                    409,
                    json!({"errors": [{"status": "409", "detail": format!("clashes with {first_secret}")}]}),
                )
            }
        }
    });
    let options = ProvisionOptions::new().concurrency(1);
    let report = client(&server).api_keys().provision(ENV_ID, &["a", "b"], options).await.unwrap();
    let (_, error) = report.failed().next().expect("the second create failed");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("clashes with [REDACTED]") && !shown.contains(first_secret), "{shown}");
}

#[tokio::test]
async fn a_server_closing_idle_connections_never_makes_a_create_outcome_unknown() {
    let server = Hostile::start_closing_idle(Some(Duration::from_millis(40)), |r| match r.method.as_str() {
        "POST" => {
            Reply::json(201, json!({"data": created_key(&numbered_id(1), "svc", "s3cretValue0123456789abcdefABCDEF")}))
        }
        _ => Reply::json(200, json!({"data": ingest_key(crate::common::INGEST_ID, "svc")})),
    });
    let client = Client::builder().management_key(MGMT_ID, CANARY).endpoint(server.uri()).team(TEAM).build().unwrap();
    let keys = client.api_keys();
    let mut unknown = 0;
    for _ in 0..20 {
        keys.get(crate::common::INGEST_ID).await.unwrap(); // leaves a pooled connection
        tokio::time::sleep(Duration::from_millis(60)).await; // which the server then drops
        match keys.create(NewApiKey::ingest("svc", ENV_ID)).await {
            Ok(_) => {}
            Err(e) if e.is_outcome_unknown() => unknown += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(unknown, 0, "false `outcome unknown` in 20 runs");
    assert_eq!(server.count("POST"), 20, "each create sent once");
}

#[tokio::test]
async fn a_retry_after_beyond_u64_is_a_long_wait_that_fails_fast() {
    let server = Hostile::start(|_| {
        Reply::json(429, json!({"errors": [{"status": "429", "title": "slow down"}]}))
            .header("Retry-After", "99999999999999999999999")
    });
    let err = client(&server).api_keys().get(crate::common::INGEST_ID).await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(86_400)));
    assert_eq!(server.requests().len(), 1, "not retried quickly");
}

#[tokio::test]
async fn provisioning_does_not_count_a_disabled_key_and_counts_a_rotated_one() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let none = Permissions::none();
    let off = fake.seed_key("production", "checkout", &KeyType::Ingest, &none, Duration::ZERO);
    keys.update(&off.id, honeycomb_api_keys::ApiKeyUpdate::new().disable()).await.unwrap();
    let report = keys.provision("Production", &["checkout"], ProvisionOptions::new()).await.unwrap();
    assert!(matches!(report.entries[0].outcome, ProvisionOutcome::Disabled(_)), "{:?}", report.entries);
    assert!(!report.is_complete());
    assert_eq!(fake.count(Operation::CreateApiKey), 0, "no second key of the name");

    // After a rotation the service's key is the replacement.
    keys.update(&off.id, honeycomb_api_keys::ApiKeyUpdate::new().enable()).await.unwrap();
    let rotation = keys.rotate(&off.id, RotateOptions::new()).await.unwrap();
    let report = keys.provision("Production", &["checkout"], ProvisionOptions::new()).await.unwrap();
    match &report.entries[0].outcome {
        ProvisionOutcome::Existing(key) => assert_eq!(&key.id, rotation.new_key.id()),
        other => panic!("{other:?}"),
    }
    assert!(report.is_complete());
}

#[tokio::test]
async fn a_rotation_rerun_finds_its_replacement_and_a_disabled_key_is_refused() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), Duration::from_secs(9));
    // A first run whose retire step failed.
    fake.fail_next(Operation::UpdateApiKey, 3, honeycomb_api_keys::mock::Fault::status(503));
    let first = keys.rotate(&old.id, RotateOptions::new()).await.unwrap();
    assert!(!first.is_complete());
    // A rerun finds the replacement, makes no second one, and leaves the old key in use
    // until told that the first run's secret was stored (it may have been lost).
    let second = keys.rotate(&old.id, RotateOptions::new()).await.unwrap();
    assert!(matches!(second.new_key, honeycomb_api_keys::Replacement::Resumed(_)));
    assert_eq!(second.new_key.id(), first.new_key.id());
    assert!(!second.is_complete() && !fake.key(&old.id).unwrap().disabled);
    assert!(second.to_string().contains("resume"), "{second}");
    let third = keys.rotate(&old.id, RotateOptions::new().resume(true)).await.unwrap();
    assert_eq!(third.new_key.id(), first.new_key.id());
    assert!(third.is_complete() && fake.key(&old.id).unwrap().disabled);
    // Once more, on the now disabled key: it still finds it and creates nothing.
    let fourth = keys.rotate(&old.id, RotateOptions::new()).await.unwrap();
    assert_eq!(fourth.new_key.id(), first.new_key.id());
    assert!(fourth.is_complete());
    assert_eq!(fake.count(Operation::CreateApiKey), 1);

    // Two keys that could each be the replacement: refused, nothing touched.
    let twin = fake.seed_key("production", "pair", &KeyType::Ingest, &Permissions::none(), Duration::from_secs(9));
    for _ in 0..2 {
        let _ = fake.seed_key(
            "production",
            "pair (rotated 2026-01-02)",
            &KeyType::Ingest,
            &Permissions::none(),
            Duration::ZERO,
        );
    }
    let err = keys.rotate(&twin.id, RotateOptions::new().resume(true)).await.unwrap_err();
    assert!(err.to_string().contains("look like the replacement"), "{err}");
    assert!(!fake.key(&twin.id).unwrap().disabled);
    // A key of other permissions is not a replacement.
    let board = Permissions::board_management();
    let ci = fake.seed_key("production", "ci", &KeyType::Configuration, &board, Duration::from_secs(9));
    let _ = fake.seed_key(
        "production",
        "ci (rotated 2026-01-02)",
        &KeyType::Configuration,
        &Permissions::all(),
        Duration::ZERO,
    );
    let rotated = keys.rotate(&ci.id, RotateOptions::new()).await.unwrap();
    assert!(matches!(rotated.new_key, honeycomb_api_keys::Replacement::Created(_)));
    assert_eq!(fake.count(Operation::CreateApiKey), 2);

    // A disabled key with no replacement is refused unless asked for.
    let lone = fake.seed_key("production", "lone", &KeyType::Ingest, &Permissions::none(), Duration::ZERO);
    keys.update(&lone.id, honeycomb_api_keys::ApiKeyUpdate::new().disable()).await.unwrap();
    let err = keys.rotate(&lone.id, RotateOptions::new()).await.unwrap_err();
    assert!(err.to_string().contains("allow_disabled"), "{err}");
    assert_eq!(fake.count(Operation::CreateApiKey), 2);
    keys.rotate(&lone.id, RotateOptions::new().allow_disabled(true)).await.unwrap();
    assert_eq!(fake.count(Operation::CreateApiKey), 3);
}

#[tokio::test]
async fn a_write_gate_holds_back_creates_and_changes() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), Duration::ZERO);
    let closed = Arc::new(Gate { creates_allowed: Mutex::new(0), changes: false });
    let err = keys.rotate(&old.id, RotateOptions::new().gate(closed.clone())).await.unwrap_err();
    assert!(matches!(err, Error::Cancelled { .. }), "{err}");
    assert_eq!(fake.count(Operation::CreateApiKey), 0);

    let creates_only = Arc::new(Gate { creates_allowed: Mutex::new(1), changes: false });
    let rotation = keys.rotate(&old.id, RotateOptions::new().gate(creates_only)).await.unwrap();
    assert!(!rotation.is_complete() && rotation.to_string().contains("stopped before the old key was retired"));
    assert_eq!((fake.count(Operation::CreateApiKey), fake.count(Operation::UpdateApiKey)), (1, 0));

    let one = Arc::new(Gate { creates_allowed: Mutex::new(1), changes: true });
    let options = ProvisionOptions::new().concurrency(1).gate(one);
    let report = keys.provision("Production", &["a", "b", "c"], options).await.unwrap();
    let made: Vec<bool> = report.entries.iter().map(|e| matches!(e.outcome, ProvisionOutcome::Created(_))).collect();
    assert_eq!(made, [true, false, false]);
    assert_eq!(report.stopped.as_deref(), Some("cancelled"));
    assert_eq!(fake.count(Operation::CreateApiKey), 2);
}

#[tokio::test]
async fn a_page_larger_than_asked_and_a_cursor_in_a_transport_error_are_refused_and_hidden() {
    let server = Hostile::start(|_| {
        let items: Vec<Value> = (0..101).map(|n| ingest_key(&numbered_id(n), "k")).collect();
        Reply::json(200, json!({"data": items, "links": {"next": null}}))
    });
    let err = client(&server).api_keys().list().collect().await.unwrap_err();
    assert!(
        matches!(err, Error::PaginationLoop { fault: PaginationFault::OversizedPage { items: 101, size: 100 }, .. }),
        "{err}"
    );

    let cursor = "CANARYcursorSECRET0123456789";
    let server = Hostile::start(move |r| match r.query("page[after]") {
        None => Reply::json(
            200,
            json!({"data": [ingest_key(&numbered_id(1), "k")], "links": {"next": format!("{}?page[after]={cursor}", r.path())}}),
        ),
        Some(_) => Reply::close(),
    });
    let err = client(&server).api_keys().list().collect().await.unwrap_err();
    let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
    assert!(!shown.contains(cursor), "{shown}");
}

#[tokio::test]
async fn workflows_hand_each_secret_over_before_their_next_request() {
    let fake = Arc::new(MockHoneycomb::start().await);
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), Duration::ZERO);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (seen_, fake_) = (seen.clone(), fake.clone());
    let rotation = keys
        .rotate(
            &old.id,
            RotateOptions::new().on_created(move |created| {
                // Called before the old key is touched.
                assert_eq!(fake_.count(Operation::UpdateApiKey), 0);
                seen_.lock().unwrap().push(created.secret().clone());
                Ok(())
            }),
        )
        .await
        .unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(rotation.is_complete());

    // A secret that cannot be stored stops the workflow: the old key stays in use.
    let other = fake.seed_key("production", "search", &KeyType::Ingest, &Permissions::none(), Duration::ZERO);
    let refused =
        keys.rotate(&other.id, RotateOptions::new().on_created(|_| Err("vault is down".into()))).await.unwrap();
    assert!(!refused.is_complete() && !fake.key(&other.id).unwrap().disabled);
    assert!(refused.to_string().contains("vault is down"));

    let report = keys
        .provision(
            "Production",
            &["a", "b", "c"],
            ProvisionOptions::new().concurrency(1).on_created(|_, _| Err("disk full".into())),
        )
        .await
        .unwrap();
    let outcomes: Vec<_> = report.entries.iter().map(|e| matches!(e.outcome, ProvisionOutcome::Created(_))).collect();
    assert_eq!(outcomes, [true, false, false], "one made, then stopped");
    assert!(report.entries[1..].iter().all(|e| matches!(e.outcome, ProvisionOutcome::Skipped)));
    assert!(!report.is_complete() && report.stopped.as_deref().unwrap().contains("disk full"));
}

#[tokio::test]
async fn ids_and_links_a_server_invents_carry_no_secret_into_errors() {
    // An answer for another id made of the secret, and a next link to a host named by it.
    let server = Hostile::start(|r| {
        if r.path() == keys_path() {
            let next = format!("https://{CANARY}.example/2/teams/{TEAM}/api-keys?page[after]=x");
            Reply::json(200, json!({"data": [ingest_key(&numbered_id(1), "k")], "links": {"next": next}}))
        } else {
            Reply::json(200, json!({"data": ingest_key(&format!("hcxik_{CANARY}"), "k")}))
        }
    });
    let keys = client(&server).api_keys();
    let mismatch = keys.get(crate::common::INGEST_ID).await.unwrap_err();
    assert!(matches!(mismatch, Error::IdMismatch { .. }), "{mismatch}");
    let link = keys.list().collect().await.unwrap_err();
    assert!(matches!(link, Error::UnsafeNextLink { .. }), "{link}");
    for err in [mismatch, link] {
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(CANARY) && shown.contains("[REDACTED]"), "{shown}");
    }
}
