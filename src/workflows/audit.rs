//! Auditing a team's keys: old, disabled, broad, never changed, or with permissions this
//! crate does not know.

use std::{collections::HashSet, fmt};

use chrono::{DateTime, Utc};
use serde::Serialize;

mod options;
mod reason;

pub use options::AuditOptions;
pub use reason::{AuditReason, RetirementStage};

use super::{
    keys_as_code::{Marked, Successors},
    report,
};
use crate::{ApiKey, ApiKeys, Environment, EnvironmentId, KeyId, KeyType, Permissions, Result};

/// One key in the report (never its secret: Honeycomb does not return it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct AuditFinding {
    /// The key's id.
    pub id: KeyId,
    /// Its name.
    pub name: String,
    /// Its type.
    pub key_type: KeyType,
    /// Its environment.
    pub environment_id: Option<EnvironmentId>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it was last changed.
    pub updated: DateTime<Utc>,
    /// Why it is reported.
    pub reasons: Vec<AuditReason>,
}

/// The audit: the keys with findings, oldest first, and the totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct AuditReport {
    /// The time the ages are measured from.
    pub as_of: DateTime<Utc>,
    /// The age threshold, in days.
    pub older_than_days: u64,
    /// Keys read.
    pub total_keys: usize,
    /// Keys older than the threshold.
    pub old: usize,
    /// Disabled keys.
    pub disabled: usize,
    /// Configuration keys with broad permissions.
    pub broad: usize,
    /// Keys older than the threshold and never changed since created.
    pub never_updated: usize,
    /// Keys with permissions this crate does not know.
    pub unknown_permissions: usize,
    /// Keys keys as code is retiring ([`AuditReason::Retiring`]).
    pub retiring: usize,
    /// Every key with at least one reason, oldest first.
    pub findings: Vec<AuditFinding>,
    /// The environments of the findings' keys, as Honeycomb listed them, to name a
    /// finding's environment (see [`environment`](Self::environment)). Empty when no
    /// finding has one, or when the environments could not be listed (the audit needs
    /// only `api-keys:read`; the names need `environments:read` too): a report of the
    /// keys is not held back for their environments' names.
    pub environments: Vec<Environment>,
}

impl AuditReport {
    /// The environment `id` (a finding's [`environment_id`](AuditFinding::environment_id)),
    /// if it is among the report's [`environments`](Self::environments).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{AuditOptions, KeyType, Permissions};
    ///
    /// honeycomb.seed_key("staging", "legacy", &KeyType::Ingest, &Permissions::none(), Duration::from_secs(400 * 86_400));
    /// let report = keys.audit(AuditOptions::new()).await?;
    /// for finding in &report.findings {
    ///     let env = finding.environment_id.as_ref().and_then(|id| report.environment(id));
    ///     let env = env.map_or("?", |env| env.name.as_str());
    ///     println!("{env}: {} ({})", finding.name, finding.reasons[0]);
    /// }
    /// let id = report.findings[0].environment_id.as_ref().unwrap();
    /// assert_eq!(report.environment(id).map(|env| env.name.as_str()), Some("Staging"));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn environment(&self, id: &EnvironmentId) -> Option<&Environment> {
        self.environments.iter().find(|env| &env.id == id)
    }
}

/// A short summary for people.
impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} keys audited as of {}: {} older than {} days, {} disabled, {} configuration keys with broad permissions, {} never updated, {} with unknown permissions, {} retiring",
            self.total_keys,
            self.as_of.format("%Y-%m-%d"),
            self.old,
            self.older_than_days,
            self.disabled,
            self.broad,
            self.never_updated,
            self.unknown_permissions,
            self.retiring
        )
    }
}

