//! The one codec of a permission set on the wire.

use crate::permissions::{Permission, Permissions};

/// The wire's `permissions` object, in the generated types (build.rs puts it in place
/// of the `KeyPermissions` schema): the members in the order received or to be sent, each
/// a known [`Permission`] or a name this crate does not know. It decodes straight from
/// the body, without serde's buffering of a flattened map, and keeps unknown names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct WirePermissions(Vec<(Member, bool)>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Member {
    Known(Permission),
    Unknown(String),
}

impl Member {
    fn name(&self) -> &str {
        match self {
            Member::Known(p) => p.wire_name(),
            Member::Unknown(name) => name,
        }
    }
}

impl serde::Serialize for WirePermissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(member, granted)| (member.name(), granted)))
    }
}

impl<'de> serde::Deserialize<'de> for WirePermissions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = WirePermissions;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of permissions")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(13));
                while let Some(name) = map.next_key::<MemberName>()? {
                    // A member that is not a boolean is skipped, not fatal.
                    if let serde_json::Value::Bool(granted) = map.next_value::<serde_json::Value>()? {
                        members.push((name.0, granted));
                    }
                }
                Ok(WirePermissions(members))
            }
        }
        d.deserialize_map(Members)
    }
}

/// A member name, matched against the known permissions without allocating.
struct MemberName(Member);

impl<'de> serde::Deserialize<'de> for MemberName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = MemberName;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a permission name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> std::result::Result<MemberName, E> {
                Ok(MemberName(match Permission::from_wire_name(name) {
                    Some(known) => Member::Known(known),
                    None => Member::Unknown(name.to_string()),
                }))
            }
        }
        d.deserialize_str(Name)
    }
}

impl schemars::JsonSchema for WirePermissions {
    fn schema_name() -> String {
        "KeyPermissions".into()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <std::collections::BTreeMap<String, bool>>::json_schema(generator)
    }
}

pub(crate) fn permissions_from_wire(wire: WirePermissions) -> Permissions {
    let mut permissions = Permissions::none();
    for (member, granted) in wire.0 {
        match member {
            Member::Known(p) if granted => permissions.insert(p),
            Member::Known(_) => {}
            Member::Unknown(name) => permissions.insert_unknown(name, granted),
        }
    }
    permissions
}

/// Only the members given are set; the others are left out of the body.
pub(crate) fn permissions_to_wire<'a>(members: impl IntoIterator<Item = (&'a str, bool)>) -> WirePermissions {
    WirePermissions(
        members
            .into_iter()
            .map(|(name, granted)| {
                let member =
                    Permission::from_wire_name(name).map_or_else(|| Member::Unknown(name.to_string()), Member::Known);
                (member, granted)
            })
            .collect(),
    )
}
