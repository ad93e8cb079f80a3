//! Generates the crate's private HTTP layer from `spec/api-keys.yaml`.
//!
//! The spec stays faithful to the wire; progenitor 0.15 cannot take all of it, so this
//! script adapts a copy in memory before generating:
//!
//! 1. `application/vnd.api+json` request and success bodies are renamed to
//!    `application/json` (progenitor only types JSON). The real media type is put back on
//!    the wire by the crate's `ClientHooks::pre` (src/wire/mod.rs).
//! 2. Response `$ref`s are inlined, and every error response (status >= 300) is given an
//!    untyped `application/octet-stream` body, so one operation has one error type and
//!    the crate reads every error format itself (JSON:API, problem+json, legacy, HTML).
//! 3. Response headers and `components/responses` are dropped (progenitor ignores
//!    headers; the crate reads rate-limit headers from the raw response).
//! 4. The response members listed in `UNREAD` are left out of the generated types: the
//!    crate never reads them, and decoding them would cost allocations per key on every
//!    page. serde skips them without allocating. A listed member that the spec no longer
//!    has fails the build, so the list follows the spec.
//!
//! The permission names of `KeyPermissions` are also written out, as `SPEC_PERMISSIONS`,
//! for the fake Honeycomb of the `mock` feature.
//!
//! The result is generated with progenitor (positional interface, hooks expected;
//! generated types also derive `schemars::JsonSchema`; the `KeyPermissions` schema is
//! replaced by the crate's `WirePermissions`, which decodes without serde's flatten
//! buffering and keeps unknown names), formatted with prettyplease and written to
//! `$OUT_DIR/codegen.rs`.
//!
//! Any problem fails the build with a message that names the spec and what to fix.

use std::{env, fs, path::PathBuf, process};

use serde_json::{Map, Value};

const SPEC: &str = "spec/api-keys.yaml";

/// Response members the crate does not read: (schema, member). Only schemas that appear in
/// responses alone belong here (a request must still send every member it needs).
const UNREAD: &[(&str, &str)] = &[
    ("ApiKeyObject", "type"),
    ("ApiKeyObject", "links"),
    ("CreatedApiKeyObject", "type"),
    ("CreatedApiKeyObject", "links"),
    ("UserIdentifier", "type"),
];

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let spec_path = manifest_dir.join(SPEC);

    match generate(&spec_path) {
        Ok(code) => {
            let out = out_dir.join("codegen.rs");
            if let Err(e) = fs::write(&out, code) {
                fail(&format!("cannot write {}: {e}", out.display()));
            }
        }
        Err(problem) => fail(&problem),
    }
}

fn fail(problem: &str) -> ! {
    eprintln!("error: {SPEC}: {problem}");
    eprintln!("help: see spec/README.md for what the generator accepts and how to regenerate");
    process::exit(1);
}

fn generate(spec_path: &std::path::Path) -> Result<String, String> {
    let text = fs::read_to_string(spec_path).map_err(|e| format!("cannot read the spec: {e}"))?;
    let mut doc: Value = yaml_serde::from_str(&text).map_err(|e| format!("not valid YAML: {e}"))?;

    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0.") {
        return Err(format!(
            "`openapi: {version}` is not supported: progenitor reads OpenAPI 3.0.x only \
             (convert a 3.1 document as spec/README.md describes)"
        ));
    }

    let permissions = permission_names(&doc)?;
    normalize(&mut doc)?;

    let api: openapiv3::OpenAPI =
        serde_json::from_value(doc).map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        // The permissions object decodes straight into the crate's own wire type (fast,
        // and it keeps permission names the crate does not know yet).
        .with_replacement("KeyPermissions", "crate::wire::WirePermissions", std::iter::empty());
    // progenitor and typify panic on some inputs (conflicting error types, stray enums):
    // turn a panic into the same clear failure as an error.
    std::panic::set_hook(Box::new(|_| {}));
    let generated = std::panic::catch_unwind(|| progenitor::Generator::new(&settings).generate_tokens(&api));
    drop(std::panic::take_hook());
    let tokens = match generated {
        Ok(result) => result.map_err(|e| format!("progenitor cannot generate a client from it: {e}"))?,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            return Err(format!("progenitor gave up on it (it panicked: {message})"));
        }
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced code that does not parse: {e}"))?;
    let mut code = prettyplease::unparse(&file);
    code.push_str(&format!(
        "\n/// The permission names of `KeyPermissions` in the spec, sorted (the fake's list).\n\
         pub const SPEC_PERMISSIONS: &[&str] = &{permissions:?};\n"
    ));
    Ok(code)
}

