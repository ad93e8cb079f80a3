//! `plan`, `apply` and `export`: keys as code, from a key-set file.

use std::path::Path;

use honeycomb_api_keys::{
    Action, ApiKey, ApplyOptions, Change, Delivery, KeySet, Plan, PlanOptions, SecretSink, StepOutcome, terminal_safe,
};

use crate::{
    Ctx,
    args::{Output, PlanFlags},
    commands::keys::confirm,
    exec::{secret_sink, secret_source},
    lock::lock_team,
    output::{emit, emit_json, feed, progress_bar, warn},
    session::Failure,
};

/// Reads and checks a key-set file (`-` is stdin), of bounded size.
fn read_set(file: &Path) -> Result<KeySet, Failure> {
    Ok(KeySet::from_toml_file(file)?)
}

fn line(change: &Change) -> String {
    format!("{} {change}", change.action.symbol())
}

/// `hcxik_… ingest key "name" in Production`.
fn key_line(plan: &Plan, key: &ApiKey) -> String {
    let env = plan.environments.iter().find(|e| Some(&e.id) == key.environment_id.as_ref());
    format!(
        "{} {} key {:?} in {}",
        key.id,
        key.key_type,
        terminal_safe(&key.name),
        terminal_safe(env.map_or("", |e| e.name.as_str()))
    )
}

/// The plan in words: one line a change, then the unmanaged keys and a summary.
fn plan_text(plan: &Plan, file: &Path) -> String {
    let mut text = String::new();
    for change in &plan.changes {
        text.push_str(&line(change));
        text.push('\n');
    }
    let unmanaged: Vec<_> =
        plan.unmanaged.iter().filter(|k| !plan.changes.iter().any(|c| c.key_id.as_ref() == Some(&k.id))).collect();
    if !unmanaged.is_empty() {
        text.push_str(&format!("unmanaged (not in {}; left alone unless --prune):\n", file.display()));
        for key in unmanaged {
            text.push_str(&format!("  {}\n", key_line(plan, key)));
        }
    }
    if !plan.pending.is_empty() {
        text.push_str("being made by another apply (its secret not delivered yet; retired if it stays so):\n");
        for key in &plan.pending {
            text.push_str(&format!("  {}\n", key_line(plan, key)));
        }
    }
    if !plan.scheduled.is_empty() {
        text.push_str("scheduled (not changes yet; a later plan takes each when it is due):\n");
        for step in &plan.scheduled {
            text.push_str(&format!("  {}\n", line(step)));
        }
    }
    if !plan.secrets.is_empty() {
        text.push_str("secrets checked (anything but current is drift: apply rotates the key):\n");
        for check in &plan.secrets {
            text.push_str(&format!("  {check}\n"));
        }
    }
    if plan.is_empty() {
        text.push_str(&format!("No changes: the keys are as {} declares. ", file.display()));
    }
    text.push_str(&format!("Plan: {}.", plan.summary()));
    text
}

/// How to plan: `--prune`, `--replace NAME`, `--retire-now`, `--check-secrets SINK`.
pub(crate) fn plan_options(prune: bool, flags: &PlanFlags) -> Result<PlanOptions, Failure> {
    let mut options = PlanOptions::new().prune(prune).retire_now(flags.retire_now);
    for name in &flags.replace {
        options = options.replace(name.clone());
    }
    if let Some(spec) = &flags.check_secrets {
        options = options.check_secrets(secret_source(spec)?);
    }
    Ok(options)
}

pub(crate) async fn plan(ctx: &Ctx, file: &Path, options: PlanOptions, detailed_exitcode: bool) -> Result<(), Failure> {
    let set = read_set(file)?;
    let plan = ctx.client.api_keys().plan(&set, options).await?;
    let shown = match ctx.output {
        Output::Json => emit_json(&plan),
        Output::Table => emit(&plan_text(&plan, file)),
    };
    // Changes are the answer even when nobody reads the plan (`| head`).
    match shown {
        Ok(()) | Err(Failure::PipeClosed) if detailed_exitcode && !plan.is_empty() => Err(Failure::Exit(2)),
        other => other,
    }
}

