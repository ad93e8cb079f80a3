//! Carrying out a [`Plan`]: [`ApiKeys::apply`].

use std::{
    fmt,
    sync::{Arc, atomic::Ordering},
};

use serde::Serialize;

use super::{
    change::{Action, Change},
    markers::{self, disabled_name, retiring_name},
    plan::Plan,
    sinks::{Delivery, SecretSink, deliver},
};
use crate::{
    ApiKey, ApiKeyUpdate, ApiKeys, CreatedApiKey, Environment, Error, KeyId, Operation, Result, terminal_safe,
    workflows::{ProgressFn, WriteGate, key_to_create, may_create, report, verify},
};

/// How to apply: see [`ApiKeys::apply`].
#[derive(Clone, Default)]
#[must_use]
pub struct ApplyOptions {
    prune: bool,
    progress: Option<ProgressFn>,
    gate: Option<Arc<dyn WriteGate>>,
}

impl fmt::Debug for ApplyOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("prune", &self.prune)
            .field("gate", &self.gate.is_some())
            .finish_non_exhaustive()
    }
}

impl ApplyOptions {
    /// No deletes of unmanaged keys.
    pub fn new() -> Self {
        ApplyOptions::default()
    }

    /// Confirm the plan's [`Action::Delete`] steps (a plan made with
    /// [`PlanOptions::prune`](super::PlanOptions::prune)); without it such a plan is
    /// refused before any request.
    pub fn prune(mut self, confirmed: bool) -> Self {
        self.prune = confirmed;
        self
    }

    /// Ask `gate` before each create and each change or delete (see [`WriteGate`]); once
    /// it says no, the steps left are skipped.
    pub fn gate(mut self, gate: Arc<dyn WriteGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Report each step done to `progress`.
    pub fn progress(mut self, progress: impl Fn(&crate::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}

/// How a step went.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepOutcome {
    /// Done. For a create or a rotation, `new_key` is the key made (its secret was
    /// delivered).
    Done {
        /// The key created, if any.
        new_key: Option<KeyId>,
    },
    /// It failed, or was stopped halfway; the plan's next steps were skipped. Planning
    /// again shows what is left.
    Failed {
        /// Why, and what was done about it.
        #[serde(serialize_with = "crate::workflows::error_text")]
        #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
        error: Error,
        /// A key the step made before it stopped (a rotation's successor, its secret
        /// delivered).
        new_key: Option<KeyId>,
    },
    /// Not attempted: an earlier step failed or the gate stopped the apply.
    Skipped,
}

/// One step of an apply.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Step {
    /// What it was to do.
    pub change: Change,
    /// How it went.
    #[serde(flatten)]
    pub outcome: StepOutcome,
}

/// What [`ApiKeys::apply`] did. Secrets are not in it: each went to the sink.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ApplyReport {
    /// Every step of the plan, in order.
    pub steps: Vec<Step>,
    /// Why the apply stopped before the end, if it did.
    pub stopped: Option<String>,
    /// Whether planning and applying again finishes the job. `false` when a key was left
    /// that nobody has the secret of and could not be deleted: the failed step's error
    /// says which, to delete by hand first.
    pub resumable: bool,
}

impl ApplyReport {
    /// Whether every step was done.
    pub fn is_complete(&self) -> bool {
        self.steps.iter().all(|s| matches!(s.outcome, StepOutcome::Done { .. }))
    }

    /// How many steps were done.
    pub fn done(&self) -> usize {
        self.steps.iter().filter(|s| matches!(s.outcome, StepOutcome::Done { .. })).count()
    }
}

/// A step that did not finish, and the key it made first, if any.
struct Stop {
    error: Error,
    new_key: Option<KeyId>,
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Stop { error, new_key: None }
    }
}

