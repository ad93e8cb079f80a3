//! The files the dotenv and JSON sinks change, and how: the path's symbolic links followed
//! only where nobody else could have planted them, files of other users left alone, an
//! advisory lock held across the read, the change and the replacement, and the replacement
//! written `0600` (or the stricter mode the file had) and renamed over the old file.

use std::{
    ffi::OsString,
    fs::{File, Metadata, OpenOptions, TryLockError},
    io::{Read, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// How long a sink waits for the lock another process (or sink) holds on its file.
pub(super) const LOCK_WAIT: Duration = Duration::from_secs(60);

/// How many symbolic links a path may go through, as the kernel's own bound.
const MAX_HOPS: usize = 40;

/// Changes the file `path` names under its lock: `change` gets its text (empty when it
/// does not exist yet) and returns the new text, which replaces the file.
pub(super) fn edit(path: &Path, change: impl FnOnce(&str) -> Result<String, String>) -> Result<(), String> {
    let target = resolve(path)?;
    let _lock = lock(&target, LOCK_WAIT)?;
    let existing = read_existing(&target)?;
    let text = change(&existing.text)?;
    write_private(&target, text.as_bytes(), kept_mode(existing.mode))
}

/// What a file sink's `check` asks: the path's links and owners, its lock file's, whether
/// a file can be made in its directory; the file's text (empty when it does not exist),
/// for the sink to read.
pub(super) fn check(path: &Path) -> Result<String, String> {
    let target = resolve(path)?;
    let lock_path = lock_path(&target)?;
    match std::fs::symlink_metadata(&lock_path) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(lock_is_a_link(&lock_path)),
        Ok(meta) => check_owner(&lock_path, &meta)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("could not read {}: {e}", lock_path.display())),
    }
    let existing = read_existing(&target)?;
    check_writable(path, &target)?;
    Ok(existing.text)
}

/// The text of the file at `path` (empty when there is none), read as a delivery would
/// find it: through the links [`resolve`] accepts, never a file of another user.
pub(super) fn read(path: &Path) -> Result<String, String> {
    read_existing(&resolve(path)?).map(|existing| existing.text)
}

/// The file a path names: symbolic links followed (a relative target from the link's
/// directory), even to a target that does not exist yet, each hop checked by
/// [`check_link`], and the file found checked by [`check_owner`].
fn resolve(path: &Path) -> Result<PathBuf, String> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_HOPS {
        let meta = match std::fs::symlink_metadata(&current) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(format!("could not read {}: {e}", current.display())),
        };
        if !meta.file_type().is_symlink() {
            check_file(&current, &meta)?;
            return Ok(current);
        }
        check_link(&current, &meta)?;
        let target = std::fs::read_link(&current).map_err(|e| format!("could not read {}: {e}", current.display()))?;
        current = if target.is_absolute() { target } else { parent(&current).join(target) };
    }
    Err(format!(
        "{} goes through more than {MAX_HOPS} symbolic links; nothing was written (give the path of the file itself)",
        path.display()
    ))
}

/// A file a sink may replace: a regular file of the calling user's.
fn check_file(path: &Path, meta: &Metadata) -> Result<(), String> {
    if !meta.is_file() {
        return Err(format!(
            "{} is not a regular file; it was left as it is (choose the path of a file)",
            path.display()
        ));
    }
    check_owner(path, meta)
}

