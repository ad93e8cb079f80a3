//! Keys as code: declare a team's keys in a [`KeySet`] (a TOML file, or code),
//! [`plan`](crate::ApiKeys::plan) the difference with what exists, and
//! [`apply`](crate::ApiKeys::apply) it, each new secret handed to a [`SecretSink`] (a
//! dotenv file, a JSON file, a command, or code of your own) the moment its key exists.

mod apply;
mod change;
mod classify;
mod display;
mod export;
mod keyset;
mod markers;
mod orphans;
mod plan;
mod plan_options;
mod retirement;
mod secrets;
mod sinks;
mod stale;
#[cfg(feature = "toml")]
mod toml_file;
mod toml_text;

pub use apply::{ApplyOptions, ApplyReport, Step, StepOutcome};
pub use change::{Action, Change};
pub use keyset::{DeclaredKey, KeySet};
pub use plan::Plan;
pub use plan_options::PlanOptions;
pub(crate) use retirement::{HoursByTag, Marked, Successors};
pub use secrets::{SecretCheck, SecretLookup, SecretSource, SecretState};
pub use sinks::{Delivery, DotenvFile, JsonFile, SecretSink};
