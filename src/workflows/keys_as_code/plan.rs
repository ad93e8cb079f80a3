//! Comparing a [`KeySet`] with the team's keys: [`ApiKeys::plan`].

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, atomic::AtomicBool},
};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    change::{Action, Change},
    classify::{Found, in_place, newest_first},
    keyset::{DeclaredKey, KeySet},
    plan_options::PlanOptions,
    retirement,
    secrets::{self, SecretCheck, SecretState},
};
use crate::{
    ApiKey, ApiKeys, Environment, EnvironmentId, KeyId, KeyType, Permission, Result, terminal_safe, workflows::report,
};

/// The one environment of `envs` that `wanted` names (by id, name or slug), or why not.
pub(crate) fn one_environment<'a>(
    envs: &'a [Environment],
    wanted: &str,
) -> std::result::Result<&'a Environment, String> {
    let wanted = wanted.trim();
    let found: Vec<&Environment> = envs.iter().filter(|e| e.matches(wanted)).collect();
    match found.as_slice() {
        [env] => Ok(env),
        [] => {
            let names: Vec<String> = envs.iter().map(|e| format!("{:?}", terminal_safe(&e.name))).collect();
            Err(format!(
                "{:?} is not an environment of the team (by id, name or slug); the team's are: {}",
                terminal_safe(wanted),
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            ))
        }
        [a, b, ..] => {
            Err(format!("{:?} names two environments ({} and {}); use the id", terminal_safe(wanted), a.id, b.id))
        }
    }
}

/// A team's keys against a [`KeySet`]: what [`ApiKeys::apply`] would do, in the order it
/// does it (creates, updates, rotations, retirements, then deletes).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Plan {
    /// The steps, in order; empty when the team's keys are as declared.
    pub changes: Vec<Change>,
    /// Keys in the declared keys' environments that the set does not name: never touched
    /// unless the plan was made with [`PlanOptions::prune`] (then each has an
    /// [`Action::Delete`] step). Keys of environments the set declares no key in are not
    /// looked at.
    pub unmanaged: Vec<ApiKey>,
    /// Keys another apply is making right now (a pending name less than
    /// [`PENDING_GRACE`](Self::PENDING_GRACE) old): neither the declared key nor a change.
    /// A plan made after the grace retires any that kept their pending name.
    pub pending: Vec<ApiKey>,
    /// Steps of retirements that are not due yet (a [`Disable`](Action::Disable) before
    /// the overlap has passed, a [`Remove`](Action::Remove) before the time disabled has),
    /// each with its [`due_at`](Change::due_at): not changes, and not applied; a later
    /// plan takes each once it is due.
    pub scheduled: Vec<Change>,
    /// Declared keys that need no change.
    pub unchanged: usize,
    /// The time rotations were judged against.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    pub as_of: DateTime<Utc>,
    /// The environments the set declares keys in.
    pub environments: Vec<Environment>,
    /// The declared keys' secrets, read back and verified, when the plan was made with
    /// [`PlanOptions::check_secrets`] (each one not [`Current`](SecretState::Current) is
    /// rotated); empty otherwise.
    pub secrets: Vec<SecretCheck>,
    /// Every key id that existed when the plan was made.
    #[serde(skip)]
    pub(crate) known: HashSet<KeyId>,
    /// The keys of its environments as they were, by id: an apply stops if they changed.
    #[serde(skip)]
    pub(crate) snapshot: Vec<ApiKey>,
    /// Whether a rotation's old key is disabled as soon as its successor is delivered
    /// ([`PlanOptions::retire_now`]).
    #[serde(skip)]
    pub(crate) retire_now: bool,
    /// Whether [`ApiKeys::apply`] took it (shared by clones): a plan is applied once.
    #[serde(skip)]
    pub(crate) applied: Arc<AtomicBool>,
}

impl Plan {
    /// How long a key with a pending name is taken for a create in flight (another apply
    /// that has not delivered its secret yet), ten minutes: more than a create's attempts
    /// and a sink's delivery take. An older one never got its secret delivered and is
    /// retired.
    pub const PENDING_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

