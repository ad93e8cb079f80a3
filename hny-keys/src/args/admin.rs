//! The arguments of `environments` and `profile`.

use clap::{Subcommand, ValueEnum};
use honeycomb_api_keys::EnvironmentColor;

use super::RegionArg;

#[derive(Subcommand, Debug)]
pub(crate) enum EnvironmentsCommand {
    /// The team's environments.
    List,
    /// Create an environment (Honeycomb makes new ones delete-protected).
    #[command(
        after_help = "Example:\n  hny-keys environments create --name \"Load test\" --description \"k6 runs\" --color gold"
    )]
    Create {
        /// Its name (1 to 255 characters; Honeycomb derives the slug from it).
        #[arg(long)]
        name: String,
        /// Its description (at most 255 characters).
        #[arg(long)]
        description: Option<String>,
        /// Its colour in Honeycomb's UI.
        #[arg(long, value_parser = color_parser())]
        color: Option<EnvironmentColor>,
    },
    /// Change an environment's description, colour or delete protection.
    #[command(after_help = "Example:\n  hny-keys environments update production --delete-protection on")]
    Update {
        /// The environment: id, name or slug.
        environment: String,
        /// A new description ("" clears it).
        #[arg(long)]
        description: Option<String>,
        /// A new colour.
        #[arg(long, value_parser = color_parser())]
        color: Option<EnvironmentColor>,
        /// Turn delete protection on or off.
        #[arg(long, value_enum)]
        delete_protection: Option<OnOff>,
    },
    /// Delete an environment: irreversible (asks first; --yes when not on a terminal).
    /// Refused while it is delete-protected.
    #[command(after_help = "Example:\n  hny-keys environments delete load-test --yes")]
    Delete {
        /// The environment: id, name or slug.
        environment: String,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ProfileCommand {
    /// Save a profile (replacing one of that name).
    Add {
        /// Its name.
        name: String,
        /// The management key's id.
        #[arg(long)]
        key_id: Option<String>,
        /// Base URL of the API (default: the us region's; checked now as when used).
        #[arg(long, conflicts_with = "region")]
        endpoint: Option<String>,
        /// The region: us or eu.
        #[arg(long, value_enum)]
        region: Option<RegionArg>,
        /// The team slug.
        #[arg(long)]
        team: Option<String>,
        /// Read the management key's secret from stdin and keep it in the OS keyring
        /// (never give a secret as an argument: it would be in the shell's history).
        #[arg(long, requires = "key_id")]
        secret_stdin: bool,
    },
    /// The saved profiles and where each one's secret comes from.
    List,
    /// Remove a profile and its secret.
    Remove {
        /// Its name.
        name: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OnOff {
    On,
    Off,
}

/// `--color`: the colours Honeycomb's spec lists, shown in `--help`.
fn color_parser() -> impl clap::builder::TypedValueParser<Value = EnvironmentColor> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(EnvironmentColor::ALL.iter().map(|c| c.as_str()))
        .try_map(|name| name.parse::<EnvironmentColor>())
}
