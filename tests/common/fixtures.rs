//! Plain fixtures shared by the library's tests and `hny-keys`'s (which include this file
//! by path): ids, the canary secret, and JSON:API documents shaped like Honeycomb's.
#![allow(dead_code)]

use std::sync::OnceLock;

use serde_json::{Value, json};

pub const MGMT_ID: &str = "hcxmk_01j1824es7n4evcmv81cn392jb";
/// A canary management secret: it must never show up in any output.
pub const CANARY: &str = "CANARYmgmtSECRET0123456789abcdef";
pub const TEAM: &str = "my-team";
pub const ENV_ID: &str = "hcxen_01hznmeqrcq8rz533xrvtc6mk0";
pub const INGEST_ID: &str = "hcxik_01j1824es7n4evcmv81cn392jb";
pub const CONFIG_ID: &str = "hcxlk_01j1824es7n4evcmv81cn392jc";
pub const JSON_API: &str = "application/vnd.api+json";

/// An API key resource object as Honeycomb returns it.
pub fn key_object(id: &str, name: &str, key_type: &str, permissions: Value) -> Value {
    json!({
        "id": id,
        "type": "api-keys",
        "attributes": {
            "name": name,
            "key_type": key_type,
            "disabled": false,
            "permissions": permissions,
            "timestamps": {"created": "2022-09-22T17:32:11Z", "updated": "2022-10-31T15:08:11Z"}
        },
        "relationships": {
            "environment": {"data": {"id": ENV_ID, "type": "environments"}},
            "creator": {"data": {"id": "hcxus_01hznmeqrcq8rz533xrvtc6mk0", "type": "users"}},
            "editor": {"data": null}
        },
        "links": {"self": format!("/2/teams/{TEAM}/api-keys/{id}")}
    })
}

pub fn ingest_key(id: &str, name: &str) -> Value {
    key_object(id, name, "ingest", json!({"create_datasets": true}))
}

/// `spec/api-keys.yaml`, Honeycomb's published document, parsed once.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        // This file serves the library's tests and the tool's (hny-keys/): the spec is the
        // workspace root's.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = if root.join("spec").is_dir() { root } else { root.parent().unwrap() };
        let text = std::fs::read_to_string(root.join("spec/api-keys.yaml")).unwrap();
        yaml_serde::from_str(&text).unwrap()
    })
}

/// A page of keys with its `links.next`.
pub fn page(items: Vec<Value>, next: Option<&str>) -> Value {
    json!({"data": items, "links": {"next": next}})
}

/// A key id numbered `n` (valid charset, 32 characters).
pub fn numbered_id(n: usize) -> String {
    format!("hcxik_{n:026}")
}

/// `/2/auth` for a management key in team `slug`.
pub fn auth_body(slug: &str) -> Value {
    json!({
        "data": {
            "id": MGMT_ID,
            "type": "api-keys",
            "attributes": {
                "name": "mgmt write key",
                "key_type": "management",
                "disabled": false,
                "scopes": ["api-keys:write", "api-keys:read", "environments:read"],
                "timestamps": {"created": "2022-09-22T17:32:11Z", "updated": "2022-10-31T15:08:11Z"}
            },
            "relationships": {"team": {"data": {"id": "hcxtm_01hznmeqrcq8rz533xrvtc6mk0", "type": "teams"}}}
        },
        "included": [
            {"id": "hcxtm_other", "type": "teams", "attributes": {"name": "Not This", "slug": "wrong-team"}},
            {"id": "hcxtm_01hznmeqrcq8rz533xrvtc6mk0", "type": "teams", "attributes": {"name": "My Team", "slug": slug}}
        ]
    })
}

/// A JSON:API error document.
pub fn error_body(status: u16, code: &str, title: &str, detail: Option<&str>, source: Option<Value>) -> Value {
    let mut e =
        json!({"id": "06dcdd6508ca822f0e7e2bb4121c1f52", "status": status.to_string(), "code": code, "title": title});
    if let Some(d) = detail {
        e["detail"] = json!(d);
    }
    if let Some(s) = source {
        e["source"] = s;
    }
    json!({"errors": [e]})
}

pub fn keys_path() -> String {
    format!("/2/teams/{TEAM}/api-keys")
}

pub fn key_path(id: &str) -> String {
    format!("/2/teams/{TEAM}/api-keys/{id}")
}
