//! Where [`ApiKeys::apply`](crate::ApiKeys::apply) hands each new secret: a dotenv file, a
//! JSON file, a command, or code of your own.

use std::{
    fmt,
    io::{Read, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use secrecy::{ExposeSecret, SecretString};

use crate::{
    ApiKey, ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET, Environment, Error, Result,
    terminal_safe,
};

/// A new key and its secret, as handed to a [`SecretSink`].
#[non_exhaustive]
pub struct Delivery<'a> {
    /// The new key.
    pub key: &'a ApiKey,
    /// Its environment.
    pub environment: &'a Environment,
    /// The name to store the secret under (the declared `secret_name`, or
    /// [`DeclaredKey::default_secret_name`](super::DeclaredKey::default_secret_name)).
    pub secret_name: &'a str,
    pub(crate) secret: &'a SecretString,
}

impl Delivery<'_> {
    /// What a sender puts in `X-Honeycomb-Team`: the key id and secret for an ingest key,
    /// the secret for a configuration key
    /// ([`CreatedApiKey::header_value`](crate::CreatedApiKey::header_value)).
    pub fn secret(&self) -> &SecretString {
        self.secret
    }
}

impl fmt::Debug for Delivery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("key", &self.key.id)
            .field("environment", &self.environment.slug)
            .field("secret_name", &self.secret_name)
            .finish_non_exhaustive()
    }
}

/// Where new secrets go. [`ApiKeys::apply`](crate::ApiKeys::apply) calls
/// [`deliver`](Self::deliver) the moment a key exists, before its next request; an
/// `Err(reason)` makes it delete that key again (nobody could use it) and stop.
///
/// A closure is a sink:
///
/// ```
/// use std::sync::Mutex;
/// use honeycomb_api_keys::{Delivery, ExposeSecret, SecretSink};
///
/// let vault = Mutex::new(Vec::new());
/// let sink = |d: &Delivery<'_>| {
///     vault.lock().unwrap().push((d.secret_name.to_string(), d.secret().expose_secret().to_string()));
///     Ok(())
/// };
/// # fn is_sink(_: &impl SecretSink) {}
/// is_sink(&sink);
/// ```
pub trait SecretSink: Send + Sync {
    /// Stores `delivery`'s secret.
    ///
    /// # Errors
    ///
    /// `Err(reason)` when it could not; the reason must not quote the secret.
    fn deliver(&self, delivery: &Delivery<'_>) -> std::result::Result<(), String>;

    /// Whether it can take secrets at all (a file's directory exists and is writable, an
    /// existing file can be read back), asked before an apply sends anything, so that a
    /// wrong path fails before a key is made. Default: yes.
    ///
    /// # Errors
    ///
    /// `Err(reason)`, saying what to fix.
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// Hands `delivery` to `sink`. With a multi-threaded runtime compiled in (features
/// `blocking` or `cli`) and running, the worker is given up while the sink works (a command
/// may take seconds), so that timers and signal handlers still run.
pub(crate) fn deliver(sink: &(impl SecretSink + ?Sized), delivery: &Delivery<'_>) -> std::result::Result<(), String> {
    #[cfg(any(feature = "blocking", feature = "cli"))]
    if let Ok(handle) = tokio::runtime::Handle::try_current()
        && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
    {
        return tokio::task::block_in_place(|| sink.deliver(delivery));
    }
    sink.deliver(delivery)
}

impl<F> SecretSink for F
where
    F: Fn(&Delivery<'_>) -> std::result::Result<(), String> + Send + Sync,
{
    fn deliver(&self, delivery: &Delivery<'_>) -> std::result::Result<(), String> {
        self(delivery)
    }
}

impl SecretSink for Box<dyn SecretSink> {
    fn deliver(&self, delivery: &Delivery<'_>) -> std::result::Result<(), String> {
        (**self).deliver(delivery)
    }

    fn check(&self) -> std::result::Result<(), String> {
        (**self).check()
    }
}

/// A sink from its command-line spelling: `dotenv:PATH`, `json:PATH` or `exec:COMMAND`.
///
/// ```
/// use honeycomb_api_keys::secret_sink;
///
/// assert!(secret_sink("dotenv:.env.honeycomb").is_ok());
/// let Err(err) = secret_sink("vault:secret/honeycomb") else { panic!("refused") };
/// let err = err.to_string();
/// assert!(err.contains("dotenv:PATH, json:PATH or exec:COMMAND"), "{err}");
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for another kind or an empty path or command.
pub fn secret_sink(spec: &str) -> Result<Box<dyn SecretSink>> {
    let bad = |why: &str| Error::invalid("secrets-to", format!("{:?} {why}", terminal_safe(spec)));
    let (kind, rest) = spec.split_once(':').ok_or_else(|| bad("is not dotenv:PATH, json:PATH or exec:COMMAND"))?;
    if rest.trim().is_empty() {
        return Err(bad("names no path or command after the colon"));
    }
    Ok(match kind {
        "dotenv" => Box::new(DotenvFile::new(rest)),
        "json" => Box::new(JsonFile::new(rest)),
        "exec" => Box::new(ExecCommand::new(rest)),
        _ => return Err(bad("is not dotenv:PATH, json:PATH or exec:COMMAND")),
    })
}

/// A dotenv file: one `SECRET_NAME=value` line a key. Written readable by its owner only
/// (`0600`, also when it existed with another mode), replaced atomically (a reader sees
/// the old file or the new one); other names' lines are kept (with `\n` line ends), a
/// name's later assignments are dropped for the one line written.
///
/// ```
/// use honeycomb_api_keys::DotenvFile;
/// let sink = DotenvFile::new(".env.honeycomb");
/// ```
#[derive(Clone, Debug)]
pub struct DotenvFile {
    path: PathBuf,
}

impl DotenvFile {
    /// Writes to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        DotenvFile { path: path.into() }
    }
}

impl SecretSink for DotenvFile {
    fn deliver(&self, d: &Delivery<'_>) -> std::result::Result<(), String> {
        let secret = d.secret.expose_secret();
        if secret.is_empty() || !secret.chars().all(|c| c.is_ascii_alphanumeric() || "_-.+/=".contains(c)) {
            return Err(format!(
                "the secret of {} has characters a dotenv line cannot hold safely; it was not written to {}",
                d.key.id,
                self.path.display()
            ));
        }
        let old = read_existing(&self.path)?;
        let mut out = String::with_capacity(old.len() + 128);
        let mut written = false;
        for line in old.lines() {
            let trimmed = line.trim_start();
            let (export, assigned) = match trimmed.strip_prefix("export ") {
                Some(rest) => ("export ", rest),
                None => ("", trimmed),
            };
            if assigned.split_once('=').is_some_and(|(name, _)| name.trim() == d.secret_name) {
                if !written {
                    out.push_str(&format!("{export}{}={secret}\n", d.secret_name));
                    written = true;
                }
                continue;
            }
            out.push_str(line);
            out.push('\n');
        }
        if !written {
            out.push_str(&format!("{}={secret}\n", d.secret_name));
        }
        write_private(&self.path, out.as_bytes())
    }

    fn check(&self) -> std::result::Result<(), String> {
        read_existing(&self.path)?;
        check_writable(&self.path)
    }
}

/// A JSON file: an object with a member a key, named by its secret name:
/// `{"key_id", "name", "environment", "type", "secret"}`. Created `0600`, replaced
/// atomically, other members kept.
///
/// ```
/// use honeycomb_api_keys::JsonFile;
/// let sink = JsonFile::new("honeycomb-keys.json");
/// ```
#[derive(Clone, Debug)]
pub struct JsonFile {
    path: PathBuf,
}

impl JsonFile {
    /// Writes to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        JsonFile { path: path.into() }
    }
}

impl SecretSink for JsonFile {
    fn deliver(&self, d: &Delivery<'_>) -> std::result::Result<(), String> {
        let mut all = self.read()?;
        all.insert(
            d.secret_name.to_string(),
            serde_json::json!({
                "key_id": d.key.id.as_str(),
                "name": d.key.name,
                "environment": d.environment.slug,
                "type": d.key.key_type.as_str(),
                "secret": d.secret.expose_secret(),
            }),
        );
        let mut text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
        text.push('\n');
        write_private(&self.path, text.as_bytes())
    }

