//! What creating or changing an environment takes: [`NewEnvironment`],
//! [`EnvironmentUpdate`] and the colours Honeycomb offers ([`EnvironmentColor`]).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::check_text;
use crate::error::{Error, Result};

/// The longest environment name Honeycomb accepts, in characters.
pub const MAX_ENVIRONMENT_NAME_LEN: usize = 255;
/// The longest environment description Honeycomb accepts, in characters.
pub const MAX_ENVIRONMENT_DESCRIPTION_LEN: usize = 255;

macro_rules! colors {
    ($($(#[$doc:meta])* $variant:ident = $wire:literal,)*) => {
        /// A colour an environment can be given, as Honeycomb's published spec lists them.
        ///
        /// Environments that Honeycomb created for a Classic dataset show `classic`, which
        /// cannot be set; a read [`Environment::color`](crate::Environment::color) is
        /// therefore a string.
        ///
        /// ```
        /// use honeycomb_api_keys::EnvironmentColor;
        ///
        /// let color: EnvironmentColor = "lightBlue".parse()?;
        /// assert_eq!(color, EnvironmentColor::LightBlue);
        /// assert_eq!(color.as_str(), "lightBlue");
        /// assert!("classic".parse::<EnvironmentColor>().is_err());
        /// # Ok::<(), honeycomb_api_keys::Error>(())
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EnvironmentColor {
            $($(#[$doc])* $variant,)*
        }

        impl EnvironmentColor {
            /// Every colour, in the spec's order.
            pub const ALL: &'static [EnvironmentColor] = &[$(EnvironmentColor::$variant,)*];

            /// The wire name, such as `lightGreen`.
            ///
            /// ```
            /// use honeycomb_api_keys::EnvironmentColor;
            /// assert_eq!(EnvironmentColor::Gold.as_str(), "gold");
            /// ```
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(EnvironmentColor::$variant => $wire,)*
                }
            }
        }
    };
}

colors! {
    /// `blue`
    Blue = "blue",
    /// `green`
    Green = "green",
    /// `gold`
    Gold = "gold",
    /// `red`
    Red = "red",
    /// `purple`
    Purple = "purple",
    /// `lightBlue`
    LightBlue = "lightBlue",
    /// `lightGreen`
    LightGreen = "lightGreen",
    /// `lightGold`
    LightGold = "lightGold",
    /// `lightRed`
    LightRed = "lightRed",
    /// `lightPurple`
    LightPurple = "lightPurple",
}

impl fmt::Display for EnvironmentColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for EnvironmentColor {
    type Err = Error;
    /// Parses a wire name (exactly, as Honeycomb spells it: `lightBlue`).
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        EnvironmentColor::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = EnvironmentColor::ALL.iter().map(|c| c.as_str()).collect();
            Error::invalid("color", format!("must be one of {}", names.join(", ")))
        })
    }
}

impl Serialize for EnvironmentColor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EnvironmentColor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        std::borrow::Cow::<str>::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// An environment to create: its name, and optionally a description and a colour.
///
/// ```
/// use honeycomb_api_keys::{EnvironmentColor, NewEnvironment};
///
/// let staging = NewEnvironment::new("Staging").description("pre-production").color(EnvironmentColor::Gold);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct NewEnvironment {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) color: Option<EnvironmentColor>,
}

impl NewEnvironment {
    /// An environment named `name` (Honeycomb derives its slug from the name).
    ///
    /// ```
    /// use honeycomb_api_keys::NewEnvironment;
    /// let new = NewEnvironment::new("Load test");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        NewEnvironment { name: name.into(), description: None, color: None }
    }

    /// Its description.
    ///
    /// ```
    /// use honeycomb_api_keys::NewEnvironment;
    /// let new = NewEnvironment::new("Load test").description("k6 runs, wiped weekly");
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Its colour in Honeycomb's UI.
    ///
    /// ```
    /// use honeycomb_api_keys::{EnvironmentColor, NewEnvironment};
    /// let new = NewEnvironment::new("Load test").color(EnvironmentColor::LightPurple);
    /// ```
    pub fn color(mut self, color: EnvironmentColor) -> Self {
        self.color = Some(color);
        self
    }

    /// Checks everything that can be checked without asking Honeycomb.
    pub(crate) fn validate(&self) -> Result<()> {
        check_text("name", &self.name, MAX_ENVIRONMENT_NAME_LEN, false)?;
        if let Some(description) = &self.description {
            check_text("description", description, MAX_ENVIRONMENT_DESCRIPTION_LEN, true)?;
        }
        Ok(())
    }
}

/// Changes to make to an environment. Only what is set is sent; everything else is
/// unchanged. (Honeycomb does not rename environments.)
///
/// ```
/// use honeycomb_api_keys::{EnvironmentColor, EnvironmentUpdate};
///
/// let protect = EnvironmentUpdate::new().delete_protected(true);
/// let recolor = EnvironmentUpdate::new().color(EnvironmentColor::Red).description("customer traffic");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct EnvironmentUpdate {
    pub(crate) description: Option<String>,
    pub(crate) color: Option<EnvironmentColor>,
    pub(crate) delete_protected: Option<bool>,
}

impl EnvironmentUpdate {
    /// An update that changes nothing yet.
    ///
    /// ```
    /// use honeycomb_api_keys::EnvironmentUpdate;
    /// assert!(EnvironmentUpdate::new().is_empty());
    /// ```
    pub fn new() -> Self {
        EnvironmentUpdate::default()
    }

    /// Sets the description (an empty one clears it).
    ///
    /// ```
    /// use honeycomb_api_keys::EnvironmentUpdate;
    /// let update = EnvironmentUpdate::new().description("");
    /// assert!(!update.is_empty());
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the colour.
    ///
    /// ```
    /// use honeycomb_api_keys::{EnvironmentColor, EnvironmentUpdate};
    /// let update = EnvironmentUpdate::new().color(EnvironmentColor::Green);
    /// ```
    pub fn color(mut self, color: EnvironmentColor) -> Self {
        self.color = Some(color);
        self
    }

    /// Turns delete protection on (`true`: Honeycomb refuses to delete the environment) or
    /// off.
    ///
    /// ```
    /// use honeycomb_api_keys::EnvironmentUpdate;
    /// let unprotect = EnvironmentUpdate::new().delete_protected(false);
    /// ```
    pub fn delete_protected(mut self, protected: bool) -> Self {
        self.delete_protected = Some(protected);
        self
    }

    /// Whether it changes nothing.
    ///
    /// ```
    /// use honeycomb_api_keys::EnvironmentUpdate;
    /// assert!(!EnvironmentUpdate::new().delete_protected(true).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.description.is_none() && self.color.is_none() && self.delete_protected.is_none()
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.is_empty() {
            return Err(Error::invalid("update", "changes nothing: set a description, a colour or delete protection"));
        }
        if let Some(description) = &self.description {
            check_text("description", description, MAX_ENVIRONMENT_DESCRIPTION_LEN, true)?;
        }
        Ok(())
    }
}
