//! The request side of the spec reaches the public API, beside the response side
//! (`spec_coverage.rs`): every member of every request body and every query parameter of
//! Honeycomb's published document, and every value of their enums (key types, colours,
//! `filter[type]`, resource types) and every permission a create or an update names, is
//! sent by some public call, or is listed in [`UNSENT_REQUEST_MEMBERS`] with the reason.
//! "Sent" is measured: the public calls of [`every_request`] run against the fake, and
//! the bodies and queries it received are searched.
//!
//! So a spec update that adds a key type or a request member fails here, naming it and the
//! file to change. The check also runs on a fixture (the real spec plus a key type and a
//! request member the crate does not know) and must name exactly those.
//! And the fake accepts what the spec accepts: every key type and colour it lists.
#![cfg(feature = "mock")]

use crate::{
    common::spec,
    spec_coverage::{path_matches, resolve},
};
use futures::TryStreamExt;
use honeycomb_api_keys::{
    ApiKeyUpdate, EnvironmentColor, EnvironmentUpdate, KeyType, NewApiKey, NewEnvironment, Permission, Permissions,
    mock::{MockHoneycomb, RecordedRequest},
};
use serde_json::{Value, json};

/// Request members (`operationId member`) no public call sends, each with the reason. An
/// entry must be a member of the spec (a stale entry fails the test).
const UNSENT_REQUEST_MEMBERS: &[(&str, &str)] = &[];

/// What a request of the spec can carry: a member (a dotted path in the body, or
/// `?name` for a query parameter), with the values of its enum if it has one.
#[derive(Debug)]
struct Member {
    operation: String,
    method: String,
    path: String,
    member: String,
    values: Vec<Value>,
}

fn members(spec: &Value) -> Vec<Member> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("the spec has paths") {
        for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
            let Some(op) = item.get(method) else { continue };
            let operation = op["operationId"].as_str().expect("an operationId").to_string();
            let mut add = |member: String, values: Vec<Value>| {
                out.push(Member {
                    operation: operation.clone(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    member,
                    values,
                })
            };
            let parameters = item["parameters"].as_array().into_iter().chain(op["parameters"].as_array()).flatten();
            for parameter in parameters.map(|p| resolve(spec, p)) {
                let name = parameter["name"].as_str().unwrap();
                let values = allowed_values(&resolve(spec, &parameter["schema"]));
                match parameter["in"].as_str() {
                    Some("query") => add(format!("?{name}"), values),
                    // Every path parameter is in the path the call is matched by.
                    Some("path") => {}
                    // A header or cookie parameter: reported, since none is sent.
                    Some(place) => add(format!("{place}:{name}"), values),
                    None => panic!("parameter {name} of {operation} has no `in`"),
                }
            }
            if let Some(schema) = op.pointer("/requestBody/content/application~1vnd.api+json/schema") {
                let mut leaves = Vec::new();
                body_leaves(spec, schema, "", &mut leaves);
                for (member, values) in leaves {
                    add(member, values);
                }
            }
        }
    }
    out
}

/// The leaf members a request body can carry, with the values of their enums. Read-only
/// members are answers only; members Honeycomb marks `x-hidden` are not part of its
/// documented API (as in `spec_coverage.rs`).
fn body_leaves(spec: &Value, schema: &Value, prefix: &str, out: &mut Vec<(String, Vec<Value>)>) {
    let schema = resolve(spec, schema);
    if schema["type"] == "array" || schema.get("items").is_some() {
        return body_leaves(spec, &schema["items"], &format!("{prefix}[]"), out);
    }
    match schema["properties"].as_object() {
        Some(properties) => {
            for (name, member) in properties {
                let member_schema = resolve(spec, member);
                if member_schema["readOnly"] == true || member_schema["x-hidden"] == true {
                    continue;
                }
                let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                body_leaves(spec, member, &path, out);
            }
        }
        None => out.push((prefix.to_string(), allowed_values(&schema))),
    }
}

/// The values a (resolved) schema lists: its `enum`, or its `const` (the branches of a
/// `oneOf` of `const`s are merged into one enum by [`resolve`]). `null` is never sent as
/// a value, so it is not one to check.
fn allowed_values(schema: &Value) -> Vec<Value> {
    let listed = schema["enum"].as_array().into_iter().flatten().chain(schema.get("const"));
    let mut values: Vec<Value> = Vec::new();
    for value in listed.filter(|v| !v.is_null()) {
        if !values.contains(value) {
            values.push(value.clone());
        }
    }
    values
}

