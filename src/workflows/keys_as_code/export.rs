//! The team's keys as a [`KeySet`]: [`ApiKeys::export`], to adopt an existing estate.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{
    classify::newest_first,
    keyset::{DeclaredKey, KeySet},
    markers::Marker,
    plan::one_environment,
};
use crate::{ApiKey, ApiKeys, EnvironmentId, Error, KeyType, Permission, Permissions, Result};

impl ApiKeys {
    /// The team's ingest and configuration keys as a key set (in `environment` only, when
    /// given: an id, a name or a slug), each key under its environment's name (its slug
    /// or id if the name is ambiguous), ordered by environment and name, with numbered
    /// secret names where two keys' default ones would collide; [`plan`](Self::plan)ned
    /// unchanged, it is empty. The keys it leaves out are returned, each with why and
    /// what a plan of the set does with it: where several keys share a name in one
    /// environment, the newest is exported and a plan retires the others; a key an apply
    /// is working on (a pending or retiring name) is retired by a plan; a key whose name a
    /// key set cannot declare (blank, over 100 characters, with a control or invisible
    /// character) is unmanaged. Every set it returns plans without error.
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
    /// let (set, left_out) = keys.export(None).await?;
    /// assert!(set.to_toml().starts_with("[[key]]\nname = \"checkout\"\ntype = \"ingest\"\nenvironment = \"Production\"\n"));
    /// assert!(left_out.is_empty());
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
    pub async fn export(&self, environment: Option<&str>) -> Result<(KeySet, Vec<(ApiKey, String)>)> {
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
        let mut left_out = Vec::new();
        let mut newest: Vec<ApiKey> = Vec::new();
        for (_, keys) in by_name {
            let mut keys = newest_first(keys).into_iter();
            let Some(first) = keys.next() else { continue };
            for older in keys {
                let why = format!(
                    "the newer {} has its name: a plan of this set retires it (rename it to keep it)",
                    first.id
                );
                left_out.push((older, why));
            }
            match Marker::parse(&first.name) {
                Some(Marker::Pending { .. }) => left_out.push((
                    first,
                    "an apply made it and never delivered its secret (a pending name): a plan that declares its name retires it".into(),
                )),
                Some(Marker::Retiring { .. } | Marker::Disabled { .. }) => left_out.push((
                    first,
                    "a key on its way out (a rotation's old key): a plan that declares its name disables, then deletes it when due".into(),
                )),
                None => newest.push(first),
            }
        }
        // Each environment by a word that names it alone: its name, else its slug, else its id.
        let word = |id: &EnvironmentId| -> Option<String> {
            let env = envs.iter().find(|e| &e.id == id)?;
            let unique = [env.name.as_str(), env.slug.as_str()].into_iter().find(|w| one_environment(&envs, w).is_ok());
            Some(unique.unwrap_or(env.id.as_str()).to_string())
        };
        let mut declared: Vec<DeclaredKey> = Vec::new();
        for key in newest {
            let Some(env) = key.environment_id.as_ref().and_then(&word) else { continue };
            let known: Permissions = key.permissions.iter().collect();
            let one = match key.key_type {
                KeyType::Configuration => DeclaredKey::configuration(key.name.clone(), env, known),
                _ => DeclaredKey::ingest(key.name.clone(), env)
                    .create_datasets(known.contains(Permission::CreateDatasets)),
            }
            .disabled(key.disabled);
            // What a key set cannot declare stays out, said, so that the set plans.
            match KeySet::new().key(one.clone()).check() {
                Ok(()) => declared.push(one),
                Err(e) => {
                    let why = match e {
                        Error::InvalidArgument { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    left_out.push((
                        key,
                        format!("a key set cannot declare its name ({why}): a plan lists it as unmanaged"),
                    ));
                }
            }
        }
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
        Ok((set, left_out))
    }
}
