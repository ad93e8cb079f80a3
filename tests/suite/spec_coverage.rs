//! The spec and the public API cover each other, so a spec update cannot add something
//! the crate silently leaves unreachable:
//!
//! - every operation in `spec/api-keys.yaml` is sent by a public call (observed on the
//!   fake), or is listed in [`UNWRAPPED_OPERATIONS`] with the reason;
//! - every member of the API-key object that a response carries reaches the public
//!   [`ApiKey`] (or a [`CreatedApiKey`]'s secret), or is listed in [`UNEXPOSED_FIELDS`]
//!   with the reason. "Reaches" is measured, not declared: the member is changed on the
//!   wire and the public value must change with it.
//!
//! Both checks are also run on a fixture (the real spec plus one operation and one
//! response member the crate does not know), and must name exactly what was added.
#![cfg(feature = "mock")]

use std::sync::{Arc, Mutex};

use crate::common::{CONFIG_ID, ENV_ID, no_retry_client, spec};
use futures::TryStreamExt;
use honeycomb_api_keys::{
    ApiKeyUpdate, Client, EnvironmentUpdate, ExposeSecret, NewApiKey, NewEnvironment, Operation, Permission,
    mock::MockHoneycomb,
};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

/// Operations of the spec that no public call sends, each with the reason. Empty: the
/// crate wraps every operation its spec describes. An entry here must be an operation of
/// the spec (a stale entry fails the test).
const UNWRAPPED_OPERATIONS: &[(&str, &str)] = &[];

/// Members of the API-key object (paths inside `data`) that the public types do not
/// expose, each with the reason. `build.rs` leaves the first four out of the generated
/// types altogether (actions of `spec/overlay.yaml`). An entry must be a member the spec has.
const UNEXPOSED_FIELDS: &[(&str, &str)] = &[
    ("type", "always `api-keys`: the JSON:API resource type, not a property of the key"),
    ("links.self", "the key's own URL, which is its id under the team's path; `ApiKey::id` is what callers need"),
    ("relationships.creator.data.type", "always `users`: the resource type of the creator's id (`ApiKey::creator_id`)"),
    ("relationships.editor.data.type", "always `users`: the resource type of the editor's id (`ApiKey::editor_id`)"),
    ("relationships.environment.data.type", "always `environments`: the resource type of `ApiKey::environment_id`"),
];

/// The real spec with what the next update from Honeycomb might bring: an operation and a
/// member of the key object that this crate does not know. Their names are the fixture's
/// own, so no real spec update can collide with them.
fn fixture_spec() -> Value {
    let mut spec = spec().clone();
    let added_path: Value = yaml_serde::from_str(
        r##"
parameters:
  - $ref: "#/components/parameters/teamSlug"
  - $ref: "#/components/parameters/ID"
post:
  operationId: fixtureOnlyOperation
  summary: An operation the crate does not wrap
  responses:
    "200":
      description: A key, with a secret.
      content:
        application/vnd.api+json:
          schema: { $ref: "#/components/schemas/ApiKeyCreateResponse" }
"##,
    )
    .unwrap();
    let paths = spec["paths"].as_object_mut().unwrap();
    assert!(paths.insert("/2/teams/{teamSlug}/api-keys/{ID}/fixture-only".into(), added_path).is_none());
    let attributes = spec["components"]["schemas"]["ConfigurationKeyAttributes"]["properties"].as_object_mut().unwrap();
    let added_member = json!({"type": ["string", "null"], "format": "date-time", "readOnly": true});
    assert!(attributes.insert("fixture_only_member".into(), added_member).is_none());
    spec
}

// ---- operations -----------------------------------------------------------------------

/// An operation of the spec.
#[derive(Debug)]
struct SpecOperation {
    id: String,
    method: String,
    path: String,
    /// The schema of its success body, if it has one.
    success_schema: Option<Value>,
}

fn operations(spec: &Value) -> Vec<SpecOperation> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("the spec has paths") {
        for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let success_schema = op["responses"].as_object().and_then(|responses| {
                responses
                    .iter()
                    .filter(|(status, _)| status.starts_with('2'))
                    .find_map(|(_, r)| r["content"]["application/vnd.api+json"].get("schema").cloned())
            });
            out.push(SpecOperation {
                id: id.to_string(),
                method: method.to_uppercase(),
                path: path.clone(),
                success_schema,
            });
        }
    }
    out
}

