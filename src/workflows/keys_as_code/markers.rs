//! The names keys as code gives the keys it is working on, so that any later plan, on any
//! machine, knows them from what Honeycomb holds, without local state:
//!
//! - `[hny-keys pending 1f3a9c07 e4d2b1a0] checkout ingest`: a key that apply run
//!   `e4d2b1a0` made for the declared name whose tag is `1f3a9c07`. It takes the declared
//!   name only once its secret was delivered, so a key whose secret nobody got (an answer
//!   lost, a process killed, a create Honeycomb stored late) never passes for the declared
//!   key.
//! - `[hny-keys retiring 1f3a9c07 20261207T1603Z] checkout ingest`: a key on its way out
//!   (a rotation's old key, or an older second key of the name), still enabled, since the
//!   time it names: disabled once its overlap has passed.
//! - `[hny-keys disabled 1f3a9c07 20261208T1603Z] checkout ingest`: the same key, disabled
//!   since the time it names: deleted once its disabled time has passed.
//!
//! The tag is a checksum of the declared name: a person does not write such a name by
//! accident, and a name cut to fit Honeycomb's 100 characters still tells apart two long
//! names that share a beginning. A key counts as marked only when its whole name is what
//! this module makes for a declared name.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::MAX_NAME_LEN;

/// How a stage's start is written in a name: to the minute, UTC.
const SINCE: &str = "%Y%m%dT%H%MZ";

/// What every marked name starts with; no declared name may.
pub(crate) const PREFIX: &str = "[hny-keys ";

