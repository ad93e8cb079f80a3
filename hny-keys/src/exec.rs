//! `--secrets-to`: the sinks by their command-line spelling, and the exec sink, a command
//! given each secret on its standard input.

use std::{
    io::{Read, Write},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use honeycomb_api_keys::{
    ApiKey, Delivery, DotenvFile, ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET, Environment,
    ExposeSecret, JsonFile, SecretLookup, SecretSink, SecretSource, SecretString, terminal_safe,
};

use crate::session::Failure;

/// A place for secrets, by its command-line spelling: `dotenv:PATH`, `json:PATH` or
/// `exec:COMMAND`.
enum Place {
    Dotenv(DotenvFile),
    Json(JsonFile),
    Exec(ExecCommand),
}

/// The place `spec` spells, or a usage error naming `flag`.
fn place(flag: &str, spec: &str) -> Result<Place, Failure> {
    let bad = |why: &str| Failure::Usage(format!("{flag} {:?} {why}", terminal_safe(spec)));
    let (kind, rest) = spec.split_once(':').ok_or_else(|| bad("is not dotenv:PATH, json:PATH or exec:COMMAND"))?;
    if rest.trim().is_empty() {
        return Err(bad("names no path or command after the colon"));
    }
    Ok(match kind {
        "dotenv" => Place::Dotenv(DotenvFile::new(rest)),
        "json" => Place::Json(JsonFile::new(rest)),
        "exec" => Place::Exec(ExecCommand::new(rest)),
        _ => return Err(bad("is not dotenv:PATH, json:PATH or exec:COMMAND")),
    })
}

/// Where `--secrets-to` delivers new secrets.
pub(crate) fn secret_sink(spec: &str) -> Result<Box<dyn SecretSink>, Failure> {
    Ok(match place("--secrets-to", spec)? {
        Place::Dotenv(file) => Box::new(file),
        Place::Json(file) => Box::new(file),
        Place::Exec(command) => Box::new(command),
    })
}

/// Where `--check-secrets` reads the secrets back from (an exec command prints the
/// secret named by `HNY_SECRET_NAME`).
pub(crate) fn secret_source(spec: &str) -> Result<Box<dyn SecretSource>, Failure> {
    Ok(match place("--check-secrets", spec)? {
        Place::Dotenv(file) => Box::new(file),
        Place::Json(file) => Box::new(file),
        Place::Exec(command) => Box::new(command),
    })
}

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
/// shell returns 1 at its end: use `s=$(cat)`). The apply waits for it, the runtime's
/// worker given up meanwhile, so that timers and signal handlers still run.
#[derive(Clone, Debug)]
pub(crate) struct ExecCommand {
    command: String,
    timeout: Duration,
}

impl ExecCommand {
    /// Runs `command`.
    pub(crate) fn new(command: impl Into<String>) -> Self {
        ExecCommand { command: command.into(), timeout: Duration::from_secs(30) }
    }

    /// How long the command may run.
    #[cfg(test)]
    #[must_use]
    pub(crate) fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl SecretSink for ExecCommand {
    fn deliver(&self, d: &Delivery<'_>) -> std::result::Result<(), String> {
        let vars = vars(d.key, d.environment, d.secret_name);
        in_place(|| self.run(&vars, Some(d.secret().expose_secret().as_bytes()))).map(drop)
    }
}

impl SecretSource for ExecCommand {
    /// Runs the command with the declared key in its environment (the variables of a
    /// delivery) and nothing on its standard input; what it prints on its standard output
    /// (at most 64 KiB read, one trailing line end removed) is the secret, and nothing
    /// means none. A command that fails, or outlives the timeout, is an error.
    fn read(&self, lookup: &SecretLookup<'_>) -> Result<Option<SecretString>, String> {
        let vars = vars(lookup.key, lookup.environment, lookup.secret_name);
        let out = in_place(|| self.run(&vars, None))?;
        let text = String::from_utf8(out).map_err(|_| format!("`{}` printed no text", terminal_safe(&self.command)))?;
        let secret = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
        Ok((!secret.is_empty()).then(|| SecretString::from(secret.to_string())))
    }
}

/// Runs `f`, the runtime's worker given up meanwhile (a command may take seconds), so that
/// timers and signal handlers still run.
fn in_place<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// What a command learns of its key, in its environment.
fn vars<'a>(key: &'a ApiKey, environment: &'a Environment, secret_name: &'a str) -> [(&'static str, &'a str); 6] {
    [
        ("HNY_KEY_ID", key.id.as_str()),
        ("HNY_KEY_NAME", &key.name),
        ("HNY_KEY_TYPE", key.key_type.as_str()),
        ("HNY_KEY_ENVIRONMENT", &environment.name),
        ("HNY_KEY_ENVIRONMENT_SLUG", &environment.slug),
        ("HNY_SECRET_NAME", secret_name),
    ]
}

/// The most of a reading command's output that is read.
const MAX_OUTPUT: u64 = 64 << 10;

impl ExecCommand {
    /// Runs the command with `vars`, `input` on its standard input (`None`: nothing, the
    /// command's standard output read and returned; `Some`: its output sent to standard
    /// error), within the timeout.
    fn run(&self, vars: &[(&str, &str)], input: Option<&[u8]>) -> Result<Vec<u8>, String> {
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
        command.envs(vars.iter().copied()).stderr(Stdio::inherit());
        match input {
            Some(_) => command.stdin(Stdio::piped()).stdout(Stdio::from(std::io::stderr())),
            None => command.stdin(Stdio::null()).stdout(Stdio::piped()),
        };
        let what = format!("`{}`", terminal_safe(&self.command));
        let mut child = command.spawn().map_err(|e| format!("could not run {what}: {e}"))?;
        if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
            // A command that does not read its input closes the pipe: its exit status
            // says whether it stored the secret.
            match stdin.write_all(input) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    stop(&mut child);
                    return Err(format!("could not write the secret to {what}: {e}"));
                }
                _ => {}
            }
        }
        // Read on a thread of its own, so that a command that prints much never waits on a
        // full pipe; what is beyond the limit is read and dropped.
        let reader = child.stdout.take().map(|stdout| {
            std::thread::spawn(move || {
                let mut out = Vec::new();
                let mut stdout = stdout;
                let _ = (&mut stdout).take(MAX_OUTPUT).read_to_end(&mut out);
                let _ = std::io::copy(&mut stdout, &mut std::io::sink());
                out
            })
        });
        let started = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => {
                    return Ok(reader.and_then(|r| r.join().ok()).unwrap_or_default());
                }
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

