//! The names and numbers more than one layer needs: the environment variables the crate
//! reads, Honeycomb's default quota, the default page limit. A leaf module, so that the
//! error type can quote them and the client can default to them without importing
//! configuration, rate-limit or listing code; their public paths are
//! [`config`](crate::config), [`rate_limit`](crate::rate_limit) and
//! [`pagination`](crate::pagination).

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

/// How many pages a listing fetches at most unless told otherwise (a listing's
/// [`page_limit`](crate::ListApiKeys::page_limit), or a client's
/// [`ClientBuilder::page_limit`](crate::ClientBuilder::page_limit)): 10,000 pages of 100 is a million
/// keys, far more than a team has. A listing that reaches it with more to go ends with
/// [`PaginationFault::PageLimit`](crate::PaginationFault::PageLimit), so that a server handing out fresh pages forever
/// cannot keep a listing (and its memory) growing.
pub const DEFAULT_PAGE_LIMIT: usize = 10_000;