/// Whether `path` is an instance of `template` (`{name}` matches one segment).
pub(crate) fn path_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| if t.starts_with('{') && t.ends_with('}') { !p.is_empty() } else { t == p })
}

/// A public call and the requests (method, path) it sent.
struct Call {
    name: &'static str,
    requests: Vec<(String, String)>,
}

/// Runs every public call that sends a request against the fake and records what each
/// sent. Wrapping a new operation means adding its call here.
async fn every_public_call() -> Vec<Call> {
    let fake = MockHoneycomb::start().await;
    // The team is given, so no call sends `/2/auth` on the side.
    let client = fake.client_builder().team(fake.team_slug()).build().unwrap();
    let (keys, environments) = (client.api_keys(), client.environments());
    let env = fake.environment_id("production").unwrap();
    let id = fake.seed_keys(1).remove(0);
    let mut calls = Vec::new();
    macro_rules! record {
        ($name:literal, $call:expr) => {{
            fake.clear_requests();
            if let Err(e) = $call {
                panic!("{} failed on the fake: {e}", $name);
            }
            let requests = fake.requests().into_iter().map(|r| (r.method, r.path)).collect();
            calls.push(Call { name: $name, requests });
        }};
    }
    record!("Client::auth", client.auth().await);
    let data_key = keys.create(NewApiKey::ingest("verify", &env)).await.unwrap().header_value();
    record!("Client::verify_key", client.verify_key(&data_key).await);
    record!("ApiKeys::list", keys.list().items().try_collect::<Vec<_>>().await);
    record!("ApiKeys::create", keys.create(NewApiKey::ingest("coverage", &env)).await);
    record!("ApiKeys::get", keys.get(&id).await);
    record!("ApiKeys::update", keys.update(&id, ApiKeyUpdate::new().name("renamed")).await);
    record!("ApiKeys::delete", keys.delete(&id).await);
    record!("Environments::list", environments.list().items().try_collect::<Vec<_>>().await);
    record!("Environments::get", environments.get(&env).await);
    record!("Environments::create", environments.create(NewEnvironment::new("coverage")).await);
    let created = fake.environment_id("coverage").expect("created on the fake");
    record!(
        "Environments::update",
        environments.update(&created, EnvironmentUpdate::new().delete_protected(false)).await
    );
    record!("Environments::delete", environments.delete(&created).await);
    calls
}

/// What is wrong with the coverage of `spec`'s operations by `calls`: operations no call
/// sends and that are not in [`UNWRAPPED_OPERATIONS`], and stale entries of that list.
fn operation_coverage_problems(spec: &Value, calls: &[Call]) -> Vec<String> {
    let ops = operations(spec);
    let mut problems = Vec::new();
    for op in &ops {
        let sent = calls.iter().any(|c| c.requests.iter().any(|(m, p)| *m == op.method && path_matches(&op.path, p)));
        let listed = UNWRAPPED_OPERATIONS.iter().any(|(id, _)| *id == op.id);
        if !sent && !listed {
            problems.push(format!(
                "operation `{}` ({} {}) has no public call: wrap it (and add the call to `every_public_call`), \
                 or list it in UNWRAPPED_OPERATIONS with the reason",
                op.id, op.method, op.path
            ));
        }
    }
    for (id, _) in UNWRAPPED_OPERATIONS {
        if !ops.iter().any(|op| op.id == *id) {
            problems.push(format!("UNWRAPPED_OPERATIONS names `{id}`, which the spec does not have"));
        }
    }
    problems
}

#[tokio::test]
async fn every_operation_in_the_spec_has_a_public_call() {
    let calls = every_public_call().await;
    let problems = operation_coverage_problems(spec(), &calls);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Each call sends exactly the one operation it wraps: no hidden extra request.
    let ops = operations(spec());
    for call in &calls {
        let matched: Vec<&str> = call
            .requests
            .iter()
            .map(|(m, p)| {
                ops.iter()
                    .find(|op| op.method == *m && path_matches(&op.path, p))
                    .map_or_else(|| panic!("{} sent {m} {p}, which is not in the spec", call.name), |op| &*op.id)
            })
            .collect();
        assert_eq!(matched.len(), 1, "{} sent {matched:?}", call.name);
    }
}

