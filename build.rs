//! Generates the crate's private HTTP layer from Honeycomb's published API document.
//!
//! `spec/api-keys.yaml` is Honeycomb's document (OpenAPI 3.1), reduced to the paths this
//! crate covers by `spec/extract.py` and otherwise verbatim. In memory, this script:
//!
//! 1. reads it and `spec/overlay.yaml` (YAML with duplicate keys refused);
//! 2. applies the overlay's actions in order (OpenAPI Overlay 1.0, targets in RFC 9535
//!    JSONPath): our deliberate deviations, each with its reason in the overlay. An
//!    `update` merges objects recursively (other values are replaced; merging an array into
//!    an array is refused as ambiguous), a `remove` deletes every node the target selects.
//!    An action whose target selects nothing fails the build and names the action;
//! 3. converts what remains of OpenAPI 3.1 mechanically into 3.0, which progenitor 0.15
//!    reads (type arrays with `null` and `oneOf` null branches into `nullable`, `const`
//!    into a one-value enum, schema `examples` into `example`, arrays without `items`,
//!    security scopes of bearer schemes); a 3.1 construct without a 3.0 form fails the
//!    build with its JSON pointer;
//! 4. adapts the result to progenitor: `application/vnd.api+json` request and success
//!    bodies renamed `application/json` (progenitor types JSON only; the crate's
//!    `ClientHooks::pre` puts the real media type back), response `$ref`s inlined and every
//!    error response (status >= 300) given an untyped body (the crate reads every error
//!    format itself), headers dropped (the crate reads rate-limit headers from the raw
//!    response), then components no path reaches removed;
//! 5. generates with progenitor (positional interface, hooks expected; the
//!    `KeyPermissions` schema is replaced by the
//!    crate's `WirePermissions`, which decodes without serde's flatten buffering and keeps
//!    unknown names), formats with prettyplease and writes `$OUT_DIR/codegen.rs`, with
//!    `SPEC_PERMISSIONS`: every permission name the published document lists (the fake's).
//!
//! The OpenAPI 3.0 document it generated from is also written, as
//! `$OUT_DIR/api-keys.openapi-3.0.json`, for validators. Any problem fails the build with
//! a message that names the file, the place (a JSON pointer, or method and path) and what
//! to fix.

use std::{env, fs, path::Path, path::PathBuf, process};

use serde_json::{Map, Value};

const SPEC: &str = "spec/api-keys.yaml";
const OVERLAY: &str = "spec/overlay.yaml";

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed={OVERLAY}");
    println!("cargo:rerun-if-changed=build.rs");

    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    match generate(&manifest_dir) {
        Ok(outputs) => {
            for (name, text) in outputs {
                let out = out_dir.join(name);
                if let Err(e) = fs::write(&out, text) {
                    fail(&format!("error: cannot write {}: {e}", out.display()));
                }
            }
        }
        Err(problem) => fail(&problem),
    }
}

fn fail(problem: &str) -> ! {
    eprintln!("{problem}");
    eprintln!("help: spec/README.md says what the generator accepts and how to update the spec");
    process::exit(1);
}

/// `error: <file>: <problem>`, the form of every failure of the inputs.
fn in_file(file: &str) -> impl Fn(String) -> String + '_ {
    move |problem| format!("error: {file}: {problem}")
}

/// What the spec is once the overlay is applied: a problem found then may come from either.
const OVERLAID: &str = "spec/api-keys.yaml with spec/overlay.yaml applied";

