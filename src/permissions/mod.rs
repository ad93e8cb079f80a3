//! What a key may do: the [`Permission`] names of the wire and the [`Permissions`] set.

use std::{fmt, str::FromStr};

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
///
/// ```
/// use honeycomb_api_keys::Permission;
///
/// assert_eq!(Permission::ManagePrivateBoards.wire_name(), "manage_privateBoards");
/// ```
            pub const fn wire_name(self) -> &'static str {
                match self { $( Permission::$variant => $wire, )* }
            }

            /// The permission with this exact wire name, if this crate knows it.
///
/// ```
/// use honeycomb_api_keys::Permission;
///
/// assert_eq!(Permission::from_wire_name("run_queries"), Some(Permission::RunQueries));
/// assert_eq!(Permission::from_wire_name("manage_spaceships"), None);
/// ```
            pub fn from_wire_name(name: &str) -> Option<Permission> {
                match name { $( $wire => Some(Permission::$variant), )* _ => None }
            }
        }

        impl PermissionsBuilder {
            $(
                #[doc = concat!("Grants `", $wire, "`.")]
                ///
                /// ```
                /// use honeycomb_api_keys::{Permission, Permissions};
                #[doc = concat!("let set = Permissions::builder().", stringify!($builder), "().build();")]
                #[doc = concat!("assert!(set.contains(Permission::", stringify!($variant), "));")]
                /// assert_eq!(set.len(), 1);
                /// ```
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
    ///
    /// ```
    /// use honeycomb_api_keys::Permission;
    ///
    /// assert!(Permission::CreateDatasets.allowed_on_ingest_keys());
    /// assert!(!Permission::RunQueries.allowed_on_ingest_keys());
    /// ```
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

mod codec;
mod set;

pub(crate) use codec::{Origin, encode};
pub use set::{Permissions, PermissionsBuilder};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_exactly() {
        // That these are exactly the spec's names is checked by tests/suite/spec.rs.
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
        let answered = Permissions::decode(&mut serde_json::Deserializer::from_str(body), Origin::Honeycomb).unwrap();
        assert_eq!(
            answered.to_string(),
            "manage_columns, run_queries",
            "the non-boolean is skipped; a permission any member grants is granted"
        );
        let user = r#"{"manage_columns":true,"manage_columns":false}"#;
        assert!(serde_json::from_str::<Permissions>(user).unwrap().is_empty(), "a user's last value wins");
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
