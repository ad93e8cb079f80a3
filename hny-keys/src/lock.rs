//! One `apply` at a time per team on this machine: an advisory lock on a file in the
//! config directory (`locks/`), waited for up to `--lock-timeout`, naming its holder.
//!
//! Two applies of one key set at once would each plan the same creates; held for the
//! whole plan and apply, the lock makes the second one plan after the first has finished
//! (and find nothing left to do). The kernel releases it when the process ends, however
//! it ends, so a killed apply never leaves it held.

use std::{
    fs::File,
    io::{Read, Seek, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use honeycomb_api_keys::{Client, terminal_safe};

use crate::{output::warn, profiles::config_dir, session::Failure};

/// The lock, held until it is dropped (or the process ends).
pub(crate) struct TeamLock {
    _file: File,
}

/// How often a waiting apply tries the lock again.
const RETRY: Duration = Duration::from_millis(100);

/// Takes the apply lock of `client`'s team (and endpoint), waiting up to `timeout`.
pub(crate) async fn lock_team(client: &Client, timeout: Duration, what: &str) -> Result<TeamLock, Failure> {
    let team = client.resolve_team().await?;
    let path = lock_path(&team, client.endpoint().as_str())?;
    let mut file = open(&path)?;
    let started = Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Failure::Runtime(format!("could not lock {}: {e}", path.display())));
            }
        }
        let holder = holder(&path);
        if started.elapsed() >= timeout {
            return Err(Failure::Runtime(format!(
                "another apply of team {team} still holds {} after {} s ({holder}); let it finish, or wait longer with --lock-timeout (nothing was changed)",
                path.display(),
                timeout.as_secs()
            )));
        }
        if !said {
            warn(&format!(
                "waiting for another apply of team {team} to finish ({holder}); up to {} s (--lock-timeout)",
                timeout.as_secs()
            ));
            said = true;
        }
        tokio::time::sleep(RETRY).await;
    }
    // Who holds it, for the next one waiting: rewritten whole while the lock is held.
    let since = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let line = format!("held by process {} since {since}: {what}\n", std::process::id());
    let written = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| file.write_all(line.as_bytes()));
    if let Err(e) = written {
        return Err(Failure::Runtime(format!("could not write {}: {e}", path.display())));
    }
    Ok(TeamLock { _file: file })
}

/// `locks/apply-<team>-<checksum of team and endpoint>.lock` in the config directory
/// (without one, in `hny-keys-<uid>` of the runtime or temporary directory, which must be
/// the user's own).
fn lock_path(team: &str, endpoint: &str) -> Result<PathBuf, Failure> {
    let dir = match config_dir() {
        Ok(dir) => dir.join("locks"),
        Err(_) => {
            let base = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
            #[cfg(unix)]
            let user = crate::profiles::euid().to_string();
            #[cfg(not(unix))]
            let user = std::env::var("USERNAME").unwrap_or_default();
            base.join(format!("hny-keys-{user}"))
        }
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir).map_err(|e| Failure::Runtime(format!("could not create {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        // A directory someone else made (in a shared temporary directory) is not ours.
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(&dir).map_err(|e| Failure::Runtime(format!("{}: {e}", dir.display())))?;
        if !meta.is_dir() || meta.uid() != crate::profiles::euid() || meta.mode() & 0o022 != 0 {
            return Err(Failure::Runtime(format!(
                "{} is not a directory of yours that only you can write: remove it, or set HNY_KEYS_CONFIG_DIR",
                dir.display()
            )));
        }
    }
    let word: String = team.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect();
    let sum = format!("{team}\n{endpoint}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    Ok(dir.join(format!("apply-{word}-{sum:016x}.lock")))
}

/// Opens (or makes) the lock file: never through a symbolic link, and only one of ours.
fn open(path: &Path) -> Result<File, Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(|e| Failure::Runtime(format!("could not open {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let owner = file.metadata().map(|m| m.uid()).unwrap_or(u32::MAX);
        let me = crate::profiles::euid();
        if owner != me {
            return Err(Failure::Runtime(format!(
                "{} belongs to user {owner}, not to you ({me}): remove it, it is not this tool's",
                path.display()
            )));
        }
    }
    Ok(file)
}

/// What the lock file says of its holder.
fn holder(path: &Path) -> String {
    let mut text = String::new();
    let read = File::open(path).and_then(|f| f.take(512).read_to_string(&mut text));
    match read {
        Ok(_) if !text.trim().is_empty() => terminal_safe(text.trim()).to_string(),
        _ => format!("its holder is not named in {}", path.display()),
    }
}