    fn check(&self) -> std::result::Result<(), String> {
        self.read()?;
        check_writable(&self.path)
    }
}

impl JsonFile {
    /// The file's members (none if it does not exist or is empty).
    fn read(&self) -> std::result::Result<serde_json::Map<String, serde_json::Value>, String> {
        let old = read_existing(&self.path)?;
        if old.trim().is_empty() {
            return Ok(serde_json::Map::new());
        }
        match serde_json::from_str::<serde_json::Value>(&old) {
            Ok(serde_json::Value::Object(map)) => Ok(map),
            _ => Err(format!(
                "{} is not a JSON object; it was left as it is (move it away, or choose another file)",
                self.path.display()
            )),
        }
    }
}

/// A command, run by the shell (`sh -c`; `cmd /C` on Windows) once a key: the secret on
/// its standard input (and nowhere else), the key in `HNY_KEY_ID`, `HNY_KEY_NAME`,
/// `HNY_KEY_TYPE`, `HNY_KEY_ENVIRONMENT` (the environment's name),
/// `HNY_KEY_ENVIRONMENT_SLUG` and `HNY_SECRET_NAME`. The management key's variables are
/// removed from its environment. Its standard output goes to standard error (so that a
/// command's JSON output stays clean); it must exit with 0 within the timeout (default
/// 30 s), or it is killed (on Unix with what it started, through `kill`) and the
/// delivery fails. On Unix it runs in a process group of its own, so that a Ctrl-C at the
/// terminal stops the apply (which waits for the delivery in flight) but not the
/// command. It is a background job of that terminal: a command that reads from it (`sudo`,
/// a password prompt) is stopped there until the timeout kills it; give it what it needs
/// in its environment. The secret comes without a trailing newline (`read -r s` in a
/// shell returns 1 at its end: use `s=$(cat)`). The apply waits for it; without a
/// multi-threaded runtime (features `blocking` or `cli`) it waits on the runtime's thread,
/// which runs nothing else meanwhile.
///
/// ```
/// use std::time::Duration;
/// use honeycomb_api_keys::ExecCommand;
///
/// let sink = ExecCommand::new(r#"vault kv put "secret/honeycomb/$HNY_SECRET_NAME" value=-"#)
///     .timeout(Duration::from_secs(30));
/// ```
#[derive(Clone, Debug)]
pub struct ExecCommand {
    command: String,
    timeout: Duration,
}

impl ExecCommand {
    /// Runs `command`.
    pub fn new(command: impl Into<String>) -> Self {
        ExecCommand { command: command.into(), timeout: Duration::from_secs(30) }
    }