#[tokio::test]
async fn a_spec_with_an_added_operation_fails_the_operation_coverage() {
    let calls = every_public_call().await;
    let added = added_problems(
        operation_coverage_problems(spec(), &calls),
        operation_coverage_problems(&fixture_spec(), &calls),
    );
    assert_eq!(added.len(), 1, "{added:#?}");
    assert!(
        added[0].starts_with("operation `fixtureOnlyOperation` (POST /2/teams/{teamSlug}/api-keys/{ID}/fixture-only)")
    );
}

/// The problems found in the fixture and not in the real spec: only what the fixture
/// added, so that this test keeps its meaning while the real spec has problems of its own
/// (those fail the test on the real spec).
fn added_problems(real: Vec<String>, fixture: Vec<String>) -> Vec<String> {
    fixture.into_iter().filter(|p| !real.contains(p)).collect()
}

#[test]
fn every_operation_the_crate_names_is_in_the_spec_with_its_method_and_path() {
    let ops = operations(spec());
    for op in Operation::ALL {
        assert!(
            ops.iter().any(|s| (s.method.as_str(), s.path.as_str()) == (op.method(), op.path())),
            "Operation::{op:?} ({} {}) is not an operation of the spec",
            op.method(),
            op.path()
        );
    }
    for s in &ops {
        let listed = UNWRAPPED_OPERATIONS.iter().any(|(id, _)| *id == s.id);
        assert!(
            listed || Operation::ALL.iter().any(|op| (op.method(), op.path()) == (s.method.as_str(), s.path.as_str())),
            "`{}` ({} {}) needs a variant in `Operation` (src/operation.rs): retries, pacing and errors name it",
            s.id,
            s.method,
            s.path
        );
    }
}

// ---- response members of the API-key object -----------------------------------------

/// `schema` with `$ref`s followed and its `allOf` parts merged; the branches of a `oneOf`
/// or `anyOf` (but `{type: null}`) are merged too, so that the members of every branch
/// are walked (an ingest and a configuration key's attributes, say).
pub(crate) fn resolve(spec: &Value, schema: &Value) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let pointer = reference.strip_prefix('#').expect("local $ref");
        let target = spec.pointer(pointer).unwrap_or_else(|| panic!("{reference} does not resolve"));
        return resolve(spec, target);
    }
    let parts: Vec<&Value> = ["allOf", "oneOf", "anyOf"]
        .iter()
        .filter_map(|k| schema[*k].as_array())
        .flatten()
        .filter(|branch| branch["type"] != "null")
        .collect();
    if parts.is_empty() {
        return schema.clone();
    }
    let mut merged = schema.as_object().cloned().unwrap_or_default();
    for keyword in ["allOf", "oneOf", "anyOf", "discriminator"] {
        merged.remove(keyword);
    }
    let mut merged = Value::Object(merged);
    for part in parts {
        merge_schema(&mut merged, &resolve(spec, part));
    }
    merged
}

