//! Step 5, and the stages in order: progenitor generates the client from the adapted
//! document, prettyplease formats it; `main` writes the files to `$OUT_DIR`.

use std::path::Path;

use serde_json::Value;

use crate::{
    OVERLAID, OVERLAY, SPEC,
    adapt::{normalize, prune_unreachable},
    convert::to_openapi_30,
    in_file,
    overlay::apply_overlay,
    read::{SpecLists, read_yaml},
};

/// The files to write to `$OUT_DIR`: the generated code, the lists of what the published
/// spec accepts, and the OpenAPI 3.0 document the code was generated from.
pub(crate) fn generate(manifest_dir: &Path) -> Result<[(&'static str, String); 3], String> {
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