pub(crate) async fn apply(
    ctx: &Ctx,
    file: &Path,
    secrets_to: Option<&str>,
    (prune, options): (bool, PlanOptions),
    yes: bool,
    lock_timeout: std::time::Duration,
) -> Result<(), Failure> {
    if file.as_os_str() == "-" && !yes {
        return Err(Failure::Usage(
            "the key set comes from stdin, so no question can be asked there: give --yes (nothing was changed)".into(),
        ));
    }
    let set = read_set(file)?;
    let sink: Box<dyn SecretSink> = match secrets_to {
        Some(spec) => secret_sink(spec)?,
        None => Box::new(|_: &Delivery<'_>| Err("no --secrets-to was given".to_string())),
    };
    // A sink that cannot take secrets is said before any request and any question.
    if let Some(spec) = secrets_to {
        sink.check().map_err(|why| Failure::Usage(format!("--secrets-to {spec}: {why} (nothing was changed)")))?;
    }
    // Held to the end: an apply of the same team on this machine plans after this one.
    let _lock = lock_team(&ctx.client, lock_timeout, &format!("hny-keys apply -f {}", file.display())).await?;
    let keys = ctx.client.api_keys();
    let plan = keys.plan(&set, options).await?;
    if plan.is_empty() {
        return match ctx.output {
            Output::Json => emit_json(&keys.apply(&plan, &sink, ApplyOptions::new()).await?),
            Output::Table => emit(&plan_text(&plan, file)),
        };
    }
    let new_secrets = plan.count(Action::Create) + plan.count(Action::Rotate);
    if new_secrets > 0 && secrets_to.is_none() {
        return Err(Failure::Usage(format!(
            "the plan makes {new_secrets} new keys: say where their secrets go with --secrets-to dotenv:PATH, json:PATH or exec:COMMAND (nothing was changed)"
        )));
    }
    warn(&plan_text(&plan, file));
    confirm(ctx, yes, &format!("apply these {} changes", plan.changes.len()))?;
    let deletes = plan.count(Action::Delete);
    if deletes > 0 {
        let names: Vec<String> = plan
            .changes
            .iter()
            .filter(|c| c.action == Action::Delete)
            .map(|c| {
                let id = c.key_id.as_ref().map(|id| format!("{id} ")).unwrap_or_default();
                format!("{id}{:?} in {}", terminal_safe(&c.name), terminal_safe(&c.environment))
            })
            .collect();
        confirm(
            ctx,
            yes,
            &format!("--prune: delete {deletes} unmanaged keys ({}), which cannot be undone", names.join(", ")),
        )?;
    }
    ctx.session.applying.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Ok(mut next) = ctx.session.next_step.lock() {
        *next = Some(format!("`hny-keys plan -f {}` shows what is left; applying again finishes it", file.display()));
    }
    let bar = progress_bar(ctx, "applying");
    let options = ApplyOptions::new().prune(prune).gate(ctx.session.clone()).progress(feed(&bar));
    let report = keys.apply(&plan, &sink, options).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let shown = match ctx.output {
        Output::Json => emit_json(&report),
        Output::Table => {
            let mut text = String::new();
            for step in &report.steps {
                let (mark, extra) = match &step.outcome {
                    StepOutcome::Done { new_key: Some(id) } => ("done", format!(" → {}", terminal_safe(id.as_str()))),
                    StepOutcome::Done { .. } => ("done", String::new()),
                    StepOutcome::Failed { error, new_key } => {
                        let made = new_key
                            .as_ref()
                            .map(|id| format!(" (made {}, its secret delivered)", terminal_safe(id.as_str())))
                            .unwrap_or_default();
                        ("FAILED", format!("{made}: {}", terminal_safe(&error.to_string())))
                    }
                    _ => ("skipped", String::new()),
                };
                text.push_str(&format!("{mark:7} {}{extra}\n", line(&step.change)));
            }
            text.push_str(&format!("Applied {} of {} changes.", report.done(), report.steps.len()));
            emit(&text)
        }
    };
    // A stop is said even when nobody reads the report (`| head`).
    match &report.stopped {
        None => shown,
        Some(why) if report.resumable => Err(Failure::Runtime(format!(
            "stopped: {why}; `hny-keys plan -f {}` shows what is left, and applying again finishes it",
            file.display()
        ))),
        Some(why) => Err(Failure::Runtime(format!(
            "stopped: {why}; first check what the failed step names (a key nobody has the secret of, or a create whose outcome is unknown), then plan and apply again"
        ))),
    }
}

pub(crate) async fn export(ctx: &Ctx, environment: Option<&str>) -> Result<(), Failure> {
    let (set, left_out) = ctx.client.api_keys().export(environment).await?;
    for (key, why) in &left_out {
        warn(&format!("note: {} {:?} is not exported: {}", key.id, terminal_safe(&key.name), terminal_safe(why)));
    }
    emit(set.to_toml().trim_end())
}
