#![doc = include_str!("../README.md")]
#![deny(unsafe_code)] // allowed only where a libc call needs it, with its SAFETY comment
#![warn(missing_docs)]
#![warn(unreachable_pub)]
#![warn(clippy::missing_errors_doc, clippy::missing_panics_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_keys;
mod auth;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod client;
mod clock;
mod config;
mod credentials;
mod environments;
mod error;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
mod model;
mod operation;
mod pagination;
mod permissions;
mod rate_limit;
mod retry;
mod scope;
mod text;
mod transport;
mod wire;
mod workflows;

// One path per public item: everything is here, at the root, except the items of the
// optional `blocking` and `mock` modules (`tests/suite/architecture.rs` holds it).
pub use api_keys::{ApiKeys, ListApiKeys};
/// The date and time library of this crate's times ([`ApiKey::created`],
/// [`AuditOptions::as_of`], [`PlanOptions::as_of`], …), re-exported whole: name its types
/// as `honeycomb_api_keys::chrono::DateTime<honeycomb_api_keys::chrono::Utc>` and they are
/// always the version this crate was built with, whatever `chrono` your own dependencies
/// bring. (Ages, such as [`AuditOptions::older_than`], are [`std::time::Duration`].)
///
/// ```
/// use honeycomb_api_keys::{AuditOptions, chrono::{DateTime, TimeZone, Utc}};
///
/// let quarter_end: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 3, 31, 23, 59, 59).unwrap();
/// let options = AuditOptions::new().as_of(quarter_end);
/// # let _ = options;
/// ```
pub use chrono;
pub use client::{Client, ClientBuilder};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_OPERATION_TIMEOUT, DEFAULT_PAGE_LIMIT, DEFAULT_TIMEOUT, ENV_API_ENDPOINT,
    ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET, ENV_TEAM, Region,
};
pub use credentials::ManagementKey;
pub use environments::{Environments, ListEnvironments};
pub use error::{ApiError, Error, ErrorDetail, ErrorSource, HttpError, PaginationFault, Result, TimeoutScope};
pub use model::{
    ApiKey, ApiKeyUpdate, AuthInfo, CreatedApiKey, Environment, EnvironmentColor, EnvironmentId, EnvironmentUpdate,
    KeyId, KeyIdentity, KeyType, MAX_ENVIRONMENT_DESCRIPTION_LEN, MAX_ENVIRONMENT_NAME_LEN, MAX_ID_LEN, MAX_NAME_LEN,
    MAX_SLUG_LEN, MAX_WINDOW, NewApiKey, NewEnvironment, RateLimitPolicy, RateLimitStatus, Team, check_name,
};
pub use operation::Operation;
pub use pagination::{DEFAULT_PAGE_SIZE, Items, MAX_EMPTY_PAGES, MAX_PAGE_SIZE, Page, Pages};
pub use permissions::{Permission, Permissions, PermissionsBuilder};
pub use rate_limit::{DEFAULT_QUOTA, DEFAULT_WINDOW, RateLimitConfig};
pub use retry::RetryConfig;
/// The secret types this crate hands out (re-exported from `secrecy`).
pub use secrecy::{ExposeSecret, SecretString};
pub use text::{is_hidden, terminal_safe};
#[cfg(feature = "__bench")]
#[doc(hidden)]
pub use wire::bench_support;
pub use workflows::{
    Action, ApplyOptions, ApplyReport, AuditFinding, AuditOptions, AuditReason, AuditReport, Change, DeclaredKey,
    Delivery, DotenvFile, JsonFile, KeySet, OldKeyAction, OldKeyOutcome, Plan, PlanOptions, Progress, ProgressFn,
    ProvisionEntry, ProvisionOptions, ProvisionOutcome, ProvisionReport, Replacement, RetirementStage, RotateOptions,
    Rotation, SecretCheck, SecretLookup, SecretSink, SecretSource, SecretState, Step, StepOutcome, WriteGate,
};