    /// Whether applying it would change nothing.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::{KeySet, PlanOptions};
    ///
    /// let plan = keys.plan(&KeySet::new(), PlanOptions::new()).await?;
    /// assert!(plan.is_empty());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether a rotation's old key is disabled as soon as its successor is delivered
    /// (made with [`PlanOptions::retire_now`]) rather than after its overlap.
    pub fn retires_now(&self) -> bool {
        self.retire_now
    }

    /// How many steps do `action`.
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// `3 to create, 1 to update, 0 to rotate, 0 to retire, 0 to delete; 4 unchanged, 2 unmanaged`.
    pub fn summary(&self) -> String {
        let pending = match self.pending.len() {
            0 => String::new(),
            n => format!(", {n} being made by another apply"),
        };
        // The stages of retirements, when there are any.
        let stages: String = [(Action::Disable, "disable"), (Action::Remove, "remove")]
            .iter()
            .filter(|(action, _)| self.count(*action) > 0)
            .map(|(action, word)| format!(", {} to {word}", self.count(*action)))
            .collect();
        let scheduled = match self.scheduled.len() {
            0 => String::new(),
            n => format!(", {n} scheduled"),
        };
        let mut states: Vec<(SecretState, usize)> = Vec::new();
        for check in &self.secrets {
            match states.iter_mut().find(|(state, _)| *state == check.state) {
                Some((_, n)) => *n += 1,
                None => states.push((check.state, 1)),
            }
        }
        let secrets = match states.as_slice() {
            [] => String::new(),
            _ => {
                format!("; secrets: {}", states.iter().map(|(s, n)| format!("{n} {s}")).collect::<Vec<_>>().join(", "))
            }
        };
        format!(
            "{} to create, {} to update, {} to rotate, {} to retire{stages}, {} to delete; {} unchanged, {} unmanaged{pending}{scheduled}{secrets}",
            self.count(Action::Create),
            self.count(Action::Update),
            self.count(Action::Rotate),
            self.count(Action::Retire),
            self.count(Action::Delete),
            self.unchanged,
            self.unmanaged.len()
        )
    }

    /// The environment `id`, one of the plan's.
    pub(crate) fn environment(&self, id: &EnvironmentId) -> Option<&Environment> {
        self.environments.iter().find(|e| &e.id == id)
    }
}

