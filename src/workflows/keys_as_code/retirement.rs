//! Staged retirement, as Honeycomb advises: a key that is replaced stays enabled for an
//! overlap (services pick up its successor's secret meanwhile), is then disabled, and is
//! deleted after a while disabled. Each stage and when it began are in the key's name
//! (`markers`), so every machine's plan agrees, with no local state.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
};

use chrono::{DateTime, Utc};

use super::{
    change::Action,
    classify::Stage,
    keyset::{DeclaredKey, KeySet},
    markers::{Marker, kept_of, tag_value},
};
use crate::{ApiKey, EnvironmentId, KeyType, Result, terminal_safe};

/// The default overlap: a day enabled after the successor was delivered.
pub(super) const DEFAULT_OVERLAP_HOURS: u32 = 24;
/// The default time disabled before the delete: two days.
pub(super) const DEFAULT_DISABLED_HOURS: u32 = 48;
/// The longest either may be: a year.
const MAX_HOURS: u32 = 8760;

impl DeclaredKey {
    /// Keep a replaced key enabled this many hours after its successor's secret was
    /// delivered (0 to 8760; default: the set's, else 24).
    ///
    /// ```
    /// use honeycomb_api_keys::DeclaredKey;
    /// let key = DeclaredKey::ingest("checkout", "Production").rotate_after_days(90).overlap_hours(2);
    /// assert_eq!(key.overlap_hours, Some(2));
    /// ```
    pub fn overlap_hours(mut self, hours: u32) -> Self {
        self.overlap_hours = Some(hours);
        self
    }

    /// Keep a replaced key disabled this many hours before deleting it (0 to 8760;
    /// default: the set's, else 48).
    ///
    /// ```
    /// use honeycomb_api_keys::DeclaredKey;
    /// let key = DeclaredKey::ingest("checkout", "Production").disabled_hours(0);
    /// assert_eq!(key.disabled_hours, Some(0));
    /// ```
    pub fn disabled_hours(mut self, hours: u32) -> Self {
        self.disabled_hours = Some(hours);
        self
    }
}

impl KeySet {
    /// The overlap of every key that does not set its own (default 24 hours): how long a
    /// replaced key stays enabled after its successor's secret was delivered.
    ///
    /// ```
    /// use honeycomb_api_keys::{DeclaredKey, KeySet};
    /// let set = KeySet::new().overlap_hours(6).key(DeclaredKey::ingest("checkout", "Production"));
    /// assert_eq!(set.retirement_of(&set.keys()[0]), (6, 48));
    /// ```
    #[must_use]
    pub fn overlap_hours(mut self, hours: u32) -> Self {
        self.overlap_hours = Some(hours);
        self
    }

    /// The time disabled of every key that does not set its own (default 48 hours).
    #[must_use]
    pub fn disabled_hours(mut self, hours: u32) -> Self {
        self.disabled_hours = Some(hours);
        self
    }

    /// A key's overlap and time disabled, in hours: its own, else the set's, else 24 and 48.
    pub fn retirement_of(&self, key: &DeclaredKey) -> (u32, u32) {
        let (overlap, disabled_for) = self.set_hours();
        (key.overlap_hours.unwrap_or(overlap), key.disabled_hours.unwrap_or(disabled_for))
    }

    /// The set's overlap and time disabled, in hours, else 24 and 48.
    fn set_hours(&self) -> (u32, u32) {
        (self.overlap_hours.unwrap_or(DEFAULT_OVERLAP_HOURS), self.disabled_hours.unwrap_or(DEFAULT_DISABLED_HOURS))
    }
}

