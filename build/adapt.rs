//! Step 4: the 3.0 document adapted to progenitor (media types, error bodies, response
//! `$ref`s, headers), then the components no path reaches pruned.

use serde_json::{Map, Value};

use crate::METHODS;

/// Adapts the document to what progenitor 0.15 accepts (see the docs of build.rs).
pub(crate) fn normalize(doc: &mut Value) -> Result<(), String> {
    let shared_responses = doc.pointer("/components/responses").cloned().unwrap_or(Value::Object(Map::new()));

    let paths = doc.get_mut("paths").and_then(Value::as_object_mut).ok_or("/paths: the document has no paths")?;
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
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
    Ok(())
}

/// Removes the components nothing reaches from the paths (error schemas once error
/// bodies are untyped, the published request `oneOf` branches the overlay replaced):
/// the generator would otherwise emit types, and patterns, for them.
pub(crate) fn prune_unreachable(doc: &mut Value) {
    fn refs(node: &Value, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", Value::String(r)) => out.push(r.clone()),
                        _ => refs(value, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut reached = std::collections::BTreeSet::new();
    let mut pending = Vec::new();
    refs(doc.get("paths").unwrap_or(&Value::Null), &mut pending);
    while let Some(reference) = pending.pop() {
        if reached.insert(reference.clone())
            && let Some(target) = reference.strip_prefix('#').and_then(|p| doc.pointer(p))
        {
            refs(target, &mut pending);
        }
    }
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else {
        return;
    };
    for (section, members) in components.iter_mut() {
        if section == "securitySchemes" {
            continue;
        }
        if let Some(members) = members.as_object_mut() {
            members.retain(|name, _| reached.contains(&format!("#/components/{section}/{name}")));
        }
    }
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

/// Keeps only the JSON:API media type of a body, under the name progenitor understands; a
/// body published as plain `application/json` alone (`GET /1/auth`'s answer) is kept as it is.
fn json_api_as_json(content: &mut Map<String, Value>, what: &str) -> Result<(), String> {
    let media = content
        .remove("application/vnd.api+json")
        .or_else(|| content.remove("application/json").filter(|_| content.is_empty()))
        .ok_or_else(|| {
            format!("{what} is not `application/vnd.api+json` or `application/json` (the media types this API uses)")
        })?;
    content.clear();
    content.insert("application/json".into(), media);
    Ok(())
}
