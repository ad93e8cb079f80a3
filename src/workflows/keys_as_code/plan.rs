//! Comparing a [`KeySet`] with the team's keys: [`ApiKeys::plan`].

use std::{
    collections::{HashMap, HashSet},
    fmt,
    sync::{Arc, atomic::AtomicBool},
};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    classify::{Found, in_place, newest_first},
    keyset::{DeclaredKey, KeySet},
};
use crate::{
    ApiKey, ApiKeyUpdate, ApiKeys, Environment, EnvironmentId, KeyId, KeyType, Permission, Result, terminal_safe,
    workflows::{ProgressFn, report},
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

/// What a [`Change`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Create a declared key that does not exist.
    Create,
    /// Enable or disable a key, or grant and revoke permissions (a partial merge: what the
    /// plan does not name is left as it is).
    Update,
    /// Replace a key (it is `rotate_after_days` old, or its permissions cannot change in
    /// place): give it a retiring name (`[hny-keys retiring <tag>] <name>`), create its
    /// successor, hand over the secret, give the successor the name, then delete the old
    /// key.
    Rotate,
    /// Delete a key that an apply made or renamed and that is not the declared key: a
    /// rotation's old key left by an interruption, a key whose secret was never delivered
    /// (it kept its pending name), or an older second key of a declared name (two applies
    /// at once on two machines: the newest key keeps the name).
    Retire,
    /// Delete an unmanaged key (only when the plan was made with
    /// [`PlanOptions::prune`]).
    Delete,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Rotate => "rotate",
            Action::Retire => "retire",
            Action::Delete => "delete",
        })
    }
}

/// One step of a [`Plan`].
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Change {
    /// What it does.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    pub action: Action,
    /// The key's name.
    pub name: String,
    /// The key's type.
    #[serde(rename = "type")]
    pub key_type: KeyType,
    /// The environment's id.
    pub environment_id: EnvironmentId,
    /// The environment's name.
    pub environment: String,
    /// The existing key it changes (none for a create).
    pub key_id: Option<KeyId>,
    /// What changes, in words: `enable`, `grant manage_boards`, `revoke run_queries`,
    /// `120 days old (rotate_after_days = 90)`.
    pub details: Vec<String>,
    #[serde(skip)]
    pub(crate) declared: Option<DeclaredKey>,
    #[serde(skip)]
    pub(crate) update: Option<ApiKeyUpdate>,
}

impl fmt::Display for Change {
    /// `create ingest key "checkout" in Production`, then the details.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} key {:?} in {}",
            self.action,
            self.key_type,
            terminal_safe(&self.name),
            terminal_safe(&self.environment)
        )?;
        if let Some(id) = &self.key_id {
            write!(f, " ({id})")?;
        }
        if !self.details.is_empty() {
            write!(f, ": {}", terminal_safe(&self.details.join(", ")))?;
        }
        Ok(())
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
    /// Declared keys that need no change.
    pub unchanged: usize,
    /// The time rotations were judged against.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    pub as_of: DateTime<Utc>,
    /// The environments the set declares keys in.
    pub environments: Vec<Environment>,
    /// Every key id that existed when the plan was made.
    #[serde(skip)]
    pub(crate) known: HashSet<KeyId>,
    /// The keys of its environments as they were, by id: an apply stops if they changed.
    #[serde(skip)]
    pub(crate) snapshot: Vec<ApiKey>,
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
        format!(
            "{} to create, {} to update, {} to rotate, {} to retire, {} to delete; {} unchanged, {} unmanaged{pending}",
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

/// How to plan: see [`ApiKeys::plan`].
#[derive(Clone, Default)]
#[must_use]
pub struct PlanOptions {
    prune: bool,
    as_of: Option<DateTime<Utc>>,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for PlanOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlanOptions").field("prune", &self.prune).field("as_of", &self.as_of).finish_non_exhaustive()
    }
}

impl PlanOptions {
    /// No pruning, rotations judged as of now.
    pub fn new() -> Self {
        PlanOptions::default()
    }

    /// Delete the unmanaged keys of the declared keys' environments too ([`Action::Delete`]
    /// steps). [`ApiKeys::apply`] still refuses such a plan unless
    /// [`ApplyOptions::prune`](super::ApplyOptions::prune) confirms it.
    pub fn prune(mut self, prune: bool) -> Self {
        self.prune = prune;
        self
    }

    /// Judge rotations as of this time instead of now.
    pub fn as_of(mut self, now: DateTime<Utc>) -> Self {
        self.as_of = Some(now);
        self
    }

    /// Report progress to `progress`.
    pub fn progress(mut self, progress: impl Fn(&crate::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
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
        let as_of = options.as_of.unwrap_or_else(Utc::now);
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
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        let mut rotations = Vec::new();
        let mut retirements = Vec::new();
        let mut unchanged = 0;
        let mut pending = Vec::new();
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
                declared: Some(declared.clone()),
                update: None,
            };
            let identity = (env.id.clone(), declared.name.clone());
            let mut retire = |key: &ApiKey, why: String| {
                retirements.push(change(Action::Retire, Some(key.id.clone()), vec![why]));
            };
            // A marked key of another type is not one an apply made for this key: someone's.
            let mut same_type = |keys: Option<Vec<ApiKey>>| -> Vec<ApiKey> {
                let (same, other): (Vec<_>, Vec<_>) =
                    keys.unwrap_or_default().into_iter().partition(|k| k.key_type == declared.key_type);
                unmanaged.extend(other);
                same
            };
            for old in same_type(found.retiring.remove(&identity)) {
                retire(&old, format!("{:?}, the old key of a rotation", terminal_safe(&old.name)));
            }
            for made in same_type(found.pending.remove(&identity)) {
                let age = as_of - made.created;
                if age < grace {
                    pending.push(made);
                } else {
                    let minutes = age.num_minutes();
                    retire(
                        &made,
                        format!(
                            "{:?}, made by an apply {minutes} min ago: its secret was never delivered, so it never took the name",
                            terminal_safe(&made.name)
                        ),
                    );
                }
            }
            let mut existing = newest_first(found.named.remove(&identity).unwrap_or_default()).into_iter();
            let Some(current) = existing.next() else {
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
            // hand): the newest keeps the name, the others are retired.
            for older in same_type(Some(existing.collect())) {
                retire(&older, format!("a second key named so: the newer {} keeps the name", current.id));
            }
            let age = (as_of - current.created).num_days();
            let datasets = declared.permissions.contains(Permission::CreateDatasets);
            let rotation = match (declared.rotate_after_days, &declared.key_type) {
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
                        declared: None,
                        update: None,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let changes = [creates, updates, rotations, retirements, deletes].concat();
        Ok(Plan {
            changes,
            unmanaged,
            pending,
            unchanged,
            as_of,
            environments,
            known,
            snapshot,
            applied: Arc::default(),
        })
    }
}
