//! The command line: global flags, commands and their arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use honeycomb_api_keys::{Error, KeyType, Permission, Region};

mod admin;

pub(crate) use admin::{EnvironmentsCommand, OnOff, ProfileCommand};

pub(crate) const EXAMPLES: &str = "\
Examples:
  export HONEYCOMB_KEY_ID=hcxmk_... HONEYCOMB_KEY_SECRET=...
  hny-keys list --type ingest
  hny-keys create --name checkout --type ingest --environment Production
  hny-keys create --name ci --type configuration --environment production --preset board-management
  hny-keys update hcxlk_... --grant manage_triggers --revoke manage_boards
  hny-keys rotate hcxik_... --yes
  hny-keys audit --older-than 90 --output json";

/// The variable of `--allow-insecure-http`.
pub(crate) const ENV_ALLOW_INSECURE_HTTP: &str = "HNY_KEYS_ALLOW_INSECURE_HTTP";

/// Manage Honeycomb API keys: list, create, update, rotate, audit and delete the ingest and
/// configuration keys of your environments.
///
/// Credentials come from HONEYCOMB_KEY_ID and HONEYCOMB_KEY_SECRET (or
/// HONEYCOMB_MANAGEMENT_KEY and HONEYCOMB_MANAGEMENT_SECRET); the endpoint from
/// HONEYCOMB_API_ENDPOINT or --region/--endpoint; the team from HONEYCOMB_TEAM or /2/auth.
#[derive(Parser, Debug)]
#[command(name = "hny-keys", version, after_help = EXAMPLES)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The flags every command takes, in a help section of their own.
#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// Base URL of the API (default `https://api.honeycomb.io`; env HONEYCOMB_API_ENDPOINT).
    #[arg(long, global = true, conflicts_with = "region")]
    pub(crate) endpoint: Option<String>,
    /// The region: us or eu.
    #[arg(long, global = true, value_enum)]
    pub(crate) region: Option<RegionArg>,
    /// Allow a plain http endpoint on another machine (the management key then crosses the
    /// network unencrypted; env HNY_KEYS_ALLOW_INSECURE_HTTP=1). http to localhost needs none.
    #[arg(long, global = true, env = ENV_ALLOW_INSECURE_HTTP, value_parser = crate::yes_or_no)]
    pub(crate) allow_insecure_http: bool,
    /// A profile saved with `hny-keys profile add` (env HONEYCOMB_PROFILE): its endpoint,
    /// team and key; flags beat it, and it beats the HONEYCOMB_* variables.
    #[arg(long, global = true, env = "HONEYCOMB_PROFILE", value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The team slug (default: HONEYCOMB_TEAM, or the management key's team).
    #[arg(long, global = true)]
    pub(crate) team: Option<String>,
    /// Output format (default: a table on a terminal, JSON otherwise).
    #[arg(long, short, global = true, value_enum)]
    pub(crate) output: Option<Output>,
    /// Stop a listing after this many pages, with an error if there are more (default
    /// 10000: a million keys), so that a server that never stops paging cannot keep a
    /// command running.
    #[arg(long, global = true, value_name = "PAGES")]
    pub(crate) page_limit: Option<usize>,
    /// Seconds one attempt of a call may take (default 30; env HNY_KEYS_TIMEOUT).
    #[arg(long, global = true, env = "HNY_KEYS_TIMEOUT", value_name = "SECONDS")]
    pub(crate) timeout: Option<f64>,
    /// Log what happens on stderr (-v, -vv; or RUST_LOG).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum RegionArg {
    Us,
    Eu,
}

