//! The team's keys as a [`KeySet`]: [`ApiKeys::export`], to adopt an existing estate.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{
    keyset::{DeclaredKey, KeySet, RETIRING, retiring_name},
    plan::{newest_first, one_environment},
};
use crate::{ApiKey, ApiKeys, EnvironmentId, Error, KeyType, Permission, Permissions, Result};

impl ApiKeys {
    /// The team's ingest and configuration keys as a key set (in `environment` only, when
    /// given: an id, a name or a slug), each key under its environment's name (its slug
    /// or id if the name is ambiguous), ordered by environment and name, with numbered
    /// secret names where two keys' default ones would collide; [`plan`](Self::plan)ned
    /// unchanged, it is empty. Where several keys share a name in one environment, the
    /// newest is exported and the others are returned (a plan lists them as unmanaged), as
    /// is the old key of an interrupted rotation.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use honeycomb_api_keys::PlanOptions;
    ///
    /// let (set, shadowed) = keys.export(None).await?;
    /// assert!(set.to_toml().starts_with("[[key]]\nname = \"checkout\"\ntype = \"ingest\"\nenvironment = \"Production\"\n"));
    /// assert!(shadowed.is_empty());
    /// assert!(keys.plan(&set, PlanOptions::new()).await?.is_empty());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when no environment has the id, name or slug
    /// `environment`; the errors of listing environments and keys.
    pub async fn export(&self, environment: Option<&str>) -> Result<(KeySet, Vec<ApiKey>)> {
        let envs = self.environments().list().collect().await?;
        let only = match environment {
            Some(wanted) => Some(one_environment(&envs, wanted).map_err(|why| Error::invalid("environment", why))?),
            None => None,
        };
        let mut by_name: BTreeMap<(String, String), Vec<ApiKey>> = BTreeMap::new();
        let mut keys = self.list().items();
        while let Some(key) = keys.try_next().await? {
            let Some(env) = key.environment_id.as_ref().and_then(|id| envs.iter().find(|e| &e.id == id)) else {
                continue;
            };
            if only.is_some_and(|o| o.id != env.id) || !matches!(key.key_type, KeyType::Ingest | KeyType::Configuration)
            {
                continue;
            }
            by_name.entry((env.id.to_string(), key.name.clone())).or_default().push(key);
        }
        // The old key of an interrupted rotation is not a key of its own, with its successor
        // or without (a key set cannot declare such a name).
        let retiring: HashSet<(String, String)> =
            by_name.keys().map(|(env, name)| (env.clone(), retiring_name(name))).collect();
        let mut shadowed = Vec::new();
        let mut newest: Vec<ApiKey> = Vec::new();
        for (slot, keys) in by_name {
            let rotating = retiring.contains(&slot) || slot.1.ends_with(RETIRING);
            let mut keys = newest_first(keys).into_iter();
            if rotating {
                shadowed.extend(keys);
                continue;
            }
            newest.extend(keys.next());
            shadowed.extend(keys);
        }
        // Each environment by a word that names it alone: its name, else its slug, else its id.
        let word = |id: &EnvironmentId| -> Option<String> {
            let env = envs.iter().find(|e| &e.id == id)?;
            let unique = [env.name.as_str(), env.slug.as_str()].into_iter().find(|w| one_environment(&envs, w).is_ok());
            Some(unique.unwrap_or(env.id.as_str()).to_string())
        };
        let mut declared: Vec<DeclaredKey> = newest
            .into_iter()
            .filter_map(|key| {
                let env = word(key.environment_id.as_ref()?)?;
                let known: Permissions = key.permissions.iter().collect();
                let declared = match key.key_type {
                    KeyType::Configuration => DeclaredKey::configuration(key.name, env, known),
                    _ => DeclaredKey::ingest(key.name, env).create_datasets(known.contains(Permission::CreateDatasets)),
                };
                Some(declared.disabled(key.disabled))
            })
            .collect();
        declared.sort_by(|a, b| (&a.environment, &a.name).cmp(&(&b.environment, &b.name)));
        // Names whose default secret names collide get numbered ones, none of which is
        // another key's.
        let mut count: HashMap<String, usize> = HashMap::new();
        for key in &declared {
            *count.entry(key.default_secret_name()).or_default() += 1;
        }
        let mut used: HashSet<String> = count.keys().cloned().collect();
        let mut set = KeySet::new();
        for mut key in declared {
            let default = key.default_secret_name();
            if count[&default] > 1 {
                let numbered = (1..).map(|n| format!("{default}_{n}")).find(|name| !used.contains(name));
                if let Some(name) = numbered {
                    used.insert(name.clone());
                    key = key.secret_name(name);
                }
            }
            set = set.key(key);
        }
        Ok((set, shadowed))
    }
}
