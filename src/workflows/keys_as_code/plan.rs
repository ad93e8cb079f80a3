//! Comparing a [`KeySet`] with the team's keys: [`ApiKeys::plan`].

use std::{
    collections::{HashMap, HashSet},
    fmt,
    sync::{Arc, atomic::AtomicBool},
};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::keyset::{DeclaredKey, KeySet, retiring_name};
use crate::{
    ApiKey, ApiKeyUpdate, ApiKeys, Environment, EnvironmentId, KeyId, KeyType, Permission, Result, terminal_safe,
    workflows::{ProgressFn, report},
};

/// Keys of one name, newest first (by creation, then id): the first is the declared key.
pub(crate) fn newest_first(mut keys: Vec<ApiKey>) -> Vec<ApiKey> {
    keys.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.as_str().cmp(a.id.as_str())));
    keys
}

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
    /// place): rename it `"<name> (retiring)"`, create its successor with the name, hand
    /// over the secret, then delete the old key.
    Rotate,
    /// Delete the `"<name> (retiring)"` key an interrupted rotation left behind (after its
    /// successor is created, if it was not).
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
    /// Keys that share a declared key's name with a newer key (the declared one): not
    /// managed, and never deleted by a plan, not even a pruning one, since one of them may
    /// be the key in use. Rename or delete them by hand.
    pub duplicates: Vec<ApiKey>,
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
    /// Whether [`ApiKeys::apply`] took it (shared by clones): a plan is applied once.
    #[serde(skip)]
    pub(crate) applied: Arc<AtomicBool>,
}

impl Plan {
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
        let duplicates = match self.duplicates.len() {
            0 => String::new(),
            n => format!(", {n} sharing a declared name"),
        };
        format!(
            "{} to create, {} to update, {} to rotate, {} to retire, {} to delete; {} unchanged, {} unmanaged{duplicates}",
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
    /// A declared key is matched by name in its environment. When several keys have that
    /// name, the newest is the declared key and the others are
    /// [`duplicates`](Plan::duplicates), which no plan deletes. A configuration key's permissions and either type's `disabled` are
    /// updated in place; an ingest key's `create_datasets`, which Honeycomb cannot change,
    /// is applied by rotating it. A `"<name> (retiring)"` key, which an interrupted
    /// rotation leaves, is retired.
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
    /// - [`Error::InvalidArgument`](crate::Error::InvalidArgument), naming the file, the key and the field: what
    ///   [`KeySet::check`] refuses; an environment no environment of the team has as id,
    ///   name or slug, or that two of them match; two keys with one name in one environment
    ///   (written two ways); a declared key whose name an existing key of the other type
    ///   has (a key's type cannot change).
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
        let mut known = HashSet::new();
        // What an interrupted rotation leaves: the old key, renamed, by the declared name.
        let mut retiring: HashMap<&EnvironmentId, HashMap<String, &str>> = HashMap::new();
        for (env, name) in identities.keys() {
            retiring.entry(*env).or_default().insert(retiring_name(name), *name);
        }
        let mut by_identity: HashMap<(EnvironmentId, String), Vec<ApiKey>> = HashMap::new();
        let mut retiring_of: HashMap<(EnvironmentId, String), Vec<ApiKey>> = HashMap::new();
        let mut unmanaged = Vec::new();
        let mut keys = self.list().items();
        while let Some(key) = keys.try_next().await? {
            known.insert(key.id.clone());
            let env = match &key.environment_id {
                Some(id) if covered.contains(id) => id.clone(),
                _ => continue,
            };
            if identities.contains_key(&(&env, key.name.as_str())) {
                by_identity.entry((env, key.name.clone())).or_default().push(key);
            } else if let Some(&declared) = retiring.get(&env).and_then(|names| names.get(key.name.as_str())) {
                retiring_of.entry((env, declared.to_string())).or_default().push(key);
            } else {
                unmanaged.push(key);
            }
        }
        report(progress, WORKFLOW, 2, Some(2), "comparing");

        let mut creates = Vec::new();
        let mut updates = Vec::new();
        let mut rotations = Vec::new();
        let mut retirements = Vec::new();
        let mut unchanged = 0;
        let mut duplicates = Vec::new();
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
            let (retired, other_type): (Vec<ApiKey>, Vec<ApiKey>) = retiring_of
                .remove(&identity)
                .unwrap_or_default()
                .into_iter()
                .partition(|k| k.key_type == declared.key_type);
            // A rotation never leaves a key of another type: that one is someone's.
            unmanaged.extend(other_type);
            for old in retired {
                retirements.push(change(
                    Action::Retire,
                    Some(old.id.clone()),
                    vec![format!("{:?}, the key a rotation replaced", terminal_safe(&old.name))],
                ));
            }
            let mut existing = newest_first(by_identity.remove(&identity).unwrap_or_default()).into_iter();
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
            // Other keys of the name (made by hand, say) are not the declared key, and one of
            // them may be the one in use: never deleted by the plan, not even by a prune.
            duplicates.extend(existing);
            if current.key_type != declared.key_type {
                return Err(declared.error(
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
            let mut update = ApiKeyUpdate::new();
            let mut details = Vec::new();
            if current.disabled != declared.disabled {
                update = update.disabled(declared.disabled);
                details.push(if declared.disabled { "disable" } else { "enable" }.to_string());
            }
            if declared.key_type == KeyType::Configuration {
                let (has, wants) = (&current.permissions, &declared.permissions);
                for &p in Permission::ALL.iter().filter(|&&p| wants.contains(p) && !has.contains(p)) {
                    update = update.grant(p);
                    details.push(format!("grant {}", p.wire_name()));
                }
                for &p in Permission::ALL.iter().filter(|&&p| has.contains(p) && !wants.contains(p)) {
                    update = update.revoke(p);
                    details.push(format!("revoke {}", p.wire_name()));
                }
            }
            if update.is_empty() {
                unchanged += 1;
            } else {
                let mut step = change(Action::Update, Some(current.id.clone()), details);
                step.update = Some(update);
                updates.push(step);
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
        duplicates.sort_by(|a, b| (&a.environment_id, &a.name).cmp(&(&b.environment_id, &b.name)));
        Ok(Plan { changes, unmanaged, duplicates, unchanged, as_of, environments, known, applied: Arc::default() })
    }
}
