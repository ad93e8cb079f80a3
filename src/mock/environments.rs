//! The handlers of the environment operations: list, create, update and delete (get is
//! one line in `handlers`). They accept what Honeycomb's published spec accepts (its
//! colours are read from the spec by `build.rs`; members the spec does not list are
//! ignored) and answer as Honeycomb does: a name already in use is a 409, a new
//! environment starts delete-protected, and deleting a protected one is a 409.

use super::{
    handlers::{check_name, data_of, page_params, paginate},
    *,
};

/// The longest name and description the spec allows, in characters.
const MAX_TEXT: usize = 255;

pub(crate) fn list(state: &mut State, request: &Request) -> Reply {
    let params = match page_params(state, request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let path = format!("/2/teams/{}/environments", state.team_slug);
    let all = state.environments.iter().zip(1..).map(|(e, position)| (position, state.environment_json(e)));
    paginate(&path, &params, all)
}

/// An optional description of at most [`MAX_TEXT`] characters (it may be empty).
fn description(state: &mut State, attributes: &Value) -> Result<Option<String>, Reply> {
    const POINTER: &str = "/data/attributes/description";
    match attributes.get("description") {
        None => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT => {
            Err(state.invalid(POINTER, format!("description must be at most {MAX_TEXT} characters")))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(state.invalid(POINTER, "description must be a string")),
    }
}

/// An optional colour of the spec's list.
fn color(state: &mut State, attributes: &Value) -> Result<Option<String>, Reply> {
    match attributes.get("color") {
        None => Ok(None),
        Some(Value::String(c)) if SPEC_ENVIRONMENT_COLORS.contains(&c.as_str()) => Ok(Some(c.clone())),
        Some(_) => {
            let detail = format!("color must be one of {}", SPEC_ENVIRONMENT_COLORS.join(", "));
            Err(state.invalid("/data/attributes/color", detail))
        }
    }
}

/// The slug Honeycomb derives from a name: lowercase, runs of other characters as `-`.
fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

pub(crate) fn create(state: &mut State, body: &Value) -> Reply {
    let data = match data_of(state, body, "environments") {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let attributes = &data["attributes"];
    if !attributes.is_object() {
        return state.invalid("/data/attributes", "attributes are required");
    }
    let name = match check_name(state, attributes.get("name"), true, MAX_TEXT) {
        Ok(name) => name.unwrap_or_default(),
        Err(reply) => return reply,
    };
    let (description, color) = match (description(state, attributes), color(state, attributes)) {
        (Ok(description), Ok(color)) => (description, color),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let slug = slug_of(&name);
    if state.environments.iter().any(|e| e.name.eq_ignore_ascii_case(&name) || e.slug == slug) {
        let detail = format!("an environment named {name:?} already exists");
        let pointer = Source::Pointer("/data/attributes/name");
        return state.error(409, "conflict", "environment already exists", Some(detail), pointer);
    }
    let env = MockEnvironment {
        id: state.new_id("hcxen_"),
        name,
        slug,
        description,
        color: color.unwrap_or_else(|| "blue".into()),
        delete_protected: true,
    };
    let reply = Reply::ok(201, json!({"data": state.environment_json(&env)}));
    state.environments.push(env);
    reply
}

pub(crate) fn update(state: &mut State, id: &str, body: &Value) -> Reply {
    let data = match data_of(state, body, "environments") {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    if data["id"] != id {
        return state.invalid("/data/id", "id must be the id in the path");
    }
    let attributes = match data.get("attributes") {
        Some(a @ Value::Object(_)) => a.clone(),
        _ => return state.invalid("/data/attributes", "attributes are required"),
    };
    let (description, color) = match (description(state, &attributes), color(state, &attributes)) {
        (Ok(description), Ok(color)) => (description, color),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    // Members the published request does not list (a `name`: environments are not
    // renamed) are allowed by its schema, and ignored.
    let protected = match attributes.get("settings") {
        None => None,
        Some(Value::Object(settings)) => match settings.get("delete_protected") {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                let pointer = "/data/attributes/settings/delete_protected";
                return state.invalid(pointer, "delete_protected must be a boolean");
            }
        },
        Some(_) => return state.invalid("/data/attributes/settings", "settings must be an object"),
    };
    let Some(env) = state.environments.iter_mut().find(|e| e.id == id) else { return state.not_found("environment") };
    if let Some(description) = description {
        env.description = Some(description);
    }
    if let Some(color) = color {
        env.color = color;
    }
    if let Some(protected) = protected {
        env.delete_protected = protected;
    }
    let env = env.clone();
    Reply::ok(200, json!({"data": state.environment_json(&env)}))
}

/// Deletes an environment that is not protected, and the keys in it.
pub(crate) fn delete(state: &mut State, id: &str) -> Reply {
    let Some(at) = state.environments.iter().position(|e| e.id == id) else { return state.not_found("environment") };
    if state.environments[at].delete_protected {
        let detail = "the environment is delete-protected; turn delete protection off first".to_string();
        return state.error(409, "conflict", "environment is delete-protected", Some(detail), Source::None);
    }
    state.environments.remove(at);
    let gone: Vec<u64> = state.keys.iter().filter(|(_, k)| k.environment_id == id).map(|(seq, _)| *seq).collect();
    for seq in gone {
        if let Some(key) = state.keys.remove(&seq) {
            state.index.remove(&key.id);
        }
    }
    Reply::empty(204)
}
