//! Sorting the keys of a plan's environments: by a declared name, marked for one (an
//! apply's pending or retiring key, see `markers`), or neither.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::keyset::DeclaredKey;
use super::markers::{self, Marker};
use crate::{ApiKey, ApiKeyUpdate, EnvironmentId, KeyType, Permission};

/// Keys of one name, newest first (by creation, then id): the first is the declared key.
pub(crate) fn newest_first(mut keys: Vec<ApiKey>) -> Vec<ApiKey> {
    keys.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.as_str().cmp(a.id.as_str())));
    keys
}

/// The keys of the declared keys' environments, sorted: by a declared name, marked for
/// one (an apply's pending or retiring key), or neither (unmanaged).
pub(super) struct Found<'a> {
    /// Declared names by environment and tag, to read marked names back.
    tags: HashMap<(&'a EnvironmentId, String), Vec<&'a str>>,
    names: HashSet<(&'a EnvironmentId, &'a str)>,
    pub(super) named: HashMap<(EnvironmentId, String), Vec<ApiKey>>,
    pub(super) pending: HashMap<(EnvironmentId, String), Vec<ApiKey>>,
    pub(super) retiring: HashMap<(EnvironmentId, String), Vec<(ApiKey, Stage)>>,
    pub(super) unmanaged: Vec<ApiKey>,
}

/// Where a key on its way out stands, and since when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// Still enabled (the overlap).
    Retiring(DateTime<Utc>),
    /// Disabled.
    Disabled(DateTime<Utc>),
}

impl<'a> Found<'a> {
    pub(super) fn new(declared: impl Iterator<Item = (&'a EnvironmentId, &'a str)>) -> Self {
        let mut found = Found {
            tags: HashMap::new(),
            names: HashSet::new(),
            named: HashMap::new(),
            pending: HashMap::new(),
            retiring: HashMap::new(),
            unmanaged: Vec::new(),
        };
        for (env, name) in declared {
            found.tags.entry((env, markers::tag(name))).or_default().push(name);
            found.names.insert((env, name));
        }
        found
    }

    /// Sorts in one key of a declared key's environment.
    pub(super) fn add(&mut self, key: ApiKey) {
        let Some(env) = key.environment_id.clone() else { return };
        if self.names.contains(&(&env, key.name.as_str())) {
            let name = key.name.clone();
            self.named.entry((env, name)).or_default().push(key);
            return;
        }
        let marked = Marker::parse(&key.name).and_then(|marker| {
            let names = self.tags.get(&(&env, marker.tag().to_string()))?;
            let declared = names.iter().find(|declared| marker.is_for(&key.name, declared))?;
            let stage = match marker {
                Marker::Pending { .. } => None,
                Marker::Retiring { since, .. } => Some(Stage::Retiring(since)),
                Marker::Disabled { since, .. } => Some(Stage::Disabled(since)),
            };
            Some((stage, declared.to_string()))
        });
        match marked {
            Some((None, declared)) => self.pending.entry((env, declared)).or_default().push(key),
            Some((Some(stage), declared)) => self.retiring.entry((env, declared)).or_default().push((key, stage)),
            None => self.unmanaged.push(key),
        }
    }
}

/// What changes in place to make `current` the `declared` key: enable or disable, grant
/// and revoke (a configuration key's); `None` when it is as declared.
pub(super) fn in_place(current: &ApiKey, declared: &DeclaredKey) -> Option<(ApiKeyUpdate, Vec<String>)> {
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
    (!update.is_empty()).then_some((update, details))
}