/// Every public call with every option that adds something to a request, against the
/// fake; the requests it received.
async fn every_request() -> Vec<RecordedRequest> {
    let fake = MockHoneycomb::start().await;
    let client = fake.client_builder().team(fake.team_slug()).build().unwrap();
    let (keys, environments) = (client.api_keys(), client.environments());
    let env = fake.environment_id("production").unwrap();
    let fail = |what: &str, e: honeycomb_api_keys::Error| -> ! { panic!("{what} failed on the fake: {e}") };

    // Keys: two of each type that can be created (so that a listing of each has a second
    // page), with every permission it may carry.
    for n in 0..2 {
        let ingest = NewApiKey::ingest(format!("ingest {n}"), &env).create_datasets(true).disabled(true);
        keys.create(ingest).await.unwrap_or_else(|e| fail("create ingest", e));
    }
    let configuration = NewApiKey::configuration("configuration", &env, Permissions::all()).disabled(false);
    let configuration = keys.create(configuration).await.unwrap_or_else(|e| fail("create configuration", e));
    let other = NewApiKey::configuration("configuration 1", &env, Permissions::read_only_querying());
    keys.create(other).await.unwrap_or_else(|e| fail("create configuration", e));
    let mut update = ApiKeyUpdate::new().name("renamed").disable();
    for permission in Permission::ALL {
        update = update.grant(*permission);
    }
    keys.update(configuration.id(), update).await.unwrap_or_else(|e| fail("update", e));
    for key_type in [KeyType::Ingest, KeyType::Configuration] {
        let listing = keys.list().key_type(key_type).page_size(1).items().try_collect::<Vec<_>>();
        listing.await.unwrap_or_else(|e| fail("list", e));
    }

    // Environments: one in each colour, each colour set by an update too.
    for (n, color) in EnvironmentColor::ALL.iter().enumerate() {
        let new = NewEnvironment::new(format!("coverage {n}")).description("described").color(*color);
        let created = environments.create(new).await.unwrap_or_else(|e| fail("create environment", e));
        let update = EnvironmentUpdate::new().description("changed").color(*color).delete_protected(n % 2 == 0);
        environments.update(&created.id, update).await.unwrap_or_else(|e| fail("update environment", e));
    }
    let listing = environments.list().page_size(1).items().try_collect::<Vec<_>>();
    listing.await.unwrap_or_else(|e| fail("list environments", e));
    fake.requests()
}

/// The values at a dotted `member` path of a body (`[]` steps into every item of an
/// array), present and not null.
fn values_at<'a>(body: &'a Value, member: &str, out: &mut Vec<&'a Value>) {
    let (step, rest) = member.split_once('.').unwrap_or((member, ""));
    let (name, items) = match step.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (step, false),
    };
    let Some(value) = body.get(name).filter(|v| !v.is_null()) else { return };
    let found: Vec<&Value> = if items { value.as_array().into_iter().flatten().collect() } else { vec![value] };
    for value in found {
        if rest.is_empty() {
            out.push(value);
        } else {
            values_at(value, rest, out);
        }
    }
}

/// The values `requests` sent for `member` of its operation.
fn sent_values(member: &Member, requests: &[RecordedRequest]) -> Vec<Value> {
    let mut sent = Vec::new();
    for request in requests.iter().filter(|r| r.method == member.method && path_matches(&member.path, &r.path)) {
        if let Some(name) = member.member.strip_prefix('?') {
            let query = request.query.as_deref().unwrap_or("");
            let url = reqwest::Url::parse(&format!("http://fake/?{query}")).expect("a query the fake received");
            sent.extend(url.query_pairs().filter(|(k, _)| k == name).map(|(_, v)| Value::String(v.into_owned())));
        } else if let Ok(body) = serde_json::from_slice::<Value>(&request.body) {
            let mut found = Vec::new();
            values_at(&body, &member.member, &mut found);
            sent.extend(found.into_iter().cloned());
        }
    }
    sent
}

