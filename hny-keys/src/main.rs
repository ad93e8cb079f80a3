//! `hny-keys`: Honeycomb API keys from the command line (feature `cli`).
//!
//! Every command is the library's: the same checks, retries, pacing and workflows. Tables
//! for people, JSON for scripts (the default when the output is piped); `hny-keys schema`
//! prints the JSON Schema of each command's output.
//!
//! `args` is the command line, `commands` one module per command group, `json` the JSON
//! contract, `output` how anything reaches stdout and stderr, `session` what a signal or
//! a failed write must report.

mod args;
mod commands;
mod exec;
mod json;
mod lock;
mod output;
mod profiles;
mod session;

use std::{io::IsTerminal, process::ExitCode, sync::Arc, time::Duration};

use clap::{CommandFactory, Parser};
use honeycomb_api_keys::{Client, ENV_API_ENDPOINT, Error, OldKeyAction, Region, RotateOptions};

use crate::{
    args::{Cli, Command, ENV_ALLOW_INSECURE_HTTP, Global, Output, ProfileCommand, RegionArg},
    commands::{code, keys, team, workflows},
    json::schema_of,
    output::{emit, emit_json, warn},
    session::{Failure, Session, exit_on_signal, fail},
};

pub(crate) struct Ctx {
    pub(crate) client: Client,
    pub(crate) output: Output,
    pub(crate) stdin_tty: bool,
    pub(crate) stderr_tty: bool,
    pub(crate) session: Arc<Session>,
}

fn main() -> ExitCode {
    // `plan --detailed-exitcode` answers 2 for "changes": every error, a usage error
    // included, is 1 there.
    let args: Vec<std::ffi::OsString> = std::env::args_os().take_while(|a| a != "--").collect();
    let detailed = args.iter().any(|a| a == "plan") && args.iter().any(|a| a == "--detailed-exitcode");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if detailed && e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(1);
        }
        Err(e) => e.exit(),
    };
    init_tracing(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(Failure::Runtime(format!("could not start: {e}"))),
    };
    let session = Arc::new(Session::default());
    // A task of its own, so that it also answers while the command waits on a prompt.
    runtime.spawn(exit_on_signal(session.clone()));
    let result = runtime.block_on(run(cli, session.clone()));
    if session.interrupted() {
        // The signal's task reports and exits, once the creates in flight are answered.
        loop {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) if detailed => fail(Failure::Runtime(message)),
        Err(failure) => fail(failure),
    }
}

/// A variable's yes (`1`, `true`, `yes`, `on`) or a no (`0`, `false`, `no`, `off`, or empty).
pub(crate) fn yes_or_no(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("use 1 (yes) or 0 (no)".into()),
    }
}

fn init_tracing(verbose: u8) {
    let filter = match (std::env::var("RUST_LOG").ok(), verbose) {
        (Some(filter), _) => filter,
        (None, 0) => return,
        (None, 1) => "honeycomb_api_keys=debug".into(),
        (None, _) => "trace".into(),
    };
    let Ok(targets) = filter.parse::<tracing_subscriber::filter::Targets>() else {
        warn(&format!("warning: RUST_LOG={filter:?} is not a filter such as `debug` or `honeycomb_api_keys=trace`"));
        return;
    };
    use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal()))
        .with(targets)
        .try_init();
}

fn client(global: &Global) -> Result<Client, Failure> {
    // Flags beat the profile, which beats the environment's variables.
    let mut builder = Client::builder().with_env().allow_insecure_http(global.allow_insecure_http);
    if let Some(name) = &global.profile {
        builder = profiles::apply(name, builder)?;
    }
    if let Some(endpoint) = &global.endpoint {
        builder = builder.endpoint(endpoint.clone());
    }
    if let Some(region) = global.region {
        builder = builder.region(region.into());
    }
    if let Some(team) = &global.team {
        builder = builder.team(team.clone());
    }
    if let Some(pages) = global.page_limit {
        builder = builder.page_limit(pages);
    }
    if let Some(seconds) = global.timeout {
        let timeout = Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| Failure::Usage(format!("--timeout {seconds}: give a number of seconds above 0")))?;
        builder = builder.timeout(timeout);
    }
    builder.build().map_err(|e| match e {
        Error::Config { message, .. } => Failure::Runtime(message),
        Error::InvalidArgument { field, reason, .. } if field == "endpoint" || field == ENV_API_ENDPOINT => {
            let source = match (&global.profile, &global.endpoint) {
                _ if field == ENV_API_ENDPOINT => ENV_API_ENDPOINT.to_string(),
                (Some(name), None) => format!("the endpoint of profile {name:?}"),
                _ => "--endpoint".to_string(),
            };
            endpoint_refused(&source, &reason)
        }
        other => other.into(),
    })
}

