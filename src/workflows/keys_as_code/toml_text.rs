//! Writing a key-set file: [`KeySet::to_toml`](super::KeySet::to_toml).

use super::keyset::DeclaredKey;
use crate::KeyType;

/// `keys` as a key-set file, in order.
pub(super) fn write(keys: &[DeclaredKey], (overlap, disabled): (Option<u32>, Option<u32>)) -> String {
    let mut out = String::new();
    for (field, hours) in [("overlap_hours", overlap), ("disabled_hours", disabled)] {
        if let Some(hours) = hours {
            out.push_str(&format!("{field} = {hours}\n"));
        }
    }
    if !out.is_empty() && !keys.is_empty() {
        out.push('\n');
    }
    for (n, key) in keys.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str("[[key]]\n");
        out.push_str(&format!("name = {}\n", toml_string(&key.name)));
        out.push_str(&format!("type = {}\n", toml_string(key.key_type.as_str())));
        out.push_str(&format!("environment = {}\n", toml_string(&key.environment)));
        // A configuration key's permissions are written out, none as `[]` (a file must say so).
        if !key.permissions.is_empty() || key.key_type == KeyType::Configuration {
            let names: Vec<String> = key.permissions.iter().map(|p| toml_string(p.wire_name())).collect();
            out.push_str(&format!("permissions = [{}]\n", names.join(", ")));
        }
        if key.disabled {
            out.push_str("disabled = true\n");
        }
        if let Some(days) = key.rotate_after_days {
            out.push_str(&format!("rotate_after_days = {days}\n"));
        }
        for (field, hours) in [("overlap_hours", key.overlap_hours), ("disabled_hours", key.disabled_hours)] {
            if let Some(hours) = hours {
                out.push_str(&format!("{field} = {hours}\n"));
            }
        }
        if let Some(secret) = &key.secret_name {
            out.push_str(&format!("secret_name = {}\n", toml_string(secret)));
        }
    }
    out
}

/// A TOML basic string: quotes, backslashes, control and invisible characters escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            // Control and invisible characters (bidi overrides, tags) as escapes: the file
            // shows what it holds, on a terminal too. TOML's `\u` takes four digits exactly.
            c if crate::is_hidden(c) && u32::from(c) > 0xFFFF => out.push_str(&format!("\\U{:08X}", u32::from(c))),
            c if crate::is_hidden(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