/// Where to add what the public API does not send yet.
fn what_to_change(member: &Member) -> &'static str {
    let name = member.member.rsplit('.').next().unwrap_or("");
    match (member.operation.as_str(), name) {
        (_, "key_type") => {
            "a key type: add a `KeyType` variant (src/model/mod.rs) with a `NewApiKey` constructor (src/model/keys.rs), \
             let `create_request` (src/wire/keys.rs) send it, and create one in `every_request` (tests/suite/spec_requests.rs)"
        }
        (_, "?filter[type]") => {
            "a filter: add the `KeyType` variant (src/model/mod.rs), map it in `KeyTypeFilter::new` (src/wire/keys.rs), \
             and list with it in `every_request` (tests/suite/spec_requests.rs)"
        }
        (_, "color") => {
            "a colour: add it to the `colors!` list of `EnvironmentColor` (src/model/environments.rs) and to \
             `color_to_wire` (src/wire/teams.rs)"
        }
        _ if member.member.contains(".permissions.") => {
            "a permission: add it to the `permissions!` list (src/permissions/mod.rs)"
        }
        ("createApiKey" | "updateApiKey", _) => {
            "a request member: add it to `NewApiKey` or `ApiKeyUpdate` (src/model/keys.rs), to the request body in \
             src/wire/keys.rs (and to the request schema spec/overlay.yaml replaces, if it does), and use it in \
             `every_request` (tests/suite/spec_requests.rs)"
        }
        ("createEnvironment" | "updateEnvironment", _) => {
            "a request member: add it to `NewEnvironment` or `EnvironmentUpdate` (src/model/environments.rs) and to \
             the request body in src/wire/teams.rs, and use it in `every_request` (tests/suite/spec_requests.rs)"
        }
        _ if member.member.starts_with('?') => {
            "a query parameter: add it to the listing builders (src/pagination/mod.rs, src/api_keys.rs, \
             src/environments.rs) and to the call in src/wire/api.rs, and use it in `every_request` \
             (tests/suite/spec_requests.rs)"
        }
        _ => "wrap it in the public API, and use it in `every_request` (tests/suite/spec_requests.rs)",
    }
}

/// What `requests` leave unsent of `spec`'s request members and enum values (not listed
/// in [`UNSENT_REQUEST_MEMBERS`]), then stale entries of that list.
fn request_coverage_problems(spec: &Value, requests: &[RecordedRequest]) -> Vec<String> {
    let members = members(spec);
    let mut problems = Vec::new();
    for member in &members {
        let key = format!("{} {}", member.operation, member.member);
        if UNSENT_REQUEST_MEMBERS.iter().any(|(listed, _)| *listed == key) {
            continue;
        }
        let sent = sent_values(member, requests);
        if sent.is_empty() {
            problems.push(format!(
                "`{}` of the `{}` request (spec/api-keys.yaml) is never sent by the public API: {}; or list `{key}` \
                 in UNSENT_REQUEST_MEMBERS with the reason",
                member.member,
                member.operation,
                what_to_change(member)
            ));
            continue;
        }
        for value in member.values.iter().filter(|v| !sent.contains(v)) {
            problems.push(format!(
                "value {value} of `{}` in the `{}` request (spec/api-keys.yaml) is never sent by the public API: {}",
                member.member,
                member.operation,
                what_to_change(member)
            ));
        }
    }
    for (listed, _) in UNSENT_REQUEST_MEMBERS {
        if !members.iter().any(|m| format!("{} {}", m.operation, m.member) == *listed) {
            problems.push(format!("UNSENT_REQUEST_MEMBERS names `{listed}`, which no request of the spec has"));
        }
    }
    problems
}

#[tokio::test]
async fn every_request_member_and_enum_value_of_the_spec_is_sent_by_a_public_call() {
    let requests = every_request().await;
    let problems = request_coverage_problems(spec(), &requests);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The walk reaches what it must: both key types, the permissions of both requests,
    // every colour, the query parameters, the environment's delete protection.
    let members = members(spec());
    let find = |operation: &str, member: &str| {
        members.iter().find(|m| m.operation == operation && m.member == member).unwrap_or_else(|| {
            panic!("{operation} {member} was not walked: {:#?}", members.iter().map(|m| &m.member).collect::<Vec<_>>())
        })
    };
    assert_eq!(find("createApiKey", "data.attributes.key_type").values, [json!("ingest"), json!("configuration")]);
    assert_eq!(find("listApiKeys", "?filter[type]").values.len(), 2);
    find("listApiKeys", "?page[after]");
    find("createApiKey", "data.attributes.permissions.manage_signals");
    find("updateApiKey", "data.attributes.permissions.visible_team_members");
    find("updateEnvironment", "data.attributes.settings.delete_protected");
    assert_eq!(find("createEnvironment", "data.attributes.color").values.len(), EnvironmentColor::ALL.len());
    assert!(members.iter().all(|m| !m.member.contains("timestamps")), "read-only members are answers only");
}

