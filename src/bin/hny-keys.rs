//! `hny-keys`: Honeycomb API keys from the command line (feature `cli`).
//!
//! Every command is the library's: the same checks, retries, pacing and workflows. Tables
//! for people, JSON for scripts (the default when the output is piped); `hny-keys schema`
//! prints the JSON Schema of each command's output.

use std::{
    io::{BufRead, IsTerminal, Write},
    process::ExitCode,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use futures::TryStreamExt;
use honeycomb_api_keys::{
    ApiKey, ApiKeyUpdate, AuditOptions, AuditReport, Client, CreatedApiKey, Environment, Error, ExposeSecret, KeyId,
    KeyType, NewApiKey, OldKeyAction, OldKeyOutcome, Permission, Permissions, ProvisionOptions, Region, Replacement,
    RotateOptions,
    model::check_name,
    text::terminal_safe,
    workflows::{AuditReason, Progress, ProvisionOutcome, WriteGate},
};
use indicatif::{ProgressBar, ProgressStyle};
use schemars::JsonSchema;
use serde::Serialize;

const EXAMPLES: &str = "\
Examples:
  export HONEYCOMB_KEY_ID=hcxmk_... HONEYCOMB_KEY_SECRET=...
  hny-keys list --type ingest
  hny-keys create --name checkout --type ingest --environment Production
  hny-keys create --name ci --type configuration --environment production --preset board-management
  hny-keys update hcxlk_... --grant manage_triggers --revoke manage_boards
  hny-keys rotate hcxik_... --yes
  hny-keys audit --older-than 90 --output json";

/// Manage Honeycomb API keys: list, create, update, rotate, audit and delete the ingest and
/// configuration keys of your environments.
///
/// Credentials come from HONEYCOMB_KEY_ID and HONEYCOMB_KEY_SECRET (or
/// HONEYCOMB_MANAGEMENT_KEY and HONEYCOMB_MANAGEMENT_SECRET); the endpoint from
/// HONEYCOMB_API_ENDPOINT or --region/--endpoint; the team from HONEYCOMB_TEAM or /2/auth.
#[derive(Parser, Debug)]
#[command(name = "hny-keys", version, after_help = EXAMPLES)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct Global {
    /// Base URL of the API (default `https://api.honeycomb.io`; env HONEYCOMB_API_ENDPOINT).
    #[arg(long, global = true, conflicts_with = "region")]
    endpoint: Option<String>,
    /// The region: us or eu.
    #[arg(long, global = true, value_enum)]
    region: Option<RegionArg>,
    /// The team slug (default: HONEYCOMB_TEAM, or the management key's team).
    #[arg(long, global = true)]
    team: Option<String>,
    /// Output format (default: a table on a terminal, JSON otherwise).
    #[arg(long, short, global = true, value_enum)]
    output: Option<Output>,
    /// Stop a listing after this many pages, with an error if there are more (default
    /// 10000: a million keys), so that a server that never stops paging cannot keep a
    /// command running.
    #[arg(long, global = true, value_name = "PAGES")]
    page_limit: Option<usize>,
    /// Log what happens on stderr (-v, -vv; or RUST_LOG).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RegionArg {
    Us,
    Eu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TypeArg {
    Ingest,
    Configuration,
}

impl From<TypeArg> for KeyType {
    fn from(t: TypeArg) -> Self {
        match t {
            TypeArg::Ingest => KeyType::Ingest,
            TypeArg::Configuration => KeyType::Configuration,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Preset {
    /// run_queries, read_service_maps
    ReadOnlyQuerying,
    /// run_queries, manage_boards, manage_privateBoards
    BoardManagement,
    /// every capability but visible_team_members
    FullConfiguration,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Who the management key is, its scopes and team.
    #[command(after_help = "Example:\n  hny-keys auth")]
    Auth,
    /// The team's environments (ids to create keys in).
    #[command(after_help = "Example:\n  hny-keys environments --output json")]
    Environments,
    /// Every key of the team.
    #[command(after_help = "Example:\n  hny-keys list --type configuration")]
    List {
        /// Only keys of this type.
        #[arg(long = "type", value_enum)]
        key_type: Option<TypeArg>,
    },
    /// One key (never its secret: Honeycomb shows it only at creation).
    #[command(after_help = "Example:\n  hny-keys get hcxik_01j1824es7n4evcmv81cn392jb")]
    Get {
        /// The key's id.
        id: String,
    },
    /// Create a key; its secret is printed once, on stdout, the moment it exists.
    #[command(
        after_help = "Examples:\n  hny-keys create --name checkout --type ingest --environment Production\n  hny-keys create --name ci --type configuration --environment production --permission run_queries --permission manage_boards"
    )]
    Create(CreateArgs),
    /// Rename, disable, enable, or change a configuration key's permissions.
    #[command(
        after_help = "Examples:\n  hny-keys update hcxik_... --disable\n  hny-keys update hcxlk_... --grant manage_triggers --revoke manage_privateBoards"
    )]
    Update(UpdateArgs),
    /// Delete a key (asks first; --yes when not on a terminal).
    #[command(after_help = "Example:\n  hny-keys delete hcxik_01j1824es7n4evcmv81cn392jb --yes")]
    Delete {
        /// The key's id.
        id: String,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
    /// Replace a key with a twin, then disable (or delete) the old one; the new secret is
    /// printed the moment the twin exists. A rerun finds the twin an earlier run made.
    #[command(after_help = "Example:\n  hny-keys rotate hcxik_01j1824es7n4evcmv81cn392jb --yes")]
    Rotate {
        /// The key's id.
        id: String,
        /// Delete the old key instead of disabling it.
        #[arg(long)]
        delete_old: bool,
        /// Rotate it even if it is disabled (refused by default: a disabled key is usually
        /// one a rotation already retired).
        #[arg(long)]
        allow_disabled: bool,
        /// Retire the old key when the replacement was made by an earlier run: only if that
        /// run's secret was stored (without it, the old key is left in use and the command
        /// says what to do).
        #[arg(long)]
        resume: bool,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
    /// One ingest key per service, by name (existing ones are reported, not duplicated).
    #[command(after_help = "Example:\n  hny-keys provision --environment Production checkout search payments")]
    Provision {
        /// The environment: id, name or slug.
        #[arg(long, short)]
        environment: String,
        /// The key name for a service ({service} is its name).
        #[arg(long, default_value = "{service}")]
        name_template: String,
        /// The services.
        #[arg(required = true)]
        services: Vec<String>,
    },
    /// Old, disabled, broad and never-changed keys, oldest first.
    #[command(after_help = "Example:\n  hny-keys audit --older-than 90 --output json")]
    Audit {
        /// Flag keys older than this many days.
        #[arg(long, default_value_t = 90)]
        older_than: u64,
    },
    /// The JSON Schema of a command's JSON output.
    #[command(after_help = "Example:\n  hny-keys schema list")]
    Schema {
        /// The command.
        #[arg(value_enum)]
        command: SchemaOf,
    },
    /// Shell completions.
    #[command(after_help = "Example:\n  hny-keys completions bash > /etc/bash_completion.d/hny-keys")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
struct CreateArgs {
    /// The key's name (1 to 100 characters).
    #[arg(long)]
    name: String,
    /// The key's type.
    #[arg(long = "type", value_enum)]
    key_type: TypeArg,
    /// The environment: id, name or slug.
    #[arg(long, short)]
    environment: String,
    /// A permission (wire name, or snake case); repeat for more.
    #[arg(long = "permission", value_parser = parse_permission)]
    permissions: Vec<Permission>,
    /// A preset of permissions (configuration keys).
    #[arg(long, value_enum, conflicts_with = "all_permissions")]
    preset: Option<Preset>,
    /// Every permission (configuration keys).
    #[arg(long)]
    all_permissions: bool,
    /// Create a configuration key with no permission at all (refused otherwise: such a
    /// key can do nothing).
    #[arg(long, conflicts_with_all = ["permissions", "preset", "all_permissions"])]
    no_permissions: bool,
    /// Create it disabled.
    #[arg(long)]
    disabled: bool,
}

#[derive(Args, Debug)]
struct UpdateArgs {
    /// The key's id.
    id: String,
    /// A new name.
    #[arg(long)]
    name: Option<String>,
    /// Disable the key.
    #[arg(long, conflicts_with = "enable")]
    disable: bool,
    /// Enable the key again.
    #[arg(long)]
    enable: bool,
    /// Grant a permission (configuration keys); repeat for more.
    #[arg(long = "grant", alias = "permission", value_parser = parse_permission)]
    grant: Vec<Permission>,
    /// Revoke a permission (configuration keys); repeat for more.
    #[arg(long = "revoke", alias = "revoke-permission", value_parser = parse_permission)]
    revoke: Vec<Permission>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SchemaOf {
    Auth,
    Environments,
    List,
    Get,
    Create,
    Update,
    Delete,
    Rotate,
    Provision,
    Audit,
}

fn parse_permission(s: &str) -> Result<Permission, String> {
    s.parse::<Permission>().map_err(|e| match e {
        Error::InvalidArgument { reason, .. } => reason,
        other => other.to_string(),
    })
}

// ---- output types (the JSON contract; `hny-keys schema` prints their schemas) ----------

/// A key, as the CLI prints it.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct KeyOut {
    id: String,
    name: String,
    key_type: String,
    disabled: bool,
    environment_id: Option<String>,
    /// Granted permissions, by wire name.
    permissions: Vec<String>,
    /// Permission names this version does not know, with their values.
    unknown_permissions: Vec<(String, bool)>,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
}

impl From<&ApiKey> for KeyOut {
    fn from(k: &ApiKey) -> Self {
        KeyOut {
            id: k.id.to_string(),
            name: k.name.clone(),
            key_type: k.key_type.to_string(),
            disabled: k.disabled,
            environment_id: k.environment_id.as_ref().map(ToString::to_string),
            permissions: k.permissions.iter().map(|p| p.wire_name().to_string()).collect(),
            unknown_permissions: k.permissions.unknown().map(|(n, v)| (n.to_string(), v)).collect(),
            created: k.created,
            updated: k.updated,
        }
    }
}

/// A deleted key.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct DeletedOut {
    deleted: String,
}

/// A new key with its one-time secret.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct CreatedOut {
    key: KeyOut,
    /// The secret: shown this once.
    secret: String,
    /// For ingest keys: id and secret joined, the value senders use.
    ingest_key: Option<String>,
}

impl From<&CreatedApiKey> for CreatedOut {
    fn from(c: &CreatedApiKey) -> Self {
        CreatedOut {
            key: c.key().into(),
            secret: c.secret().expose_secret().to_string(),
            ingest_key: c.ingest_key().map(|k| k.expose_secret().to_string()),
        }
    }
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct AuthOut {
    key_id: String,
    name: Option<String>,
    scopes: Vec<String>,
    team_slug: String,
    team_name: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct EnvironmentOut {
    id: String,
    name: String,
    slug: String,
    description: Option<String>,
}

impl From<&Environment> for EnvironmentOut {
    fn from(e: &Environment) -> Self {
        EnvironmentOut {
            id: e.id.to_string(),
            name: e.name.clone(),
            slug: e.slug.clone(),
            description: e.description.clone(),
        }
    }
}

/// One line of `rotate`'s JSON output: the new key with its secret the moment it exists
/// (`created`), then the outcome (`rotated`, no secret).
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
enum RotateLine {
    Created(CreatedOut),
    Rotated(RotationOut),
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct RotationOut {
    old_key: KeyOut,
    new_key: KeyOut,
    /// Whether the new key was found, made by an earlier run (its secret was printed then).
    resumed: bool,
    /// disabled, deleted, kept, already_gone or still_enabled.
    old_key_outcome: String,
    /// Why the old key is still enabled, if it is.
    problem: Option<String>,
}

/// One line of `provision`'s JSON output: each new key with its secret the moment it
/// exists (`created`), then the report (`report`, no secret).
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
enum ProvisionLine {
    Created(ProvisionCreatedOut),
    Report(ProvisionReportOut),
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ProvisionCreatedOut {
    service: String,
    #[serde(flatten)]
    created: CreatedOut,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ProvisionReportOut {
    /// Whether every service has an enabled key now and every new secret was printed.
    complete: bool,
    summary: String,
    entries: Vec<ProvisionEntryOut>,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ProvisionEntryOut {
    service: String,
    name: String,
    /// created, existing, disabled, failed or skipped.
    outcome: String,
    key: Option<KeyOut>,
    error: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct AuditFindingOut {
    id: String,
    name: String,
    key_type: String,
    environment_id: Option<String>,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    /// old, disabled, broad_permissions, never_updated, unknown_permissions.
    reasons: Vec<String>,
    age_days: i64,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct AuditOut {
    as_of: DateTime<Utc>,
    older_than_days: u64,
    total_keys: usize,
    old: usize,
    disabled: usize,
    broad: usize,
    never_updated: usize,
    unknown_permissions: usize,
    summary: String,
    findings: Vec<AuditFindingOut>,
}

impl From<&AuditReport> for AuditOut {
    fn from(r: &AuditReport) -> Self {
        AuditOut {
            as_of: r.as_of,
            older_than_days: r.older_than_days,
            total_keys: r.total_keys,
            old: r.old,
            disabled: r.disabled,
            broad: r.broad,
            never_updated: r.never_updated,
            unknown_permissions: r.unknown_permissions,
            summary: r.to_string(),
            findings: r
                .findings
                .iter()
                .map(|f| AuditFindingOut {
                    id: f.id.to_string(),
                    name: f.name.clone(),
                    key_type: f.key_type.to_string(),
                    environment_id: f.environment_id.as_ref().map(ToString::to_string),
                    created: f.created,
                    updated: f.updated,
                    reasons: f.reasons.iter().map(reason_name).collect(),
                    age_days: (r.as_of - f.created).num_days(),
                })
                .collect(),
        }
    }
}

fn reason_name(r: &AuditReason) -> String {
    match r {
        AuditReason::Old { .. } => "old".into(),
        AuditReason::Disabled => "disabled".into(),
        AuditReason::BroadPermissions { permissions } => format!("broad_permissions({})", permissions.join(" ")),
        AuditReason::NeverUpdated => "never_updated".into(),
        AuditReason::UnknownPermissions { permissions } => format!("unknown_permissions({})", permissions.join(" ")),
        _ => "other".into(),
    }
}

// ---- running ------------------------------------------------------------------------

/// Why the CLI stopped.
enum Failure {
    /// An API or runtime error: exit 1.
    Runtime(String),
    /// A usage error, found before any request: exit 2.
    Usage(String),
    /// Whoever read stdout stopped reading (`| head`): end quietly, exit 0, as Unix
    /// tools do.
    PipeClosed,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidArgument { .. } => Failure::Usage(e.to_string()),
            other => Failure::Runtime(other.to_string()),
        }
    }
}

/// What the run has done that an interrupt or a failed write must report: the keys whose
/// secrets were written, and the creates in flight. It is the workflows' [`WriteGate`].
#[derive(Default)]
struct Session {
    /// (id, name) of each key created, in order, once its secret was written out.
    created: Mutex<Vec<(String, String)>>,
    /// Whether a signal came, and the creates in flight: under one lock, so that a create
    /// is either registered before the signal is seen (and waited for) or never sent.
    writes: Mutex<Writes>,
}

#[derive(Default)]
struct Writes {
    interrupted: bool,
    creating: Vec<String>,
}

impl Session {
    fn writes(&self) -> std::sync::MutexGuard<'_, Writes> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A signal came: no write starts from now on.
    fn interrupt(&self) {
        self.writes().interrupted = true;
    }

    fn interrupted(&self) -> bool {
        self.writes().interrupted
    }

    fn is_creating(&self) -> bool {
        !self.writes().creating.is_empty()
    }

    /// What was made, for a message on stderr.
    fn summary(&self) -> String {
        let created = self.created.lock().map(|c| c.clone()).unwrap_or_default();
        let mut text = String::new();
        if !created.is_empty() {
            text.push_str("created before it stopped, with their secrets on stdout:");
            for (id, name) in &created {
                text.push_str(&format!("\n  {} \"{}\"", terminal_safe(id), terminal_safe(name)));
            }
        }
        for name in self.writes().creating.clone() {
            text.push_str(&format!(
                "{}the create of \"{}\" was not answered: whether it was made is unknown; look for it with `hny-keys list`, and delete it if it is there (its secret is lost)",
                if text.is_empty() { "" } else { "\n" },
                terminal_safe(&name)
            ));
        }
        text
    }
}

impl WriteGate for Session {
    fn before_create(&self, name: &str) -> bool {
        let mut writes = self.writes();
        if writes.interrupted {
            return false;
        }
        writes.creating.push(name.to_string());
        true
    }

    fn after_create(&self, name: &str) {
        let mut writes = self.writes();
        if let Some(at) = writes.creating.iter().position(|n| n == name) {
            writes.creating.remove(at);
        }
    }

    fn before_change(&self) -> bool {
        !self.interrupted()
    }
}

struct Ctx {
    client: Client,
    output: Output,
    stdin_tty: bool,
    stderr_tty: bool,
    session: Arc<Session>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Err(failure) => fail(failure),
    }
}

/// On SIGINT or SIGTERM: let a create in flight finish (its secret is written the moment
/// it is answered), say on stderr what was created, and exit 130 or 143. A second signal
/// exits at once.
async fn exit_on_signal(session: Arc<Session>) {
    use futures::future::{Either, select};
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        return;
    };
    let (code, name) = match select(Box::pin(interrupt.recv()), Box::pin(terminate.recv())).await {
        Either::Left(_) => (130, "SIGINT"),
        Either::Right(_) => (143, "SIGTERM"),
    };
    session.interrupt();
    if session.is_creating() {
        warn(&format!("{name}: waiting for the create in flight to be answered (again to stop at once)"));
        let answered = async {
            while session.is_creating() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let settled = select(Box::pin(answered), Box::pin(tokio::time::sleep(CREATE_ANSWER_WAIT)));
        let again = select(Box::pin(interrupt.recv()), Box::pin(terminate.recv()));
        select(settled, again).await;
    }
    // Taking the lock waits for a line being written to be whole, and holding it to the
    // end keeps any other line from being cut by the exit.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.flush();
    let summary = session.summary();
    warn(&format!("interrupted by {name}{}{summary}", if summary.is_empty() { "" } else { "; " }));
    std::process::exit(code);
}

/// How long an interrupt waits for a create in flight: a little more than one attempt's
/// timeout.
const CREATE_ANSWER_WAIT: Duration = Duration::from_secs(35);

fn fail(failure: Failure) -> ExitCode {
    let (message, code) = match failure {
        Failure::Runtime(m) => (m, 1),
        Failure::Usage(m) => (m, 2),
        Failure::PipeClosed => return ExitCode::SUCCESS,
    };
    warn(&format!("error: {}", terminal_safe(&message)));
    ExitCode::from(code)
}

/// A line on stderr; a stderr that cannot be written to is not worth a panic.
fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Writes `text` and a newline to stdout, whole, and flushes it.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes output that holds no secret: a closed pipe ends the command quietly.
fn emit(text: &str) -> Result<(), Failure> {
    write_stdout(text).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Failure::PipeClosed,
        _ => Failure::Runtime(format!("could not write the output: {e}")),
    })
}

fn emit_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    emit(&serde_json::to_string(value).map_err(|e| Failure::Runtime(e.to_string()))?)
}

/// Writes a new key's secret the moment the key exists, and records the key. If it cannot
/// be written, the error names the key and says how to retire it.
fn emit_secret(session: &Session, created: &CreatedApiKey, text: &str) -> Result<(), String> {
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
/// points it at /dev/null) or /dev/null. Checked before any request.
fn check_stdout_keeps_secrets() -> Result<(), Failure> {
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
    let mut builder = Client::builder().with_env();
    if let Some(endpoint) = &global.endpoint {
        builder = builder.endpoint(endpoint.clone());
    }
    if let Some(region) = global.region {
        builder = builder.region(match region {
            RegionArg::Us => Region::Us,
            RegionArg::Eu => Region::Eu,
        });
    }
    if let Some(team) = &global.team {
        builder = builder.team(team.clone());
    }
    if let Some(pages) = global.page_limit {
        builder = builder.page_limit(pages);
    }
    builder.build().map_err(|e| match e {
        Error::Config { message } => Failure::Runtime(message),
        other => other.into(),
    })
}

async fn run(cli: Cli, session: Arc<Session>) -> Result<(), Failure> {
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
        Command::Auth => auth(&ctx).await,
        Command::Environments => environments(&ctx).await,
        Command::List { key_type } => list(&ctx, key_type).await,
        Command::Get { id } => {
            let key = ctx.client.api_keys().get(&id).await?;
            show_key(&ctx, &key)
        }
        Command::Create(args) => create(&ctx, args).await,
        Command::Update(args) => update(&ctx, args).await,
        Command::Delete { id, yes } => delete(&ctx, &id, yes).await,
        Command::Rotate { id, delete_old, allow_disabled, resume, yes } => {
            let options = RotateOptions::new()
                .old_key(if delete_old { OldKeyAction::Delete } else { OldKeyAction::Disable })
                .allow_disabled(allow_disabled)
                .resume(resume);
            rotate(&ctx, &id, options, yes).await
        }
        Command::Provision { environment, name_template, services } => {
            provision(&ctx, &environment, &name_template, &services).await
        }
        Command::Audit { older_than } => audit(&ctx, older_than).await,
        Command::Schema { .. } | Command::Completions { .. } => Ok(()),
    }
}

/// The schema of one JSON document the command prints (of each line, for `rotate` and
/// `provision`, which print one line per event).
fn schema_of(command: SchemaOf) -> schemars::schema::RootSchema {
    match command {
        SchemaOf::Auth => schemars::schema_for!(AuthOut),
        SchemaOf::Environments => schemars::schema_for!(Vec<EnvironmentOut>),
        SchemaOf::List => schemars::schema_for!(Vec<KeyOut>),
        SchemaOf::Get | SchemaOf::Update => schemars::schema_for!(KeyOut),
        SchemaOf::Create => schemars::schema_for!(CreatedOut),
        SchemaOf::Delete => schemars::schema_for!(DeletedOut),
        SchemaOf::Rotate => schemars::schema_for!(RotateLine),
        SchemaOf::Provision => schemars::schema_for!(ProvisionLine),
        SchemaOf::Audit => schemars::schema_for!(AuditOut),
    }
}

/// A server-provided text, safe to put in a table.
fn cell(text: &str) -> String {
    terminal_safe(text).into_owned()
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_BORDERS_ONLY).set_header(header.to_vec());
    table
}

/// A spinner or bar on a terminal's stderr, fed by a workflow's progress; nothing when
/// stderr is not a terminal.
fn progress_bar(ctx: &Ctx, what: &str) -> Option<ProgressBar> {
    ctx.stderr_tty.then(|| {
        let bar = ProgressBar::new_spinner().with_message(what.to_string());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    })
}

fn feed(bar: &Option<ProgressBar>) -> impl Fn(&Progress) + Send + Sync + 'static {
    let bar = bar.clone();
    move |p: &Progress| {
        if let Some(bar) = &bar {
            if let Some(total) = p.total {
                bar.set_length(total as u64);
            }
            bar.set_position(p.done as u64);
        }
    }
}

async fn auth(ctx: &Ctx) -> Result<(), Failure> {
    let me = ctx.client.auth().await?;
    let out = AuthOut {
        key_id: me.key_id,
        name: me.name,
        scopes: me.scopes,
        team_slug: me.team.slug,
        team_name: me.team.name,
    };
    if ctx.output == Output::Json {
        return emit_json(&out);
    }
    let mut t = table(&["key", "name", "team", "scopes"]);
    t.add_row(vec![
        cell(&out.key_id),
        cell(&out.name.unwrap_or_default()),
        cell(&out.team_slug),
        cell(&out.scopes.join(", ")),
    ]);
    emit(&t.to_string())
}

async fn environments(ctx: &Ctx) -> Result<(), Failure> {
    let envs = ctx.client.environments().list().collect().await?;
    let out: Vec<EnvironmentOut> = envs.iter().map(Into::into).collect();
    if ctx.output == Output::Json {
        return emit_json(&out);
    }
    let mut t = table(&["id", "slug", "name", "description"]);
    for e in out {
        t.add_row(vec![cell(&e.id), cell(&e.slug), cell(&e.name), cell(&e.description.unwrap_or_default())]);
    }
    emit(&t.to_string())
}

async fn list(ctx: &Ctx, key_type: Option<TypeArg>) -> Result<(), Failure> {
    let bar = progress_bar(ctx, "listing keys");
    let mut listing = ctx.client.api_keys().list();
    if let Some(t) = key_type {
        listing = listing.key_type(t.into());
    }
    let mut keys = Vec::new();
    let mut pages = listing.pages();
    while let Some(page) = pages.try_next().await? {
        keys.extend(page.items);
        if let Some(bar) = &bar {
            bar.set_position(keys.len() as u64);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if ctx.output == Output::Json {
        return emit_json(&keys.iter().map(KeyOut::from).collect::<Vec<_>>());
    }
    emit(&keys_table(&keys))
}

fn show_key(ctx: &Ctx, key: &ApiKey) -> Result<(), Failure> {
    if ctx.output == Output::Json {
        return emit_json(&KeyOut::from(key));
    }
    emit(&keys_table(std::slice::from_ref(key)))
}

fn keys_table(keys: &[ApiKey]) -> String {
    let mut t = table(&["id", "type", "name", "state", "permissions", "created"]);
    for key in keys {
        let k = KeyOut::from(key);
        let mut permissions = k.permissions.join(", ");
        for (name, on) in &k.unknown_permissions {
            permissions.push_str(&format!("{}{name}={on}?", if permissions.is_empty() { "" } else { ", " }));
        }
        let state = if k.disabled { "disabled" } else { "enabled" };
        t.add_row(vec![
            cell(&k.id),
            cell(&k.key_type),
            cell(&k.name),
            state.into(),
            cell(&permissions),
            k.created.format("%Y-%m-%d").to_string(),
        ]);
    }
    t.to_string()
}

/// The environment by id (one request), name or slug; if none, the error lists the known
/// ones.
async fn environment(ctx: &Ctx, wanted: &str) -> Result<Environment, Failure> {
    if let Some(env) = ctx.client.environments().find(wanted).await? {
        return Ok(env);
    }
    let envs = ctx.client.environments().list().collect().await?;
    let known: Vec<String> = envs.iter().map(|e| format!("{} ({})", e.name, e.slug)).collect();
    Err(Failure::Runtime(format!("no environment {wanted:?}; the team has: {}", known.join(", "))))
}

fn warn_secret_once() {
    warn("! The secret below is shown only now; Honeycomb cannot show it again. Store it.");
}

/// The text that carries a new key's secret, in the command's output format (`json` makes
/// the JSON line).
fn created_text(output: Output, created: &CreatedApiKey, json: impl FnOnce(CreatedOut) -> String) -> String {
    if output == Output::Json {
        return json(CreatedOut::from(created));
    }
    let header = match created.ingest_key() {
        Some(full) => format!("ingest key (X-Honeycomb-Team): {}", terminal_safe(full.expose_secret())),
        None => format!("secret (X-Honeycomb-Team): {}", terminal_safe(created.secret().expose_secret())),
    };
    format!("{}\n{header}", keys_table(std::slice::from_ref(created.key())))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

async fn create(ctx: &Ctx, args: CreateArgs) -> Result<(), Failure> {
    let mut permissions: Permissions = args.permissions.iter().copied().collect();
    if let Some(preset) = args.preset {
        permissions.extend(
            match preset {
                Preset::ReadOnlyQuerying => Permissions::read_only_querying(),
                Preset::BoardManagement => Permissions::board_management(),
                Preset::FullConfiguration => Permissions::full_configuration(),
            }
            .iter(),
        );
    }
    if args.all_permissions {
        permissions = Permissions::all();
    }
    // Everything that can be checked is, before the environment is looked up.
    let key_type = KeyType::from(args.key_type);
    check_name(&args.name)?;
    permissions.check_for(&key_type)?;
    if key_type == KeyType::Configuration && permissions.is_empty() && !args.no_permissions {
        return Err(Failure::Usage(
            "a configuration key with no permission can do nothing; give --permission, --preset or --all-permissions (or --no-permissions if that is what you want)".into(),
        ));
    }
    check_stdout_keeps_secrets()?;
    let env = environment(ctx, &args.environment).await?;
    let new = match key_type {
        KeyType::Ingest => NewApiKey::ingest(args.name, &env.id).permissions(permissions),
        _ => NewApiKey::configuration(args.name, &env.id, permissions),
    }
    .disabled(args.disabled);
    let name = new.name().to_string();
    if !ctx.session.before_create(&name) {
        return Err(Error::Cancelled { operation: honeycomb_api_keys::Operation::CreateApiKey }.into());
    }
    let written = ctx.client.api_keys().create(new).await.map(|created| {
        warn_secret_once();
        emit_secret(&ctx.session, &created, &created_text(ctx.output, &created, |c| to_json(&c)))
    });
    ctx.session.after_create(&name);
    written?.map_err(Failure::Runtime)
}

async fn update(ctx: &Ctx, args: UpdateArgs) -> Result<(), Failure> {
    let mut update = ApiKeyUpdate::new();
    if let Some(name) = args.name {
        update = update.name(name);
    }
    if args.disable {
        update = update.disable();
    }
    if args.enable {
        update = update.enable();
    }
    for p in args.grant {
        update = update.grant(p);
    }
    for p in args.revoke {
        update = update.revoke(p);
    }
    if update.is_empty() {
        return Err(Failure::Usage("nothing to change: give --name, --disable, --enable, --grant or --revoke".into()));
    }
    let key = ctx.client.api_keys().update(&args.id, update).await?;
    show_key(ctx, &key)
}

/// Asks on a terminal; refuses without `--yes` otherwise (nothing is sent).
fn confirm(ctx: &Ctx, yes: bool, question: &str) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !ctx.stdin_tty {
        return Err(Failure::Usage(format!("{question}: refused without --yes (stdin is not a terminal)")));
    }
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{question}? [y/N] ");
    let _ = stderr.flush();
    drop(stderr);
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") { Ok(()) } else { Err(Failure::Runtime("cancelled".into())) }
}

async fn delete(ctx: &Ctx, id: &str, yes: bool) -> Result<(), Failure> {
    KeyId::parse(id)?;
    confirm(ctx, yes, &format!("delete {id}"))?;
    ctx.client.api_keys().delete(id).await?;
    if ctx.output == Output::Json {
        return emit_json(&DeletedOut { deleted: id.to_string() });
    }
    emit(&format!("deleted {id}"))
}

/// What a workflow's `on_created` hook does in the CLI: the secret goes to stdout at once
/// (`text` makes the line); a failure to write it is kept in `lost` (the workflow then
/// takes no step that depends on it) and becomes the command's error.
fn store_secret(
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

async fn rotate(ctx: &Ctx, id: &str, options: RotateOptions, yes: bool) -> Result<(), Failure> {
    KeyId::parse(id)?;
    let action = if options.old_key_action() == OldKeyAction::Delete { "delete" } else { "disable" };
    check_stdout_keeps_secrets()?;
    confirm(ctx, yes, &format!("replace {id} and {action} it"))?;
    let bar = progress_bar(ctx, "rotating");
    let lost = Arc::new(Mutex::new(None));
    let bar_feed = feed(&bar);
    let (session, output, lost_) = (ctx.session.clone(), ctx.output, lost.clone());
    let options = options.gate(ctx.session.clone()).progress(bar_feed).on_created(move |created| {
        let text = created_text(output, created, |out| to_json(&RotateLine::Created(out)));
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
        emit_json(&RotateLine::Rotated(RotationOut {
            old_key: (&rotation.old_key).into(),
            new_key: rotation.new_key.key().into(),
            resumed,
            old_key_outcome: outcome.into(),
            problem: problem.clone(),
        }))
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

async fn provision(ctx: &Ctx, environment: &str, template: &str, services: &[String]) -> Result<(), Failure> {
    check_stdout_keeps_secrets()?;
    let bar = progress_bar(ctx, "provisioning");
    let lost = Arc::new(Mutex::new(None));
    let (session, output, lost_) = (ctx.session.clone(), ctx.output, lost.clone());
    let options =
        ProvisionOptions::new().name_template(template).progress(feed(&bar)).gate(ctx.session.clone()).on_created(
            move |service, created| {
                let text = created_text(output, created, |out| {
                    to_json(&ProvisionLine::Created(ProvisionCreatedOut { service: service.to_string(), created: out }))
                });
                store_secret(&session, output, &lost_, created, &text)
            },
        );
    // The environment (id, name or slug) is looked up by the workflow, after it checked
    // the services and the template.
    let report = ctx.client.api_keys().provision(environment, services, options).await?;
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
                ProvisionOutcome::Created(c) => ("created", Some(c.key().into()), None),
                ProvisionOutcome::Existing(k) => ("existing", Some(k.into()), None),
                ProvisionOutcome::Disabled(k) => ("disabled", Some(k.into()), None),
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
            let key = e.key.as_ref().map(|k| k.id.clone()).or(e.error.clone()).unwrap_or_default();
            t.add_row(vec![cell(&e.service), e.outcome.clone(), cell(&key)]);
        }
        emit(&format!("{t}\n{report}"))
    };
    // An incomplete provisioning fails even when nobody reads the report.
    if report.is_complete() { shown } else { Err(Failure::Runtime(format!("{report}"))) }
}

async fn audit(ctx: &Ctx, older_than: u64) -> Result<(), Failure> {
    let bar = progress_bar(ctx, "auditing");
    let options = AuditOptions::new().older_than_days(older_than).progress(feed(&bar));
    let report = ctx.client.api_keys().audit(options).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let out = AuditOut::from(&report);
    if ctx.output == Output::Json {
        return emit_json(&out);
    }
    let mut t = table(&["id", "type", "name", "created", "age (days)", "reasons"]);
    for f in &out.findings {
        t.add_row(vec![
            cell(&f.id),
            cell(&f.key_type),
            cell(&f.name),
            f.created.format("%Y-%m-%d").to_string(),
            f.age_days.to_string(),
            cell(&f.reasons.join(", ")),
        ]);
    }
    emit(&format!("{t}\n{}", out.summary))
}
