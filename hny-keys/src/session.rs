//! What a run must report when it stops early: the keys it created (their secrets already
//! on stdout) and the creates in flight. The session is the workflows' `WriteGate`, so that
//! a signal holds back every write that has not started.

use std::{
    io::Write,
    process::ExitCode,
    sync::{Arc, Mutex},
    time::Duration,
};

use honeycomb_api_keys::{Error, KeyId, WriteGate, terminal_safe};

use crate::output::warn;

/// Why the CLI stopped.
pub(crate) enum Failure {
    /// An API or runtime error: exit 1.
    Runtime(String),
    /// A usage error, found before any request: exit 2.
    Usage(String),
    /// The command did its work, and found what it was asked to fail on (`audit
    /// --fail-on`): exit 3.
    Findings(String),
    /// Whoever read stdout stopped reading (`| head`): end quietly, exit 0, as Unix
    /// tools do.
    PipeClosed,
    /// Not a failure: the command's answer is its exit status (`plan --detailed-exitcode`).
    Exit(u8),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidArgument { .. } => Failure::Usage(e.to_string()),
            other => Failure::Runtime(other.to_string()),
        }
    }
}

/// What the run has done that an interrupt or a failed write must report: the keys whose
/// secrets were written, and the creates in flight. It is the workflows' [`WriteGate`].
#[derive(Default)]
pub(crate) struct Session {
    /// (id, name) of each key created, in order, once its secret was written out.
    pub(crate) created: Mutex<Vec<(String, String)>>,
    /// Whether a signal came, and the creates in flight: under one lock, so that a create
    /// is either registered before the signal is seen (and waited for) or never sent.
    pub(crate) writes: Mutex<Writes>,
    /// What to do after a stop, said last (`apply`: plan again).
    pub(crate) next_step: Mutex<Option<String>>,
    /// Whether the creates are an apply's (made under pending names, secrets to a sink).
    pub(crate) applying: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
pub(crate) struct Writes {
    pub(crate) interrupted: bool,
    pub(crate) creating: Vec<Creating>,
    /// An apply's creates in flight that were answered: (name, key id, delivered yet).
    pub(crate) answered: Vec<(String, String, Option<bool>)>,
    /// An apply's keys whose secrets were delivered: (id, name).
    pub(crate) delivered: Vec<(String, String)>,
}

/// A create in flight: of a key (its secret is lost if the answer is), or of an
/// environment.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Creating {
    Key(String),
    Environment(String),
}

impl Session {
    pub(crate) fn writes(&self) -> std::sync::MutexGuard<'_, Writes> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A signal came: no write starts from now on.
    pub(crate) fn interrupt(&self) {
        self.writes().interrupted = true;
    }

    pub(crate) fn interrupted(&self) -> bool {
        self.writes().interrupted
    }

    pub(crate) fn is_creating(&self) -> bool {
        !self.writes().creating.is_empty()
    }

    /// What was made, for a message on stderr.
    pub(crate) fn summary(&self) -> String {
        // `emit_secret` holds this lock while it writes; a write stuck on a stalled reader
        // must not stall the report.
        let created = (0..25)
            .find_map(|_| match self.created.try_lock() {
                Ok(created) => Some(created.clone()),
                Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner().clone()),
                Err(std::sync::TryLockError::WouldBlock) => {
                    std::thread::sleep(Duration::from_millis(20));
                    None
                }
            })
            .unwrap_or_default();
        let mut text = String::new();
        if !created.is_empty() {
            text.push_str("created before it stopped, with their secrets on stdout:");
            for (id, name) in &created {
                text.push_str(&format!("\n  {} \"{}\"", terminal_safe(id), terminal_safe(name)));
            }
        }
        let writes = self.writes();
        if !writes.delivered.is_empty() {
            text.push_str(if text.is_empty() { "" } else { "\n" });
            text.push_str("created before it stopped, with their secrets delivered:");
            for (id, name) in &writes.delivered {
                text.push_str(&format!("\n  {} \"{}\"", terminal_safe(id), terminal_safe(name)));
            }
        }
        let applying = self.applying.load(std::sync::atomic::Ordering::SeqCst);
        for creating in writes.creating.clone() {
            let answered = match &creating {
                Creating::Key(name) => writes.answered.iter().find(|(n, ..)| n == name),
                Creating::Environment(_) => None,
            };
            let unknown = match creating {
                Creating::Key(name) if answered.is_some() || applying => apply_stage(&name, answered),
                Creating::Key(name) => format!(
                    "the create of \"{}\" was not answered: whether it was made is unknown; look for it with `hny-keys list`, and delete it if it is there (its secret is lost)",
                    terminal_safe(&name)
                ),
                Creating::Environment(name) => format!(
                    "the create of environment \"{}\" was not answered: whether it was made is unknown; look for it with `hny-keys environments`",
                    terminal_safe(&name)
                ),
            };
            text.push_str(&format!("{}{unknown}", if text.is_empty() { "" } else { "\n" }));
        }
        drop(writes);
        if let Some(next) = self.next_step.lock().ok().and_then(|n| n.clone()) {
            text.push_str(&format!("{}{next}", if text.is_empty() { "" } else { "\n" }));
        }
        text
    }
}

impl Session {
    /// Registers a create about to be sent (so that an interrupt waits for its answer), or
    /// refuses it once a signal came.
    pub(crate) fn start_create(&self, creating: Creating) -> bool {
        let mut writes = self.writes();
        if writes.interrupted {
            return false;
        }
        writes.creating.push(creating);
        true
    }

