//! The spec and the handwritten layer agree, so a spec update cannot silently drift.

use std::collections::BTreeSet;

use crate::common::spec;
use honeycomb_api_keys::Permission;

#[test]
fn every_permission_in_the_spec_is_a_known_permission_and_back() {
    let spec = spec();
    let in_spec: BTreeSet<&str> = spec["components"]["schemas"]["KeyPermissions"]["properties"]
        .as_object()
        .expect("KeyPermissions has properties")
        .keys()
        .map(String::as_str)
        .collect();
    let known: BTreeSet<&str> = Permission::ALL.iter().map(|p| p.wire_name()).collect();
    let new_in_spec: Vec<_> = in_spec.difference(&known).collect();
    let gone_from_spec: Vec<_> = known.difference(&in_spec).collect();
    assert!(
        new_in_spec.is_empty() && gone_from_spec.is_empty(),
        "spec/api-keys.yaml KeyPermissions and the `permissions!` list in src/permissions/mod.rs differ.\n\
         In the spec only: {new_in_spec:?}: add each to that list (variant, exact wire name, builder method).\n\
         In the list only: {gone_from_spec:?}: the spec no longer lists them; see spec/README.md (a dropped permission)."
    );
    assert!(known.contains("manage_signals") && known.contains("manage_privateBoards"));
}

#[test]
fn the_spec_is_openapi_3_0_and_keeps_the_wire_media_type() {
    let spec = spec();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.0."));
    let text = serde_json::to_string(&spec["paths"]).unwrap();
    assert!(text.contains("application/vnd.api+json"));
    assert!(!text.contains("\"application/json\""), "request and success bodies are JSON:API on the wire");
    assert!(!text.contains("enabled"), "the wire field is `disabled`");
}
