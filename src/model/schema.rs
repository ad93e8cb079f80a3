//! JSON Schemas of the types whose serde form is hand-written (feature `json-schema`):
//! ids and key types are strings, a permission set is an object of booleans.

use schemars::{JsonSchema, r#gen::SchemaGenerator, schema::Schema};

use super::{EnvironmentId, KeyId, KeyType};
use crate::permissions::Permissions;

macro_rules! schema_as {
    ($($name:ty => $as:ty),* $(,)?) => {$(
        impl JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).into()
            }

            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                <$as>::json_schema(generator)
            }
        }
    )*};
}

schema_as! {
    KeyId => String,
    EnvironmentId => String,
    KeyType => String,
    Permissions => std::collections::BTreeMap<String, bool>,
}
