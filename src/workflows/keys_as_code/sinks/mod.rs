//! Where [`ApiKeys::apply`](crate::ApiKeys::apply) hands each new secret: a dotenv file, a
//! JSON file, a command, or code of your own.

mod dotenv;
#[cfg(test)]
mod edit_tests;
mod files;
mod json;
#[cfg(test)]
mod tests;

use std::fmt;

use secrecy::SecretString;

pub use dotenv::DotenvFile;
pub use json::JsonFile;

use crate::{ApiKey, Environment};

/// A new key and its secret, as handed to a [`SecretSink`].
#[non_exhaustive]
pub struct Delivery<'a> {
    /// The new key.
    pub key: &'a ApiKey,
    /// Its environment.
    pub environment: &'a Environment,
    /// The name to store the secret under (the declared `secret_name`, or
    /// [`DeclaredKey::default_secret_name`](super::DeclaredKey::default_secret_name)).
    pub secret_name: &'a str,
    pub(crate) secret: &'a SecretString,
}

impl<'a> Delivery<'a> {
    /// A delivery of `secret`, for testing a sink of your own (an apply makes them).
    ///
    /// ```
    /// use honeycomb_api_keys::{ApiKey, Delivery, Environment, SecretString};
    ///
    /// let key: ApiKey = serde_json::from_str(r#"{"id": "hcxik_01j1824es7n4evcmv81cn392jb", "name": "checkout",
    ///     "key_type": "ingest", "disabled": false, "permissions": {}, "environment_id": null,
    ///     "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}"#).unwrap();
    /// let env: Environment = serde_json::from_str(r#"{"id": "hcxen_01hznmeqrcq8rz533xrvtc6mk0",
    ///     "name": "Production", "slug": "production"}"#).unwrap();
    /// let secret = SecretString::from("hcxik_01j1824es7n4evcmv81cn392jb0123456789abcdef");
    /// let delivery = Delivery::new(&key, &env, "HONEYCOMB_PRODUCTION_CHECKOUT", &secret);
    /// assert_eq!(delivery.secret_name, "HONEYCOMB_PRODUCTION_CHECKOUT");
    /// ```
    pub fn new(key: &'a ApiKey, environment: &'a Environment, secret_name: &'a str, secret: &'a SecretString) -> Self {
        Delivery { key, environment, secret_name, secret }
    }
}

impl Delivery<'_> {
    /// What a sender puts in `X-Honeycomb-Team`: the key id and secret for an ingest key,
    /// the secret for a configuration key
    /// ([`CreatedApiKey::header_value`](crate::CreatedApiKey::header_value)).
    pub fn secret(&self) -> &SecretString {
        self.secret
    }
}

impl fmt::Debug for Delivery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("key", &self.key.id)
            .field("environment", &self.environment.slug)
            .field("secret_name", &self.secret_name)
            .finish_non_exhaustive()
    }
}

/// Where new secrets go. [`ApiKeys::apply`](crate::ApiKeys::apply) calls
/// [`deliver`](Self::deliver) the moment a key exists, before its next request; an
/// `Err(reason)` makes it delete that key again (nobody could use it) and stop.
///
/// A closure is a sink, and so is a type of your own:
///
/// ```
/// use std::sync::Mutex;
/// use honeycomb_api_keys::{
///     ApiKeys, ApplyOptions, ApplyReport, DeclaredKey, Delivery, ExposeSecret, KeySet, PlanOptions, Result, SecretSink,
/// };
///
/// /// Secrets kept in memory by name (a stand-in for a secret store's client).
/// #[derive(Default)]
/// struct Vault(Mutex<Vec<(String, String)>>);
///
/// impl SecretSink for Vault {
///     fn deliver(&self, d: &Delivery<'_>) -> std::result::Result<(), String> {
///         let entry = (d.secret_name.to_string(), d.secret().expose_secret().to_string());
///         self.0.lock().map_err(|_| "the vault is unusable".to_string())?.push(entry);
///         Ok(()) // an `Err(reason)` deletes the new key again and stops the apply
///     }
/// }
///
/// async fn provision(keys: &ApiKeys, vault: &Vault) -> Result<ApplyReport> {
///     let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
///     let plan = keys.plan(&set, PlanOptions::new()).await?;
///     keys.apply(&plan, vault, ApplyOptions::new()).await
/// }
///
/// async fn provision_with_a_closure(keys: &ApiKeys) -> Result<ApplyReport> {
///     let set = KeySet::new().key(DeclaredKey::ingest("billing", "Production"));
///     let plan = keys.plan(&set, PlanOptions::new()).await?;
///     let names = Mutex::new(Vec::new());
///     let sink = |d: &Delivery<'_>| {
///         names.lock().unwrap().push(d.secret_name.to_string());
///         Ok(())
///     };
///     let report = keys.apply(&plan, &sink, ApplyOptions::new()).await?;
///     assert_eq!(names.into_inner().unwrap(), ["HONEYCOMB_PRODUCTION_BILLING"]);
///     Ok(report)
/// }
/// # #[cfg(feature = "mock")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<()> {
/// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
/// # let keys = honeycomb.client().api_keys();
/// let vault = Vault::default();
/// assert!(provision(&keys, &vault).await?.is_complete());
/// assert_eq!(vault.0.lock().unwrap()[0].0, "HONEYCOMB_PRODUCTION_CHECKOUT");
/// assert!(provision_with_a_closure(&keys).await?.is_complete());
/// # Ok(()) }
/// # #[cfg(not(feature = "mock"))]
/// # fn main() {}
/// ```
pub trait SecretSink: Send + Sync {
    /// Stores `delivery`'s secret.
    ///
    /// # Errors
    ///
    /// `Err(reason)` when it could not; the reason must not quote the secret.
    fn deliver(&self, delivery: &Delivery<'_>) -> std::result::Result<(), String>;

    /// Whether it can take secrets at all (a file's directory exists and is writable, an
    /// existing file can be read back, and, on Unix, neither the file, its lock file nor a
    /// symbolic link on the way is another user's or planted in a directory anyone can
    /// write), asked before an apply sends anything, so that a wrong path fails before a
    /// key is made. Default: yes.
    ///
    /// # Errors
    ///
    /// `Err(reason)`, saying what to fix.
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// Hands `delivery` to `sink`. With a multi-threaded runtime compiled in (feature
/// `blocking`) and running, the worker is given up while the sink works (a file lock may
/// be waited for), so that timers and signal handlers still run.
pub(crate) fn deliver(sink: &(impl SecretSink + ?Sized), delivery: &Delivery<'_>) -> std::result::Result<(), String> {
    #[cfg(feature = "blocking")]
    if let Ok(handle) = tokio::runtime::Handle::try_current()
        && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
    {
        return tokio::task::block_in_place(|| sink.deliver(delivery));
    }
    sink.deliver(delivery)
}

impl<F> SecretSink for F
where
    F: Fn(&Delivery<'_>) -> std::result::Result<(), String> + Send + Sync,
{
    fn deliver(&self, delivery: &Delivery<'_>) -> std::result::Result<(), String> {
        self(delivery)
    }
}

impl SecretSink for Box<dyn SecretSink> {
    fn deliver(&self, delivery: &Delivery<'_>) -> std::result::Result<(), String> {
        (**self).deliver(delivery)
    }

    fn check(&self) -> std::result::Result<(), String> {
        (**self).check()
    }
}
