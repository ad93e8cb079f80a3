//! What a key may do: the [`Permission`] names of the wire and the [`Permissions`] set.

use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::error::Error;

macro_rules! permissions {
    ($( $(#[$doc:meta])* $variant:ident => $wire:literal, $builder:ident; )*) => {
        /// One permission of an API key, named as on the wire.
        ///
        /// Honeycomb adds permissions over time (`manage_signals` arrived in 2026). A name
        /// this enum does not know yet is still decoded and kept by [`Permissions`]
        /// (see [`Permissions::unknown`]), so listing keys never fails on it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Permission {
            $( $(#[$doc])* $variant, )*
        }

        impl Permission {
            /// Every permission this version of the crate knows, in wire order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),*];

            /// The exact name on the wire, such as `manage_privateBoards`.
            pub const fn wire_name(self) -> &'static str {
                match self { $( Permission::$variant => $wire, )* }
            }

            /// The permission with this exact wire name, if this crate knows it.
            pub fn from_wire_name(name: &str) -> Option<Permission> {
                match name { $( $wire => Some(Permission::$variant), )* _ => None }
            }
        }

        impl PermissionsBuilder {
            $(
                #[doc = concat!("Grants `", $wire, "`.")]
                pub fn $builder(self) -> Self {
                    self.grant(Permission::$variant)
                }
            )*
        }
    };
}

permissions! {
    /// Create new datasets when sending events (the only permission of an ingest key).
    CreateDatasets => "create_datasets", create_datasets;
    /// Send events.
    SendEvents => "send_events", send_events;
    /// Create and change markers.
    ManageMarkers => "manage_markers", manage_markers;
    /// Create and change triggers.
    ManageTriggers => "manage_triggers", manage_triggers;
    /// Create and change public boards.
    ManageBoards => "manage_boards", manage_boards;
    /// Run queries.
    RunQueries => "run_queries", run_queries;
    /// Manage columns and queries (Terraform calls it `manage_queries`).
    ManageColumns => "manage_columns", manage_columns;
    /// Create and change SLOs.
    ManageSlos => "manage_slos", manage_slos;
    /// Create and change recipients.
    ManageRecipients => "manage_recipients", manage_recipients;
    /// Create and change anomaly-detection signals (added in Honeycomb's 2026 spec).
    ManageSignals => "manage_signals", manage_signals;
    /// Create and change private boards (wire name in camelCase: `manage_privateBoards`).
    ManagePrivateBoards => "manage_privateBoards", manage_private_boards;
    /// Read service maps.
    ReadServiceMaps => "read_service_maps", read_service_maps;
    /// Show the key to team members and read-only users in the UI (not a capability).
    VisibleTeamMembers => "visible_team_members", visible_team_members;
}

impl Permission {
    /// Whether an ingest key may carry this permission (only `create_datasets`).
    pub const fn allowed_on_ingest_keys(self) -> bool {
        matches!(self, Permission::CreateDatasets)
    }

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.wire_name())
    }
}

impl FromStr for Permission {
    type Err = Error;

    /// Parses a wire name; `manage_private_boards` (snake case) is accepted for
    /// `manage_privateBoards`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        Permission::from_wire_name(s)
            .or_else(|| (s == "manage_private_boards").then_some(Permission::ManagePrivateBoards))
            .ok_or_else(|| {
                let known: Vec<&str> = Permission::ALL.iter().map(|p| p.wire_name()).collect();
                Error::invalid("permission", format!("unknown permission `{s}`; known: {}", known.join(", ")))
            })
    }
}

impl Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.wire_name())
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        Permission::from_wire_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown permission `{name}`")))
    }
}

/// A set of granted permissions, plus any permission names this crate does not know yet.
///
/// ```
/// use honeycomb_api_keys::{Permission, Permissions};
///
/// let ci = Permissions::builder().run_queries().manage_boards().build();
/// assert!(ci.contains(Permission::RunQueries));
/// assert_eq!(ci.to_string(), "manage_boards, run_queries");
///
/// // Presets for common roles.
/// assert!(Permissions::read_only_querying().contains(Permission::RunQueries));
/// assert_eq!(Permissions::all().len(), Permission::ALL.len());
/// ```
///
/// It serializes as the wire's `permissions` object: every known permission with `true`
/// or `false` (all of them, even for an ingest key, whose wire object has only
/// `create_datasets`), followed by the unknown names as they were received. Reading that
/// back gives the same set.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Permissions {
    known: u32,
    unknown: BTreeMap<String, bool>,
}

impl Permissions {
    /// No permission at all.
    pub const fn none() -> Self {
        Permissions { known: 0, unknown: BTreeMap::new() }
    }

    /// Every permission this crate knows, `visible_team_members` included.
    pub fn all() -> Self {
        Permission::ALL.iter().copied().collect()
    }

    /// A builder: `Permissions::builder().run_queries().manage_boards().build()`.
    pub fn builder() -> PermissionsBuilder {
        PermissionsBuilder(Permissions::none())
    }

