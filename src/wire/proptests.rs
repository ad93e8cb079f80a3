//! Property tests: the parsers and decoders that read what comes off the network (and
//! the id check that guards URLs) never panic, whatever the input, and round-trip where
//! they should.

use std::time::Duration;

use proptest::prelude::*;
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::Value;

use crate::{
    model::{KeyId, MAX_ID_LEN, MAX_WINDOW},
    operation::Operation,
    permissions::{Permission, Permissions},
};

use super::{
    WirePermissions,
    errors::api_error,
    headers::{parse_policy, parse_rate_limit, retry_after_from},
    keys::key_from_wire,
    permissions::{permissions_from_wire, permissions_to_wire},
    types,
};

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An error body in one of the shapes the parser reads (JSON:API, problem document,
/// legacy `{"error"}`), with arbitrary values in its members, or any JSON at all.
fn error_body() -> impl Strategy<Value = Value> {
    let member = || prop_oneof![".{0,40}".prop_map(Value::String), json()];
    let error_object = (member(), member(), member(), member())
        .prop_map(|(code, title, detail, source)| serde_json::json!({"code": code, "title": title, "detail": detail, "source": source}));
    prop_oneof![
        prop::collection::vec(error_object, 0..4).prop_map(|errors| serde_json::json!({"errors": errors})),
        (member(), member())
            .prop_map(|(title, detail)| serde_json::json!({"title": title, "detail": detail, "status": 422})),
        member().prop_map(|error| serde_json::json!({"error": error})),
        json(),
    ]
}

/// A key object shaped like the wire's, with arbitrary values where they may vary.
fn key_object() -> impl Strategy<Value = Value> {
    (".{0,40}", ".{0,40}", "[a-z]{1,15}", any::<bool>(), prop::collection::btree_map(".{1,20}", json(), 0..6)).prop_map(
        |(id, name, key_type, disabled, permissions)| {
            serde_json::json!({
                "id": id, "type": "api-keys",
                "attributes": {"name": name, "key_type": key_type, "disabled": disabled,
                    "permissions": permissions,
                    "timestamps": {"created": "2022-09-22T17:32:11Z", "updated": "2022-10-31T15:08:11Z"}},
                "relationships": {"environment": {"data": {"id": "hcxen_1", "type": "environments"}}}
            })
        },
    )
}

proptest! {
    #[test]
    fn rate_limit_headers_never_panic(value in ".{0,80}") {
        let _ = parse_rate_limit(&value);
        let _ = parse_policy(&value);
        let _ = retry_after_from(&value, Some(&value));
    }

    #[test]
    fn rate_limit_headers_round_trip_in_any_order(
        limit in 0u32..100_000, remaining in 0u32..100_000, reset in 0u64..=86_400,
        order in Just([0usize, 1, 2]).prop_shuffle(), space in "[ \t]{0,2}",
    ) {
        let members = [format!("limit={limit}"), format!("remaining={remaining}"), format!("reset={reset}")];
        let header = order.iter().map(|&i| members[i].clone()).collect::<Vec<_>>().join(&format!(",{space}"));
        prop_assert_eq!(parse_rate_limit(&header), Some((limit, Some(remaining), Duration::from_secs(reset))));
    }

    #[test]
    fn policies_round_trip(quota in 1u32..100_000, window in 1u64..=86_400) {
        let policy = parse_policy(&format!("{quota};w={window}")).unwrap();
        prop_assert_eq!((policy.quota, policy.window), (quota, Duration::from_secs(window)));
    }

    #[test]
    fn huge_header_values_are_cut_or_refused(value in 86_401u64..) {
        prop_assert_eq!(parse_rate_limit(&format!("limit=1, reset={value}")), Some((1, None, Duration::from_secs(86_400))));
        prop_assert_eq!(parse_policy(&format!("1;w={value}")), None);
    }

    #[test]
    fn retry_after_seconds_round_trip(secs in any::<u64>()) {
        let expected = Duration::from_secs(secs).min(MAX_WINDOW);
        prop_assert_eq!(retry_after_from(&secs.to_string(), None), Some(expected));
    }

    #[test]
    fn error_bodies_never_panic_and_stay_short(body in prop::collection::vec(any::<u8>(), 0..2048), status in 400u16..600) {
        let status = StatusCode::from_u16(status).unwrap();
        let error = api_error(Operation::GetApiKey, status, &HeaderMap::new(), &body, &Default::default());
        prop_assert!(error.body_excerpt.as_ref().is_none_or(|e| e.chars().count() <= 256));
        let _ = error.to_string();
    }

    #[test]
    fn json_error_bodies_never_panic(body in error_body()) {
        let bytes = serde_json::to_vec(&body).unwrap();
        let error = api_error(Operation::CreateApiKey, StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), &bytes, &Default::default());
        prop_assert!(error.to_string().starts_with("create_api_key: Honeycomb answered 422"));
        // The JSON:API shape is read whenever `errors` is an array of objects.
        if let Some(items) = body["errors"].as_array().filter(|items| items.iter().all(Value::is_object)) {
            prop_assert_eq!(error.errors.len(), items.len());
        }
    }

    #[test]
    fn list_pages_decode_or_fail_cleanly(
        items in prop::collection::vec(prop_oneof![3 => key_object(), 1 => json()], 0..5),
        links in prop_oneof![Just(Value::Null), json()],
    ) {
        let all_keys = items.iter().all(|item| item["type"] == "api-keys" && item.get("attributes").is_some());
        let body = serde_json::json!({"data": items, "links": links.clone()});
        match serde_json::from_value::<types::ApiKeyListResponse>(body) {
            Ok(page) => {
                prop_assert_eq!(page.data.len(), items.len());
                for key in page.data {
                    let _ = key_from_wire(key);
                }
            }
            // Pages of well-formed keys with a null or object `links` always decode.
            Err(e) => prop_assert!(!(all_keys && (links.is_null() || (links.is_object() && links.get("next").is_none()))), "{e}"),
        }
    }

    #[test]
    fn odd_key_objects_decode_and_keep_what_they_can(objects in prop::collection::vec(key_object(), 0..5)) {
        let page = serde_json::json!({"data": objects.clone(), "links": {"next": null}});
        let page: types::ApiKeyListResponse = serde_json::from_value(page).expect("open strings and maps decode");
        for (key, object) in page.data.into_iter().map(key_from_wire).zip(&objects) {
            let attributes = &object["attributes"];
            prop_assert_eq!(key.id.as_str(), object["id"].as_str().unwrap());
            prop_assert_eq!(&key.name, attributes["name"].as_str().unwrap());
            prop_assert_eq!(key.key_type.as_str(), attributes["key_type"].as_str().unwrap());
            prop_assert_eq!(Value::Bool(key.disabled), attributes["disabled"].clone());
            // Every boolean member is kept (known or not); any other value is dropped.
            for (name, value) in attributes["permissions"].as_object().unwrap() {
                let kept = match Permission::from_wire_name(name) {
                    Some(p) => Some(key.permissions.contains(p)),
                    None => key.permissions.unknown().find(|(n, _)| n == name).map(|(_, v)| v),
                };
                match value.as_bool() {
                    Some(granted) => prop_assert_eq!(kept, Some(granted), "{}", name),
                    None => prop_assert!(kept != Some(true), "{} = {} was kept as granted", name, value),
                }
            }
        }
    }

    #[test]
    fn key_ids_accepted_are_safe_in_a_path(id in prop_oneof![".{0,60}", "[a-zA-Z0-9_./%?# -]{0,50}", "hc[a-z]{1,3}_[a-z0-9_]{1,40}"]) {
        if let Ok(parsed) = KeyId::parse(id.as_str()) {
            prop_assert!(parsed.as_str().len() <= MAX_ID_LEN);
            prop_assert!(parsed.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
            prop_assert_eq!(parsed.to_string(), id);
        }
    }

    #[test]
    fn id_shaped_values_are_accepted(id in "hc[a-z]{1,3}_[a-z0-9]{1,30}") {
        prop_assert_eq!(KeyId::parse(id.as_str()).map(|k| k.to_string()).ok(), Some(id));
    }

    #[test]
    fn permission_sets_round_trip_through_the_wire(bits in any::<u16>(), unknown in prop::collection::btree_map("[a-z]{3,10}_x", any::<bool>(), 0..4)) {
        let mut set: Permissions = Permission::ALL.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, p)| *p).collect();
        set = permissions_from_wire(permissions_to_wire(set.to_wire().chain(unknown.iter().map(|(k, v)| (k.as_str(), *v)))));
        prop_assert_eq!(set.unknown().count(), unknown.len());
        let back: Permissions = serde_json::from_value(serde_json::to_value(&set).unwrap()).unwrap();
        prop_assert_eq!(&back, &set);
        let sent = serde_json::to_vec(&WirePermissions::Received(set.clone())).unwrap();
        let received: WirePermissions = serde_json::from_slice(&sent).unwrap();
        prop_assert_eq!(permissions_from_wire(received), set);
    }
}
