//! How anything reaches stdout and stderr: whole lines, flushed, failures handled (a
//! closed pipe ends quietly, a secret that cannot be written is an error naming its key);
//! tables with the server's text escaped; progress bars.

use std::{collections::HashMap, io::Write, time::Duration};

use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use honeycomb_api_keys::{ApiKey, CreatedApiKey, Environment, EnvironmentId, ExposeSecret, Progress, terminal_safe};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::{
    Ctx,
    args::Output,
    json::CreatedOut,
    session::{Failure, Session},
};

/// A line on stderr; a stderr that cannot be written to is not worth a panic.
pub(crate) fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Writes `text` and a newline to stdout, whole, and flushes it.
pub(crate) fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes output that holds no secret: a closed pipe ends the command quietly.
pub(crate) fn emit(text: &str) -> Result<(), Failure> {
    write_stdout(text).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Failure::PipeClosed,
        _ => Failure::Runtime(format!("could not write the output: {e}")),
    })
}

pub(crate) fn emit_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    emit(&serde_json::to_string(value).map_err(|e| Failure::Runtime(e.to_string()))?)
}

/// Writes a new key's secret the moment the key exists, and records the key. If it cannot
/// be written, the error names the key and says how to retire it.
pub(crate) fn emit_secret(session: &Session, created: &CreatedApiKey, text: &str) -> Result<(), String> {
    let id = created.id().to_string();
    let name = created.key().name.clone();
    // One lock for the write and the record: an interrupt sees both or neither.
    let mut record = session.created.lock().unwrap_or_else(|p| p.into_inner());
    match write_stdout(text) {
        Ok(()) => {
            record.push((id, name));
            Ok(())
        }
        Err(e) => Err(format!(
            "the key {id} (\"{}\") was created, but its secret could not be written to stdout ({e}): it is not saved anywhere, and Honeycomb cannot show it again. Retire that key with `hny-keys delete {id} --yes`, and create it again with stdout going to a file or a pipe",
            terminal_safe(&name)
        )),
    }
}

/// Refuses to create a key whose secret would go nowhere: stdout closed (the runtime then
/// points it at /dev/null) or /dev/null. Checked before any request. (On Unix: elsewhere
/// there is no `/dev/null` to compare with, and the check passes.)
#[cfg(not(unix))]
pub(crate) fn check_stdout_keeps_secrets() -> Result<(), Failure> {
    Ok(())
}

/// See the other platforms' twin above.
#[cfg(unix)]
pub(crate) fn check_stdout_keeps_secrets() -> Result<(), Failure> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let null = std::fs::metadata("/dev/null");
    let stdout = std::fs::metadata("/dev/stdout");
    if let (Ok(null), Ok(stdout)) = (null, stdout)
        && stdout.file_type().is_char_device()
        && stdout.rdev() == null.rdev()
    {
        return Err(Failure::Usage(
            "stdout is closed or /dev/null, so the new key's secret, which Honeycomb shows only once, would be lost; send stdout to a file or a pipe"
                .into(),
        ));
    }
    Ok(())
}

/// A server-provided text, safe to put in a table.
pub(crate) fn cell(text: &str) -> String {
    terminal_safe(text).into_owned()
}

pub(crate) fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_BORDERS_ONLY).set_header(header.to_vec());
    table
}

/// A spinner or bar on a terminal's stderr, fed by a workflow's progress; nothing when
/// stderr is not a terminal. It counts until a total is known, then fills up to it.
pub(crate) fn progress_bar(ctx: &Ctx, what: &str) -> Option<ProgressBar> {
    ctx.stderr_tty.then(|| {
        let bar = ProgressBar::new_spinner().with_prefix(what.to_string());
        bar.set_style(progress_style(None));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    })
}

/// The bar's look: with a total, a bar and `done/total`; without, a spinner and the count
/// so far (no `/0` for a total nobody knows).
fn progress_template(total: Option<usize>) -> &'static str {
    match total {
        Some(_) => "{spinner} {prefix} [{bar:24}] {pos}/{len} {msg}",
        None => "{spinner} {prefix} {pos} {msg}",
    }
}