/// The member names of `components/schemas/KeyPermissions`.
fn permission_names(doc: &Value) -> Result<Vec<String>, String> {
    let members = doc
        .pointer("/components/schemas/KeyPermissions/properties")
        .and_then(Value::as_object)
        .ok_or("`components/schemas/KeyPermissions` has no `properties`: the crate reads the permission names there")?;
    Ok(members.keys().cloned().collect())
}

/// Adapts the wire-faithful document to what progenitor 0.15 accepts (see module docs).
fn normalize(doc: &mut Value) -> Result<(), String> {
    let shared_responses = doc.pointer("/components/responses").cloned().unwrap_or(Value::Object(Map::new()));

    let paths = doc.get_mut("paths").and_then(Value::as_object_mut).ok_or("it has no `paths`")?;
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let where_ = format!("{} {path}", method.to_uppercase());
            normalize_operation(op, &shared_responses, &where_)?;
        }
    }

    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.remove("responses");
        components.remove("headers");
    }
    for (schema, member) in UNREAD {
        let object = doc
            .pointer_mut(&format!("/components/schemas/{schema}"))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("schema `{schema}` is gone; remove it from build.rs UNREAD"))?;
        let removed = object.get_mut("properties").and_then(Value::as_object_mut).and_then(|p| p.remove(*member));
        if removed.is_none() {
            return Err(format!("`{schema}` has no member `{member}`; remove it from build.rs UNREAD"));
        }
        if let Some(required) = object.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r.as_str() != Some(member));
        }
    }
    Ok(())
}

fn normalize_operation(op: &mut Value, shared: &Value, where_: &str) -> Result<(), String> {
    let op = op.as_object_mut().ok_or_else(|| format!("{where_} is not an object"))?;
    if !op.contains_key("operationId") {
        return Err(format!("{where_} has no operationId (every operation needs one)"));
    }

    if let Some(content) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")).and_then(Value::as_object_mut) {
        json_api_as_json(content, &format!("{where_} request body"))?;
    }

    let responses =
        op.get_mut("responses").and_then(Value::as_object_mut).ok_or_else(|| format!("{where_} has no responses"))?;
    for (status, response) in responses.iter_mut() {
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            let name = reference
                .strip_prefix("#/components/responses/")
                .ok_or_else(|| format!("{where_} {status}: unsupported response $ref `{reference}`"))?;
            *response =
                shared.get(name).cloned().ok_or_else(|| format!("{where_} {status}: `{reference}` is not defined"))?;
        }
        let response =
            response.as_object_mut().ok_or_else(|| format!("{where_} {status}: the response is not an object"))?;
        response.remove("headers");
        let is_success = status.starts_with('2');
        if is_success {
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                json_api_as_json(content, &format!("{where_} {status} response"))?;
            }
        } else {
            let mut raw = Map::new();
            raw.insert(
                "application/octet-stream".into(),
                serde_json::json!({ "schema": { "type": "string", "format": "binary" } }),
            );
            response.insert("content".into(), Value::Object(raw));
        }
    }
    Ok(())
}

/// Keeps only the JSON:API media type of a body, under the name progenitor understands.
fn json_api_as_json(content: &mut Map<String, Value>, what: &str) -> Result<(), String> {
    let media = content
        .remove("application/vnd.api+json")
        .ok_or_else(|| format!("{what} is not `application/vnd.api+json` (the only media type this API uses)"))?;
    content.clear();
    content.insert("application/json".into(), media);
    Ok(())
}
