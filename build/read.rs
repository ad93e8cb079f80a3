//! Step 1: the spec and the overlay read as YAML into JSON values, and the lists of what the
//! published document accepts (`$OUT_DIR/spec_lists.rs`), read before the overlay.

use std::{fs, path::Path};

use serde_json::{Map, Value};

use crate::METHODS;

/// A YAML file as JSON values; a key given twice in one mapping is refused (YAML parsers
/// differ on which one wins), with its place.
pub(crate) fn read_yaml(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    let yaml: yaml_serde::Value = yaml_serde::from_str(&text).map_err(|e| format!("not valid YAML: {e}"))?;
    json_of(yaml, "")
}

/// A YAML value as JSON: numeric keys (an unquoted `200:`) become strings, as OpenAPI
/// means them; a key that is neither, or a tagged value, is refused with its JSON pointer.
fn json_of(yaml: yaml_serde::Value, pointer: &str) -> Result<Value, String> {
    use yaml_serde::Value as Yaml;
    Ok(match yaml {
        Yaml::Mapping(mapping) => {
            let mut map = Map::new();
            for (key, value) in mapping {
                let key = match key {
                    Yaml::String(s) => s,
                    Yaml::Number(n) => n.to_string(),
                    other => return Err(format!("{pointer}: a key that is not a string ({other:?}): quote it")),
                };
                let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                map.insert(key, json_of(value, &here)?);
            }
            Value::Object(map)
        }
        Yaml::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| json_of(v, &format!("{pointer}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Tagged(tagged) => return Err(format!("{pointer}: a YAML tag ({}) has no JSON form", tagged.tag)),
        scalar => serde_json::to_value(scalar).map_err(|e| format!("{pointer}: {e}"))?,
    })
}

/// What the published document accepts, read before the overlay (which gives every key
/// one open permissions object and key type), written to `$OUT_DIR/spec_lists.rs`: the
/// fake of the `mock` feature accepts exactly this, and the tests compare it with the
/// crate's own lists. Members Honeycomb marks `x-hidden` are not part of its documented
/// API and are left out.
pub(crate) struct SpecLists {
    /// Every permission name: the members of each `permissions` object that lists its
    /// members (ingest and configuration keys, in answers and requests), sorted.
    permissions: Vec<String>,
    /// The `key_type` values of the key create request.
    key_types: Vec<String>,
    /// The `filter[type]` values of the key listing.
    key_type_filters: Vec<String>,
    /// The `color` values of the environment create request.
    colors: Vec<String>,
}

impl SpecLists {
    pub(crate) fn read(doc: &Value) -> Result<SpecLists, String> {
        fn walk(doc: &Value, node: &Value, names: &mut std::collections::BTreeSet<String>) {
            match node {
                Value::Object(map) => {
                    for (key, value) in map {
                        let members = resolve_ref(doc, value).get("properties").and_then(Value::as_object);
                        if let Some(members) = members.filter(|_| key == "permissions") {
                            let shown = members.iter().filter(|(_, m)| !is_hidden(doc, m));
                            names.extend(shown.map(|(name, _)| name.clone()));
                        }
                        walk(doc, value, names);
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(doc, v, names)),
                _ => {}
            }
        }
        let mut names = std::collections::BTreeSet::new();
        walk(doc, doc.pointer("/components/schemas").unwrap_or(&Value::Null), &mut names);
        if names.is_empty() {
            return Err("/components/schemas: no schema has a `permissions` object with `properties`: \
                        the crate reads the permission names there"
                .into());
        }
        Ok(SpecLists {
            permissions: names.into_iter().collect(),
            key_types: request_enum(doc, "createApiKey", "key_type")?,
            key_type_filters: parameter_enum(doc, "listApiKeys", "filter[type]")?,
            colors: request_enum(doc, "createEnvironment", "color")?,
        })
    }

    /// The Rust source of the lists.
    pub(crate) fn source(&self) -> String {
        let SpecLists { permissions, key_types, key_type_filters, colors } = self;
        format!(
            "/// Every permission name of the published document, sorted.\n\
             pub const SPEC_PERMISSIONS: &[&str] = &{permissions:?};\n\
             /// The key types a published key create request may name.\n\
             pub const SPEC_KEY_TYPES: &[&str] = &{key_types:?};\n\
             /// The `filter[type]` values of the published key listing.\n\
             pub const SPEC_KEY_TYPE_FILTERS: &[&str] = &{key_type_filters:?};\n\
             /// The colours a published environment create request may name.\n\
             pub const SPEC_ENVIRONMENT_COLORS: &[&str] = &{colors:?};\n"
        )
    }
}

/// `schema`, its `$ref`s followed (at most 32).
fn resolve_ref<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let target = schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#'));
        match target.and_then(|pointer| doc.pointer(pointer)) {
            Some(next) => schema = next,
            None => break,
        }
    }
    schema
}

fn is_hidden(doc: &Value, schema: &Value) -> bool {
    resolve_ref(doc, schema).get("x-hidden") == Some(&Value::Bool(true))
}

/// The operation `operation_id` of the document.
fn operation<'a>(doc: &'a Value, operation_id: &str) -> Option<&'a Value> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .flat_map(|item| METHODS.iter().filter_map(move |m| item.get(*m)))
        .find(|op| op.get("operationId").and_then(Value::as_str) == Some(operation_id))
}