/// The first of `hours` over a year, with the problem in words.
fn over_a_year(hours: [(&'static str, Option<u32>); 2]) -> Option<(&'static str, String)> {
    hours.into_iter().find_map(|(field, hours)| {
        let hours = hours.filter(|h| *h > MAX_HOURS)?;
        Some((field, format!("is {hours}; it must be 0 to {MAX_HOURS} (a year)")))
    })
}

/// Checks a key's own hours.
pub(super) fn check(key: &DeclaredKey) -> Result<()> {
    match over_a_year([("overlap_hours", key.overlap_hours), ("disabled_hours", key.disabled_hours)]) {
        Some((field, problem)) => Err(key.error(field, problem)),
        None => Ok(()),
    }
}

/// Checks the set's hours.
pub(super) fn check_set(set: &KeySet) -> Result<()> {
    match over_a_year([("overlap_hours", set.overlap_hours), ("disabled_hours", set.disabled_hours)]) {
        Some((field, problem)) => Err(crate::Error::invalid(field, problem)),
        None => Ok(()),
    }
}

/// `at` plus `hours`.
pub(super) fn after(at: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    at + chrono::Duration::hours(i64::from(hours))
}

/// "in 23 h", "in 40 min", "now": how far `due` is from `now`.
pub(super) fn in_words(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (due - now).num_minutes();
    match minutes {
        ..=0 => "now".into(),
        1..=119 => format!("in {minutes} min"),
        _ => format!("in {} h", (minutes + 30) / 60),
    }
}

/// The next step of a key on its way out.
pub(super) struct NextStep {
    pub(super) action: Action,
    /// When it falls due; none while the key waits for its successor to exist.
    pub(super) due_at: Option<DateTime<Utc>>,
    pub(super) why: String,
}

/// The next step of `old`, at `stage`, given the declared key now (`current`, if it
/// exists) and the key's `(overlap, disabled)` hours. A retiring key's overlap counts from
/// when its successor could be used: its retirement began, or its successor was made,
/// whichever is later (a rotation stopped before the successor waits for it).
pub(super) fn next_step(
    (overlap, disabled_for): (u32, u32),
    old: &ApiKey,
    stage: Stage,
    current: Option<&ApiKey>,
    now: DateTime<Utc>,
) -> NextStep {
    let name = terminal_safe(&old.name);
    let due_at = due_at(stage, current.map(|c| c.created), (overlap, disabled_for));
    match stage {
        Stage::Retiring(_) => {
            let when = due_at.map_or_else(|| "once its successor exists".into(), |due| in_words(due, now));
            let why = format!("{name:?}, enabled during the overlap ({overlap} h after its successor): disable {when}");
            NextStep { action: Action::Disable, due_at, why }
        }
        Stage::Disabled(since) => {
            let when = due_at.map_or_else(String::new, |due| in_words(due, now));
            let why = format!("{name:?}, disabled since {since} ({disabled_for} h): delete {when}");
            NextStep { action: Action::Remove, due_at, why }
        }
    }
}

/// When the next step of a key at `stage` falls due, given when its successor was made
/// (a retiring key's overlap waits for one) and its `(overlap, disabled)` hours.
pub(super) fn due_at(
    stage: Stage,
    successor_made: Option<DateTime<Utc>>,
    (overlap, disabled_for): (u32, u32),
) -> Option<DateTime<Utc>> {
    match stage {
        Stage::Retiring(since) => successor_made.map(|made| after(since.max(made), overlap)),
        Stage::Disabled(since) => Some(after(since, disabled_for)),
    }
}

/// The hours of a key set by the tag of each declared name, for an audit, which knows the
/// keys on their way out only by their marked names.
#[derive(Clone, Debug)]
pub(crate) struct HoursByTag {
    by_tag: HashMap<u32, (u32, u32)>,
    default: (u32, u32),
}

impl Default for HoursByTag {
    fn default() -> Self {
        HoursByTag { by_tag: HashMap::new(), default: (DEFAULT_OVERLAP_HOURS, DEFAULT_DISABLED_HOURS) }
    }
}

impl From<&KeySet> for HoursByTag {
    fn from(set: &KeySet) -> Self {
        let mut by_tag = HashMap::new();
        for key in set.keys() {
            by_tag.entry(tag_value(&key.name)).or_insert_with(|| set.retirement_of(key));
        }
        HoursByTag { by_tag, default: set.set_hours() }
    }
}

/// The newest unmarked key of each declared name, remembered while an audit streams the
/// keys in little memory (a hash and a time a name): the successors of the keys on their
/// way out, whose overlap counts from when their successor was made.
#[derive(Debug, Default)]
pub(crate) struct Successors(HashMap<u64, DateTime<Utc>>);

impl Successors {
    /// Notes `key`; a marked key is nobody's successor.
    pub(crate) fn note(&mut self, key: &ApiKey) {
        if Marker::parse(&key.name).is_some() {
            return;
        }
        let slot = slot(key.environment_id.as_ref(), &key.key_type, tag_value(&key.name), kept_of(&key.name));
        let newest = self.0.entry(slot).or_insert(key.created);
        *newest = (*newest).max(key.created);
    }
}

/// Where [`Successors`] keeps the newest key of a name: its environment, type, the tag of
/// its name, and what a retiring name keeps of it.
fn slot(env: Option<&EnvironmentId>, key_type: &KeyType, tag: u32, kept: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (env.map(EnvironmentId::as_str), key_type.as_str(), tag, kept).hash(&mut h);
    h.finish()
}

/// A key keys as code is retiring, as an audit sees it: read from its name alone.
#[derive(Clone, Debug)]
pub(crate) struct Marked<'a> {
    pub(crate) disabled: bool,
    pub(crate) since: DateTime<Utc>,
    stage: Stage,
    tag: u32,
    /// What its name keeps of the declared name (all of it, unless it was long).
    kept: &'a str,
}

impl<'a> Marked<'a> {
    /// What `name` says, if it is the name of a key on its way out.
    pub(crate) fn read(name: &'a str) -> Option<Marked<'a>> {
        let marker = Marker::parse(name)?;
        let (disabled, stage, since) = match marker {
            Marker::Retiring { since, .. } => (false, Stage::Retiring(since), since),
            Marker::Disabled { since, .. } => (true, Stage::Disabled(since), since),
            Marker::Pending { .. } => return None,
        };
        let tag = u32::from_str_radix(marker.tag(), 16).ok()?;
        let (_, kept) = name.split_once("] ")?;
        Some(Marked { disabled, since, stage, tag, kept })
    }

    /// When its next step falls due: `hours` for its declared name, and, for a retiring
    /// key, the newest key of that name in its environment (`env`) and of its type that
    /// `successors` noted.
    pub(crate) fn due_at(
        &self,
        (env, key_type): (Option<&EnvironmentId>, &KeyType),
        successors: &Successors,
        hours: &HoursByTag,
    ) -> Option<DateTime<Utc>> {
        let made = successors.0.get(&slot(env, key_type, self.tag, self.kept)).copied();
        due_at(self.stage, made, hours.by_tag.get(&self.tag).copied().unwrap_or(hours.default))
    }
}