#[cfg(test)]
mod tests {
    use std::{path::Path, time::Duration};

    use honeycomb_api_keys::{
        ApiKey, ApplyOptions, ApplyReport, DeclaredKey, Delivery, Environment, KeySet, PlanOptions, SecretSink,
        SecretString, StepOutcome, mock::MockHoneycomb,
    };

    use super::ExecCommand;

    /// A fresh directory under the system's temporary one.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("hny-keys-exec-{name}-{}-{}", std::process::id(), fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn fixture() -> (ApiKey, Environment) {
        let key = serde_json::from_str(
            r#"{"id": "hcxik_01j1824es7n4evcmv81cn392jb", "name": "checkout", "key_type": "ingest",
                "disabled": false, "permissions": {}, "environment_id": "hcxen_01hznmeqrcq8rz533xrvtc6mk0",
                "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let env = serde_json::from_str(
            r#"{"id": "hcxen_01hznmeqrcq8rz533xrvtc6mk0", "name": "Production", "slug": "production"}"#,
        )
        .unwrap();
        (key, env)
    }

    /// Whether process `pid` is gone (or a zombie nobody reaps): Linux's `/proc`.
    #[cfg(target_os = "linux")]
    fn gone(pid: u32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            // "pid (comm) S ...": the state after the last ')'.
            Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_timed_out_command_is_stopped_with_what_it_started_without_kill_on_path() {
        const INNER: &str = "HNY_KEYS_TEST_PATH_WITHOUT_KILL";
        const NAME: &str = "a_timed_out_command_is_stopped_with_what_it_started_without_kill_on_path";
        if std::env::var_os(INNER).is_none() {
            // Again in a process of its own whose PATH has a shell and `sleep` but no `kill`.
            let bin = scratch("path-without-kill");
            for tool in ["sh", "sleep"] {
                let found = ["/bin", "/usr/bin"].iter().map(|d| Path::new(d).join(tool)).find(|p| p.exists()).unwrap();
                std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
            }
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([&format!("exec::tests::{NAME}"), "--exact", "--nocapture"])
                .env(INNER, "1")
                .env("PATH", &bin)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && stdout.contains("1 passed"),
                "{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::fs::remove_dir_all(bin).unwrap();
            return;
        }
        let dir = scratch("grandchild");
        let pid_file = dir.join("pid");
        let command = format!("sleep 30 & echo $! > '{}'; sleep 30", pid_file.display());
        let sink = ExecCommand::new(command).timeout(Duration::from_millis(500));
        let (key, env) = fixture();
        let secret = SecretString::from("s3cr3t");
        let err = sink.deliver(&Delivery::new(&key, &env, "NAME", &secret)).unwrap_err();
        assert!(err.contains("did not finish within 0.5 s and was stopped"), "{err}");
        let grandchild: u32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
        let waited = std::time::Instant::now();
        while !gone(grandchild) && waited.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(gone(grandchild), "the command's background process {grandchild} outlived its timeout");
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Applies `set` on a fresh fake into `sink`; the fake, and the report.
    async fn apply_into(set: &KeySet, sink: &(impl SecretSink + ?Sized)) -> (MockHoneycomb, ApplyReport) {
        let fake = MockHoneycomb::start().await;
        let keys = fake.client().api_keys();
        let plan = keys.plan(set, PlanOptions::new()).await.unwrap();
        let report = keys.apply(&plan, sink, ApplyOptions::new()).await.unwrap();
        (fake, report)
    }

    fn header_value(fake: &MockHoneycomb, name: &str) -> String {
        let key = fake.keys().into_iter().find(|k| k.name == name).unwrap();
        format!("{}{}", key.id, key.secret)
    }

    #[cfg(unix)]
    #[tokio::test(flavor = "multi_thread")]
    async fn the_exec_sink_gets_the_secret_on_stdin_only_and_the_key_in_its_environment() {
        let dir = scratch("exec");
        let command = format!(
            "cat > '{0}/secret'; env > '{0}/env'; echo to-stdout; test \"$HNY_KEY_NAME\" = 'checkout ingest'",
            dir.display()
        );
        let sink = ExecCommand::new(command);
        let one = KeySet::new().key(DeclaredKey::ingest("checkout ingest", "Production"));
        let fake = MockHoneycomb::start().await;
        let keys = fake.client().api_keys();
        let plan = keys.plan(&one, PlanOptions::new()).await.unwrap();
        // The management key's variables are not passed on.
        let report = keys.apply(&plan, &sink, ApplyOptions::new()).await.unwrap();
        assert!(report.is_complete(), "{report:?}");
        let secret = header_value(&fake, "checkout ingest");
        assert_eq!(std::fs::read_to_string(dir.join("secret")).unwrap(), secret);
        let env = std::fs::read_to_string(dir.join("env")).unwrap();
        let key = fake.keys().remove(0);
        for line in [
            format!("HNY_KEY_ID={}", key.id),
            "HNY_KEY_NAME=checkout ingest".into(),
            "HNY_KEY_TYPE=ingest".into(),
            "HNY_KEY_ENVIRONMENT=Production".into(),
            "HNY_KEY_ENVIRONMENT_SLUG=production".into(),
            "HNY_SECRET_NAME=HONEYCOMB_PRODUCTION_CHECKOUT_INGEST".into(),
        ] {
            assert!(env.lines().any(|l| l == line), "{line} not in the command's environment");
        }
        assert!(!env.contains(&key.secret), "the secret is on stdin only");

        // A command that fails: the key is deleted again and the failure says so.
        let (fake, report) = apply_into(&one, &ExecCommand::new("cat > /dev/null; exit 3")).await;
        let StepOutcome::Failed { error, .. } = &report.steps[0].outcome else { panic!("{report:?}") };
        assert!(error.to_string().contains("`cat > /dev/null; exit 3` failed (exit status: 3)"), "{error}");
        assert!(fake.keys().is_empty());
        // One that hangs is stopped.
        let slow = ExecCommand::new("sleep 30").timeout(Duration::from_millis(200));
        let (fake, report) = apply_into(&one, &slow).await;
        let StepOutcome::Failed { error, .. } = &report.steps[0].outcome else { panic!("{report:?}") };
        assert!(error.to_string().contains("did not finish within 0.2 s and was stopped"), "{error}");
        assert!(fake.keys().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
