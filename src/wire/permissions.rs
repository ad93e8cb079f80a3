//! A permission set on the wire: the generated types' `permissions` member, coded by the
//! crate's one permission codec ([`Permissions::decode`], [`encode`]).

use crate::permissions::{Origin, Permissions, encode};

/// The wire's `permissions` object, in the generated types (build.rs puts it in place
/// of the `KeyPermissions` schema). Received, it is the decoded set (a member that is
/// not a boolean is skipped, unknown names are kept); to be sent, the members given, in
/// order (a create sends the granted ones; an update, the ones it changes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WirePermissions {
    Received(Permissions),
    ToSend(Vec<(String, bool)>),
}

impl serde::Serialize for WirePermissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            WirePermissions::Received(set) => encode(s, set.to_wire()),
            WirePermissions::ToSend(members) => {
                encode(s, members.iter().map(|(name, granted)| (name.as_str(), *granted)))
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for WirePermissions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Permissions::decode(d, Origin::Honeycomb).map(WirePermissions::Received)
    }
}

/// The set Honeycomb answered with (or, for members built to be sent, the set they
/// describe, read by the same decoder).
pub(crate) fn permissions_from_wire(wire: WirePermissions) -> Permissions {
    match wire {
        WirePermissions::Received(set) => set,
        WirePermissions::ToSend(members) => {
            let members = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(members.into_iter());
            // Names and booleans: nothing the decoder of answers refuses.
            Permissions::decode(members, Origin::Honeycomb).unwrap_or_default()
        }
    }
}

/// Only the members given are set; the others are left out of the body.
pub(crate) fn permissions_to_wire<'a>(members: impl IntoIterator<Item = (&'a str, bool)>) -> WirePermissions {
    WirePermissions::ToSend(members.into_iter().map(|(name, granted)| (name.to_string(), granted)).collect())
}