fn progress_style(total: Option<usize>) -> ProgressStyle {
    ProgressStyle::with_template(progress_template(total)).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// Shows where a command stands: `done` steps of `total`, when known, at `stage`.
pub(crate) fn show_progress(bar: &ProgressBar, done: usize, total: Option<usize>, stage: &str) {
    let length = total.map(|t| t as u64);
    if bar.length() != length {
        bar.set_style(progress_style(total));
        match length {
            Some(length) => bar.set_length(length),
            None => bar.unset_length(),
        }
    }
    bar.set_position(done as u64);
    bar.set_message(terminal_safe(stage).into_owned());
}

pub(crate) fn feed(bar: &Option<ProgressBar>) -> impl Fn(&Progress) + Send + Sync + 'static {
    let bar = bar.clone();
    move |p: &Progress| {
        if let Some(bar) = &bar {
            show_progress(bar, p.done, p.total, &p.stage);
        }
    }
}

/// The names of environments by id, for tables: a key's environment is shown by name when
/// known, else by its id.
#[derive(Clone, Debug, Default)]
pub(crate) struct EnvNames(HashMap<String, String>);

impl EnvNames {
    pub(crate) fn of(envs: &[Environment]) -> Self {
        EnvNames(envs.iter().map(|e| (e.id.to_string(), e.name.clone())).collect())
    }

    /// The environment's name, or its id when unknown ("" for none); not yet escaped.
    pub(crate) fn name(&self, id: Option<&EnvironmentId>) -> String {
        let Some(id) = id else { return String::new() };
        self.0.get(id.as_str()).cloned().unwrap_or_else(|| id.to_string())
    }
}

pub(crate) fn keys_table(keys: &[ApiKey], envs: &EnvNames) -> String {
    let mut t = table(&["id", "type", "name", "environment", "state", "permissions", "created"]);
    for key in keys {
        let mut permissions: Vec<String> = key.permissions.iter().map(|p| p.wire_name().to_string()).collect();
        permissions.extend(key.permissions.unknown().map(|(name, on)| format!("{name}={on}?")));
        let state = if key.disabled { "disabled" } else { "enabled" };
        t.add_row(vec![
            cell(key.id.as_str()),
            cell(key.key_type.as_str()),
            cell(&key.name),
            cell(&envs.name(key.environment_id.as_ref())),
            state.into(),
            cell(&permissions.join(", ")),
            key.created.format("%Y-%m-%d").to_string(),
        ]);
    }
    t.to_string()
}

pub(crate) fn warn_secret_once() {
    warn("! The secret below is shown only now; Honeycomb cannot show it again. Store it.");
}

/// The text that carries a new key's secret, in the command's output format (`json` makes
/// the JSON line; `envs` names the environment in a table).
pub(crate) fn created_text(
    output: Output,
    created: &CreatedApiKey,
    envs: &EnvNames,
    json: impl FnOnce(CreatedOut) -> String,
) -> String {
    if output == Output::Json {
        return json(CreatedOut::from(created));
    }
    let header = match created.ingest_key() {
        Some(full) => format!("ingest key (X-Honeycomb-Team): {}", terminal_safe(full.expose_secret())),
        None => format!("secret (X-Honeycomb-Team): {}", terminal_safe(created.secret().expose_secret())),
    };
    format!("{}\n{header}", keys_table(std::slice::from_ref(created.key()), envs))
}

#[cfg(test)]
mod tests {
    use indicatif::ProgressBar;

    use super::{progress_template, show_progress};

    #[test]
    fn a_bar_shows_a_known_total_and_no_bogus_zero_for_an_unknown_one() {
        assert!(progress_template(Some(3)).contains("{pos}/{len}"));
        assert!(!progress_template(None).contains("{len}"), "an unknown total is not shown as /0");
        let bar = ProgressBar::hidden();
        show_progress(&bar, 120, None, "keys read");
        assert_eq!((bar.length(), bar.position()), (None, 120));
        show_progress(&bar, 250, Some(250), "done");
        assert_eq!((bar.length(), bar.position()), (Some(250), 250));
        assert_eq!(bar.message(), "done");
        show_progress(&bar, 1, Some(4), "creating the replacement");
        assert_eq!((bar.length(), bar.position()), (Some(4), 1));
        show_progress(&bar, 2, None, "listing");
        assert_eq!(bar.length(), None, "back to counting");
    }
}