impl ApiKeys {
    /// Compares the team's keys with `set`: what to create, update, rotate and retire,
    /// and which keys of the set's environments it does not name. Sends only reads.
    ///
    /// A declared key is matched by name in its environment. Keys an apply is working on
    /// carry marked names (`[hny-keys pending …] <name>` until the secret is delivered,
    /// `[hny-keys retiring …] <name>` for a rotation's old key), so a plan knows them from
    /// what Honeycomb holds, on any machine: a key whose secret was never delivered is
    /// never taken for the declared key; it is retired once
    /// [`Plan::PENDING_GRACE`] old (younger, it is another apply's create in flight:
    /// [`Plan::pending`]). When several keys have a declared name (two applies at once on
    /// two machines), the newest keeps it and the others are retired. A configuration
    /// key's permissions and either type's `disabled` are updated in place; an ingest
    /// key's `create_datasets`, which Honeycomb cannot change, is applied by rotating it.
    /// A key a person named, `"api (retiring)"` say, is just a key: unmanaged unless the
    /// set declares that name.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::{Action, DeclaredKey, KeySet, PlanOptions};
    ///
    /// let set = KeySet::new().key(DeclaredKey::ingest("checkout ingest", "Production"));
    /// let plan = keys.plan(&set, PlanOptions::new()).await?;
    /// assert_eq!(plan.changes[0].action, Action::Create);
    /// assert_eq!(plan.changes[0].to_string(), "create ingest key \"checkout ingest\" in Production");
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`](crate::Error::InvalidArgument), naming the file, the
    ///   key, the field and its line: what [`KeySet::check`] refuses; an environment no
    ///   environment of the team has as id, name or slug, or that two of them match; two
    ///   keys with one name in one environment (written two ways).
    /// - [`Error::Conflict`](crate::Error::Conflict): a declared key whose name an
    ///   existing key of the other type has (a key's type cannot change).
    /// - The errors of listing environments and keys.
    pub async fn plan(&self, set: &KeySet, options: PlanOptions) -> Result<Plan> {
        const WORKFLOW: &str = "plan";
        set.check()?;
        let progress = options.progress.as_ref();
        let as_of = options.as_of.unwrap_or_else(|| self.client().clock().utc_now());
        report(progress, WORKFLOW, 0, Some(2), "listing the environments");
        let team_envs = self.environments().list().collect().await?;

        // Each declared key's environment, and one name per environment.
        let mut resolved: Vec<(&DeclaredKey, &Environment)> = Vec::new();
        let mut identities: HashMap<(&EnvironmentId, &str), &DeclaredKey> = HashMap::new();
        for key in set.keys() {
            let env = one_environment(&team_envs, &key.environment).map_err(|why| key.error("environment", why))?;
            if let Some(first) = identities.insert((&env.id, key.name.as_str()), key) {
                return Err(key.error(
                    "name",
                    format!(
                        "is taken: {} declares a key with this name in {:?} too; a name is a key's identity in its environment",
                        first.place(),
                        terminal_safe(&env.name)
                    ),
                ));
            }
            resolved.push((key, env));
        }
        let covered: HashSet<&EnvironmentId> = resolved.iter().map(|(_, env)| &env.id).collect();

        report(progress, WORKFLOW, 1, Some(2), "listing the keys");
        let mut found = Found::new(identities.keys().copied());
        let mut known = HashSet::new();
        let mut snapshot = Vec::new();
        let mut keys = self.list().items();
        while let Some(key) = keys.try_next().await? {
            known.insert(key.id.clone());
            if key.environment_id.as_ref().is_some_and(|id| covered.contains(id)) {
                snapshot.push(key.clone());
                found.add(key);
            }
        }
        snapshot.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        report(progress, WORKFLOW, 2, Some(2), "comparing");

        let grace = chrono::Duration::from_std(Plan::PENDING_GRACE).unwrap_or_default();
        if let Some(name) = options.replace.iter().find(|n| !set.keys().iter().any(|k| &k.name == *n)) {
            return Err(crate::Error::invalid(
                "replace",
                format!("{:?} is no declared key's name: give the name of a key of the set", terminal_safe(name)),
            ));
        }
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        let mut rotations = Vec::new();
        let mut retirements = Vec::new();
        let mut stages = Vec::new();
        let mut scheduled = Vec::new();
        let mut unchanged = 0;
        let mut pending = Vec::new();
        let mut checked = Vec::new();
        let mut unmanaged = found.unmanaged;
        for (declared, env) in resolved {
            let change = |action, key_id: Option<KeyId>, details: Vec<String>| Change {
                action,
                name: declared.name.clone(),
                key_type: declared.key_type.clone(),
                environment_id: env.id.clone(),
                environment: env.name.clone(),
                key_id,
                details,
                due_at: None,
                declared: Some(declared.clone()),
                update: None,
            };
            let identity = (env.id.clone(), declared.name.clone());
            // A marked key of another type is not one an apply made for this key: someone's.
            let (going, other): (Vec<_>, Vec<_>) = found
                .retiring
                .remove(&identity)
                .unwrap_or_default()
                .into_iter()
                .partition(|(k, _)| k.key_type == declared.key_type);
            unmanaged.extend(other.into_iter().map(|(k, _)| k));
            let mut same_type = |keys: Option<Vec<ApiKey>>| -> Vec<ApiKey> {
                let (same, other): (Vec<_>, Vec<_>) =
                    keys.unwrap_or_default().into_iter().partition(|k| k.key_type == declared.key_type);
                unmanaged.extend(other);
                same
            };
            for made in same_type(found.pending.remove(&identity)) {
                let age = as_of - made.created;
                if age < grace {
                    pending.push(made);
                } else {
                    let why = format!(
                        "{:?}, made by an apply {} min ago: its secret was never delivered, so it never took the name",
                        terminal_safe(&made.name),
                        age.num_minutes()
                    );
                    stages.push(change(Action::Remove, Some(made.id.clone()), vec![why]));
                }
            }
            let mut existing = newest_first(found.named.remove(&identity).unwrap_or_default()).into_iter();
            let current = existing.next();
            // The keys on their way out: each stage when it is due, else scheduled.
            for (old, stage) in &going {
                let step = retirement::next_step(set.retirement_of(declared), old, *stage, current.as_ref(), as_of);
                let mut step_change = change(step.action, Some(old.id.clone()), vec![step.why]);
                step_change.due_at = step.due_at;
                if step.due_at.is_some_and(|due| due <= as_of) {
                    stages.push(step_change);
                } else {
                    scheduled.push(step_change);
                }
            }
            let Some(current) = current else {
                let mut details = Vec::new();
                if declared.disabled {
                    details.push("disabled".to_string());
                }
                if !declared.permissions.is_empty() {
                    details.push(format!("permissions {}", declared.permissions));
                }
                creates.push(change(Action::Create, None, details));
                continue;
            };
            if current.key_type != declared.key_type {
                return Err(declared.conflict(
                    "type",
                    format!(
                        "is {} but {} ({}), named so in {:?}, is a {} key; a key's type cannot change: rename one of them, or delete that key",
                        declared.key_type,
                        current.id,
                        terminal_safe(&current.name),
                        terminal_safe(&env.name),
                        current.key_type
                    ),
                ));
            }
            // Two keys of one name (two applies at once on two machines, or one made by
            // hand): the newest keeps the name, the others begin their retirement.
            for older in same_type(Some(existing.collect())) {
                let why = format!("a second key named so: the newer {} keeps the name", current.id);
                retirements.push(change(Action::Retire, Some(older.id.clone()), vec![why]));
            }
            let secret = match &options.check_secrets {
                Some(source) if !declared.disabled && !current.disabled => {
                    let check =
                        secrets::check(self, source.as_ref(), (declared, env), &current, &going, &known).await?;
                    let drift = (check.state != SecretState::Current).then(|| check.why());
                    checked.push(check);
                    drift
                }
                _ => None,
            };
            let age = (as_of - current.created).num_days();
            let datasets = declared.permissions.contains(Permission::CreateDatasets);
            let rotation = match (declared.rotate_after_days, &declared.key_type) {
                _ if options.replace.contains(&declared.name) => Some("replaced on request".to_string()),
                _ if secret.is_some() => secret,
                (_, KeyType::Ingest) if current.permissions.contains(Permission::CreateDatasets) != datasets => {
                    Some(format!(
                        "create_datasets {}: Honeycomb cannot change an ingest key's permissions, so it is replaced",
                        if datasets { "granted" } else { "revoked" }
                    ))
                }
                // A disabled key is not in use: nothing to rotate.
                (Some(days), _) if !declared.disabled && age >= i64::from(days) => {
                    Some(format!("{age} days old (rotate_after_days = {days})"))
                }
                _ => None,
            };
            if let Some(why) = rotation {
                rotations.push(change(Action::Rotate, Some(current.id.clone()), vec![why]));
                continue;
            }
            match in_place(&current, declared) {
                None => unchanged += 1,
                Some((update, details)) => {
                    let mut step = change(Action::Update, Some(current.id.clone()), details);
                    step.update = Some(update);
                    updates.push(step);
                }
            }
        }
        let environments: Vec<Environment> = team_envs.iter().filter(|e| covered.contains(&e.id)).cloned().collect();
        unmanaged.sort_by(|a, b| (&a.environment_id, &a.name).cmp(&(&b.environment_id, &b.name)));
        let deletes = if options.prune {
            unmanaged
                .iter()
                .filter_map(|key| {
                    let env = environments.iter().find(|e| Some(&e.id) == key.environment_id.as_ref())?;
                    Some(Change {
                        action: Action::Delete,
                        name: key.name.clone(),
                        key_type: key.key_type.clone(),
                        environment_id: env.id.clone(),
                        environment: env.name.clone(),
                        key_id: Some(key.id.clone()),
                        details: vec!["not in the key set".into()],
                        due_at: None,
                        declared: None,
                        update: None,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        // Disables before removes: a key is disabled for its time before it is deleted.
        stages.sort_by_key(|c| c.action == Action::Remove);
        scheduled.sort_by_key(|c| c.due_at);
        let changes = [creates, updates, rotations, retirements, stages, deletes].concat();
        Ok(Plan {
            changes,
            unmanaged,
            pending,
            scheduled,
            unchanged,
            as_of,
            environments,
            secrets: checked,
            known,
            snapshot,
            retire_now: options.retire_now,
            applied: Arc::default(),
        })
    }
}