    /// Preset: query and read, change nothing (`run_queries`, `read_service_maps`).
    pub fn read_only_querying() -> Self {
        [Permission::RunQueries, Permission::ReadServiceMaps].into_iter().collect()
    }

    /// Preset: query, and manage public and private boards.
    pub fn board_management() -> Self {
        [Permission::RunQueries, Permission::ManageBoards, Permission::ManagePrivateBoards].into_iter().collect()
    }

    /// Preset: every capability of a configuration key, but not `visible_team_members`
    /// (which only controls who sees the key in the UI).
    pub fn full_configuration() -> Self {
        let mut p = Permissions::all();
        p.remove(Permission::VisibleTeamMembers);
        p
    }

    /// Whether `permission` is granted.
    pub const fn contains(&self, permission: Permission) -> bool {
        self.known & permission.bit() != 0
    }

    /// Grants `permission`.
    pub fn insert(&mut self, permission: Permission) {
        self.known |= permission.bit();
    }

    /// Takes `permission` away.
    pub fn remove(&mut self, permission: Permission) {
        self.known &= !permission.bit();
    }

    /// The granted permissions this crate knows, in wire order.
    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        Permission::ALL.iter().copied().filter(|p| self.contains(*p))
    }

    /// How many permissions are granted, unknown ones included.
    pub fn len(&self) -> usize {
        self.known.count_ones() as usize + self.unknown.values().filter(|v| **v).count()
    }

    /// `true` when no known permission is granted and no unknown one is `true`.
    pub fn is_empty(&self) -> bool {
        self.known == 0 && !self.unknown.values().any(|v| *v)
    }

    /// Permission names this crate does not know yet, with their values, as received.
    pub fn unknown(&self) -> impl Iterator<Item = (&str, bool)> {
        self.unknown.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Keeps a permission name this crate does not know, with its value.
    pub(crate) fn insert_unknown(&mut self, name: String, granted: bool) {
        self.unknown.insert(name, granted);
    }

    /// Checks that a key of `key_type` can carry these permissions: an ingest key only
    /// `create_datasets` (and no unknown name set to `true`).
    ///
    /// ```
    /// use honeycomb_api_keys::{KeyType, Permission, Permissions};
    /// assert!(Permissions::from(Permission::CreateDatasets).check_for(&KeyType::Ingest).is_ok());
    /// assert!(Permissions::board_management().check_for(&KeyType::Ingest).is_err());
    /// assert!(Permissions::board_management().check_for(&KeyType::Configuration).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for `permissions`, naming
    /// the ones an ingest key cannot have.
    pub fn check_for(&self, key_type: &crate::KeyType) -> crate::Result<()> {
        if *key_type != crate::KeyType::Ingest {
            return Ok(());
        }
        let extra: Vec<String> = self
            .iter()
            .filter(|p| !p.allowed_on_ingest_keys())
            .map(|p| p.wire_name().to_string())
            .chain(self.unknown.iter().filter(|(_, v)| **v).map(|(k, _)| k.clone()))
            .collect();
        if extra.is_empty() {
            return Ok(());
        }
        Err(crate::Error::invalid(
            "permissions",
            format!(
                "an ingest key can only have `create_datasets`; `{}` need a configuration key (NewApiKey::configuration)",
                extra.join("`, `")
            ),
        ))
    }

    /// Every permission as `(wire name, granted)`: the known ones in wire order, then the
    /// unknown ones. This is the wire's `permissions` object.
    pub(crate) fn to_wire(&self) -> impl Iterator<Item = (&str, bool)> {
        Permission::ALL.iter().map(|p| (p.wire_name(), self.contains(*p))).chain(self.unknown())
    }

    /// Reads a `permissions` object: the one decoder, for the public `Deserialize` and
    /// for Honeycomb's answers. `lenient` (Honeycomb's answers): a member whose value is
    /// not a boolean is skipped; otherwise it is an error.
    pub(crate) fn decode<'de, D: serde::Deserializer<'de>>(d: D, lenient: bool) -> Result<Self, D::Error> {
        d.deserialize_map(Decoder { lenient })
    }
}

/// Writes `(name, granted)` members as a `permissions` object: the one encoder, for the
/// public `Serialize` and for request bodies.
pub(crate) fn encode<'a, S: serde::Serializer>(
    s: S,
    members: impl IntoIterator<Item = (&'a str, bool)>,
) -> Result<S::Ok, S::Error> {
    s.collect_map(members)
}

/// The visitor of [`Permissions::decode`]: straight from the body, known names matched
/// without allocating; a name that comes twice takes its last value.
struct Decoder {
    lenient: bool,
}

