//! Profiles: named sets of endpoint, team and management key id in the user's config
//! directory (`profiles.toml`), each secret in the OS keyring when there is one, else
//! taken from the environment when the profile is used.
//!
//! A profile always has its own endpoint (the US region's when none was given, also for a
//! file saved before), so that its secret never follows `HONEYCOMB_API_ENDPOINT`. On unix
//! the file is written `0600` and refused when group or others can write it (or its
//! directory), or another user owns it: whoever can write it chooses where the key goes.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use honeycomb_api_keys::{
    ClientBuilder, ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET, ExposeSecret, Region,
    SecretString, terminal_safe,
};
use serde::{Deserialize, Serialize};

use crate::session::Failure;

/// Where profiles live: `HNY_KEYS_CONFIG_DIR`, else the platform's config directory.
const ENV_CONFIG_DIR: &str = "HNY_KEYS_CONFIG_DIR";
/// `off` keeps the OS keyring out (secrets then come from the environment).
const ENV_KEYRING: &str = "HNY_KEYS_KEYRING";
const KEYRING_SERVICE: &str = "hny-keys";

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profile: BTreeMap<String, Profile>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key_id: Option<String>,
}

impl Profile {
    /// Its endpoint; for a profile saved before every profile pinned one, the default
    /// region's (never `HONEYCOMB_API_ENDPOINT`).
    pub(crate) fn endpoint(&self) -> String {
        self.endpoint.clone().unwrap_or_else(|| Region::Us.base_url().to_string())
    }
}

pub(crate) fn config_dir() -> Result<PathBuf, Failure> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var(ENV_CONFIG_DIR)
        .or_else(|| var("XDG_CONFIG_HOME").map(|d| d.join("hny-keys")))
        .or_else(|| if cfg!(windows) { var("APPDATA").map(|d| d.join("hny-keys")) } else { None })
        .or_else(|| var("HOME").map(|d| d.join(".config").join("hny-keys")))
        .ok_or_else(|| Failure::Runtime(format!("no config directory: set {ENV_CONFIG_DIR} or HOME")))
}

fn path() -> Result<PathBuf, Failure> {
    Ok(config_dir()?.join("profiles.toml"))
}

fn load() -> Result<File, Failure> {
    let path = path()?;
    let unreadable = |e: std::io::Error| Failure::Runtime(format!("could not read {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        match std::fs::metadata(dir) {
            Ok(meta) => check_private(dir, &meta, true)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(File::default()),
            Err(e) => return Err(unreadable(e)),
        }
    }
    let mut opened = match std::fs::File::open(&path) {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(File::default()),
        Err(e) => return Err(unreadable(e)),
    };
    // The file as opened, not as named: it cannot be swapped between the check and the read.
    check_private(&path, &opened.metadata().map_err(unreadable)?, false)?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut opened, &mut text).map_err(unreadable)?;
    toml::from_str(&text)
        .map_err(|e| Failure::Runtime(format!("{} is not a profiles file: {}", path.display(), e.message())))
}

/// The calling user: the owner the tool's own files (profiles, locks) must have.
#[cfg(unix)]
pub(crate) fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and never fails.
    unsafe { libc::geteuid() }
}

/// Refuses a profiles file (or its directory) that another user could have written: the
/// endpoint it names is where a profile sends its management key. Its owner must be the
/// calling user (root included: root trusts only a file of its own), and neither group nor
/// others may write it.
#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata, dir: bool) -> Result<(), Failure> {
    use std::os::unix::fs::MetadataExt;
    let me = euid();
    let (what, mode) = if dir { ("directory", "700") } else { ("file", "600") };
    let path = path.display();
    let wrong = if meta.uid() != me {
        format!("is owned by user {}, not by you (user {me}); fix: `chown {me} {path}`", meta.uid())
    } else if meta.mode() & 0o022 != 0 {
        let who = if meta.mode() & 0o002 != 0 { "any user" } else { "its group" };
        format!("is writable by {who} (mode {:o}); fix: `chmod {mode} {path}`", meta.mode() & 0o7777)
    } else {
        return Ok(());
    };
    Err(Failure::Runtime(format!(
        "refusing the profiles {what} {path}: it {wrong}; whoever can write it chooses where a profile's management key is sent"
    )))
}