/// What a marked name says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Marker<'a> {
    /// Made by apply run `run`; its secret was not (yet) delivered.
    Pending { tag: &'a str, run: &'a str },
    /// On its way out, still enabled, since `since`.
    Retiring { tag: &'a str, since: DateTime<Utc> },
    /// On its way out, disabled, since `since`.
    Disabled { tag: &'a str, since: DateTime<Utc> },
}

impl<'a> Marker<'a> {
    /// What `name` says, when it has a marker's form.
    pub(crate) fn parse(name: &'a str) -> Option<Marker<'a>> {
        let (head, _) = name.strip_prefix(PREFIX)?.split_once("] ")?;
        let mut words = head.split(' ');
        let since = |word: &str| NaiveDateTime::parse_from_str(word, SINCE).ok().map(|t| t.and_utc());
        let marker = match (words.next()?, words.next()?, words.next()) {
            ("pending", tag, Some(run)) if is_hex8(tag) && is_hex8(run) => Marker::Pending { tag, run },
            ("retiring", tag, Some(word)) if is_hex8(tag) => Marker::Retiring { tag, since: since(word)? },
            ("disabled", tag, Some(word)) if is_hex8(tag) => Marker::Disabled { tag, since: since(word)? },
            _ => return None,
        };
        if words.next().is_some() {
            return None;
        }
        Some(marker)
    }

    /// The tag of the declared name it was made for.
    pub(crate) fn tag(&self) -> &'a str {
        match self {
            Marker::Pending { tag, .. } | Marker::Retiring { tag, .. } | Marker::Disabled { tag, .. } => tag,
        }
    }

    /// Whether `name` (the whole key name this was parsed from) is this marker made for
    /// the declared name `declared`.
    pub(crate) fn is_for(&self, name: &str, declared: &str) -> bool {
        match self {
            Marker::Pending { run, .. } => pending_name(declared, run) == name,
            Marker::Retiring { since, .. } => retiring_name(declared, *since) == name,
            Marker::Disabled { since, .. } => disabled_name(declared, *since) == name,
        }
    }
}

fn is_hex8(word: &str) -> bool {
    word.len() == 8 && word.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The tag of a declared name: FNV-1a (32 bits) of its bytes, in 8 hex digits. Stable
/// across versions and machines: every plan computes the same tag.
pub(crate) fn tag(name: &str) -> String {
    format!("{:08x}", tag_value(name))
}

/// The tag of a declared name as a number.
pub(crate) fn tag_value(name: &str) -> u32 {
    name.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// How long the head of a retiring or disabled name is (`[hny-keys retiring 1f3a9c07
/// 20261207T1603Z] `; both stages' words have 8 letters).
const OUT_HEAD: usize = PREFIX.len() + "retiring ".len() + 8 + " ".len() + "20261207T1603Z".len() + "] ".len();

/// What a retiring or disabled name keeps of the declared name `name`: as much as fits
/// in Honeycomb's limit after the head.
pub(crate) fn kept_of(name: &str) -> &str {
    name.char_indices().nth(MAX_NAME_LEN - OUT_HEAD).map_or(name, |(at, _)| &name[..at])
}

/// A new apply run's id: 8 random hex digits.
pub(crate) fn new_run() -> String {
    format!("{:08x}", fastrand::u32(..))
}

/// `head` and then as much of `name` as fits in Honeycomb's limit.
fn marked(head: String, name: &str) -> String {
    let room = MAX_NAME_LEN.saturating_sub(head.chars().count());
    let kept: String = name.chars().take(room).collect();
    head + &kept
}

/// The name run `run` creates the declared key `name` under, until its secret is delivered.
pub(crate) fn pending_name(name: &str, run: &str) -> String {
    marked(format!("{PREFIX}pending {} {run}] ", tag(name)), name)
}

/// The name of a key of the declared key `name` on its way out, still enabled, since
/// `since` (a rotation's old key, an older second key of the name).
pub(crate) fn retiring_name(name: &str, since: DateTime<Utc>) -> String {
    marked(format!("{PREFIX}retiring {} {}] ", tag(name), since.format(SINCE)), name)
}

/// The name of such a key once disabled, since `since`.
pub(crate) fn disabled_name(name: &str, since: DateTime<Utc>) -> String {
    marked(format!("{PREFIX}disabled {} {}] ", tag(name), since.format(SINCE)), name)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::{Marker, disabled_name, kept_of, new_run, pending_name, retiring_name, tag};

    #[test]
    fn marked_names_are_read_back_for_their_declared_name_only() {
        let run = new_run();
        let pending = pending_name("checkout ingest", &run);
        assert!(pending.starts_with("[hny-keys pending ") && pending.ends_with("] checkout ingest"), "{pending}");
        let marker = Marker::parse(&pending).unwrap();
        assert_eq!(marker, Marker::Pending { tag: &tag("checkout ingest"), run: &run });
        assert!(marker.is_for(&pending, "checkout ingest"));
        assert!(!marker.is_for(&pending, "checkout"));
        let since = Utc.with_ymd_and_hms(2026, 12, 7, 16, 3, 0).unwrap();
        let retiring = retiring_name("api", since);
        assert_eq!(retiring, format!("[hny-keys retiring {} 20261207T1603Z] api", tag("api")));
        assert_eq!(Marker::parse(&retiring), Some(Marker::Retiring { tag: &tag("api"), since }));
        let disabled = disabled_name("api", since);
        assert_eq!(Marker::parse(&disabled), Some(Marker::Disabled { tag: &tag("api"), since }));
        assert!(Marker::parse(&disabled).unwrap().is_for(&disabled, "api"));
        // What a person writes is no marker.
        for name in [
            "api (retiring)",
            "[hny-keys retiring] api",
            "[hny-keys retiring ABCDEF12 20261207T1603Z] api",
            "[hny-keys retiring abcdef12] api",
            "[hny-keys retiring abcdef12 2026-12-07] api",
            "api",
        ] {
            assert_eq!(Marker::parse(name), None, "{name}");
        }
        // A well-formed marker with another name's tag is not that name's.
        let other = format!("[hny-keys retiring {} 20261207T1603Z] api", tag("web"));
        assert!(!Marker::parse(&other).unwrap().is_for(&other, "api"));
    }

    #[test]
    fn long_names_that_share_a_beginning_stay_apart() {
        let a = format!("{}a", "x".repeat(99));
        let b = format!("{}b", "x".repeat(99));
        let since = Utc.with_ymd_and_hms(2026, 12, 7, 16, 3, 0).unwrap();
        for (made, name) in [(retiring_name(&a, since), &a), (pending_name(&a, "0000abcd"), &a)] {
            assert_eq!(made.chars().count(), crate::MAX_NAME_LEN);
            assert!(Marker::parse(&made).unwrap().is_for(&made, name));
            assert!(!Marker::parse(&made).unwrap().is_for(&made, &b));
        }
        assert_ne!(retiring_name(&a, since), retiring_name(&b, since));
        assert_eq!(tag(""), "811c9dc5");
        // What the names of keys on their way out keep of a declared name.
        for name in [a.as_str(), "api", &"é".repeat(120)] {
            for made in [retiring_name(name, since), disabled_name(name, since)] {
                assert_eq!(made.split_once("] ").unwrap().1, kept_of(name), "{made}");
            }
        }
    }
}