impl ApiKeys {
    /// Audits every key of the team, streaming them (only the keys with findings are
    /// kept, and a hash and a time a declared name, to find the successors of keys on
    /// their way out). The report is serializable, holds no secret, and lists the oldest first.
    ///
    /// A key is [`Old`](AuditReason::Old) when created more than
    /// [`older_than`](AuditOptions::older_than) ago, and
    /// [`NeverUpdated`](AuditReason::NeverUpdated) only when it is also that old: a key
    /// made yesterday and not changed since is no finding.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{AuditOptions, KeyType, Permission, mock::MockHoneycomb};
    ///
    /// let honeycomb = MockHoneycomb::start().await;
    /// honeycomb.seed_key("production", "legacy", &KeyType::Ingest, &Permission::CreateDatasets.into(), Duration::from_secs(400 * 86_400));
    /// let report = honeycomb.client().api_keys().audit(AuditOptions::new().older_than_days(90)).await?;
    /// println!("{report}");
    /// assert_eq!(report.old, 1);
    /// let json = serde_json::to_string(&report).unwrap();
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// Any error of listing the team's keys, and then there is no report: what Honeycomb
    /// answered ([`Error::Api`](crate::Error::Api): a 401 or 403 for a management key without
    /// `api-keys:read`), a transport failure or timeout, the errors of detecting the team
    /// through `/2/auth` when none is configured, and
    /// [`Error::PaginationLoop`](crate::Error::PaginationLoop) or
    /// [`Error::UnsafeNextLink`](crate::Error::UnsafeNextLink) for pages that do not lead to an
    /// end. The environments of the findings are listed after the keys; when that fails,
    /// the report's [`environments`](AuditReport::environments) is empty.
    pub async fn audit(&self, options: AuditOptions) -> Result<AuditReport> {
        const WORKFLOW: &str = "audit";
        let now = options.now.unwrap_or_else(|| self.client().clock().utc_now());
        let threshold = chrono::Duration::from_std(options.older_than).unwrap_or(chrono::Duration::MAX);
        let mut report_ = AuditReport {
            as_of: now,
            older_than_days: options.older_than.as_secs() / 86_400,
            total_keys: 0,
            old: 0,
            disabled: 0,
            broad: 0,
            never_updated: 0,
            unknown_permissions: 0,
            retiring: 0,
            findings: Vec::new(),
            environments: Vec::new(),
        };
        // The successors of the keys on their way out (whose overlap waits for one).
        let mut successors = Successors::default();
        let mut pages = self.list().pages();
        while let Some(page) = pages.try_next().await? {
            for key in page.items {
                report_.total_keys += 1;
                successors.note(&key);
                let reasons = reasons(&key, now, threshold, &options.broad);
                for reason in &reasons {
                    match reason {
                        AuditReason::Old { .. } => report_.old += 1,
                        AuditReason::Disabled => report_.disabled += 1,
                        AuditReason::BroadPermissions { .. } => report_.broad += 1,
                        AuditReason::NeverUpdated => report_.never_updated += 1,
                        AuditReason::UnknownPermissions { .. } => report_.unknown_permissions += 1,
                        AuditReason::Retiring { .. } => report_.retiring += 1,
                    }
                }
                if !reasons.is_empty() {
                    report_.findings.push(AuditFinding {
                        id: key.id,
                        name: key.name,
                        key_type: key.key_type,
                        environment_id: key.environment_id,
                        created: key.created,
                        updated: key.updated,
                        reasons,
                    });
                }
            }
            // How many keys there are is known only once the last page is read.
            report(options.progress.as_ref(), WORKFLOW, report_.total_keys, None, "keys read");
        }
        report(options.progress.as_ref(), WORKFLOW, report_.total_keys, Some(report_.total_keys), "done");
        for finding in &mut report_.findings {
            let Some(marked) = Marked::read(&finding.name) else { continue };
            let due = marked.due_at((finding.environment_id.as_ref(), &finding.key_type), &successors, &options.hours);
            for reason in &mut finding.reasons {
                if let AuditReason::Retiring { due_at, .. } = reason {
                    *due_at = due;
                }
            }
        }
        report_.findings.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        report_.environments = self.environments_of(&report_.findings).await;
        Ok(report_)
    }

    /// The environments `findings` name (none listed when they name none), or none when
    /// they cannot be listed.
    async fn environments_of(&self, findings: &[AuditFinding]) -> Vec<Environment> {
        let named: HashSet<&EnvironmentId> = findings.iter().filter_map(|f| f.environment_id.as_ref()).collect();
        if named.is_empty() {
            return Vec::new();
        }
        match self.environments().list().collect().await {
            Ok(envs) => envs.into_iter().filter(|env| named.contains(&env.id)).collect(),
            Err(_) => Vec::new(),
        }
    }
}

fn reasons(key: &ApiKey, now: DateTime<Utc>, threshold: chrono::Duration, broad: &Permissions) -> Vec<AuditReason> {
    let mut reasons = Vec::new();
    let age = now - key.created;
    if age > threshold {
        reasons.push(AuditReason::Old { age_days: age.num_days() });
    }
    if key.disabled {
        reasons.push(AuditReason::Disabled);
    }
    if key.key_type == KeyType::Configuration {
        let permissions: Vec<String> =
            key.permissions.iter().filter(|p| broad.contains(*p)).map(|p| p.wire_name().to_string()).collect();
        if !permissions.is_empty() {
            reasons.push(AuditReason::BroadPermissions { permissions });
        }
    }
    // Only an old key is a finding for never having changed: a new one has had no time to.
    if age > threshold && key.updated <= key.created {
        reasons.push(AuditReason::NeverUpdated);
    }
    // Granted ones only: the wire object lists every permission, so a permission that
    // Honeycomb adds appears, `false`, on every configuration key.
    let unknown: Vec<String> =
        key.permissions.unknown().filter(|(_, granted)| *granted).map(|(name, _)| name.to_string()).collect();
    if !unknown.is_empty() {
        reasons.push(AuditReason::UnknownPermissions { permissions: unknown });
    }
    // Its next step's time is known once every key was read (a successor's age counts).
    if let Some(marked) = Marked::read(&key.name) {
        let stage = if marked.disabled { RetirementStage::Disabled } else { RetirementStage::Retiring };
        reasons.push(AuditReason::Retiring { stage, since: marked.since, due_at: None });
    }
    reasons
}