impl ApiKeys {
    /// Carries out `plan`: creates, updates, rotations, retirements, then deletes, one at
    /// a time, stopping at the first failure. Before its first write it lists the keys
    /// again and stops, nothing written, if they changed since the plan was made
    /// ([`Error::Conflict`]: "the plan is stale"). Each new key is made under a pending
    /// name (`[hny-keys pending <tag> <run>] <name>`), its secret goes to `sink` before
    /// the next request, and only then does it take the declared name: a key whose
    /// secret was not delivered never passes for the declared key. A secret the sink
    /// cannot take makes the apply delete that key again (nobody could use it) and stop.
    ///
    /// **Resumable:** after a failure, an interrupt or a stop at any step, a new
    /// [`plan`](Self::plan) shows exactly what is left and applying it finishes the job
    /// without a duplicate key: a rotation gives the old key a retiring name
    /// (`[hny-keys retiring <tag>] <name>`) before it creates the successor, and a plan
    /// retires such a key; a key left with a pending name (its create answered late, or
    /// the process killed before the rename) is retired by a plan and made again. A
    /// create whose answer was lost is looked up by this run's pending name and deleted;
    /// no other key is.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use std::sync::Mutex;
    /// use honeycomb_api_keys::{ApplyOptions, DeclaredKey, Delivery, KeySet, PlanOptions};
    ///
    /// let set = KeySet::new().key(DeclaredKey::ingest("checkout ingest", "Production"));
    /// let plan = keys.plan(&set, PlanOptions::new()).await?;
    /// let delivered = Mutex::new(Vec::new());
    /// let sink = |d: &Delivery<'_>| Ok(delivered.lock().unwrap().push(d.secret_name.to_string()));
    /// let report = keys.apply(&plan, &sink, ApplyOptions::new()).await?;
    /// assert!(report.is_complete());
    /// assert_eq!(delivered.into_inner().unwrap(), ["HONEYCOMB_PRODUCTION_CHECKOUT_INGEST"]);
    /// assert!(keys.plan(&set, PlanOptions::new()).await?.is_empty());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// Before any write: [`Error::InvalidArgument`], before any request, for `prune` (a
    /// plan with [`Action::Delete`] steps without [`ApplyOptions::prune`]), `sink` (the
    /// sink cannot take secrets, [`SecretSink::check`], and the plan makes keys) and
    /// `plan` (a plan applied already); [`Error::Conflict`] for a stale plan, and the
    /// errors of listing the keys again. A step's failure is in the report.
    pub async fn apply(
        &self,
        plan: &Plan,
        sink: &(impl SecretSink + ?Sized),
        options: ApplyOptions,
    ) -> Result<ApplyReport> {
        const WORKFLOW: &str = "apply";
        let deletes = plan.count(Action::Delete);
        if deletes > 0 && !options.prune {
            return Err(Error::invalid(
                "prune",
                format!(
                    "the plan deletes {deletes} unmanaged keys; confirm that with ApplyOptions::prune(true), or plan without pruning"
                ),
            ));
        }
        if plan.count(Action::Create) + plan.count(Action::Rotate) > 0 {
            sink.check().map_err(|why| Error::invalid("sink", format!("{why}; nothing was sent")))?;
        }
        if plan.applied.swap(true, Ordering::SeqCst) {
            return Err(Error::invalid(
                "plan",
                "this plan was applied already, and the keys have changed since it was made: plan again",
            ));
        }
        if !plan.is_empty() {
            self.check_fresh(plan).await?;
        }
        let run = markers::new_run();
        let total = Some(plan.changes.len());
        let mut created: Vec<CreatedApiKey> = Vec::new();
        let mut steps = Vec::with_capacity(plan.changes.len());
        let mut stopped: Option<String> = None;
        for (n, change) in plan.changes.iter().enumerate() {
            if stopped.is_some() {
                steps.push(Step { change: change.clone(), outcome: StepOutcome::Skipped });
                continue;
            }
            report(options.progress.as_ref(), WORKFLOW, n, total, change.to_string());
            let outcome = match self.step(plan, change, sink, &options, &mut created, &run).await {
                Ok(new_key) => StepOutcome::Done { new_key },
                Err(Stop { error: Error::Cancelled { .. }, new_key: None }) => {
                    stopped = Some("cancelled".into());
                    StepOutcome::Skipped
                }
                Err(Stop { error, new_key }) => {
                    stopped = Some(if matches!(error, Error::Cancelled { .. }) {
                        "cancelled".into()
                    } else {
                        format!("{change} failed")
                    });
                    StepOutcome::Failed { error, new_key }
                }
            };
            steps.push(Step { change: change.clone(), outcome });
        }
        report(options.progress.as_ref(), WORKFLOW, plan.changes.len(), total, "done");
        let mut resumable = true;
        for step in &mut steps {
            if let StepOutcome::Failed { error, .. } = &mut step.outcome {
                for key in &created {
                    error.redact_secret_of(key);
                }
                resumable &= !matches!(error, Error::StepFailed { resumable: false, .. });
            }
        }
        Ok(ApplyReport { steps, stopped, resumable })
    }

