//! The one codec of a permissions object: [`Permissions::decode`] and [`encode`], for the
//! public serde implementations and for the wire.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Permission, Permissions};

/// Who wrote a `permissions` object, which decides how strictly it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A user's JSON (the public `Deserialize`): a member that is not a boolean is an
    /// error; a name given twice takes its last value.
    User,
    /// Honeycomb's answer: a member that is not a boolean is skipped; a known permission
    /// that any of its members grants is granted.
    Honeycomb,
}

impl Permissions {
    /// Reads a `permissions` object: the one decoder, for the public `Deserialize` and
    /// for Honeycomb's answers, as strict as its [`Origin`] asks.
    pub(crate) fn decode<'de, D: serde::Deserializer<'de>>(d: D, origin: Origin) -> Result<Self, D::Error> {
        d.deserialize_map(Decoder { origin })
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
/// without allocating.
struct Decoder {
    origin: Origin,
}

impl<'de> serde::de::Visitor<'de> for Decoder {
    type Value = Permissions;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of permission names and booleans")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Permissions, A::Error> {
        let mut set = Permissions::none();
        while let Some(MemberName(name)) = map.next_key()? {
            let granted = match self.origin {
                Origin::User => map.next_value::<bool>()?,
                Origin::Honeycomb => match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::Bool(granted) => granted,
                    _ => continue,
                },
            };
            match name {
                Ok(known) if granted => set.insert(known),
                Ok(known) if self.origin == Origin::User => set.remove(known),
                Ok(_) => {}
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

impl Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        encode(s, self.to_wire())
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Permissions::decode(d, Origin::User)
    }
}
