//! Keys as code in words: a [`Plan`], a [`StepOutcome`] and an [`ApplyReport`] as
//! `hny-keys plan` and `hny-keys apply` print them, the server's text escaped.

use std::fmt;

use super::{
    apply::{ApplyReport, StepOutcome},
    change::Action,
    plan::Plan,
};
use crate::terminal_safe;

impl Action {
    /// The mark a change's line starts with in a plan: `+` create, `~` update or disable,
    /// `↻` rotate, `-` the rest.
    ///
    /// ```
    /// use honeycomb_api_keys::Action;
    /// assert_eq!(Action::Rotate.symbol(), "↻");
    /// ```
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update | Action::Disable => "~",
            Action::Rotate => "↻",
            _ => "-",
        }
    }
}

/// One line a change (`+ create ingest key "checkout" in Production`), then the summary
/// (`Plan: 1 to create, …`), as `hny-keys plan` prints it.
///
/// ```
/// # #[cfg(feature = "mock")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> honeycomb_api_keys::Result<()> {
/// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
/// # let keys = honeycomb.client().api_keys();
/// use honeycomb_api_keys::{DeclaredKey, KeySet, PlanOptions};
///
/// let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
/// let plan = keys.plan(&set, PlanOptions::new()).await?;
/// assert_eq!(
///     plan.to_string(),
///     "+ create ingest key \"checkout\" in Production\n\
///      Plan: 1 to create, 0 to update, 0 to rotate, 0 to retire, 0 to delete; 0 unchanged, 0 unmanaged."
/// );
/// # Ok(()) }
/// # #[cfg(not(feature = "mock"))]
/// # fn main() {}
/// ```
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            writeln!(f, "{} {change}", change.action.symbol())?;
        }
        if !self.scheduled.is_empty() {
            writeln!(f, "scheduled (not changes yet; a later plan takes each when it is due):")?;
            for step in &self.scheduled {
                writeln!(f, "  {step}")?;
            }
        }
        if !self.secrets.is_empty() {
            writeln!(f, "secrets checked (anything but current is rotated):")?;
            for check in &self.secrets {
                writeln!(f, "  {check}")?;
            }
        }
        write!(f, "Plan: {}.", self.summary())
    }
}

impl StepOutcome {
    /// The word a step's line starts with, and what follows the change.
    fn parts(&self) -> (&'static str, String) {
        match self {
            StepOutcome::Done { new_key: Some(id) } => ("done", format!(" → {}", terminal_safe(id.as_str()))),
            StepOutcome::Done { new_key: None } => ("done", String::new()),
            StepOutcome::Failed { error, new_key } => {
                let made = new_key
                    .as_ref()
                    .map(|id| format!(" (made {}, its secret delivered)", terminal_safe(id.as_str())))
                    .unwrap_or_default();
                ("FAILED", format!("{made}: {}", terminal_safe(&error.to_string())))
            }
            StepOutcome::Skipped => ("skipped", String::new()),
        }
    }
}

/// One line: `done`, `done → <the new key's id>`, `FAILED: <why>` (with the key the step
/// made, if any) or `skipped`.
///
/// ```
/// # #[cfg(feature = "mock")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> honeycomb_api_keys::Result<()> {
/// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
/// # let keys = honeycomb.client().api_keys();
/// use honeycomb_api_keys::{ApplyOptions, DeclaredKey, Delivery, KeySet, PlanOptions, StepOutcome};
///
/// let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
/// let plan = keys.plan(&set, PlanOptions::new()).await?;
/// let report = keys.apply(&plan, &|_: &Delivery<'_>| Ok(()), ApplyOptions::new()).await?;
/// let StepOutcome::Done { new_key: Some(id) } = &report.steps[0].outcome else { panic!("made") };
/// assert_eq!(report.steps[0].outcome.to_string(), format!("done → {id}"));
/// assert_eq!(StepOutcome::Skipped.to_string(), "skipped");
/// # Ok(()) }
/// # #[cfg(not(feature = "mock"))]
/// # fn main() {}
/// ```
impl fmt::Display for StepOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mark, rest) = self.parts();
        write!(f, "{mark}{rest}")
    }
}

/// One line a step (how it went, then the change), then `Applied N of M changes.`, as
/// `hny-keys apply` prints it.
///
/// ```
/// # #[cfg(feature = "mock")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> honeycomb_api_keys::Result<()> {
/// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
/// # let keys = honeycomb.client().api_keys();
/// use honeycomb_api_keys::{ApplyOptions, DeclaredKey, Delivery, KeySet, PlanOptions};
///
/// let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
/// let plan = keys.plan(&set, PlanOptions::new()).await?;
/// let report = keys.apply(&plan, &|_: &Delivery<'_>| Ok(()), ApplyOptions::new()).await?;
/// let text = report.to_string();
/// assert!(text.starts_with("done    + create ingest key \"checkout\" in Production → hcxik_"), "{text}");
/// assert!(text.ends_with("\nApplied 1 of 1 changes."), "{text}");
/// # Ok(()) }
/// # #[cfg(not(feature = "mock"))]
/// # fn main() {}
/// ```
impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            let (mark, rest) = step.outcome.parts();
            writeln!(f, "{mark:7} {} {}{rest}", step.change.action.symbol(), step.change)?;
        }
        write!(f, "Applied {} of {} changes.", self.done(), self.steps.len())
    }
}
