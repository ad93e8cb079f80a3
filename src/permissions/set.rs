//! The [`Permissions`] set and its builder.

use std::{collections::BTreeMap, fmt};

use super::Permission;

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
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// assert!(Permissions::none().is_empty());
    /// assert_eq!(Permissions::none().to_string(), "none");
    /// ```
    pub const fn none() -> Self {
        Permissions { known: 0, unknown: BTreeMap::new() }
    }

    /// Every permission this crate knows, `visible_team_members` included.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// assert_eq!(Permissions::all().len(), Permission::ALL.len());
    /// ```
    pub fn all() -> Self {
        Permission::ALL.iter().copied().collect()
    }

    /// A builder: `Permissions::builder().run_queries().manage_boards().build()`.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// let set = Permissions::builder().run_queries().grant(Permission::ManageBoards).build();
    /// assert_eq!(set.to_string(), "manage_boards, run_queries");
    /// ```
    pub fn builder() -> PermissionsBuilder {
        PermissionsBuilder(Permissions::none())
    }

    /// Preset: query and read, change nothing (`run_queries`, `read_service_maps`).
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// assert_eq!(Permissions::read_only_querying().to_string(), "read_service_maps, run_queries");
    /// ```
    pub fn read_only_querying() -> Self {
        [Permission::RunQueries, Permission::ReadServiceMaps].into_iter().collect()
    }

    /// Preset: query, and manage public and private boards.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// assert!(Permissions::board_management().contains(Permission::ManagePrivateBoards));
    /// ```
    pub fn board_management() -> Self {
        [Permission::RunQueries, Permission::ManageBoards, Permission::ManagePrivateBoards].into_iter().collect()
    }

    /// Preset: every capability of a configuration key, but not `visible_team_members`
    /// (which only controls who sees the key in the UI).
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// let set = Permissions::full_configuration();
    /// assert!(set.contains(Permission::ManageTriggers) && !set.contains(Permission::VisibleTeamMembers));
    /// ```
    pub fn full_configuration() -> Self {
        let mut p = Permissions::all();
        p.remove(Permission::VisibleTeamMembers);
        p
    }

    /// Whether `permission` is granted.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// assert!(Permissions::read_only_querying().contains(Permission::RunQueries));
    /// assert!(!Permissions::read_only_querying().contains(Permission::ManageBoards));
    /// ```
    pub const fn contains(&self, permission: Permission) -> bool {
        self.known & permission.bit() != 0
    }

    /// Grants `permission`.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// let mut set = Permissions::none();
    /// set.insert(Permission::ManageSlos);
    /// assert!(set.contains(Permission::ManageSlos));
    /// ```
    pub fn insert(&mut self, permission: Permission) {
        self.known |= permission.bit();
    }

    /// Takes `permission` away.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// let mut set = Permissions::board_management();
    /// set.remove(Permission::ManagePrivateBoards);
    /// assert_eq!(set.to_string(), "manage_boards, run_queries");
    /// ```
    pub fn remove(&mut self, permission: Permission) {
        self.known &= !permission.bit();
    }

    /// Grants `permission` or takes it away.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// let mut set = Permissions::none();
    /// set.set(Permission::CreateDatasets, true);
    /// assert!(set.contains(Permission::CreateDatasets));
    /// set.set(Permission::CreateDatasets, false);
    /// assert!(set.is_empty());
    /// ```
    pub fn set(&mut self, permission: Permission, granted: bool) {
        if granted { self.insert(permission) } else { self.remove(permission) }
    }

    /// The granted permissions this crate knows, in wire order.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// let names: Vec<&str> = Permissions::board_management().iter().map(Permission::wire_name).collect();
    /// assert_eq!(names.len(), 3);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        Permission::ALL.iter().copied().filter(|p| self.contains(*p))
    }

    /// How many permissions are granted, unknown ones included.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// assert_eq!(Permissions::board_management().len(), 3);
    /// ```
    pub fn len(&self) -> usize {
        self.known.count_ones() as usize + self.unknown.values().filter(|v| **v).count()
    }

    /// `true` when no known permission is granted and no unknown one is `true`.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// assert!(Permissions::none().is_empty());
    /// assert!(!Permissions::from(Permission::CreateDatasets).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.known == 0 && !self.unknown.values().any(|v| *v)
    }

    /// Permission names this crate does not know yet, with their values, as received.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// // A permission Honeycomb added after this version of the crate is kept, not lost.
    /// let set: Permissions = serde_json::from_str(r#"{"run_queries":true,"manage_spaceships":true}"#).unwrap();
    /// assert_eq!(set.unknown().collect::<Vec<_>>(), [("manage_spaceships", true)]);
    /// ```
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
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for `permissions`, naming
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
            format!("an ingest key can only have `create_datasets`; `{}` need a configuration key", extra.join("`, `")),
        ))
    }

    /// Every permission as `(wire name, granted)`: the known ones in wire order, then the
    /// unknown ones. This is the wire's `permissions` object.
    pub(crate) fn to_wire(&self) -> impl Iterator<Item = (&str, bool)> {
        Permission::ALL.iter().map(|p| (p.wire_name(), self.contains(*p))).chain(self.unknown())
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

/// Builds a [`Permissions`] set one permission at a time. One method per permission,
/// named like its wire name in snake case.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct PermissionsBuilder(Permissions);

impl PermissionsBuilder {
    /// Grants `permission`.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// let set = Permissions::builder().grant(Permission::ManageColumns).build();
    /// assert!(set.contains(Permission::ManageColumns));
    /// ```
    pub fn grant(mut self, permission: Permission) -> Self {
        self.0.insert(permission);
        self
    }

    /// Finishes the set.
    ///
    /// ```
    /// use honeycomb_api_keys::{Permission, Permissions};
    ///
    /// let set = Permissions::builder().manage_triggers().build();
    /// assert_eq!(set.to_string(), "manage_triggers");
    /// ```
    pub fn build(self) -> Permissions {
        self.0
    }
}
