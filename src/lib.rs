#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_keys;
mod auth;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod client;
pub mod clock;
pub mod config;
mod credentials;
mod environments;
pub mod error;
#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;
pub mod model;
mod names;
mod operation;
pub mod pagination;
pub mod permissions;
pub mod rate_limit;
pub mod retry;
pub mod text;
mod transport;
mod wire;
pub mod workflows;

pub use api_keys::{ApiKeys, ListApiKeys};
pub use auth::{AuthInfo, Team};
pub use client::{Client, ClientBuilder};
pub use config::Region;
pub use credentials::ManagementKey;
pub use environments::{Environment, Environments, ListEnvironments};
pub use error::{ApiError, Error, ErrorDetail, ErrorSource, HttpError, PaginationFault, Result, TimeoutScope};
pub use model::{ApiKey, ApiKeyUpdate, CreatedApiKey, EnvironmentId, KeyId, KeyType, NewApiKey};
pub use operation::Operation;
pub use pagination::{Items, Page, Pages};
pub use permissions::{Permission, Permissions, PermissionsBuilder};
pub use rate_limit::{RateLimitConfig, RateLimitStatus};
pub use retry::RetryConfig;
/// The secret types this crate hands out (re-exported from `secrecy`).
pub use secrecy::{ExposeSecret, SecretString};
pub use wire::bench_support;
pub use workflows::{
    AuditOptions, AuditReport, OldKeyAction, OldKeyOutcome, ProvisionOptions, ProvisionReport, Replacement,
    RotateOptions, Rotation,
};