impl<'de> serde::de::Visitor<'de> for Decoder {
    type Value = Permissions;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of permission names and booleans")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Permissions, A::Error> {
        let mut set = Permissions::none();
        while let Some(MemberName(name)) = map.next_key()? {
            let granted = if self.lenient {
                match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::Bool(granted) => granted,
                    _ => continue,
                }
            } else {
                map.next_value::<bool>()?
            };
            match name {
                Ok(known) if granted => set.insert(known),
                Ok(known) => set.remove(known),
                Err(unknown) => set.insert_unknown(unknown, granted),
            }
        }
        Ok(set)
    }
}

/// A member name: a known permission, or the name this crate does not know.
struct MemberName(Result<Permission, String>);

impl<'de> Deserialize<'de> for MemberName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = MemberName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a permission name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<MemberName, E> {
                Ok(MemberName(Permission::from_wire_name(name).ok_or_else(|| name.to_string())))
            }
        }
        d.deserialize_str(Name)
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut p = Permissions::none();
        p.extend(iter);
        p
    }
}

impl Extend<Permission> for Permissions {
    fn extend<I: IntoIterator<Item = Permission>>(&mut self, iter: I) {
        for permission in iter {
            self.insert(permission);
        }
    }
}

impl From<Permission> for Permissions {
    fn from(p: Permission) -> Self {
        [p].into_iter().collect()
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut set = f.debug_set();
        set.entries(self.iter().map(Permission::wire_name));
        for (name, granted) in self.unknown() {
            set.entry(&format_args!("{name}={granted} (unknown)"));
        }
        set.finish()
    }
}

/// Lists the granted permissions by wire name, sorted, comma-separated; unknown names
/// that are granted are marked `(unknown)`. An empty set shows as `none`.
impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<String> = self.iter().map(|p| p.wire_name().to_string()).collect();
        names.extend(self.unknown().filter(|(_, v)| *v).map(|(k, _)| format!("{k} (unknown)")));
        names.sort();
        if names.is_empty() { f.write_str("none") } else { f.write_str(&names.join(", ")) }
    }
}

impl Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        encode(s, self.to_wire())
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Permissions::decode(d, false)
    }
}

/// Builds a [`Permissions`] set one permission at a time. One method per permission,
/// named like its wire name in snake case.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct PermissionsBuilder(Permissions);

impl PermissionsBuilder {
    /// Grants `permission`.
    pub fn grant(mut self, permission: Permission) -> Self {
        self.0.insert(permission);
        self
    }

    /// Finishes the set.
    pub fn build(self) -> Permissions {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_exactly() {
        // That these are exactly the spec's names is checked by tests/spec.rs.
        for &p in Permission::ALL {
            assert_eq!(Permission::from_wire_name(p.wire_name()), Some(p));
            assert_eq!(p.wire_name().parse::<Permission>().unwrap(), p);
        }
        assert_eq!(Permission::ManagePrivateBoards.wire_name(), "manage_privateBoards");
        assert_eq!("manage_private_boards".parse::<Permission>().unwrap(), Permission::ManagePrivateBoards);
        let err = "manage_queries".parse::<Permission>().unwrap_err();
        assert!(err.to_string().contains("manage_columns"), "{err}");
    }

    #[test]
    fn unknown_permissions_are_kept_and_shown() {
        let wire = r#"{"run_queries":true,"manage_boards":false,"manage_spaceships":true,"old_thing":false}"#;
        let p: Permissions = serde_json::from_str(wire).unwrap();
        assert!(p.contains(Permission::RunQueries));
        assert!(!p.contains(Permission::ManageBoards));
        assert_eq!(p.unknown().collect::<Vec<_>>(), vec![("manage_spaceships", true), ("old_thing", false)]);
        assert_eq!(p.to_string(), "manage_spaceships (unknown), run_queries");
        let back: serde_json::Value = serde_json::to_value(&p).unwrap();
        assert_eq!(back["manage_spaceships"], true);
        assert_eq!(back["old_thing"], false);
        assert_eq!(back["manage_privateBoards"], false);
        assert_eq!(back.as_object().unwrap().len(), Permission::ALL.len() + 2);
    }

    #[test]
    fn one_decoder_strict_for_users_lenient_for_answers() {
        let body = r#"{"run_queries":true,"manage_boards":"yes","manage_columns":true,"manage_columns":false}"#;
        let err = serde_json::from_str::<Permissions>(body).unwrap_err();
        assert!(err.to_string().contains("expected a boolean"), "{err}");
        let answered = Permissions::decode(&mut serde_json::Deserializer::from_str(body), true).unwrap();
        assert_eq!(answered.to_string(), "run_queries", "the non-boolean is skipped, the last duplicate wins");
    }

    #[test]
    fn presets_are_what_they_say() {
        assert_eq!(Permissions::full_configuration().len(), Permission::ALL.len() - 1);
        assert!(!Permissions::full_configuration().contains(Permission::VisibleTeamMembers));
        assert_eq!(Permissions::board_management().to_string(), "manage_boards, manage_privateBoards, run_queries");
        assert_eq!(Permissions::none().to_string(), "none");
        assert!(Permissions::none().is_empty());
    }
}