    async fn step(
        &self,
        plan: &Plan,
        change: &Change,
        sink: &(impl SecretSink + ?Sized),
        options: &ApplyOptions,
        created: &mut Vec<CreatedApiKey>,
        run: &str,
    ) -> std::result::Result<Option<KeyId>, Stop> {
        let gate = options.gate.as_ref();
        let may_change = |operation| {
            if gate.is_none_or(|g| g.before_change()) { Ok(()) } else { Err(Error::Cancelled { operation }) }
        };
        let environment = plan
            .environment(&change.environment_id)
            .ok_or_else(|| Error::invalid("plan", "a step's environment is not among the plan's environments"))?;
        let key_id = || change.key_id.as_ref().ok_or_else(|| Error::invalid("plan", "the step names no key"));
        match change.action {
            Action::Create => {
                Ok(Some(self.create_and_deliver(plan, change, environment, sink, gate, created, run).await?))
            }
            Action::Rotate => {
                // Renamed first, so that a plan after an interruption knows it for the old key
                // (and no second key of the name passes for the declared one). It stays
                // enabled: a later plan disables it once its overlap has passed.
                let old = key_id()?;
                let retiring = retiring_name(&change.name, self.now());
                may_change(Operation::UpdateApiKey)?;
                self.update(old, ApiKeyUpdate::new().name(retiring.clone())).await?;
                let new_key = match self.create_and_deliver(plan, change, environment, sink, gate, created, run).await {
                    Ok(id) => id,
                    // Begun: the old key has its retiring name; the report must say so.
                    Err(Error::Cancelled { .. }) => {
                        return Err(Stop::from(Error::StepFailed {
                            message: format!(
                                "stopped after renaming {old} {:?}, before its successor was made; it still works, and planning again makes the successor",
                                terminal_safe(&retiring)
                            ),
                            source: None,
                            resumable: true,
                        }));
                    }
                    Err(e) => return Err(e.into()),
                };
                if !plan.retire_now {
                    return Ok(Some(new_key));
                }
                // A leaked secret: the old key is disabled at once (deleted after its time).
                let disabled = match may_change(Operation::UpdateApiKey) {
                    Ok(()) => self.disable_retiring(old, &change.name).await,
                    Err(cancelled) => Err(cancelled),
                };
                disabled.map(|()| Some(new_key.clone())).map_err(|error| Stop { error, new_key: Some(new_key) })
            }
            Action::Update => {
                may_change(Operation::UpdateApiKey)?;
                let update =
                    change.update.clone().ok_or_else(|| Error::invalid("plan", "an update names no change"))?;
                self.update(key_id()?, update).await?;
                Ok(None)
            }
            Action::Retire => {
                may_change(Operation::UpdateApiKey)?;
                self.update(key_id()?, ApiKeyUpdate::new().name(retiring_name(&change.name, self.now()))).await?;
                Ok(None)
            }
            Action::Disable => {
                may_change(Operation::UpdateApiKey)?;
                self.disable_retiring(key_id()?, &change.name).await?;
                Ok(None)
            }
            Action::Remove | Action::Delete => {
                may_change(Operation::DeleteApiKey)?;
                self.delete_if_present(key_id()?).await?;
                Ok(None)
            }
        }
    }