/// The files to write to `$OUT_DIR`: the generated code, the lists of what the published
/// spec accepts, and the OpenAPI 3.0 document the code was generated from.
fn generate(manifest_dir: &Path) -> Result<[(&'static str, String); 3], String> {
    let mut doc = read_yaml(&manifest_dir.join(SPEC)).map_err(in_file(SPEC))?;
    let overlay = read_yaml(&manifest_dir.join(OVERLAY)).map_err(in_file(OVERLAY))?;

    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.1.") && !version.starts_with("3.0.") {
        return Err(in_file(SPEC)(format!(
            "/openapi: `{version}` is not supported (OpenAPI 3.0 or 3.1; Honeycomb publishes 3.1)"
        )));
    }
    let lists = SpecLists::read(&doc).map_err(in_file(SPEC))?;

    apply_overlay(&mut doc, &overlay).map_err(in_file(OVERLAY))?;
    to_openapi_30(&mut doc).map_err(in_file(OVERLAID))?;
    normalize(&mut doc).map_err(in_file(OVERLAID))?;
    prune_unreachable(&mut doc);
    let openapi30 = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");

    let api: openapiv3::OpenAPI = serde_path_to_error::deserialize(doc).map_err(|e| {
        in_file(OVERLAID)(format!(
            "after the conversion to OpenAPI 3.0, `{}` is not valid OpenAPI 3.0: {}",
            e.path(),
            e.inner()
        ))
    })?;
    let code = generate_code(&api).map_err(in_file(OVERLAID))?;
    Ok([("codegen.rs", code), ("spec_lists.rs", lists.source()), ("api-keys.openapi-3.0.json", openapi30)])
}

fn generate_code(api: &openapiv3::OpenAPI) -> Result<String, String> {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        // The permissions object decodes straight into the crate's own wire type (fast,
        // and it keeps permission names the crate does not know yet).
        .with_replacement("KeyPermissions", "crate::wire::WirePermissions", std::iter::empty());
    // progenitor and typify panic on some inputs (conflicting error types, stray enums):
    // turn a panic into the same clear failure as an error.
    std::panic::set_hook(Box::new(|_| {}));
    let generated = std::panic::catch_unwind(|| progenitor::Generator::new(&settings).generate_tokens(api));
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
    Ok(prettyplease::unparse(&file))
}

