//! What one iteration measured ([`Sample`]), and the [`Span`] a workload
//! body uses to leave its setup (binding, connecting) out of the timing.
//!
//! Wall time is `Instant`; CPU time is the whole process's user + system
//! time (`getrusage(RUSAGE_SELF)`), so it counts every runtime thread and
//! nothing of a load generator run as a child process. The other runtimes
//! of the process are idle meanwhile (parked), so the CPU time is the
//! runtime under test's.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One timed iteration of one contender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Wall time of the timed part.
    pub wall: Duration,
    /// Process CPU time (user + system) over the timed part.
    pub cpu: Duration,
    /// Operations done in it (tasks, messages, requests…).
    pub ops: u64,
    /// The 99th percentile latency of one operation, where the workload
    /// measures it (the HTTP rows, from the load generator).
    pub tail: Option<Duration>,
}

impl Sample {
    /// Wall seconds per operation.
    pub fn secs_per_op(&self) -> f64 {
        self.wall.as_secs_f64() / self.ops as f64
    }

    /// CPU seconds per operation.
    pub fn cpu_per_op(&self) -> f64 {
        self.cpu.as_secs_f64() / self.ops as f64
    }
}

/// User + system CPU time of this process so far.
pub fn process_cpu() -> Duration {
    rusage_cpu(libc::RUSAGE_SELF)
}

/// User + system CPU time of this process's children that have ended
/// and been waited for (a load generator run to completion), so far.
pub fn children_cpu() -> Duration {
    rusage_cpu(libc::RUSAGE_CHILDREN)
}

/// User + system CPU time that `getrusage(who)` reports.
fn rusage_cpu(who: libc::c_int) -> Duration {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: `ru` is a valid out-pointer for one `rusage`.
    let rc = unsafe { libc::getrusage(who, ru.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage: {}", std::io::Error::last_os_error());
    // SAFETY: getrusage succeeded, so it initialized `ru`.
    let ru = unsafe { ru.assume_init() };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// A wall and CPU clock reading.
#[derive(Debug, Clone, Copy)]
struct Mark {
    wall: Instant,
    cpu: Duration,
}

impl Mark {
    fn now() -> Mark {
        Mark {
            wall: Instant::now(),
            cpu: process_cpu(),
        }
    }
}

/// The timed part of one iteration. The harness starts it when the body's
/// task starts and stops it when the body returns; a body may restart it
/// after its setup, or stop it before its teardown. Cloned into the body.
#[derive(Debug, Clone)]
pub struct Span {
    marks: Arc<Mutex<(Mark, Option<Mark>)>>,
    tail: Arc<Mutex<Option<Duration>>>,
}

impl Span {
    /// A span started now.
    pub fn new() -> Span {
        Span {
            marks: Arc::new(Mutex::new((Mark::now(), None))),
            tail: Arc::new(Mutex::new(None)),
        }
    }

    /// (Re)starts the span now: what came before is not timed.
    pub fn start(&self) {
        self.marks.lock().expect("span lock").0 = Mark::now();
    }

    /// Stops the span now, unless it was stopped already.
    pub fn stop(&self) {
        let mut m = self.marks.lock().expect("span lock");
        if m.1.is_none() {
            m.1 = Some(Mark::now());
        }
    }

    /// Records the 99th percentile latency of one operation (see
    /// [`Sample::tail`]).
    pub fn set_tail(&self, p99: Option<Duration>) {
        *self.tail.lock().expect("span lock") = p99;
    }

    /// The sample of a stopped span that did `ops` operations.
    ///
    /// # Panics
    ///
    /// If the span was never stopped.
    pub fn sample(&self, ops: u64) -> Sample {
        let (start, end) = *self.marks.lock().expect("span lock");
        let end = end.expect("Span::sample before Span::stop");
        Sample {
            wall: end.wall - start.wall,
            cpu: end.cpu.saturating_sub(start.cpu),
            ops,
            tail: *self.tail.lock().expect("span lock"),
        }
    }
}