/// Merges `part` into `into`: properties member by member (recursively), enums as the
/// union of their values, anything else from `part` where `into` has none.
fn merge_schema(into: &mut Value, part: &Value) {
    let (Some(into), Some(part)) = (into.as_object_mut(), part.as_object()) else { return };
    for (key, value) in part {
        match (key.as_str(), into.get_mut(key)) {
            ("properties", Some(Value::Object(existing))) => {
                for (name, member) in value.as_object().into_iter().flatten() {
                    match existing.get_mut(name) {
                        Some(current) => merge_schema(current, member),
                        None => {
                            existing.insert(name.clone(), member.clone());
                        }
                    }
                }
            }
            ("enum", Some(Value::Array(values))) => {
                for v in value.as_array().into_iter().flatten() {
                    if !values.contains(v) {
                        values.push(v.clone());
                    }
                }
            }
            // Branches with different `const`s (3.1's enum): every value, as an enum.
            ("const", Some(existing)) if existing != value => {
                let existing = existing.clone();
                let mut values = into.get("enum").and_then(Value::as_array).cloned().unwrap_or_default();
                for v in [existing, value.clone()] {
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
                into.remove("const");
                into.insert("enum".into(), Value::Array(values));
            }
            (_, Some(_)) => {}
            (_, None) => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Every leaf member under `schema`, as dotted paths with their schemas. Members Honeycomb
/// marks `x-hidden` are left out: they are not part of its documented API (February 2026's
/// `time_to_live` was one); when one is documented, it is walked and must be exposed.
fn leaves(spec: &Value, schema: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    let schema = resolve(spec, schema);
    match schema["properties"].as_object() {
        Some(properties) => {
            for (name, member) in properties.iter().filter(|(_, m)| resolve(spec, m)["x-hidden"] != true) {
                let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                leaves(spec, member, &path, out);
            }
        }
        None => out.push((prefix.to_string(), schema)),
    }
}

/// A value for `schema` with every member present.
fn sample(spec: &Value, schema: &Value) -> Value {
    let schema = resolve(spec, schema);
    if let Some(properties) = schema["properties"].as_object() {
        return properties.iter().map(|(name, member)| (name.clone(), sample(spec, member))).collect();
    }
    if schema["type"] == "array" {
        return json!([sample(spec, &schema["items"])]);
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("boolean"), _) => json!(false),
        (Some("integer" | "number"), _) => json!(1),
        (_, Some("date-time")) => json!("2022-09-22T17:32:11Z"),
        _ => schema.get("example").filter(|e| e.is_string()).cloned().unwrap_or_else(|| json!("sample")),
    }
}

/// A different valid value for a leaf whose sample is `base`.
fn other_value(schema: &Value, base: &Value) -> Value {
    if let Some(other) = schema["enum"].as_array().and_then(|values| values.iter().find(|v| *v != base)) {
        return other.clone();
    }
    match base {
        Value::Bool(b) => json!(!b),
        Value::Number(n) => json!(n.as_i64().unwrap_or(0) + 1),
        Value::String(_) if schema["format"] == "date-time" => json!("2023-04-05T06:07:08Z"),
        Value::String(s) => json!(format!("{s}0")),
        Value::Array(_) => json!([]),
        _ => json!({"other": true}),
    }
}

/// A wiremock answer that is whatever the test set last.
#[derive(Clone)]
struct Answer(Arc<Mutex<(u16, Value)>>);

impl Respond for Answer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let (status, body) = self.0.lock().unwrap().clone();
        crate::common::jsonapi(status, body)
    }
}

/// A public call that returns API-key objects, and how its answer is observed.
#[derive(Clone, Copy, Debug)]
enum KeyCall {
    Get,
    List,
    Update,
    Create,
}

impl KeyCall {
    fn operation_id(self) -> &'static str {
        match self {
            KeyCall::Get => "getApiKey",
            KeyCall::List => "listApiKeys",
            KeyCall::Update => "updateApiKey",
            KeyCall::Create => "createApiKey",
        }
    }

    /// Everything the public result shows, as JSON (the secret exposed explicitly).
    /// The public result of the call; `id` is the key a get or an update asks for.
    async fn observe(self, client: &Client, id: &str) -> Result<Value, honeycomb_api_keys::Error> {
        let keys = client.api_keys();
        let shown = |key| serde_json::to_value(key).unwrap();
        Ok(match self {
            KeyCall::Get => shown(keys.get(id).await?),
            KeyCall::List => shown(keys.list().max_pages(1).items().try_collect::<Vec<_>>().await?.remove(0)),
            KeyCall::Update => shown(keys.update(id, ApiKeyUpdate::new().name("renamed")).await?),
            KeyCall::Create => {
                let created = keys.create(NewApiKey::ingest("coverage", ENV_ID)).await?;
                json!({"key": shown(created.key().clone()), "secret": created.secret().expose_secret()})
            }
        })
    }
}

/// What [`unexposed_members`] found.
struct MemberReport {
    /// Members not shown by the public result and not in [`UNEXPOSED_FIELDS`], then stale
    /// entries of that list.
    problems: Vec<String>,
    /// Every member checked, as `operationId: path`.
    checked: Vec<String>,
}

