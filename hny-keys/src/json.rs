//! The JSON contract: what each command prints when its output is JSON, one document a
//! line; `hny-keys schema <command>` prints their schemas. Keys, environments, the
//! `/2/auth` answer and the audit report are the library's own types, serialized as the
//! library serializes them (one contract, its schemas from the `json-schema` feature);
//! the envelopes here only add what a command says about them: a secret, an event, an
//! outcome.

use honeycomb_api_keys::{
    ApiKey, AuditReason, AuditReport, AuthInfo, CreatedApiKey, Environment, ExposeSecret, KeyIdentity, RetirementStage,
};
use schemars::JsonSchema;
use serde::Serialize;

/// A deleted key or environment: its id.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct DeletedOut {
    pub(crate) deleted: String,
}

/// One line of `delete`'s JSON output per key: deleted, or (`--ignore-missing`) already
/// gone before the command.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum DeleteLine {
    Deleted(DeletedOut),
    AlreadyGone(GoneOut),
}

/// A key that did not exist (anymore): its id.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct GoneOut {
    pub(crate) already_gone: String,
}

/// A new key with its one-time secret.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreatedOut {
    pub(crate) key: Box<ApiKey>,
    /// The secret: shown this once.
    pub(crate) secret: String,
    /// For ingest keys: id and secret joined, the value senders use.
    pub(crate) ingest_key: Option<String>,
}

impl From<&CreatedApiKey> for CreatedOut {
    fn from(c: &CreatedApiKey) -> Self {
        CreatedOut {
            key: Box::new(c.key().clone()),
            secret: c.secret().expose_secret().to_string(),
            ingest_key: c.ingest_key().map(|k| k.expose_secret().to_string()),
        }
    }
}

/// One line of `rotate`'s JSON output: the new key with its secret the moment it exists
/// (`created`), then the outcome (`rotated`, no secret).
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
#[schemars(deny_unknown_fields)]
pub(crate) enum RotateLine {
    Created(CreatedOut),
    Rotated(Box<RotationOut>),
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct RotationOut {
    pub(crate) old_key: ApiKey,
    pub(crate) new_key: ApiKey,
    /// Whether the new key was found, made by an earlier run (its secret was printed then).
    pub(crate) resumed: bool,
    /// disabled, deleted, kept, already_gone or still_enabled.
    pub(crate) old_key_outcome: String,
    /// Why the old key is still enabled, if it is.
    pub(crate) problem: Option<String>,
}

/// One line of `provision`'s JSON output: each new key with its secret the moment it
/// exists (`created`), then the report (`report`, no secret).
#[derive(Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
#[schemars(deny_unknown_fields)]
pub(crate) enum ProvisionLine {
    Created(ProvisionCreatedOut),
    Report(ProvisionReportOut),
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ProvisionCreatedOut {
    pub(crate) service: String,
    #[serde(flatten)]
    pub(crate) created: CreatedOut,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ProvisionReportOut {
    /// Whether every service has an enabled key now and every new secret was printed.
    pub(crate) complete: bool,
    pub(crate) summary: String,
    pub(crate) entries: Vec<ProvisionEntryOut>,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ProvisionEntryOut {
    pub(crate) service: String,
    pub(crate) name: String,
    /// created, existing, disabled, failed or skipped.
    pub(crate) outcome: String,
    pub(crate) key: Option<ApiKey>,
    pub(crate) error: Option<String>,
}

pub(crate) fn reason_name(r: &AuditReason) -> String {
    match r {
        AuditReason::Old { .. } => "old".into(),
        AuditReason::Disabled => "disabled".into(),
        AuditReason::BroadPermissions { permissions } => format!("broad_permissions({})", permissions.join(" ")),
        AuditReason::NeverUpdated => "never_updated".into(),
        AuditReason::UnknownPermissions { permissions } => format!("unknown_permissions({})", permissions.join(" ")),
        AuditReason::Retiring { stage, due_at, .. } => {
            let (stage, next) = match stage {
                RetirementStage::Retiring => ("enabled", "disable"),
                _ => ("disabled", "delete"),
            };
            let due = due_at
                .map_or_else(|| "once its successor exists".into(), |due| due.format("%Y-%m-%d %H:%M UTC").to_string());
            format!("retiring({stage}; {next} {due})")
        }
        _ => "other".into(),
    }
}

/// The schema of one JSON document the command prints (of each line, for `rotate` and
/// `provision`, which print one line per event).
/// The commands whose JSON `hny-keys schema` describes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum SchemaOf {
    Auth,
    Verify,
    Environments,
    EnvironmentsCreate,
    EnvironmentsUpdate,
    EnvironmentsDelete,
    List,
    Get,
    Create,
    Update,
    Delete,
    Rotate,
    Provision,
    Audit,
    Plan,
    Apply,
    Profiles,
}

pub(crate) fn schema_of(command: SchemaOf) -> schemars::schema::RootSchema {
    match command {
        SchemaOf::Auth => schemars::schema_for!(AuthInfo),
        SchemaOf::Verify => schemars::schema_for!(KeyIdentity),
        SchemaOf::Environments => schemars::schema_for!(Vec<Environment>),
        SchemaOf::EnvironmentsCreate | SchemaOf::EnvironmentsUpdate => schemars::schema_for!(Environment),
        SchemaOf::EnvironmentsDelete => schemars::schema_for!(DeletedOut),
        SchemaOf::List => schemars::schema_for!(Vec<ApiKey>),
        SchemaOf::Get | SchemaOf::Update => schemars::schema_for!(ApiKey),
        SchemaOf::Create => schemars::schema_for!(CreatedOut),
        SchemaOf::Delete => schemars::schema_for!(DeleteLine),
        SchemaOf::Rotate => schemars::schema_for!(RotateLine),
        SchemaOf::Provision => schemars::schema_for!(ProvisionLine),
        SchemaOf::Audit => schemars::schema_for!(AuditReport),
        SchemaOf::Plan => schemars::schema_for!(honeycomb_api_keys::Plan),
        SchemaOf::Apply => schemars::schema_for!(honeycomb_api_keys::ApplyReport),
        SchemaOf::Profiles => schemars::schema_for!(Vec<crate::profiles::ProfileOut>),
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