    /// Disables a key on its way out, its name saying since when.
    async fn disable_retiring(&self, id: &KeyId, name: &str) -> Result<()> {
        self.update(id, ApiKeyUpdate::new().disabled(true).name(disabled_name(name, self.now()))).await.map(drop)
    }

    /// When a stage begins: the time of its write, by the client's clock (not the plan's
    /// `as_of`, which may be a preview's, or minutes old after a confirmation), so that
    /// the overlap and the time disabled are never cut short.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.client().clock().utc_now()
    }

    /// Creates the declared key of `change` under this run's pending name, hands its
    /// secret to `sink`, then gives it the declared name; a key whose secret could not be
    /// handed over is deleted again.
    #[allow(clippy::too_many_arguments)]
    async fn create_and_deliver(
        &self,
        plan: &Plan,
        change: &Change,
        environment: &Environment,
        sink: &(impl SecretSink + ?Sized),
        gate: Option<&Arc<dyn WriteGate>>,
        created: &mut Vec<CreatedApiKey>,
        run: &str,
    ) -> Result<KeyId> {
        let declared = change.declared.as_ref().ok_or_else(|| Error::invalid("plan", "a create declares no key"))?;
        let pending = markers::pending_name(&declared.name, run);
        // Built before the gate is asked: an error after `may_create` would skip `after_create`.
        let new =
            key_to_create(pending.clone(), &declared.key_type, environment.id.as_str(), declared.permissions.clone())?
                .disabled(declared.disabled);
        if !may_create(gate, &declared.name) {
            return Err(Error::Cancelled { operation: Operation::CreateApiKey });
        }
        let stage = |id: &KeyId, delivered| {
            if let Some(gate) = gate {
                gate.create_stage(&declared.name, id, delivered);
            }
        };
        let outcome = match self.create(new).await {
            Ok(key) => {
                let id = key.id().clone();
                stage(&id, None);
                // Proven to work before anyone is handed it (nor the old key touched). A key
                // declared disabled cannot authenticate: nothing to prove.
                let proven = if declared.disabled { Ok(()) } else { verify::new_key(self, &key).await };
                if let Err(why) = proven {
                    created.push(key);
                    let error = self.undo_create(&id, &declared.name, why, "apply again later").await;
                    if let Some(gate) = gate {
                        gate.after_create(&declared.name);
                    }
                    return Err(error);
                }
                let secret = key.header_value();
                let secret_name = declared.effective_secret_name();
                // The sink stores it under the name it is about to take.
                let named = ApiKey { name: declared.name.clone(), ..key.key().clone() };
                let delivery = Delivery { key: &named, environment, secret_name: &secret_name, secret: &secret };
                let delivered = deliver(sink, &delivery);
                created.push(key);
                stage(&id, Some(delivered.is_ok()));
                match delivered {
                    Ok(()) => self.take_name(&id, &declared.name).await.map(|()| id),
                    Err(reason) => {
                        let reason = format!("its secret could not be delivered: {reason}");
                        Err(self.undo_create(&id, &declared.name, reason, "apply again once the sink works").await)
                    }
                }
            }
            Err(e) if e.is_outcome_unknown() => Err(self.remove_orphans(plan, &pending, change, e).await),
            Err(e) => Err(e),
        };
        if let Some(gate) = gate {
            gate.after_create(&declared.name);
        }
        outcome
    }

    /// Gives a new key, its secret delivered, the declared name.
    async fn take_name(&self, id: &KeyId, name: &str) -> Result<()> {
        match self.update(id, ApiKeyUpdate::new().name(name)).await {
            Ok(_) => Ok(()),
            Err(e) => Err(Error::StepFailed {
                message: format!(
                    "the secret of {id} was delivered, but giving it the name {:?} failed ({e}); it keeps its pending name, so the next plan makes the key again (its secret delivered anew) and retires {id}",
                    terminal_safe(name)
                ),
                source: Some(Box::new(e)),
                resumable: true,
            }),
        }
    }
}