/// Changes each member of the API-key object of each key operation in `spec`, one at a
/// time, and reports those whose change the public result does not show.
async fn unexposed_members(spec: &Value) -> MemberReport {
    let server = MockServer::start().await;
    let answer = Answer(Arc::new(Mutex::new((200, Value::Null))));
    Mock::given(any()).respond_with(answer.clone()).mount(&server).await;
    let client = no_retry_client(&server);
    let ops = operations(spec);
    let mut problems = Vec::new();
    let mut all_leaves = Vec::new();
    let mut checked = Vec::new();
    for call in [KeyCall::Get, KeyCall::List, KeyCall::Update, KeyCall::Create] {
        let op = ops.iter().find(|op| op.id == call.operation_id()).expect("the spec has the key operations");
        let body_schema = resolve(spec, op.success_schema.as_ref().expect("a key operation answers with a body"));
        let data = resolve(spec, &body_schema["properties"]["data"]);
        let (object_schema, is_list) = if data["type"] == "array" { (&data["items"], true) } else { (&data, false) };
        let status = if matches!(call, KeyCall::Create) { 201 } else { 200 };
        let object = sample(spec, object_schema);
        let document = |object: Value| {
            if is_list { json!({"data": [object], "links": {"next": null}}) } else { json!({"data": object}) }
        };
        *answer.0.lock().unwrap() = (status, document(object.clone()));
        let asked = object["id"].as_str().unwrap_or(CONFIG_ID).to_string();
        let base = call.observe(&client, &asked).await.unwrap_or_else(|e| panic!("{call:?} of the sample failed: {e}"));

        let mut members = Vec::new();
        leaves(spec, object_schema, "", &mut members);
        for (path, schema) in members {
            all_leaves.push(path.clone());
            if UNEXPOSED_FIELDS.iter().any(|(p, _)| *p == path) {
                continue;
            }
            checked.push(format!("{}: {path}", call.operation_id()));
            let pointer = format!("/{}", path.replace('.', "/"));
            let mut changed = object.clone();
            let slot = changed.pointer_mut(&pointer).unwrap();
            *slot = other_value(&schema, slot);
            let changed_value = slot.clone();
            *answer.0.lock().unwrap() = (status, document(changed));
            match call.observe(&client, &asked).await {
                Ok(seen) if seen != base => {}
                // A get or update answered for another id is refused, naming that id: the
                // member reaches the caller, as the error.
                Err(honeycomb_api_keys::Error::IdMismatch { answered, .. }) if changed_value == answered.as_str() => {}
                Ok(_) => problems.push(format!(
                    "`{path}` of the key object in `{}` does not reach the public result: expose it, \
                     or list it in UNEXPOSED_FIELDS with the reason",
                    call.operation_id()
                )),
                Err(e) => problems.push(format!("`{path}` changed makes `{}` fail: {e}", call.operation_id())),
            }
        }
    }
    for (path, _) in UNEXPOSED_FIELDS {
        if !all_leaves.iter().any(|p| p == path) {
            problems.push(format!("UNEXPOSED_FIELDS names `{path}`, which no key object of the spec has"));
        }
    }
    MemberReport { problems, checked }
}

#[tokio::test]
async fn every_member_of_the_key_object_reaches_the_public_types() {
    let report = unexposed_members(spec()).await;
    assert!(report.problems.is_empty(), "{}", report.problems.join("\n"));
    // The walk reaches nested, nullable and per-operation members.
    for expected in [
        "getApiKey: id",
        "getApiKey: attributes.permissions.manage_signals",
        "listApiKeys: attributes.timestamps.updated",
        "updateApiKey: relationships.editor.data.id",
        "createApiKey: attributes.secret",
    ] {
        assert!(report.checked.iter().any(|c| c == expected), "{expected} was not checked: {:#?}", report.checked);
    }
    for permission in Permission::ALL {
        let expected = format!("getApiKey: attributes.permissions.{}", permission.wire_name());
        assert!(report.checked.contains(&expected), "{expected} was not checked");
    }
}

#[tokio::test]
async fn a_spec_with_an_added_member_fails_the_member_coverage() {
    let problems =
        added_problems(unexposed_members(spec()).await.problems, unexposed_members(&fixture_spec()).await.problems);
    // The configuration key's attributes are a branch of every key object's attributes,
    // the created key's included.
    let expected: Vec<String> = ["getApiKey", "listApiKeys", "updateApiKey", "createApiKey"]
        .iter()
        .map(|op| {
            format!(
                "`attributes.fixture_only_member` of the key object in `{op}` does not reach the public result: expose it, \
                 or list it in UNEXPOSED_FIELDS with the reason"
            )
        })
        .collect();
    assert_eq!(problems, expected);
}
