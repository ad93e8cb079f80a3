//! The spec and the handwritten layer agree, so a spec update cannot silently drift.

use std::collections::BTreeSet;

use crate::common::{spec, spec_permissions};
use honeycomb_api_keys::Permission;
use serde_json::Value;

#[test]
fn every_permission_in_the_spec_is_a_known_permission_and_back() {
    let in_spec = spec_permissions();
    let in_spec: BTreeSet<&str> = in_spec.iter().map(String::as_str).collect();
    let known: BTreeSet<&str> = Permission::ALL.iter().map(|p| p.wire_name()).collect();
    let new_in_spec: Vec<_> = in_spec.difference(&known).collect();
    let gone_from_spec: Vec<_> = known.difference(&in_spec).collect();
    assert!(
        new_in_spec.is_empty() && gone_from_spec.is_empty(),
        "the permissions of spec/api-keys.yaml and the `permissions!` list in src/permissions/mod.rs differ.\n\
         In the spec only: {new_in_spec:?}: add each to that list (variant, exact wire name, builder method).\n\
         In the list only: {gone_from_spec:?}: the spec no longer lists them; see spec/README.md (a dropped permission)."
    );
    assert!(known.contains("manage_signals") && known.contains("manage_privateBoards"));
}

/// `spec/api-keys.yaml` is the published document, unchanged: every path, component and
/// top-level member it has is the published one, value for value (the YAML the extractor
/// writes reads back as the published JSON). CI also checks that it is exactly the
/// extractor's output, byte for byte.
#[test]
fn the_spec_is_the_published_document_verbatim() {
    let published: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/published/honeycomb-openapi.json"))
            .unwrap(),
    )
    .unwrap();
    let ours = spec();
    let mut compared = 0;
    for (key, value) in ours.as_object().unwrap() {
        match key.as_str() {
            "paths" | "components" => {
                for (name, item) in value.as_object().unwrap() {
                    if key == "components" {
                        for (member, component) in item.as_object().unwrap() {
                            assert_eq!(component, &published[key][name][member], "/{key}/{name}/{member} differs");
                            compared += 1;
                        }
                    } else {
                        assert_eq!(item, &published[key][name], "/paths/{name} differs");
                        compared += 1;
                    }
                }
            }
            "tags" => {
                for tag in value.as_array().unwrap() {
                    assert!(published["tags"].as_array().unwrap().contains(tag), "tag {tag} differs");
                }
            }
            _ => assert_eq!(value, &published[key], "/{key} differs"),
        }
    }
    assert!(compared > 40, "only {compared} paths and components compared");
    assert_eq!(ours["openapi"], "3.1.0");
    for path in ["/2/auth", "/2/teams/{teamSlug}/api-keys/{ID}", "/2/teams/{teamSlug}/environments/{ID}"] {
        assert!(ours["paths"].get(path).is_some(), "{path} is missing");
    }
}

/// What `build.rs` generated from: the published document with the overlay applied and
/// converted to OpenAPI 3.0 (written beside the generated code).
fn generated_from() -> Value {
    let text = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/api-keys.openapi-3.0.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_client_is_generated_from_openapi_3_0_with_the_overlay_applied() {
    let doc = generated_from();
    assert_eq!(doc["openapi"], "3.0.3");
    let text = doc.to_string();
    for construct in [r#""type":["#, r#""const":"#, r#""type":"null""#] {
        assert!(!text.contains(construct), "3.1 construct {construct} left in the generated-from document");
    }
    // The overlay's deviations are in: one open permissions object, one update object
    // without id patterns, an integer page size, the crate's name for /2/auth.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["KeyPermissions"]["additionalProperties"], serde_json::json!({}));
    assert!(!text.contains("hcxik_[a-zA-Z0-9]"), "the update request's id pattern is gone");
    assert_eq!(doc["paths"]["/2/auth"]["get"]["operationId"], "getAuth");
    // /1/auth: its own name, the data key as a header parameter, an open answer.
    let verify = &doc["paths"]["/1/auth"]["get"];
    assert_eq!(verify["operationId"], "verifyKey");
    assert_eq!(verify["parameters"][0]["name"], "X-Honeycomb-Team");
    assert_eq!(schemas["Auth"]["additionalProperties"], serde_json::json!({}));
    let size = &doc["components"]["parameters"]["PaginationSize"];
    assert_eq!(
        (&size["name"], &size["schema"]["type"]),
        (&serde_json::json!("page[size]"), &serde_json::json!("integer"))
    );
    // What no path reaches is gone (the error schemas, the replaced request branches).
    for gone in ["IngestKeyRequest", "ConfigurationKeyRequest", "JSONAPIError", "ValidationError"] {
        assert!(schemas.get(gone).is_none(), "{gone} is still there");
    }
}

#[test]
fn request_and_success_bodies_are_json_api_in_the_spec() {
    let mut bodies = 0;
    for (path, item) in spec()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap().iter().filter(|(_, op)| op.get("responses").is_some()) {
            if let Some(content) = op.pointer("/requestBody/content").and_then(Value::as_object) {
                assert!(content.contains_key("application/vnd.api+json"), "{method} {path} request body");
                bodies += 1;
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                if let Some(content) = response["content"].as_object().filter(|_| status.starts_with('2')) {
                    // The data-key check is v1, plain JSON, as published.
                    let media = if path == "/1/auth" { "application/json" } else { "application/vnd.api+json" };
                    assert!(content.contains_key(media), "{method} {path} {status} body");
                    bodies += 1;
                }
            }
        }
    }
    assert!(bodies >= 14, "only {bodies} bodies seen: 4 requests and 10 answers were expected");
}
