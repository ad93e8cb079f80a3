//! The names the workflows give and recognize: a rotation's replacement, with any date,
//! and the name a key had before rotations suffixed it.

use super::fill;

/// A name without the `" (rotated YYYY-MM-DD)"` an earlier rotation added, so that
/// rotating again does not stack them.
pub(super) fn base_name(name: &str) -> &str {
    match name.rsplit_once(" (rotated ") {
        Some((base, rest))
            if rest.len() == 11
                && rest.ends_with(')')
                && chrono::NaiveDate::parse_from_str(&rest[..10], "%Y-%m-%d").is_ok() =>
        {
            base
        }
        _ => name,
    }
}

/// The replacement's name, from the template with `{name}` filled in: made with today's
/// date, and recognized with any date (a rerun on another day still finds it).
pub(super) struct NamePattern {
    /// The template with `{name}` filled in and each `{date}` as a NUL (a character no
    /// name holds, so that a `{date}` inside the old name stays text).
    template: String,
}

impl NamePattern {
    pub(super) fn new(template: &str, name: &str) -> Self {
        let name = name.replace('\0', "\u{fffd}");
        NamePattern { template: template.replace("{date}", "\0").replace("{name}", &name) }
    }

    pub(super) fn fill(&self, date: &str) -> String {
        fill(&self.template.replace('\0', date), &[])
    }

    /// Whether `name` is this template filled with some date.
    pub(super) fn matches(&self, name: &str) -> bool {
        match self.template.split_once('\0') {
            None => self.fill("") == name,
            Some((before, _)) => name.strip_prefix(before).and_then(|rest| rest.get(..10)).is_some_and(|date| {
                chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok() && self.fill(date) == name
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NamePattern, base_name};

    #[test]
    fn a_rerun_recognizes_the_replacement_whatever_its_date() {
        let p = NamePattern::new("{name} (rotated {date})", "CI");
        assert_eq!(p.fill("2026-11-30"), "CI (rotated 2026-11-30)");
        assert!(p.matches("CI (rotated 2026-11-29)"));
        assert!(!p.matches("CI (rotated soon)"));
        assert!(!p.matches("CI"));
        assert!(!p.matches("CI2 (rotated 2026-11-29)"));
        let fixed = NamePattern::new("{name}-next", "CI");
        assert!(fixed.matches("CI-next") && !fixed.matches("CI"));
        let odd = NamePattern::new("{name} (rotated {date})", "a {date} b");
        assert_eq!(odd.fill("2026-01-01"), "a {date} b (rotated 2026-01-01)");
    }

    #[test]
    fn a_second_rotation_does_not_stack_the_suffix() {
        assert_eq!(base_name("CI (rotated 2026-11-26)"), "CI");
        assert_eq!(base_name("CI"), "CI");
        assert_eq!(base_name("CI (rotated soon)"), "CI (rotated soon)");
        assert_eq!(base_name("CI (rotated 2026-11-26) copy"), "CI (rotated 2026-11-26) copy");
    }
}