    /// How long the command may run.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl SecretSink for ExecCommand {
    fn deliver(&self, d: &Delivery<'_>) -> std::result::Result<(), String> {
        #[cfg(windows)]
        let mut command = {
            use std::os::windows::process::CommandExt;
            let mut c = Command::new("cmd");
            c.arg("/C").raw_arg(&self.command);
            c
        };
        #[cfg(not(windows))]
        let mut command = {
            let mut c = Command::new("sh");
            c.args(["-c", &self.command]);
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut c, 0);
            c
        };
        for var in [ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET] {
            command.env_remove(var);
        }
        command
            .env("HNY_KEY_ID", d.key.id.as_str())
            .env("HNY_KEY_NAME", &d.key.name)
            .env("HNY_KEY_TYPE", d.key.key_type.as_str())
            .env("HNY_KEY_ENVIRONMENT", &d.environment.name)
            .env("HNY_KEY_ENVIRONMENT_SLUG", &d.environment.slug)
            .env("HNY_SECRET_NAME", d.secret_name)
            .stdin(Stdio::piped())
            .stdout(Stdio::from(std::io::stderr()))
            .stderr(Stdio::inherit());
        let what = format!("`{}`", terminal_safe(&self.command));
        let mut child = command.spawn().map_err(|e| format!("could not run {what}: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A command that does not read its input closes the pipe: its exit status
            // says whether it stored the secret.
            match stdin.write_all(d.secret.expose_secret().as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    stop(&mut child);
                    return Err(format!("could not write the secret to {what}: {e}"));
                }
                _ => {}
            }
        }
        let started = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("{what} failed ({status})")),
                Ok(None) if started.elapsed() >= self.timeout => {
                    stop(&mut child);
                    return Err(format!(
                        "{what} did not finish within {} s and was stopped",
                        self.timeout.as_secs_f64()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(format!("could not wait for {what}: {e}")),
            }
        }
    }
}

/// Kills a command and what it started (its process group, on Unix), and reaps it.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether a file can be made where [`write_private`] writes `path` (beside its target,
/// for a symbolic link): a probe of a fresh name is created and removed.
fn check_writable(path: &Path) -> std::result::Result<(), String> {
    let target = resolve(path);
    let dir = parent(&target);
    let probe = dir.join(format!(".hny-keys-check.{}.{}", std::process::id(), fastrand::u64(..)));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("could not write in {} (for {}): {e}", dir.display(), path.display()))?;
    match std::fs::remove_file(&probe) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("could not remove {}: {e}", probe.display())),
        _ => Ok(()),
    }
}

/// The file a path names: symbolic links followed (a relative target from the link's
/// directory), even to a target that does not exist yet.
fn resolve(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&path) {
            Ok(target) if target.is_absolute() => path = target,
            Ok(target) => path = parent(&path).join(target),
            Err(_) => break,
        }
    }
    path
}

/// The directory of a file (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The file's text, or nothing if it does not exist.
fn read_existing(path: &Path) -> std::result::Result<String, String> {
    let mut text = String::new();
    match std::fs::File::open(path) {
        Ok(mut file) => {
            file.read_to_string(&mut text).map_err(|e| format!("could not read {}: {e}", path.display()))?;
            Ok(text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(text),
        Err(e) => Err(format!("could not read {}: {e}", path.display())),
    }
}

/// Replaces `path` with `contents` atomically: a new file beside it, readable by its owner
/// only, written and flushed to disk, then renamed over it. On failure the old file is
/// left as it was and the new one removed.
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> std::result::Result<(), String> {
    // A symbolic link is followed: its target is the file replaced.
    let target = resolve(path);
    let path = target.as_path();
    let dir = parent(path);
    let file_name = path.file_name().ok_or_else(|| format!("{} is not a file name", path.display()))?;
    let temp = dir.join(format!(".{}.{}.{}.tmp", file_name.to_string_lossy(), std::process::id(), fastrand::u32(..)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = renamed {
        let _ = std::fs::remove_file(&temp);
        return Err(format!("could not write {}: {e}", path.display()));
    }
    #[cfg(unix)]
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
