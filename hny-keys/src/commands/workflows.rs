//! `rotate`, `provision` and `audit`: the library's workflows, with each new secret written
//! the moment its key exists.

use std::sync::{Arc, Mutex};

use clap::ValueEnum;

use honeycomb_api_keys::{
    AuditFinding, AuditOptions, AuditReason, AuditReport, CreatedApiKey, KeyId, KeySet, KeyType, OldKeyAction,
    OldKeyOutcome, Permission, ProvisionOptions, ProvisionOutcome, Replacement, RotateOptions,
};

use crate::{
    Ctx,
    args::{FailOn, Output, ProvisionArgs},
    commands::{
        keys::{confirm, permissions_for},
        team::environment_names,
    },
    json::{
        ProvisionCreatedOut, ProvisionEntryOut, ProvisionLine, ProvisionReportOut, RotateLine, RotationOut,
        reason_name, to_json,
    },
    output::{
        EnvNames, cell, check_stdout_keeps_secrets, created_text, emit, emit_json, emit_secret, feed, progress_bar,
        table, warn_secret_once,
    },
    session::{Failure, Session},
};

/// What a workflow's `on_created` hook does in the CLI: the secret goes to stdout at once
/// (`text` makes the line); a failure to write it is kept in `lost` (the workflow then
/// takes no step that depends on it) and becomes the command's error.
pub(crate) fn store_secret(
    session: &Session,
    output: Output,
    lost: &Mutex<Option<String>>,
    created: &CreatedApiKey,
    text: &str,
) -> Result<(), String> {
    if output == Output::Table {
        warn_secret_once();
    }
    emit_secret(session, created, text).inspect_err(|message| {
        if let Ok(mut lost) = lost.lock() {
            lost.get_or_insert_with(|| message.clone());
        }
    })
}

/// The environment names a new key's table shows; none for JSON, which carries ids.
async fn table_environment_names(ctx: &Ctx) -> EnvNames {
    if ctx.output == Output::Table { environment_names(ctx).await } else { EnvNames::default() }
}

pub(crate) async fn rotate(ctx: &Ctx, id: &str, options: RotateOptions, yes: bool) -> Result<(), Failure> {
    KeyId::parse(id)?;
    let action = if options.old_key_action() == OldKeyAction::Delete { "delete" } else { "disable" };
    check_stdout_keeps_secrets()?;
    confirm(ctx, yes, &format!("replace {id} and {action} it"))?;
    let envs = table_environment_names(ctx).await;
    let bar = progress_bar(ctx, "rotating");
    let lost = Arc::new(Mutex::new(None));
    let bar_feed = feed(&bar);
    let (session, output, lost_) = (ctx.session.clone(), ctx.output, lost.clone());
    let options = options.gate(ctx.session.clone()).progress(bar_feed).on_created(move |created| {
        let text = created_text(output, created, &envs, |out| to_json(&RotateLine::Created(out)));
        store_secret(&session, output, &lost_, created, &text)
    });
    let rotation = ctx.client.api_keys().rotate(id, options).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(message) = lost.lock().ok().and_then(|mut l| l.take()) {
        return Err(Failure::Runtime(format!("{message}; the old key {id} was left enabled")));
    }
    let (outcome, problem) = match &rotation.old_key_outcome {
        OldKeyOutcome::Disabled(_) => ("disabled", None),
        OldKeyOutcome::Deleted => ("deleted", None),
        OldKeyOutcome::Kept => ("kept", None),
        OldKeyOutcome::AlreadyGone => ("already_gone", None),
        OldKeyOutcome::StillEnabled { reason, .. } => ("still_enabled", Some(reason.clone())),
        _ => ("unknown", None),
    };
    let resumed = matches!(rotation.new_key, Replacement::Resumed(_));
    let shown = if ctx.output == Output::Json {
        emit_json(&RotateLine::Rotated(Box::new(RotationOut {
            old_key: rotation.old_key.clone(),
            new_key: rotation.new_key.key().clone(),
            resumed,
            old_key_outcome: outcome.into(),
            problem: problem.clone(),
        })))
    } else {
        emit(&rotation.to_string())
    };
    // An unfinished rotation fails even when nobody reads the outcome line.
    match problem {
        Some(reason) => Err(Failure::Runtime(format!(
            "the new key {} exists ({}) but the old key {id} is still enabled: {reason}",
            rotation.new_key.id(),
            if resumed { "made by an earlier run" } else { "its secret is above" }
        ))),
        None => shown,
    }
}

