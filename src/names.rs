//! The names and numbers the crate's messages quote: the environment variables it reads,
//! and Honeycomb's default quota. A leaf module, so that the error type can quote them
//! without importing configuration or rate-limit code; their public paths are
//! [`config`](crate::config) and [`rate_limit`](crate::rate_limit).

/// Management key id (Honeycomb's Go client and Terraform provider).
pub const ENV_KEY_ID: &str = "HONEYCOMB_KEY_ID";
/// Management key secret (Honeycomb's Go client and Terraform provider).
pub const ENV_KEY_SECRET: &str = "HONEYCOMB_KEY_SECRET";
/// Management key id, as Honeycomb's Python client names it.
pub const ENV_MANAGEMENT_KEY: &str = "HONEYCOMB_MANAGEMENT_KEY";
/// Management key secret, as Honeycomb's Python client names it.
pub const ENV_MANAGEMENT_SECRET: &str = "HONEYCOMB_MANAGEMENT_SECRET";
/// API endpoint, such as `https://api.eu1.honeycomb.io`.
pub const ENV_API_ENDPOINT: &str = "HONEYCOMB_API_ENDPOINT";
/// Team slug; when unset, the team is detected through `/2/auth`.
pub const ENV_TEAM: &str = "HONEYCOMB_TEAM";

/// Honeycomb's documented default: 100 requests a minute per operation.
pub const DEFAULT_QUOTA: u32 = 100;
