//! The exec sink: a command given each secret on its standard input.

use std::{
    io::Write,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use secrecy::ExposeSecret;

use super::{Delivery, SecretSink};
use crate::{ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET, terminal_safe};

/// A command, run by the shell (`sh -c`; `cmd /C` on Windows) once a key: the secret on
/// its standard input (and nowhere else), the key in `HNY_KEY_ID`, `HNY_KEY_NAME`,
/// `HNY_KEY_TYPE`, `HNY_KEY_ENVIRONMENT` (the environment's name),
/// `HNY_KEY_ENVIRONMENT_SLUG` and `HNY_SECRET_NAME`. The management key's variables are
/// removed from its environment. Its standard output goes to standard error (so that a
/// command's JSON output stays clean); it must exit with 0 within the timeout (default
/// 30 s), or it is killed (on Unix with what it started: its process group, by a signal
/// sent from this process, with no `kill` program needed on `PATH`) and the
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

/// Kills a command and what it started (its process group, on Unix, by a signal sent
/// straight from this process: nothing is looked up on `PATH`), and reaps it.
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    kill_group(child.id());
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends `SIGKILL` to the process group that the command `pid` leads (it was spawned with
/// `process_group(0)`).
#[cfg(unix)]
#[allow(unsafe_code)]
fn kill_group(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return };
    if pid <= 0 {
        return; // never -0 or -(-1): they would name our own group, or every process
    }
    // SAFETY: kill takes two integers and touches no memory of ours. The group id is the
    // command's own pid, still unreaped (its wait comes after), so the id cannot have
    // been reused by another group meanwhile.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}
