//! The JSON contract: what each command prints when its output is JSON, one document a
//! line; `hny-keys schema <command>` prints their schemas.

use chrono::{DateTime, Utc};
use honeycomb_api_keys::{ApiKey, AuditReason, AuditReport, CreatedApiKey, Environment, ExposeSecret};
use schemars::JsonSchema;
use serde::Serialize;

use crate::args::SchemaOf;

/// A key, as the CLI prints it.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct KeyOut {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) key_type: String,
    pub(crate) disabled: bool,
    pub(crate) environment_id: Option<String>,
    /// Granted permissions, by wire name.
    pub(crate) permissions: Vec<String>,
    /// Permission names this version does not know, with their values.
    pub(crate) unknown_permissions: Vec<(String, bool)>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
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
pub(crate) struct DeletedOut {
    pub(crate) deleted: String,
}

/// A new key with its one-time secret.
#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CreatedOut {
    pub(crate) key: KeyOut,
    /// The secret: shown this once.
    pub(crate) secret: String,
    /// For ingest keys: id and secret joined, the value senders use.
    pub(crate) ingest_key: Option<String>,
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
pub(crate) struct AuthOut {
    pub(crate) key_id: String,
    pub(crate) name: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) team_slug: String,
    pub(crate) team_name: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct EnvironmentOut {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) description: Option<String>,
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
pub(crate) enum RotateLine {
    Created(CreatedOut),
    Rotated(RotationOut),
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct RotationOut {
    pub(crate) old_key: KeyOut,
    pub(crate) new_key: KeyOut,
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
    pub(crate) key: Option<KeyOut>,
    pub(crate) error: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct AuditFindingOut {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) key_type: String,
    pub(crate) environment_id: Option<String>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
    /// old, disabled, broad_permissions, never_updated, unknown_permissions.
    pub(crate) reasons: Vec<String>,
    pub(crate) age_days: i64,
}

#[derive(Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct AuditOut {
    pub(crate) as_of: DateTime<Utc>,
    pub(crate) older_than_days: u64,
    pub(crate) total_keys: usize,
    pub(crate) old: usize,
    pub(crate) disabled: usize,
    pub(crate) broad: usize,
    pub(crate) never_updated: usize,
    pub(crate) unknown_permissions: usize,
    pub(crate) summary: String,
    pub(crate) findings: Vec<AuditFindingOut>,
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

pub(crate) fn reason_name(r: &AuditReason) -> String {
    match r {
        AuditReason::Old { .. } => "old".into(),
        AuditReason::Disabled => "disabled".into(),
        AuditReason::BroadPermissions { permissions } => format!("broad_permissions({})", permissions.join(" ")),
        AuditReason::NeverUpdated => "never_updated".into(),
        AuditReason::UnknownPermissions { permissions } => format!("unknown_permissions({})", permissions.join(" ")),
        _ => "other".into(),
    }
}

/// The schema of one JSON document the command prints (of each line, for `rotate` and
/// `provision`, which print one line per event).
pub(crate) fn schema_of(command: SchemaOf) -> schemars::schema::RootSchema {
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

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
