//! Time as the client sees it: what time it is, and how it waits (for retries and the
//! rate limiter). Real by default; [`ManualClock`] makes tests instant and exact.
//!
//! One clock says both: how long things take ([`Clock::now`], monotonic) and what date it
//! is ([`Clock::utc_now`]: keys' ages, when a retiring key's next step falls due, the marks
//! keys as code writes, an audit's day). Whatever moves a client's clock moves all of these.

use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

/// A source of time for retries and rate limiting.
pub trait Clock: Send + Sync + 'static {
    /// Time since an arbitrary, fixed origin (monotonic).
    ///
    /// ```
    /// use honeycomb_api_keys::{Clock, SystemClock};
    ///
    /// let clock = SystemClock::default();
    /// let (earlier, later) = (clock.now(), clock.now());
    /// assert!(later >= earlier);
    /// ```
    fn now(&self) -> Duration;
    /// Waits for `duration`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Clock, ManualClock};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    ///
    /// let clock = ManualClock::new();
    /// clock.sleep(Duration::from_millis(1500)).await; // a manual clock returns at once
    /// assert_eq!(clock.now(), Duration::from_millis(1500));
    /// # }
    /// ```
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;

    /// Waits until [`now`](Self::now) reaches `deadline` (at once if it has).
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Clock, ManualClock};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_secs(4));
    /// clock.sleep_until(Duration::from_secs(10)).await;
    /// assert_eq!(clock.now(), Duration::from_secs(10));
    /// assert_eq!(clock.sleeps(), [Duration::from_secs(6)]);
    /// # }
    /// ```
    fn sleep_until(&self, deadline: Duration) -> BoxFuture<'static, ()> {
        self.sleep(deadline.saturating_sub(self.now()))
    }

    /// The date and time now: what plans, applies, audits and rotations take for "now"
    /// (the machine's own, unless the clock says otherwise).
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Clock, ManualClock, chrono::{TimeZone, Utc}};
    ///
    /// let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let clock = ManualClock::starting_at(start);
    /// clock.advance(Duration::from_secs(31 * 86_400));
    /// assert_eq!(clock.utc_now(), Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap());
    /// ```
    fn utc_now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The real clock: `Instant` and `tokio::time::sleep`.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock { origin: Instant::now() }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

type OnSleep = Arc<dyn Fn(Duration) + Send + Sync>;

/// A clock that only moves when told to, or when something sleeps on it: a sleep returns
/// at once and moves the clock forward by its duration (`sleep_until` moves it to the
/// deadline, if it is not there yet, so that concurrent tasks waiting for the same moment
/// move it once). Every sleep is recorded, so a test can assert the exact waits without
/// waiting.
///
/// ```
/// use std::time::Duration;
/// use honeycomb_api_keys::{Clock, ManualClock};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let clock = ManualClock::new();
/// clock.sleep(Duration::from_secs(30)).await; // returns at once
/// assert_eq!(clock.now(), Duration::from_secs(30));
/// assert_eq!(clock.sleeps(), [Duration::from_secs(30)]);
/// # }
/// ```
#[derive(Clone)]
pub struct ManualClock {
    state: Arc<Mutex<(Duration, Vec<Duration>)>>,
    on_sleep: Option<OnSleep>,
    /// The date at zero.
    origin: DateTime<Utc>,
    /// Real time also counts for the date since this instant (the fake's own clock, so that
    /// a fake served for real ages its keys).
    real_since: Option<Instant>,
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::starting_at(Utc::now())
    }
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .field("utc_now", &self.utc_now())
            .finish_non_exhaustive()
    }
}

impl ManualClock {
    /// A clock at zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// assert_eq!(clock.now(), Duration::ZERO);
    /// assert!(clock.sleeps().is_empty());
    /// ```
    pub fn new() -> Self {
        ManualClock::default()
    }

    /// A clock at zero whose date ([`Clock::utc_now`]) is `date` (with [`new`](Self::new)
    /// it is the moment the clock was made).
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Clock, ManualClock, chrono::{TimeZone, Utc}};
    ///
    /// let start = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    /// let clock = ManualClock::starting_at(start);
    /// assert_eq!(clock.utc_now(), start);
    /// clock.advance(Duration::from_secs(3600));
    /// assert_eq!(clock.utc_now(), Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap());
    /// ```
    pub fn starting_at(date: DateTime<Utc>) -> Self {
        ManualClock { state: Arc::default(), on_sleep: None, origin: date, real_since: None }
    }

    /// A clock whose date also moves with real time (its [`now`](Clock::now) does not):
    /// the fake's, which a server run for real shares with the clients of its tests.
    #[cfg(feature = "mock")]
    pub(crate) fn with_real_time(mut self) -> Self {
        self.real_since = Some(Instant::now());
        self
    }

    /// Also calls `f` with how far each sleep moved the clock (to move another clock along,
    /// such as [`MockHoneycomb::advance_clock`](crate::mock::MockHoneycomb::advance_clock)).
    ///
    /// ```
    /// use std::{sync::{Arc, Mutex}, time::Duration};
    /// use honeycomb_api_keys::{Clock, ManualClock};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    ///
    /// let other = Arc::new(Mutex::new(Duration::ZERO));
    /// let moved = other.clone();
    /// let clock = ManualClock::new().on_sleep(move |by| *moved.lock().unwrap() += by);
    /// clock.sleep(Duration::from_secs(3)).await;
    /// assert_eq!(*other.lock().unwrap(), Duration::from_secs(3));
    /// # }
    /// ```
    pub fn on_sleep(mut self, f: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.on_sleep = Some(Arc::new(f));
        self
    }

    /// Moves the clock forward.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_secs(61));
    /// assert_eq!(clock.now(), Duration::from_secs(61));
    /// assert!(clock.sleeps().is_empty()); // advancing is not sleeping
    /// ```
    pub fn advance(&self, by: Duration) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0 += by;
    }

    /// Every sleep so far, in order.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Clock, ManualClock};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    ///
    /// let clock = ManualClock::new();
    /// clock.sleep(Duration::from_secs(1)).await;
    /// clock.sleep(Duration::from_secs(2)).await;
    /// assert_eq!(clock.sleeps(), [Duration::from_secs(1), Duration::from_secs(2)]);
    /// # }
    /// ```
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1.clone()
    }
}

impl ManualClock {
    /// Moves the clock to `to` if it is later, records `asked`, tells `on_sleep`.
    fn move_to(&self, to: Duration, asked: Duration) -> BoxFuture<'static, ()> {
        let moved = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.1.push(asked);
            let moved = to.saturating_sub(state.0);
            state.0 += moved;
            moved
        };
        if let Some(f) = &self.on_sleep
            && !moved.is_zero()
        {
            f(moved);
        }
        Box::pin(YieldOnce(false))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0
    }

    /// Returns at once, with the clock moved on by `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.move_to(self.now() + duration, duration)
    }

    /// Returns at once, with the clock at `deadline` (if it was not there yet).
    fn sleep_until(&self, deadline: Duration) -> BoxFuture<'static, ()> {
        let asked = deadline.saturating_sub(self.now());
        self.move_to(deadline, asked)
    }

    /// The date it was made at (or [`starting_at`](ManualClock::starting_at)), moved on by
    /// its [`now`](Clock::now).
    fn utc_now(&self) -> DateTime<Utc> {
        let real = self.real_since.map(|since| since.elapsed()).unwrap_or_default();
        chrono::Duration::from_std(self.now() + real)
            .ok()
            .and_then(|moved| self.origin.checked_add_signed(moved))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Lets other tasks run once, like a real sleep would.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}