/// The real spec with what Honeycomb's next update might bring: a key type (a third
/// branch of the key attributes, and a `filter[type]` value) and a request member of
/// configuration keys. Their names are the fixture's own, so that no real spec update can
/// collide with them.
fn fixture_spec() -> Value {
    let mut spec = spec().clone();
    let schemas = spec["components"]["schemas"].as_object_mut().unwrap();
    schemas.insert(
        "FixtureOnlyKeyAttributes".into(),
        json!({"type": "object", "required": ["key_type", "name"], "properties": {
            "key_type": {"type": "string", "enum": ["fixture-only-type"]},
            "name": {"type": "string", "maxLength": 100}}}),
    );
    let branches = schemas["ApiKeyAttributes"]["oneOf"].as_array_mut().unwrap();
    branches.push(json!({"$ref": "#/components/schemas/FixtureOnlyKeyAttributes"}));
    let configuration = schemas["ConfigurationKeyAttributes"]["properties"].as_object_mut().unwrap();
    configuration.insert("fixture_only_member".into(), json!({"type": "string", "format": "date-time"}));
    let list = spec["paths"]["/2/teams/{teamSlug}/api-keys"]["get"]["parameters"].as_array_mut().unwrap();
    let filter = list.iter_mut().find(|p| p["name"] == "filter[type]").unwrap();
    filter["schema"]["enum"].as_array_mut().unwrap().push(json!("fixture-only-type"));
    spec
}

#[tokio::test]
async fn a_spec_with_a_new_key_type_and_a_new_request_member_fails_the_request_coverage() {
    let requests = every_request().await;
    let real = request_coverage_problems(spec(), &requests);
    let added: Vec<String> =
        request_coverage_problems(&fixture_spec(), &requests).into_iter().filter(|p| !real.contains(p)).collect();
    assert_eq!(added.len(), 3, "{added:#?}");
    assert!(
        added.iter().any(|p| p
            .starts_with("value \"fixture-only-type\" of `data.attributes.key_type` in the `createApiKey` request")
            && p.contains("src/model/mod.rs")),
        "{added:#?}"
    );
    assert!(
        added
            .iter()
            .any(|p| p.starts_with("value \"fixture-only-type\" of `?filter[type]` in the `listApiKeys` request")
                && p.contains("KeyTypeFilter::new")),
        "{added:#?}"
    );
    assert!(
        added.iter().any(|p| p.starts_with("`data.attributes.fixture_only_member` of the `createApiKey` request")
            && p.contains("NewApiKey")),
        "{added:#?}"
    );
}

/// The fake takes every key type and colour the published spec lists (it reads them from
/// the spec, through `build.rs`), sent as raw JSON:API documents.
#[tokio::test]
async fn the_fake_accepts_every_key_type_and_colour_the_spec_lists() {
    let fake = MockHoneycomb::start().await;
    let env = fake.environment_id("production").unwrap();
    let (id, secret) = fake.management_key();
    let http = reqwest::Client::new();
    let post = |path: String, body: Value| {
        http.post(format!("{}{path}", fake.uri()))
            .bearer_auth(format!("{id}:{secret}"))
            .header("content-type", "application/vnd.api+json")
            .body(body.to_string())
            .send()
    };
    let members = members(spec());
    let values_of = |operation: &str, member: &str| {
        members.iter().find(|m| m.operation == operation && m.member == member).unwrap().values.clone()
    };
    let team = fake.team_slug();
    let key_types = values_of("createApiKey", "data.attributes.key_type");
    assert!(key_types.len() >= 2);
    for key_type in key_types {
        let body = json!({"data": {"type": "api-keys", "attributes": {"name": "raw", "key_type": key_type},
            "relationships": {"environment": {"data": {"id": env, "type": "environments"}}}}});
        let status = post(format!("/2/teams/{team}/api-keys"), body).await.unwrap().status();
        assert_eq!(status.as_u16(), 201, "key type {key_type}");
    }
    let colors = values_of("createEnvironment", "data.attributes.color");
    for (n, color) in colors.iter().enumerate() {
        let body =
            json!({"data": {"type": "environments", "attributes": {"name": format!("raw {n}"), "color": color}}});
        let status = post(format!("/2/teams/{team}/environments"), body).await.unwrap().status();
        assert_eq!(status.as_u16(), 201, "colour {color}");
    }
    // And refuses what it does not list, as Honeycomb does.
    let body = json!({"data": {"type": "environments", "attributes": {"name": "pink", "color": "pink"}}});
    assert_eq!(post(format!("/2/teams/{team}/environments"), body).await.unwrap().status().as_u16(), 422);
}