impl From<RegionArg> for Region {
    fn from(r: RegionArg) -> Self {
        match r {
            RegionArg::Us => Region::Us,
            RegionArg::Eu => Region::Eu,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum TypeArg {
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
pub(crate) enum Preset {
    /// run_queries, read_service_maps
    ReadOnlyQuerying,
    /// run_queries, manage_boards, manage_privateBoards
    BoardManagement,
    /// every capability but visible_team_members
    FullConfiguration,
}

/// The audit reasons `audit --fail-on` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Older than --older-than.
    Old,
    /// Disabled.
    Disabled,
    /// A configuration key with broad permissions.
    #[value(alias = "broad", alias = "broad_permissions")]
    BroadPermissions,
    /// Older than --older-than and never changed.
    #[value(alias = "never_updated")]
    NeverUpdated,
    /// Granted permissions this version does not know.
    #[value(alias = "unknown_permissions")]
    UnknownPermissions,
    /// Any finding.
    Any,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Who the management key is, its scopes and team.
    #[command(after_help = "Example:\n  hny-keys auth")]
    Auth,
    /// Which data key a key is (id, type, environment, team, access), read from stdin only
    /// (ingest: id and secret joined). Exits 1 if Honeycomb refuses it.
    #[command(after_help = "Example:\n  printf %s \"$HONEYCOMB_API_KEY\" | hny-keys verify --output json")]
    Verify,
    /// The team's environments (ids to create keys in); create, update or delete one.
    #[command(
        after_help = "Examples:\n  hny-keys environments --output json\n  hny-keys environments create --name \"Load test\" --color lightPurple\n  hny-keys environments update load-test --delete-protection off\n  hny-keys environments delete load-test --yes"
    )]
    Environments {
        /// What to do (default: list).
        #[command(subcommand)]
        action: Option<EnvironmentsCommand>,
    },
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
    /// Delete keys (asks first, naming each key and its environment; --yes when not on a
    /// terminal). Every id is checked, and every key read, before the first delete.
    #[command(
        after_help = "Examples:\n  hny-keys delete hcxik_01j1824es7n4evcmv81cn392jb --yes\n  hny-keys delete hcxik_01j1824es7n4evcmv81cn392jb hcxlk_01j1824es7n4evcmv81cn392jc --ignore-missing --yes"
    )]
    Delete {
        /// The keys' ids.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// Report a key that does not exist (anymore) as already gone, not as an error (by
        /// default one missing key stops the command before anything is deleted).
        #[arg(long)]
        ignore_missing: bool,
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
    /// One key per service, by name (existing ones are reported, not duplicated): ingest
    /// keys, or configuration keys with the permissions given.
    #[command(
        after_help = "Examples:\n  hny-keys provision --environment Production checkout search payments\n  hny-keys provision -e Production --type configuration --preset read-only-querying --name-template \"{service} queries\" checkout search"
    )]
    Provision(ProvisionArgs),
    /// Old, disabled, broad, never-changed and retiring keys, by environment, oldest
    /// first. With --fail-on, exit 3 when a finding has a reason named (for CI).
    #[command(
        after_help = "Examples:\n  hny-keys audit --older-than 90 --output json\n  hny-keys audit --fail-on old,broad-permissions\n\nExit code 3: a finding has a reason --fail-on names (the report is printed in full first)."
    )]
    Audit {
        /// Flag keys older than this many days (a never-changed key is flagged only when
        /// older than that too).
        #[arg(long, default_value_t = 90)]
        older_than: u64,
        /// Exit 3 when a finding has one of these reasons (comma-separated or repeated;
        /// `any`: every reason), after printing the whole report.
        #[arg(long, value_enum, value_delimiter = ',', value_name = "REASON")]
        fail_on: Vec<FailOn>,
        /// The key-set file whose hours say when the retiring keys' next steps fall due
        /// (default: 24 hours enabled, then 48 disabled).
        #[arg(long, short = 'f', value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
    /// Compare a key-set file with the team's keys: what `apply` would create, update,
    /// rotate and retire, and the keys the file does not name. Sends only reads.
    #[command(
        after_help = "Exit status: 0, and with --detailed-exitcode: 0 no changes, 1 an error, 2 changes to apply.\n\nExample:\n  hny-keys plan -f keys.toml --detailed-exitcode"
    )]
    Plan {
        /// The key-set file (TOML; `-` reads stdin).
        #[arg(long, short = 'f', value_name = "FILE")]
        file: std::path::PathBuf,
        /// Also plan deleting the keys of the file's environments that it does not name.
        #[arg(long)]
        prune: bool,
        /// Exit with 2 when there are changes (and 1 on an error), for CI drift checks.
        #[arg(long)]
        detailed_exitcode: bool,
        #[command(flatten)]
        plan: PlanFlags,
    },
    /// Make the team's keys what a key-set file declares; each new secret goes to
    /// --secrets-to the moment its key exists. Asks first (--yes off a terminal).
    #[command(
        after_help = "Examples:\n  hny-keys apply -f keys.toml --secrets-to dotenv:.env.honeycomb\n  hny-keys apply -f keys.toml --secrets-to 'exec:vault kv put secret/honeycomb/$HNY_SECRET_NAME value=-' --yes"
    )]
    Apply {
        /// The key-set file (TOML; `-` reads stdin).
        #[arg(long, short = 'f', value_name = "FILE")]
        file: std::path::PathBuf,
        /// Where new secrets go: dotenv:PATH, json:PATH (both written 0600, atomically), or
        /// exec:COMMAND (the secret on its stdin; HNY_KEY_ID, HNY_KEY_NAME,
        /// HNY_KEY_ENVIRONMENT, HNY_SECRET_NAME in its environment).
        #[arg(long, value_name = "SINK")]
        secrets_to: Option<String>,
        /// Also delete the keys of the file's environments that it does not name (asked
        /// separately).
        #[arg(long)]
        prune: bool,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        #[command(flatten)]
        plan: PlanFlags,
        /// Seconds to wait for another apply of the team on this machine to finish.
        #[arg(long, value_name = "SECONDS", default_value_t = 300)]
        lock_timeout: u64,
    },
    /// Write the team's keys as a key-set file on stdout, to adopt an existing estate.
    #[command(after_help = "Example:\n  hny-keys export --environment Production > keys.toml")]
    Export {
        /// Only this environment's keys (id, name or slug).
        #[arg(long, short)]
        environment: Option<String>,
    },
    /// Saved connection settings: endpoint, team and management key (its secret in the
    /// OS keyring when there is one).
    #[command(
        after_help = "Examples:\n  printf %s \"$SECRET\" | hny-keys profile add prod --key-id hcxmk_... --region eu --secret-stdin\n  hny-keys --profile prod list"
    )]
    Profile {
        /// What to do.
        #[command(subcommand)]
        action: ProfileCommand,
    },
    /// The JSON Schema of a command's JSON output.
    #[command(after_help = "Example:\n  hny-keys schema list")]
    Schema {
        /// The command.
        #[arg(value_enum)]
        command: crate::json::SchemaOf,
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
pub(crate) struct CreateArgs {
    /// The key's name (1 to 100 characters).
    #[arg(long)]
    pub(crate) name: String,
    /// The key's type.
    #[arg(long = "type", value_enum)]
    pub(crate) key_type: TypeArg,
    /// The environment: id, name or slug.
    #[arg(long, short)]
    pub(crate) environment: String,
    #[command(flatten)]
    pub(crate) access: PermissionArgs,
    /// Create a configuration key with no permission at all (refused otherwise: such a
    /// key can do nothing).
    #[arg(long, conflicts_with_all = ["permissions", "preset", "all_permissions"])]
    pub(crate) no_permissions: bool,
    /// Create it disabled.
    #[arg(long)]
    pub(crate) disabled: bool,
}

/// The permissions of new keys: `create`'s and `provision`'s flags.
#[derive(Args, Debug)]
pub(crate) struct PermissionArgs {
    /// A permission (wire name, or snake case); repeat for more.
    #[arg(long = "permission", value_parser = parse_permission)]
    pub(crate) permissions: Vec<Permission>,
    /// A preset of permissions (configuration keys).
    #[arg(long, value_enum, conflicts_with = "all_permissions")]
    pub(crate) preset: Option<Preset>,
    /// Every permission (configuration keys).
    #[arg(long)]
    pub(crate) all_permissions: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ProvisionArgs {
    /// The environment: id, name or slug.
    #[arg(long, short)]
    pub(crate) environment: String,
    /// The keys' type (configuration keys need --permission, --preset or
    /// --all-permissions).
    #[arg(long = "type", value_enum, default_value = "ingest")]
    pub(crate) key_type: TypeArg,
    #[command(flatten)]
    pub(crate) access: PermissionArgs,
    /// The key name for a service ({service} is its name).
    #[arg(long, default_value = "{service}")]
    pub(crate) name_template: String,
    /// The services.
    #[arg(required = true)]
    pub(crate) services: Vec<String>,
}

#[derive(Args, Debug)]
pub(crate) struct UpdateArgs {
    /// The key's id.
    pub(crate) id: String,
    /// A new name.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Disable the key.
    #[arg(long, conflicts_with = "enable")]
    pub(crate) disable: bool,
    /// Enable the key again.
    #[arg(long)]
    pub(crate) enable: bool,
    /// Grant a permission (configuration keys); repeat for more.
    #[arg(long = "grant", alias = "permission", value_parser = parse_permission)]
    pub(crate) grant: Vec<Permission>,
    /// Revoke a permission (configuration keys); repeat for more.
    #[arg(long = "revoke", alias = "revoke-permission", value_parser = parse_permission)]
    pub(crate) revoke: Vec<Permission>,
}

pub(crate) fn parse_permission(s: &str) -> Result<Permission, String> {
    s.parse::<Permission>().map_err(|e| match e {
        Error::InvalidArgument { reason, .. } => reason,
        other => other.to_string(),
    })
}

/// How `plan` and `apply` plan: `--replace NAME`, `--retire-now` (rotating a key now, a
/// secret that leaked), `--check-secrets SINK`.
#[derive(Args, Debug)]
pub(crate) struct PlanFlags {
    /// Rotate the declared key of this name now, whatever its age (repeatable).
    #[arg(long, value_name = "NAME")]
    pub(crate) replace: Vec<String>,
    /// Disable a rotated key's predecessor as soon as its successor is delivered (deleted
    /// after `disabled_hours`), instead of after the overlap.
    #[arg(long)]
    pub(crate) retire_now: bool,
    /// Read each declared key's secret back from SINK (dotenv:PATH, json:PATH, or
    /// exec:COMMAND printing the secret named by $HNY_SECRET_NAME) and verify it: one that
    /// is missing, stale, refused or another key's is drift, and the key is rotated.
    #[arg(long, value_name = "SINK")]
    pub(crate) check_secrets: Option<String>,
}