    /// The create was answered (or failed).
    pub(crate) fn end_create(&self, creating: &Creating) {
        let mut writes = self.writes();
        if let Some(at) = writes.creating.iter().position(|c| c == creating) {
            writes.creating.remove(at);
        }
        if let Creating::Key(name) = creating {
            writes.answered.retain(|(n, ..)| n != name);
        }
    }
}

/// What an interrupt says of an apply's create of `name` in flight, by how far it got.
fn apply_stage(name: &str, answered: Option<&(String, String, Option<bool>)>) -> String {
    let name = terminal_safe(name);
    match answered {
        None => format!(
            "the create of \"{name}\" was not answered: whether it was made is unknown; a key it made keeps a pending name (\"[hny-keys pending …] {name}\"), has no delivered secret and never passes for \"{name}\": a plan retires it once it is 10 minutes old"
        ),
        Some((_, id, None)) => format!(
            "{} was made for \"{name}\" and its secret was being verified and delivered when the run stopped: whether the sink stored it is unknown (a command may still finish); the key keeps its pending name, so the next plan makes \"{name}\" again, delivers its secret and retires {}",
            terminal_safe(id),
            terminal_safe(id)
        ),
        Some((_, id, Some(true))) => format!(
            "{} was made for \"{name}\" and its secret delivered; it was taking its name when the run stopped: the next plan shows whether it did (if not, it makes \"{name}\" again and retires {})",
            terminal_safe(id),
            terminal_safe(id)
        ),
        Some((_, id, Some(false))) => format!(
            "{} was made for \"{name}\" but its secret could not be delivered; it was being deleted again: the next plan retires it if it is still there",
            terminal_safe(id)
        ),
    }
}

impl WriteGate for Session {
    fn before_create(&self, name: &str) -> bool {
        self.start_create(Creating::Key(name.to_string()))
    }

    fn after_create(&self, name: &str) {
        self.end_create(&Creating::Key(name.to_string()));
    }

    fn create_stage(&self, name: &str, key: &KeyId, delivered: Option<bool>) {
        let mut writes = self.writes();
        writes.answered.retain(|(n, ..)| n != name);
        writes.answered.push((name.to_string(), key.to_string(), delivered));
        if delivered == Some(true) {
            writes.delivered.push((key.to_string(), name.to_string()));
        }
    }

    fn before_change(&self) -> bool {
        !self.interrupted()
    }
}

/// On SIGINT or SIGTERM: let a create in flight finish (a key's secret is written the
/// moment it is answered, an environment is printed), say on stderr what was created, and
/// exit 130 or 143. A second signal
/// exits at once.
pub(crate) async fn exit_on_signal(session: Arc<Session>) {
    use futures::future::select;
    let Some(mut signals) = Signals::new() else { return };
    let (code, name) = signals.next().await;
    session.interrupt();
    if session.is_creating() {
        warn(&format!("{name}: waiting for the create in flight to be answered (again to stop at once)"));
        let answered = async {
            while session.is_creating() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let settled = select(Box::pin(answered), Box::pin(tokio::time::sleep(CREATE_ANSWER_WAIT)));
        select(settled, Box::pin(signals.next())).await;
    }
    // Taking stdout's lock waits for a line being written to be whole, and holding it to
    // the end keeps any other line from being cut by the exit. A reader that stopped
    // reading can hold a write (and the lock) forever: then the exit waits a moment, or
    // another signal, and goes ahead.
    let (locked, flushed) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.flush();
        let _ = locked.send(());
        loop {
            std::thread::park(); // keep the lock until the process exits
        }
    });
    let waited = select(Box::pin(flushed), Box::pin(tokio::time::sleep(STDOUT_WAIT)));
    select(waited, Box::pin(signals.next())).await;
    let summary = session.summary();
    warn(&format!("interrupted by {name}{}{summary}", if summary.is_empty() { "" } else { "; " }));
    std::process::exit(code);
}

/// The signals that stop the tool: SIGINT and SIGTERM on Unix, Ctrl-C (and Ctrl-Break)
/// elsewhere, through tokio's `ctrl_c`.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Listening from now on; `None` when the platform refuses.
    fn new() -> Option<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Some(Signals {
                interrupt: signal(SignalKind::interrupt()).ok()?,
                terminate: signal(SignalKind::terminate()).ok()?,
            })
        }
        #[cfg(not(unix))]
        Some(Signals {})
    }

    /// The next signal: the exit code it calls for, and its name.
    async fn next(&mut self) -> (i32, &'static str) {
        #[cfg(unix)]
        {
            use futures::future::{Either, select};
            match select(Box::pin(self.interrupt.recv()), Box::pin(self.terminate.recv())).await {
                Either::Left(_) => (130, "SIGINT"),
                Either::Right(_) => (143, "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            // Without a listener (refused), wait forever rather than exit.
            if tokio::signal::ctrl_c().await.is_err() {
                futures::future::pending::<()>().await;
            }
            (130, "Ctrl-C")
        }
    }
}

/// How long an interrupt waits for a line being written to stdout.
const STDOUT_WAIT: Duration = Duration::from_secs(2);

/// How long an interrupt waits for a create in flight: a little more than one attempt's
/// timeout (30 s) and the delivery of its secret to an `apply` sink (30 s for a command).
pub(crate) const CREATE_ANSWER_WAIT: Duration = Duration::from_secs(65);

pub(crate) fn fail(failure: Failure) -> ExitCode {
    let (message, code) = match failure {
        Failure::Runtime(m) => (m, 1),
        Failure::Usage(m) => (m, 2),
        Failure::Findings(m) => (m, 3),
        Failure::PipeClosed => return ExitCode::SUCCESS,
        Failure::Exit(code) => return ExitCode::from(code),
    };
    warn(&format!("error: {}", terminal_safe(&message)));
    ExitCode::from(code)
}
