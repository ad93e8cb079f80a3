//! Step 3: OpenAPI 3.1 into 3.0, by rule.

use serde_json::{Map, Value};

/// 3.1 keywords that have no 3.0 form: an overlay action must change the schema first.
const NO_30_FORM: &[&str] = &[
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "patternProperties",
    "contentSchema",
    "contentMediaType",
    "contentEncoding",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "$defs",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
];

/// Whether a `oneOf`/`anyOf` branch only allows `null`.
fn is_null_branch(branch: &Value) -> bool {
    let null = Value::String("null".into());
    match (branch.get("type"), branch.get("const"), branch.get("enum")) {
        (Some(Value::String(t)), _, _) => t == "null",
        (Some(Value::Array(types)), _, _) => types == &[null],
        (None, Some(Value::Null), _) => true,
        (None, None, Some(Value::Array(values))) => values == &[Value::Null],
        _ => false,
    }
}

pub(crate) fn to_openapi_30(doc: &mut Value) -> Result<(), String> {
    let root = doc.as_object_mut().ok_or("the document is not an object")?;
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("summary");
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut) {
            license.remove("identifier");
        }
    }
    let scopeless: Vec<String> = root
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(Value::as_object)
        .map(|schemes| {
            schemes
                .iter()
                .filter(|(_, s)| !matches!(s.get("type").and_then(Value::as_str), Some("oauth2" | "openIdConnect")))
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default();
    walk_document(doc, "", &scopeless)
}

/// Finds the schemas (and security requirements) of the document outside schemas.
fn walk_document(node: &mut Value, pointer: &str, scopeless: &[String]) -> Result<(), String> {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match key.as_str() {
                    // Example values are data, not part of the description.
                    "example" | "examples" => {}
                    "schema" if value.is_object() => convert_schema(value, &here)?,
                    "schemas" if pointer == "/components" => {
                        if let Some(schemas) = value.as_object_mut() {
                            for (name, schema) in schemas.iter_mut() {
                                convert_schema(schema, &format!("{here}/{name}"))?;
                            }
                        }
                    }
                    // A bearer scheme takes no scopes in 3.0 (the list must be empty).
                    "security" if value.is_array() => {
                        for requirement in value.as_array_mut().into_iter().flatten() {
                            for (scheme, scopes) in requirement.as_object_mut().into_iter().flatten() {
                                if scopeless.contains(scheme) {
                                    *scopes = Value::Array(Vec::new());
                                }
                            }
                        }
                    }
                    _ => walk_document(value, &here, scopeless)?,
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                walk_document(item, &format!("{pointer}/{index}"), scopeless)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn convert_schema(schema: &mut Value, pointer: &str) -> Result<(), String> {
    let Some(map) = schema.as_object_mut() else {
        return Ok(());
    };
    // A $ref's siblings mean something in 3.1 and nothing in 3.0 (only annotations may stay).
    if map.contains_key("$ref") {
        if let Some(sibling) = map.keys().find(|k| !["$ref", "description", "summary"].contains(&k.as_str())) {
            return Err(format!(
                "{pointer}: `{sibling}` beside a `$ref` has no OpenAPI 3.0 form: \
                 add an action to spec/overlay.yaml that wraps the `$ref` in `allOf`"
            ));
        }
        return Ok(());
    }
    // oneOf/anyOf: [A, {type: null}] -> allOf: [A] (or A itself), nullable: true. First, so
    // that what an inline branch brings is converted below.
    for keyword in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = map.get_mut(keyword) else {
            continue;
        };
        let before = branches.len();
        branches.retain(|b| !is_null_branch(b));
        if branches.len() == before {
            continue;
        }
        map.insert("nullable".into(), Value::Bool(true));
        let Some(Value::Array(branches)) = map.get(keyword) else { unreachable!() };
        if let [only] = branches.as_slice() {
            let only = only.clone();
            map.remove(keyword);
            if only.get("$ref").is_some() {
                // typify ignores `nullable` beside a bare $ref, not beside `allOf: [$ref]`.
                map.insert("allOf".into(), Value::Array(vec![only]));
            } else if let Value::Object(members) = only {
                for (key, value) in members {
                    if map.contains_key(&key) {
                        return Err(format!(
                            "{pointer}/{keyword}: the one branch left beside null repeats `{key}`: \
                             add an action to spec/overlay.yaml that merges it"
                        ));
                    }
                    map.insert(key, value);
                }
            }
        }
    }
    if let Some(keyword) = NO_30_FORM.iter().find(|k| map.contains_key(**k)) {
        return Err(format!(
            "{pointer}: `{keyword}` (JSON Schema 2020-12) has no OpenAPI 3.0 form: \
             add an action to spec/overlay.yaml that rewrites this schema"
        ));
    }
    // type: [X, "null"] -> type: X, nullable: true
    if let Some(Value::Array(types)) = map.get("type") {
        let nullable = types.iter().any(|t| t == "null");
        let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        match rest.as_slice() {
            [single] => {
                map.insert("type".into(), single.clone());
            }
            [] => {
                return Err(format!("{pointer}/type: a schema of type null alone has no OpenAPI 3.0 form"));
            }
            _ => {
                return Err(format!(
                    "{pointer}/type: several types ({rest:?}) have no OpenAPI 3.0 form: \
                     add an action to spec/overlay.yaml that picks one"
                ));
            }
        }
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
    }
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![value]));
    }
    if let Some(Value::Array(examples)) = map.get("examples") {
        let first = examples.first().cloned();
        map.remove("examples");
        if let Some(first) = first {
            map.entry("example").or_insert(first);
        }
    }
    // A numeric exclusive bound (3.1) -> the bound and `exclusive…: true` (3.0), unless an
    // inclusive bound beside it is stricter, which then stays alone.
    for (exclusive, bound, stricter) in [("exclusiveMinimum", "minimum", 1.0), ("exclusiveMaximum", "maximum", -1.0)] {
        let Some(limit) = map.get(exclusive).and_then(Value::as_f64) else { continue };
        let limit_value = map[exclusive].clone();
        match map.get(bound).and_then(Value::as_f64) {
            Some(inclusive) if (inclusive - limit) * stricter > 0.0 => {
                map.remove(exclusive);
            }
            _ => {
                map.insert(bound.into(), limit_value);
                map.insert(exclusive.into(), Value::Bool(true));
            }
        }
    }
    if map.get("type").and_then(Value::as_str) == Some("array") && !map.contains_key("items") {
        map.insert("items".into(), Value::Object(Map::new()));
    }
    // The subschemas.
    for keyword in ["items", "additionalProperties", "not"] {
        if let Some(sub) = map.get_mut(keyword) {
            convert_schema(sub, &format!("{pointer}/{keyword}"))?;
        }
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        for (name, sub) in properties.iter_mut() {
            convert_schema(sub, &format!("{pointer}/properties/{}", name.replace('~', "~0").replace('/', "~1")))?;
        }
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = map.get_mut(keyword) {
            for (index, sub) in branches.iter_mut().enumerate() {
                convert_schema(sub, &format!("{pointer}/{keyword}/{index}"))?;
            }
        }
    }
    Ok(())
}