/// An endpoint refused by the library's checks, named as the user gave it, with the CLI's
/// way to opt in to plain http elsewhere.
fn endpoint_refused(source: &str, reason: &str) -> Failure {
    let opt_in = format!("--allow-insecure-http (or {ENV_ALLOW_INSECURE_HTTP}=1)");
    Failure::Usage(format!("{source} {}", reason.replace("ClientBuilder::allow_insecure_http(true)", &opt_in)))
}

fn profile(action: ProfileCommand, global: &Global) -> Result<(), Failure> {
    match action {
        ProfileCommand::Add { name, key_id, endpoint, region, team, secret_stdin } => {
            // Always pinned: a profile's key never follows HONEYCOMB_API_ENDPOINT elsewhere.
            let (endpoint, source) = match (endpoint, region) {
                (Some(endpoint), _) => (endpoint, "--endpoint"),
                (None, region) => (Region::from(region.unwrap_or(RegionArg::Us)).base_url().to_string(), "--region"),
            };
            // Checked as the client will check it, before anything is written.
            if let Err(e) = Region::Custom(endpoint.clone()).checked_base_url(global.allow_insecure_http) {
                return Err(match e {
                    Error::InvalidArgument { reason, .. } => endpoint_refused(source, &reason),
                    other => other.into(),
                });
            }
            let profile = profiles::Profile { endpoint: Some(endpoint), team, key_id };
            warn(&profiles::add(&name, profile, secret_stdin)?);
            Ok(())
        }
        ProfileCommand::Remove { name } => {
            warn(&profiles::remove(&name)?);
            Ok(())
        }
        ProfileCommand::List => {
            let all = profiles::list()?;
            if global.output.unwrap_or(if std::io::stdout().is_terminal() { Output::Table } else { Output::Json })
                == Output::Json
            {
                return emit_json(&all);
            }
            let mut t = output::table(&["name", "endpoint", "team", "key id", "secret"]);
            for p in &all {
                t.add_row(p.row());
            }
            emit(&t.to_string())
        }
    }
}

async fn run(cli: Cli, session: Arc<Session>) -> Result<(), Failure> {
    let cli = match cli {
        Cli { command: Command::Profile { action }, global } => return profile(action, &global),
        other => other,
    };
    match &cli.command {
        Command::Schema { command } => return emit_json(&schema_of(*command)),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "hny-keys", &mut script);
            return emit(String::from_utf8_lossy(&script).trim_end());
        }
        _ => {}
    }
    let ctx = Ctx {
        client: client(&cli.global)?,
        output: cli.global.output.unwrap_or(if std::io::stdout().is_terminal() { Output::Table } else { Output::Json }),
        stdin_tty: std::io::stdin().is_terminal(),
        stderr_tty: std::io::stderr().is_terminal(),
        session,
    };
    match cli.command {
        Command::Auth => team::auth(&ctx).await,
        Command::Verify => team::verify(&ctx).await,
        Command::Environments { action } => team::environments(&ctx, action).await,
        Command::List { key_type } => keys::list(&ctx, key_type).await,
        Command::Get { id } => keys::get(&ctx, &id).await,
        Command::Create(args) => keys::create(&ctx, args).await,
        Command::Update(args) => keys::update(&ctx, args).await,
        Command::Delete { ids, ignore_missing, yes } => keys::delete(&ctx, &ids, ignore_missing, yes).await,
        Command::Rotate { id, delete_old, allow_disabled, resume, yes } => {
            let options = RotateOptions::new()
                .old_key(if delete_old { OldKeyAction::Delete } else { OldKeyAction::Disable })
                .allow_disabled(allow_disabled)
                .resume(resume);
            workflows::rotate(&ctx, &id, options, yes).await
        }
        Command::Provision(args) => workflows::provision(&ctx, args).await,
        Command::Audit { older_than, fail_on, file } => {
            workflows::audit(&ctx, older_than, &fail_on, file.as_deref()).await
        }
        Command::Plan { file, prune, detailed_exitcode, plan } => {
            let options = code::plan_options(prune, &plan)?;
            code::plan(&ctx, &file, options, detailed_exitcode).await
        }
        Command::Apply { file, secrets_to, prune, yes, plan, lock_timeout } => {
            let options = (prune, code::plan_options(prune, &plan)?);
            code::apply(&ctx, &file, secrets_to.as_deref(), options, yes, Duration::from_secs(lock_timeout)).await
        }
        Command::Export { environment } => code::export(&ctx, environment.as_deref()).await,
        Command::Schema { .. } | Command::Completions { .. } | Command::Profile { .. } => Ok(()),
    }
}