/// Not checked elsewhere: Windows guards the user's profile directory with its ACLs, which
/// a mode cannot describe.
#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata, _: bool) -> Result<(), Failure> {
    Ok(())
}

fn save(file: &File) -> Result<(), Failure> {
    let path = path()?;
    let failed = |e: &dyn std::fmt::Display| Failure::Runtime(format!("could not write {}: {e}", path.display()));
    let text = toml::to_string(file).map_err(|e| failed(&e))?;
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    // Only the user may write the file, or the directory it is renamed in.
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
    dir.create(path.parent().unwrap_or(&path)).map_err(|e| failed(&e))?;
    // Beside it, then renamed over it: a reader never sees half a file.
    let temp = path.with_extension(format!("toml.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&temp)
        .and_then(|mut out| std::io::Write::write_all(&mut out, text.as_bytes()))
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            failed(&e)
        })
}

/// The OS keyring entry of a profile, unless the keyring is turned off.
fn keyring(name: &str) -> Result<keyring::Entry, String> {
    if std::env::var(ENV_KEYRING).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        return Err(format!("{ENV_KEYRING}=off"));
    }
    keyring::Entry::new(KEYRING_SERVICE, &format!("profile:{name}")).map_err(|e| e.to_string())
}

/// The profile's secret in the keyring: `Ok(None)` when there is none (or the keyring is
/// turned off), `Err` when the keyring failed to answer (locked, refused).
fn keyring_secret(name: &str) -> Result<Option<SecretString>, String> {
    let Ok(entry) = keyring(name) else { return Ok(None) };
    match entry.get_password() {
        Ok(secret) => Ok(Some(SecretString::from(secret))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Removes the profile's secret from the keyring; `Err` only when one could not be removed.
fn forget_secret(name: &str) -> Result<(), String> {
    let Ok(entry) = keyring(name) else { return Ok(()) };
    match entry.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

fn check_name(name: &str) -> Result<(), Failure> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(Failure::Usage(format!(
            "profile name {:?}: use letters, digits, `-`, `_` and `.`",
            terminal_safe(name)
        )));
    }
    Ok(())
}

/// Applies profile `name` to `builder`: its endpoint, team and management key (the secret
/// from the keyring, else from HONEYCOMB_KEY_SECRET or HONEYCOMB_MANAGEMENT_SECRET).
pub(crate) fn apply(name: &str, mut builder: ClientBuilder) -> Result<ClientBuilder, Failure> {
    let file = load()?;
    let profile = file.profile.get(name).ok_or_else(|| {
        let known: Vec<&str> = file.profile.keys().map(String::as_str).collect();
        Failure::Usage(format!(
            "no profile named {:?} in {} (profiles: {}); add it with `hny-keys profile add`",
            terminal_safe(name),
            path().map(|p| p.display().to_string()).unwrap_or_default(),
            if known.is_empty() { "none".into() } else { known.join(", ") }
        ))
    })?;
    // Always an endpoint of its own: the key it names never follows HONEYCOMB_API_ENDPOINT.
    builder = builder.endpoint(profile.endpoint());
    if let Some(team) = &profile.team {
        builder = builder.team(team.clone());
    }
    if let Some(id) = &profile.key_id {
        // A secret from the environment only where no other key id is set beside it: a
        // secret is never sent with another key's id.
        let from_env = || {
            [(ENV_KEY_ID, ENV_KEY_SECRET), (ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET)].iter().find_map(
                |(id_var, var)| {
                    let paired = std::env::var(id_var).ok().filter(|v| !v.is_empty()).is_none_or(|other| &other == id);
                    std::env::var(var).ok().filter(|s| paired && !s.is_empty()).map(SecretString::from)
                },
            )
        };
        let (stored, unreadable) = match keyring_secret(name) {
            Ok(stored) => (stored, None),
            Err(why) => (None, Some(why)),
        };
        let secret = stored.or_else(from_env).ok_or_else(|| {
            let keyring = match unreadable {
                Some(why) => format!("a secret the OS keyring could not give ({why})"),
                None => "no secret in the OS keyring".to_string(),
            };
            Failure::Runtime(format!(
                "profile {name:?} has {keyring}: set {ENV_KEY_SECRET} (with {ENV_KEY_ID} unset or the profile's key id), or store it with `hny-keys profile add {name} --key-id {} --secret-stdin`",
                terminal_safe(id)
            ))
        })?;
        builder = builder.management_key(id.clone(), secret);
    }
    Ok(builder)
}

pub(crate) fn add(name: &str, profile: Profile, secret_stdin: bool) -> Result<String, Failure> {
    check_name(name)?;
    // The file first: a malformed or unwritable one fails before the keyring changes.
    let mut file = load()?;
    let secret = if secret_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Failure::Runtime(format!("could not read the secret from stdin: {e}")))?;
        let secret = SecretString::from(line.trim());
        if secret.expose_secret().is_empty() {
            return Err(Failure::Usage("--secret-stdin: stdin held no secret".into()));
        }
        Some(secret)
    } else {
        None
    };
    let key_changed = file.profile.get(name).is_none_or(|old| old.key_id != profile.key_id);
    file.profile.insert(name.to_string(), profile);
    save(&file)?;
    let mut notes = vec![format!("profile {name:?} saved in {}", path()?.display())];
    match secret {
        Some(secret) => {
            match keyring(name).and_then(|entry| entry.set_password(secret.expose_secret()).map_err(|e| e.to_string())) {
                Ok(()) => notes.push("secret stored in the OS keyring".to_string()),
                Err(why) => notes.push(format!(
                    "the OS keyring is not available ({why}): the secret was not stored; give it in HONEYCOMB_KEY_SECRET when using this profile"
                )),
            }
        }
        // A secret kept for another key id is never sent with this one.
        None if key_changed => {
            if let Err(why) = forget_secret(name) {
                notes.push(format!(
                    "the secret kept for its former key could not be removed from the OS keyring ({why})"
                ));
            }
        }
        None => {}
    }
    Ok(notes.join("\n"))
}