/// The string values a schema allows by `enum` or `const`, through `$ref`s and the
/// branches of `allOf`, `oneOf` and `anyOf` (a `oneOf` of `const`s is 3.1's enum).
fn enum_values(doc: &Value, schema: &Value, depth: usize, out: &mut Vec<String>) {
    let schema = resolve_ref(doc, schema);
    if depth > 32 || is_hidden(doc, schema) {
        return;
    }
    let listed = schema.get("enum").and_then(Value::as_array).into_iter().flatten().chain(schema.get("const"));
    for value in listed.filter_map(Value::as_str) {
        if !out.iter().any(|v| v == value) {
            out.push(value.to_string());
        }
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        for branch in schema.get(keyword).and_then(Value::as_array).into_iter().flatten() {
            enum_values(doc, branch, depth + 1, out);
        }
    }
}

/// The values of every member named `member` in `operation_id`'s request body, through
/// `$ref`s, `allOf`, `oneOf`, `anyOf` and array items, in the order first met.
fn request_enum(doc: &Value, operation_id: &str, member: &str) -> Result<Vec<String>, String> {
    fn walk(doc: &Value, schema: &Value, member: &str, depth: usize, out: &mut Vec<String>) {
        let schema = resolve_ref(doc, schema);
        if depth > 32 {
            return;
        }
        for keyword in ["allOf", "oneOf", "anyOf"] {
            for branch in schema.get(keyword).and_then(Value::as_array).into_iter().flatten() {
                walk(doc, branch, member, depth + 1, out);
            }
        }
        if let Some(items) = schema.get("items") {
            walk(doc, items, member, depth + 1, out);
        }
        for (name, sub) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
            if is_hidden(doc, sub) {
                continue;
            }
            if name == member {
                enum_values(doc, sub, depth + 1, out);
            }
            walk(doc, sub, member, depth + 1, out);
        }
    }
    let body = operation(doc, operation_id)
        .and_then(|op| op.pointer("/requestBody/content/application~1vnd.api+json/schema"))
        .ok_or_else(|| {
            format!("no operation `{operation_id}` with a JSON:API request body: the crate reads its `{member}` values there")
        })?;
    let mut out = Vec::new();
    walk(doc, body, member, 0, &mut out);
    if out.is_empty() {
        return Err(format!("`{operation_id}`'s request body names no `{member}` values: the crate reads them there"));
    }
    Ok(out)
}

/// The values of `operation_id`'s query parameter `name`.
fn parameter_enum(doc: &Value, operation_id: &str, name: &str) -> Result<Vec<String>, String> {
    let op = operation(doc, operation_id).ok_or_else(|| format!("no operation `{operation_id}`"))?;
    let parameter = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| resolve_ref(doc, p))
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .ok_or_else(|| format!("`{operation_id}` has no parameter `{name}`: the crate reads its values there"))?;
    let mut out = Vec::new();
    enum_values(doc, parameter.get("schema").unwrap_or(&Value::Null), 0, &mut out);
    if out.is_empty() {
        return Err(format!("`{operation_id}`'s parameter `{name}` lists no values: the crate reads them there"));
    }
    Ok(out)
}
