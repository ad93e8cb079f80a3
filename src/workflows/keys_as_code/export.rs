//! The team's keys as a [`KeySet`]: [`ApiKeys::export`], to adopt an existing estate.

use std::collections::HashMap;

use super::keyset::{DeclaredKey, KeySet};
use crate::{ApiKey, ApiKeys, Error, KeyType, Permission, Permissions, Result, terminal_safe};

impl ApiKeys {
    /// The team's ingest and configuration keys as a key set (in `environment` only, when
    /// given: an id, a name or a slug), each key under its environment's name, ordered by
    /// environment and name; [`plan`](Self::plan)ned unchanged, it is empty. Where several
    /// keys share a name in one environment the newest is exported and the others are
    /// returned, for a plan would retire them.
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
            Some(wanted) => Some(envs.iter().find(|e| e.matches(wanted.trim())).ok_or_else(|| {
                Error::invalid(
                    "environment",
                    format!("no environment has the id, name or slug {:?}", terminal_safe(wanted)),
                )
            })?),
            None => None,
        };
        let mut newest: HashMap<(String, String), ApiKey> = HashMap::new();
        let mut shadowed = Vec::new();
        let mut keys = self.list().items();
        while let Some(key) = keys.try_next().await? {
            let Some(env) = key.environment_id.as_ref().and_then(|id| envs.iter().find(|e| &e.id == id)) else {
                continue;
            };
            if only.is_some_and(|o| o.id != env.id) || !matches!(key.key_type, KeyType::Ingest | KeyType::Configuration)
            {
                continue;
            }
            let slot = (env.name.clone(), key.name.clone());
            match newest.remove(&slot) {
                Some(held) if held.created >= key.created => {
                    shadowed.push(key);
                    newest.insert(slot, held);
                }
                Some(held) => {
                    shadowed.push(held);
                    newest.insert(slot, key);
                }
                None => {
                    newest.insert(slot, key);
                }
            }
        }
        let mut declared: Vec<((String, String), ApiKey)> = newest.into_iter().collect();
        declared.sort_by(|a, b| a.0.cmp(&b.0));
        let mut set = KeySet::new();
        for ((env, name), key) in declared {
            let known: Permissions = key.permissions.iter().collect();
            let declared = match key.key_type {
                KeyType::Configuration => DeclaredKey::configuration(name, env, known),
                _ => DeclaredKey::ingest(name, env).create_datasets(known.contains(Permission::CreateDatasets)),
            };
            set = set.key(declared.disabled(key.disabled));
        }
        Ok((set, shadowed))
    }
}