/// A YAML file as JSON values; a key given twice in one mapping is refused (YAML parsers
/// differ on which one wins), with its place.
fn read_yaml(path: &Path) -> Result<Value, String> {
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
struct SpecLists {
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
    fn read(doc: &Value) -> Result<SpecLists, String> {
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
    fn source(&self) -> String {
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

// ---- the overlay ------------------------------------------------------------------

fn apply_overlay(doc: &mut Value, overlay: &Value) -> Result<(), String> {
    let version = overlay.get("overlay").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("1.0.") {
        return Err(format!("/overlay: `{version}` is not supported (OpenAPI Overlay 1.0.x)"));
    }
    let actions =
        overlay.get("actions").and_then(Value::as_array).ok_or("/actions: an overlay needs a list of actions")?;
    for (index, action) in actions.iter().enumerate() {
        let name = action_name(index, action);
        apply_action(doc, action).map_err(|problem| format!("{name}: {problem}"))?;
    }
    Ok(())
}

/// How an error names an action: its place in the list, its target and its description.
fn action_name(index: usize, action: &Value) -> String {
    let target = action.get("target").and_then(Value::as_str).unwrap_or("(no target)");
    let description = action.get("description").and_then(Value::as_str).unwrap_or("");
    let first_line = description.split(['.', '\n']).next().unwrap_or("").trim();
    format!(
        "action {} (/actions/{index}, target `{target}`{})",
        index + 1,
        match first_line {
            "" => String::new(),
            line => format!(", \"{line}\""),
        }
    )
}

fn apply_action(doc: &mut Value, action: &Value) -> Result<(), String> {
    let target = action.get("target").and_then(Value::as_str).ok_or("it has no `target`")?;
    let remove = match action.get("remove") {
        None => false,
        Some(Value::Bool(remove)) => *remove,
        Some(_) => return Err("`remove` must be true or false".into()),
    };
    let update = action.get("update");
    if remove == update.is_some() {
        return Err("an action needs exactly one of `update` and `remove: true`".into());
    }
    let path = serde_json_path::JsonPath::parse(target).map_err(|e| format!("the target is not JSONPath: {e}"))?;
    // Each selected node's place (once, though a union may select it twice), with a key
    // that orders array indices as numbers.
    let mut pointers: Vec<(Vec<(usize, String)>, String)> = path
        .query_located(doc)
        .dedup()
        .into_iter()
        .map(|node| {
            let location = node.location();
            let key = location.iter().map(|e| (e.as_index().unwrap_or(0), e.as_name().unwrap_or("").to_owned()));
            (key.collect(), location.to_json_pointer())
        })
        .collect();
    if pointers.is_empty() {
        return Err(format!(
            "its target selects nothing in {SPEC}: Honeycomb may have fixed or moved what it \
             changes; drop the action or point it at the new place"
        ));
    }
    if remove {
        // Deepest and last first, so that removing one node leaves the others' places valid.
        pointers.sort_by(|a, b| b.0.cmp(&a.0));
        for (_, pointer) in pointers {
            remove_at(doc, &pointer)?;
        }
    } else if let Some(update) = update {
        for (_, pointer) in pointers {
            // An earlier merge of this action may have replaced a selected node's parent.
            let node = doc.pointer_mut(&pointer).ok_or_else(|| {
                format!("{pointer}: the target selects a node inside another it also selects; select one of them")
            })?;
            merge(node, update, &pointer)?;
        }
    }
    Ok(())
}

fn remove_at(doc: &mut Value, pointer: &str) -> Result<(), String> {
    let (parent, last) = pointer.rsplit_once('/').ok_or("the target selects the whole document")?;
    let last = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&last);
        }
        Some(Value::Array(items)) => {
            let index: usize = last.parse().map_err(|_| format!("{pointer}: not an array index"))?;
            items.remove(index);
        }
        _ => return Err(format!("{pointer}: its parent is neither an object nor an array")),
    }
    Ok(())
}

/// Overlay 1.0 `update`: into an object, the update's members are merged (objects
/// recursively, any other value replaced); into an array, the update is appended.
fn merge(node: &mut Value, update: &Value, pointer: &str) -> Result<(), String> {
    match (node, update) {
        (Value::Object(target), Value::Object(members)) => {
            for (key, value) in members {
                let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match target.get_mut(key) {
                    Some(existing @ Value::Object(_)) if value.is_object() => merge(existing, value, &here)?,
                    Some(Value::Array(_)) if value.is_array() => {
                        return Err(format!(
                            "{here}: merging an array into an array is ambiguous in Overlay 1.0; \
                             remove it first, or target the array to append"
                        ));
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
            Ok(())
        }
        (Value::Array(items), value) => {
            items.push(value.clone());
            Ok(())
        }
        (Value::Object(_), _) => Err(format!("{pointer}: the target is an object, the update must be one too")),
        _ => Err(format!(
            "{pointer}: the target is a single value, which an update cannot change; \
             target the object that holds it"
        )),
    }
}

// ---- OpenAPI 3.1 into 3.0 ------------------------------------------------------------

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

fn to_openapi_30(doc: &mut Value) -> Result<(), String> {
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

// ---- adapting to progenitor ----------------------------------------------------------

/// Adapts the document to what progenitor 0.15 accepts (see the module docs).
fn normalize(doc: &mut Value) -> Result<(), String> {
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
fn prune_unreachable(doc: &mut Value) {
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

/// Keeps only the JSON:API media type of a body, under the name progenitor understands.
fn json_api_as_json(content: &mut Map<String, Value>, what: &str) -> Result<(), String> {
    let media = content
        .remove("application/vnd.api+json")
        .ok_or_else(|| format!("{what} is not `application/vnd.api+json` (the only media type this API uses)"))?;
    content.clear();
    content.insert("application/json".into(), media);
    Ok(())
}