/// Refuses a file of another user (on Unix): it is never written or replaced, not even by
/// root. Other platforms have no such check.
#[cfg(unix)]
fn check_owner(path: &Path, meta: &Metadata) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let me = euid();
    if meta.uid() != me {
        return Err(format!(
            "{} belongs to user id {}, not to you (user id {me}); it was left as it is (run as its owner, \
             make it yours with chown, or choose another file)",
            path.display(),
            meta.uid()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_: &Path, _: &Metadata) -> Result<(), String> {
    // Ownership as Unix has it (one owner id, world-writable sticky directories) is not
    // checked elsewhere: there the platform's access control decides.
    Ok(())
}

/// A symbolic link a sink follows (on Unix): the calling user's own, in a directory that
/// not everyone can write. Anything else could have been planted by another user to have
/// the secret written where they choose (the check the kernel's `protected_symlinks`
/// makes for links in sticky directories, which a path followed by hand escapes).
#[cfg(unix)]
fn check_link(link: &Path, meta: &Metadata) -> Result<(), String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let me = euid();
    if meta.uid() != me {
        return Err(format!(
            "{} is a symbolic link of user id {}, not yours (user id {me}); it was not followed and nothing \
             was written (remove it, or give the path of the file you mean)",
            link.display(),
            meta.uid()
        ));
    }
    let dir = parent(link);
    let dir_meta = std::fs::metadata(dir).map_err(|e| format!("could not read {}: {e}", dir.display()))?;
    if dir_meta.permissions().mode() & 0o002 != 0 {
        return Err(format!(
            "{} is a symbolic link in {}, a directory anyone can write; it was not followed and nothing was \
             written (give the path of the file it points to, or keep the link in a directory only you can write)",
            link.display(),
            dir.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_link(_: &Path, _: &Metadata) -> Result<(), String> {
    // No owner ids to compare (see check_owner): a link is followed.
    Ok(())
}

/// The calling process's effective user id.
#[cfg(unix)]
#[allow(unsafe_code)]
fn euid() -> u32 {
    // SAFETY: geteuid takes nothing, touches no memory of ours and always succeeds.
    unsafe { libc::geteuid() }
}

/// The lock file of `target`: `.<name>.lock` beside it (never deleted: a lock file removed
/// while another process waits on it would let two writers in).
fn lock_path(target: &Path) -> Result<PathBuf, String> {
    let name = target.file_name().ok_or_else(|| format!("{} is not a file name", target.display()))?;
    let mut lock = OsString::from(".");
    lock.push(name);
    lock.push(".lock");
    Ok(parent(target).join(lock))
}

fn lock_is_a_link(lock_path: &Path) -> String {
    format!(
        "the lock file {} is a symbolic link; nothing was written (remove it: it is made again as a file)",
        lock_path.display()
    )
}

/// Takes the exclusive advisory lock of `target` (`flock` on Unix, `LockFileEx` on
/// Windows), waiting at most `wait` for another holder: held until the file returned is
/// dropped. The lock file is made `0600`, never through a symbolic link, and must be the
/// calling user's.
pub(super) fn lock(target: &Path, wait: Duration) -> Result<File, String> {
    let lock_path = lock_path(target)?;
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let file = options.open(&lock_path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return lock_is_a_link(&lock_path);
        }
        format!("could not open the lock file {}: {e}", lock_path.display())
    })?;
    let meta = file.metadata().map_err(|e| format!("could not read {}: {e}", lock_path.display()))?;
    check_owner(&lock_path, &meta)?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(format!(
                    "{} stayed locked by another writer for {} s; nothing was written (run again once the other \
                     apply is done, or stop the process that holds it)",
                    lock_path.display(),
                    wait.as_secs_f64()
                ));
            }
            Err(TryLockError::Error(e)) => return Err(format!("could not lock {}: {e}", lock_path.display())),
        }
    }
}

/// A file's text and mode, as read.
struct Existing {
    text: String,
    mode: Option<u32>,
}

/// The file's text (nothing if it does not exist) and permission bits, read without
/// following a symbolic link, from a file that must still be the calling user's.
fn read_existing(path: &Path) -> Result<Existing, String> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing { text: String::new(), mode: None }),
        Err(e) => return Err(format!("could not read {}: {e}", path.display())),
    };
    let meta = file.metadata().map_err(|e| format!("could not read {}: {e}", path.display()))?;
    check_file(path, &meta)?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| format!("could not read {}: {e}", path.display()))?;
    #[cfg(unix)]
    let mode = Some(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777);
    #[cfg(not(unix))]
    let mode = None;
    Ok(Existing { text, mode })
}

/// The mode a replacement gets: `0600`, or the old file's if it is stricter (a subset of
/// `0600`, such as `0400`).
fn kept_mode(old: Option<u32>) -> u32 {
    match old {
        Some(mode) if mode & !0o600 == 0 => mode,
        _ => 0o600,
    }
}

/// Whether a file can be made where [`write_private`] writes `target`, the file `path`
/// names: a probe of a fresh name is created and removed.
fn check_writable(path: &Path, target: &Path) -> Result<(), String> {
    let dir = parent(target);
    let probe = dir.join(format!(".hny-keys-check.{}.{}", std::process::id(), fastrand::u64(..)));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("could not write in {} (for {}): {e}", dir.display(), path.display()))?;
    match std::fs::remove_file(&probe) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("could not remove {}: {e}", probe.display())),
        _ => Ok(()),
    }
}

/// The directory of a file (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Replaces `target` (no symbolic link) with `contents` atomically: a new file beside it,
/// with `mode` (on Unix), written and flushed to disk, then renamed over it (a rename
/// replaces a link planted meanwhile, never its target). On failure the old file is left
/// as it was and the new one removed.
fn write_private(target: &Path, contents: &[u8], mode: u32) -> Result<(), String> {
    let dir = parent(target);
    let file_name = target.file_name().ok_or_else(|| format!("{} is not a file name", target.display()))?;
    let temp = dir.join(format!(".{}.{}.{}.tmp", file_name.to_string_lossy(), std::process::id(), fastrand::u32(..)));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let written = options.open(&temp).and_then(|mut file| {
        // The mode exactly, whatever the umask.
        #[cfg(unix)]
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))?;
        file.write_all(contents)?;
        file.sync_all()
    });
    // Last, what is at the name now: nothing, or a file of the calling user's (not a link
    // or a file planted since it was read).
    let planted = match std::fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_symlink() => Err(format!(
            "{} became a symbolic link while it was being written; nothing was written (look into who made it, \
             then run again)",
            target.display()
        )),
        Ok(meta) => check_file(target, &meta),
        Err(_) => Ok(()),
    };
    if let Err(why) = planted {
        let _ = std::fs::remove_file(&temp);
        return Err(why);
    }
    let renamed = written.and_then(|()| std::fs::rename(&temp, target));
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&temp);
        return Err(format!("could not write {}: {e}", target.display()));
    }
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
