//! Step 2: the overlay's actions applied in order (OpenAPI Overlay 1.0, targets in RFC 9535
//! JSONPath).

use serde_json::Value;

use crate::SPEC;

pub(crate) fn apply_overlay(doc: &mut Value, overlay: &Value) -> Result<(), String> {
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