pub(crate) async fn provision(ctx: &Ctx, args: ProvisionArgs) -> Result<(), Failure> {
    let key_type = KeyType::from(args.key_type);
    let permissions = permissions_for(&key_type, &args.access, None)?;
    check_stdout_keeps_secrets()?;
    let envs = table_environment_names(ctx).await;
    let bar = progress_bar(ctx, "provisioning");
    let lost = Arc::new(Mutex::new(None));
    let (session, output, lost_) = (ctx.session.clone(), ctx.output, lost.clone());
    let options = match key_type {
        KeyType::Ingest => ProvisionOptions::new().ingest(permissions.contains(Permission::CreateDatasets)),
        _ => ProvisionOptions::new().configuration(permissions),
    };
    let options = options.name_template(args.name_template).progress(feed(&bar)).gate(ctx.session.clone()).on_created(
        move |service, created| {
            let text = created_text(output, created, &envs, |out| {
                to_json(&ProvisionLine::Created(ProvisionCreatedOut { service: service.to_string(), created: out }))
            });
            store_secret(&session, output, &lost_, created, &text)
        },
    );
    // The environment (id, name or slug) is looked up by the workflow, after it checked
    // the services and the template.
    let report = ctx.client.api_keys().provision(&args.environment, &args.services, options).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(message) = lost.lock().ok().and_then(|mut l| l.take()) {
        return Err(Failure::Runtime(format!("{message}; no further key was created")));
    }
    let entries: Vec<ProvisionEntryOut> = report
        .entries
        .iter()
        .map(|e| {
            let (outcome, key, error) = match &e.outcome {
                ProvisionOutcome::Created(c) => ("created", Some(c.key().clone()), None),
                ProvisionOutcome::Existing(k) => ("existing", Some(k.clone()), None),
                ProvisionOutcome::Disabled(k) => ("disabled", Some(k.clone()), None),
                ProvisionOutcome::Failed(error) => ("failed", None, Some(error.to_string())),
                ProvisionOutcome::Skipped => ("skipped", None, None),
                _ => ("unknown", None, None),
            };
            ProvisionEntryOut { service: e.service.clone(), name: e.name.clone(), outcome: outcome.into(), key, error }
        })
        .collect();
    let shown = if ctx.output == Output::Json {
        emit_json(&ProvisionLine::Report(ProvisionReportOut {
            complete: report.is_complete(),
            summary: report.to_string(),
            entries,
        }))
    } else {
        let mut t = table(&["service", "outcome", "key"]);
        for e in &entries {
            let key = e.key.as_ref().map(|k| k.id.to_string()).or(e.error.clone()).unwrap_or_default();
            t.add_row(vec![cell(&e.service), e.outcome.clone(), cell(&key)]);
        }
        emit(&format!("{t}\n{report}"))
    };
    // An incomplete provisioning fails even when nobody reads the report.
    if report.is_complete() { shown } else { Err(Failure::Runtime(format!("{report}"))) }
}

/// Whether `--fail-on` value `on` names `reason`.
fn fails_on(on: FailOn, reason: &AuditReason) -> bool {
    matches!(
        (on, reason),
        (FailOn::Any, _)
            | (FailOn::Old, AuditReason::Old { .. })
            | (FailOn::Disabled, AuditReason::Disabled)
            | (FailOn::BroadPermissions, AuditReason::BroadPermissions { .. })
            | (FailOn::NeverUpdated, AuditReason::NeverUpdated)
            | (FailOn::UnknownPermissions, AuditReason::UnknownPermissions { .. })
    )
}

/// Audits the team's keys; with `fail_on`, exit 3 once the report is printed if a finding
/// has a reason it names.
pub(crate) async fn audit(
    ctx: &Ctx,
    older_than: u64,
    fail_on: &[FailOn],
    file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let mut options = AuditOptions::new().older_than_days(older_than);
    if let Some(file) = file {
        options = options.key_set(&KeySet::from_toml_file(file)?);
    }
    let bar = progress_bar(ctx, "auditing");
    let options = options.progress(feed(&bar));
    let report = ctx.client.api_keys().audit(options).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let shown = show_audit(ctx, &report).await;
    if !matches!(shown, Ok(()) | Err(Failure::PipeClosed)) {
        return shown;
    }
    // Findings fail the command even when nobody reads the report (`| head`).
    let named = |f: &&AuditFinding| f.reasons.iter().any(|r| fail_on.iter().any(|on| fails_on(*on, r)));
    match report.findings.iter().filter(named).count() {
        0 => shown,
        n => {
            let names: Vec<String> =
                fail_on.iter().filter_map(|on| on.to_possible_value()).map(|v| v.get_name().to_string()).collect();
            Err(Failure::Findings(format!(
                "{n} of the {} keys audited have findings that --fail-on {} names",
                report.total_keys,
                names.join(",")
            )))
        }
    }
}

/// The audit report: JSON, or a table by environment with the summary.
async fn show_audit(ctx: &Ctx, report: &AuditReport) -> Result<(), Failure> {
    if ctx.output == Output::Json {
        return emit_json(report);
    }
    // By environment, and in each the oldest first (the report's order; the sort is stable).
    let envs = environment_names(ctx).await;
    let mut findings: Vec<(String, &AuditFinding)> =
        report.findings.iter().map(|f| (envs.name(f.environment_id.as_ref()), f)).collect();
    findings.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut t = table(&["environment", "id", "type", "name", "created", "age (days)", "reasons"]);
    for (environment, f) in findings {
        let reasons: Vec<String> = f.reasons.iter().map(reason_name).collect();
        t.add_row(vec![
            cell(&environment),
            cell(f.id.as_str()),
            cell(f.key_type.as_str()),
            cell(&f.name),
            f.created.format("%Y-%m-%d").to_string(),
            (report.as_of - f.created).num_days().to_string(),
            cell(&reasons.join(", ")),
        ]);
    }
    emit(&format!("{t}\n{report}"))
}