pub(crate) fn remove(name: &str) -> Result<String, Failure> {
    let mut file = load()?;
    if file.profile.remove(name).is_none() {
        return Err(Failure::Usage(format!("no profile named {:?}", terminal_safe(name))));
    }
    save(&file)?;
    match forget_secret(name) {
        Ok(()) => Ok(format!("profile {name:?} removed")),
        Err(why) => {
            Ok(format!("profile {name:?} removed, but its secret could not be removed from the OS keyring ({why})"))
        }
    }
}

/// One row of `profile list`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct ProfileOut {
    name: String,
    endpoint: Option<String>,
    team: Option<String>,
    key_id: Option<String>,
    /// `keyring`, `environment`, or `keyring unreadable` (locked or refused).
    secret: &'static str,
}

pub(crate) fn list() -> Result<Vec<ProfileOut>, Failure> {
    Ok(load()?
        .profile
        .into_iter()
        .map(|(name, p)| ProfileOut {
            secret: match keyring_secret(&name) {
                Ok(Some(_)) => "keyring",
                Ok(None) => "environment",
                Err(_) => "keyring unreadable",
            },
            name,
            endpoint: Some(p.endpoint()),
            team: p.team,
            key_id: p.key_id,
        })
        .collect())
}

impl ProfileOut {
    pub(crate) fn row(&self) -> Vec<String> {
        let or_dash = |v: &Option<String>| v.as_deref().map_or("-".to_string(), |s| terminal_safe(s).into_owned());
        vec![
            terminal_safe(&self.name).into_owned(),
            or_dash(&self.endpoint),
            or_dash(&self.team),
            or_dash(&self.key_id),
            self.secret.to_string(),
        ]
    }
}
