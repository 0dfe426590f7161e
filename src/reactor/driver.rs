//! The per-thread driver: one ring, the timers, and an inbox through which
//! other threads reach it.
//!
//! A thread that runs zio tasks (a worker, or a current-thread runtime's
//! `block_on`) installs its `Driver` in a thread-local for as long as it
//! runs them; ops and timers polled there go straight to the ring and the
//! timer heap. Everything else — an op dropped after its task moved to
//! another worker, a timer polled on a foreign thread, an op polled where
//! no driver runs — goes through the inbox of the op's home driver (or of
//! the process-wide fallback driver), followed by an unpark.
//!
//! Completions are drained into a list first; wakers are woken and op
//! references released only after the driver's borrow ends, so no user code
//! runs while the driver is borrowed.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use concurrent_queue::ConcurrentQueue;
use io_uring::opcode;
use slab::Slab;

use super::op::RawOp;
use super::unpark::Unparker;
use super::uring::{Cqe, RingConfig, SetupError, Uring};
use crate::time::{clock, TimerEntry, TimerHeap};

/// Tags in the low bits of `user_data`.
const TAG_OP: u64 = 0;
const TAG_CANCEL: u64 = 1;
/// `user_data` of the eventfd read that wakes a parked driver.
const EVENTFD_USER_DATA: u64 = u64::MAX - 2;

/// Ops in flight on all drivers of the process (a test hook and a leak check).
static LIVE_OPS: AtomicUsize = AtomicUsize::new(0);

/// Number of ops submitted to any driver whose final completion has not yet
/// been processed.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn live_ops() -> usize {
    LIVE_OPS.load(Ordering::Acquire)
}

/// A request from another thread.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) enum Remote {
    Submit(RawOp),
    Cancel(RawOp),
    Timer(Arc<TimerEntry>),
}

/// The part of a driver other threads may touch.
#[derive(Debug)]
pub(crate) struct DriverShared {
    inbox: ConcurrentQueue<Remote>,
    unparker: Unparker,
    /// Timers dropped before they fired, counted so the heap can be
    /// compacted (their nodes are removed lazily).
    cancelled_timers: AtomicUsize,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Remote::Submit(_) => "Submit",
            Remote::Cancel(_) => "Cancel",
            Remote::Timer(_) => "Timer",
        })
    }
}

impl DriverShared {
    pub(crate) fn new() -> std::io::Result<Arc<DriverShared>> {
        Ok(Arc::new(DriverShared {
            inbox: ConcurrentQueue::unbounded(),
            unparker: Unparker::new()?,
            cancelled_timers: AtomicUsize::new(0),
        }))
    }

    pub(crate) fn unpark(&self) {
        self.unparker.unpark();
    }

    /// Sends a request; if the driver is gone, handles it here.
    pub(crate) fn send(&self, msg: Remote) {
        match self.inbox.push(msg) {
            Ok(()) => self.unpark(),
            Err(e) => match e.into_inner() {
                // The driver has shut down: fail the op, nothing reached a ring.
                Remote::Submit(op) => {
                    LIVE_OPS.fetch_add(1, Ordering::AcqRel);
                    finish(op, -libc::ECANCELED);
                }
                // A cancelled op or timer: its driver already finished it.
                Remote::Cancel(_) | Remote::Timer(_) => {}
            },
        }
    }

    pub(crate) fn timer_dropped(&self) {
        self.cancelled_timers.fetch_add(1, Ordering::Relaxed);
    }
}

/// Completes `op` outside any driver and wakes its future.
fn finish(op: RawOp, res: i32) {
    let waker = op.complete(res, 0);
    LIVE_OPS.fetch_sub(1, Ordering::AcqRel);
    drop(op);
    if let Some(w) = waker {
        w.wake();
    }
}

/// Work left for after the driver's borrow ends.
#[derive(Default)]
pub(crate) struct Completions {
    wakers: Vec<Waker>,
    released: Vec<RawOp>,
}

impl Completions {
    /// Wakes the woken and drops the released references.
    pub(crate) fn run(&mut self) {
        self.released.clear();
        for w in self.wakers.drain(..) {
            w.wake();
        }
    }

    fn is_empty(&self) -> bool {
        self.wakers.is_empty() && self.released.is_empty()
    }
}

/// One thread's ring, timers and in-flight ops.
pub(crate) struct Driver {
    shared: Arc<DriverShared>,
    uring: Uring,
    timers: TimerHeap,
    /// Ops in flight: the driver's reference to each, so it can cancel them
    /// all when it shuts down.
    ops: Slab<RawOp>,
    /// The eventfd read is in the ring.
    eventfd_armed: bool,
    eventfd_buf: Box<u64>,
    cqes: Vec<Cqe>,
    pending: Completions,
    closed: bool,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("uring", &self.uring)
            .field("ops_in_flight", &self.ops.len())
            .finish()
    }
}

impl Driver {
    /// A driver for the calling thread. `pinned`: the ring will only ever
    /// be used from this thread.
    pub(crate) fn new(
        shared: Arc<DriverShared>,
        config: &RingConfig,
        pinned: bool,
    ) -> Result<Driver, SetupError> {
        Ok(Driver {
            shared,
            uring: Uring::new(config, pinned)?,
            timers: TimerHeap::new(),
            ops: Slab::new(),
            eventfd_armed: false,
            eventfd_buf: Box::new(0),
            cqes: Vec::new(),
            pending: Completions::default(),
            closed: false,
        })
    }

    fn submit_local(&mut self, op: RawOp) {
        LIVE_OPS.fetch_add(1, Ordering::AcqRel);
        let entry = op.uring_entry().user_data(op.addr() | TAG_OP);
        let slot = self.ops.insert(op);
        self.ops[slot].set_slot(slot);
        self.uring.push(&entry, &mut self.cqes);
    }

    fn cancel_local(&mut self, op: RawOp) {
        let entry = opcode::AsyncCancel::new(op.addr() | TAG_OP)
            .build()
            .user_data(op.into_user_data(TAG_CANCEL));
        self.uring.push(&entry, &mut self.cqes);
    }

    fn add_timer(&mut self, entry: Arc<TimerEntry>) {
        self.timers.insert(entry);
    }

    fn drain_inbox(&mut self) {
        while let Ok(msg) = self.shared.inbox.pop() {
            match msg {
                Remote::Submit(op) => self.submit_local(op),
                Remote::Cancel(op) => self.cancel_local(op),
                Remote::Timer(entry) => self.add_timer(entry),
            }
        }
    }

    /// Processes what the kernel and other threads delivered and fires due
    /// timers, without blocking. What to wake is added to `out`, to be run
    /// once the driver is no longer borrowed.
    pub(crate) fn poll(&mut self, out: &mut Completions) {
        self.turn(false, None, out)
    }

    /// Blocks until a completion, a wake from another thread, the next timer
    /// or `timeout`, whichever comes first; then as [`Driver::poll`].
    pub(crate) fn park(&mut self, timeout: Option<Duration>, out: &mut Completions) {
        self.turn(true, timeout, out)
    }

    fn turn(&mut self, block: bool, timeout: Option<Duration>, out: &mut Completions) {
        self.drain_inbox();
        let mut wait = block && self.pending.is_empty() && out.is_empty();
        let mut timeout = timeout;
        if wait {
            if let Some(next) = self.timers.next_deadline() {
                let until = Duration::from_nanos(next.saturating_sub(clock::now()));
                timeout = Some(timeout.map_or(until, |t| t.min(until)));
            }
            if timeout == Some(Duration::ZERO) {
                wait = false;
            }
        }
        if wait {
            self.arm_eventfd();
            wait = self.shared.unparker.prepare_park();
        }
        self.uring.enter(wait, timeout, &mut self.cqes);
        if wait {
            self.shared.unparker.finish_park();
        }
        self.dispatch();
        self.drain_inbox();
        self.dispatch();
        self.fire_timers();
        out.wakers.append(&mut self.pending.wakers);
        out.released.append(&mut self.pending.released);
    }

    fn arm_eventfd(&mut self) {
        if self.eventfd_armed {
            return;
        }
        let buf: *mut u64 = &mut *self.eventfd_buf;
        // The buffer is a heap u64 owned by the driver, which outlives the
        // read: the driver drains the ring before it is dropped.
        let entry = opcode::Read::new(
            io_uring::types::Fd(self.shared.unparker.eventfd()),
            buf.cast(),
            8,
        )
        .build()
        .user_data(EVENTFD_USER_DATA);
        self.uring.push(&entry, &mut self.cqes);
        self.eventfd_armed = true;
    }

    fn dispatch(&mut self) {
        for cqe in self.cqes.drain(..) {
            if cqe.user_data == EVENTFD_USER_DATA {
                self.eventfd_armed = false;
                continue;
            }
            match cqe.user_data & 7 {
                TAG_OP => {
                    let addr = cqe.user_data & !7;
                    // SAFETY: an op's user_data is its cell address, and the
                    // cell is alive: `ops` holds a reference until right below.
                    let slot = unsafe { peek_slot(addr) };
                    let op = self.ops.remove(slot);
                    if let Some(w) = op.complete(cqe.res, cqe.flags) {
                        self.pending.wakers.push(w);
                    }
                    LIVE_OPS.fetch_sub(1, Ordering::AcqRel);
                    self.pending.released.push(op);
                }
                _ => {
                    // SAFETY: a cancel SQE's user_data came from
                    // `into_user_data(TAG_CANCEL)` and its CQE arrives once.
                    let op = unsafe { RawOp::from_user_data(cqe.user_data) };
                    self.pending.released.push(op);
                }
            }
        }
    }

    fn fire_timers(&mut self) {
        let cancelled = self.shared.cancelled_timers.swap(0, Ordering::Relaxed);
        self.timers.note_cancelled(cancelled);
        if self.timers.next_deadline().is_some() {
            self.timers.fire(clock::now(), &mut self.pending.wakers);
        }
    }

    /// Cancels every op in flight and waits for all their completions
    /// (their futures, if still alive elsewhere, get `ECANCELED`), and
    /// hands the armed timers to the fallback driver so their sleeps still
    /// end on time. Leaves the ring idle and the inbox closed.
    pub(crate) fn shutdown(&mut self, out: &mut Completions) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.shared.inbox.close();
        self.drain_inbox();
        let in_flight: Vec<RawOp> = self.ops.iter().map(|(_, op)| op.clone()).collect();
        for op in in_flight {
            self.cancel_local(op);
        }
        if self.eventfd_armed {
            let cancel = opcode::AsyncCancel::new(EVENTFD_USER_DATA)
                .build()
                .user_data(super::uring::IGNORE_USER_DATA);
            self.uring.push(&cancel, &mut self.cqes);
        }
        while !self.ops.is_empty() || self.eventfd_armed {
            self.uring
                .enter(true, Some(Duration::from_millis(100)), &mut self.cqes);
            self.dispatch();
        }
        out.wakers.append(&mut self.pending.wakers);
        out.released.append(&mut self.pending.released);
        let timers = self.timers.drain_armed();
        if !timers.is_empty() {
            let fallback = super::fallback::shared();
            for entry in timers {
                fallback.send(Remote::Timer(entry));
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let mut out = Completions::default();
        self.shutdown(&mut out);
        out.run();
    }
}

/// Reads the driver slot of the op whose cell is at `addr`.
///
/// # Safety
/// `addr` must be the address of a live op cell.
unsafe fn peek_slot(addr: u64) -> usize {
    // SAFETY: per the contract; `from_user_data` makes a RawOp without
    // taking a count, so it is forgotten right after the read.
    let op = std::mem::ManuallyDrop::new(unsafe { RawOp::from_user_data(addr) });
    op.slot()
}

thread_local! {
    static CURRENT: RefCell<Option<Driver>> = const { RefCell::new(None) };
}

/// Installs `driver` as the calling thread's driver.
pub(crate) fn install(driver: Driver) {
    CURRENT.with(|c| {
        let prev = c.borrow_mut().replace(driver);
        assert!(prev.is_none(), "a thread runs one zio driver at a time");
    });
}

/// Takes the calling thread's driver out of the thread-local.
pub(crate) fn uninstall() -> Option<Driver> {
    CURRENT.with(|c| c.borrow_mut().take())
}

/// Runs `f` on the calling thread's driver, if it has one that is not
/// borrowed already.
pub(crate) fn with_current<R>(f: impl FnOnce(&mut Driver) -> R) -> Option<R> {
    CURRENT
        .try_with(|c| match c.try_borrow_mut() {
            Ok(mut d) => d.as_mut().map(f),
            Err(_) => None,
        })
        .ok()
        .flatten()
}

#[cfg_attr(not(test), allow(dead_code))]
/// Submits an op to the calling thread's driver, or to the fallback driver
/// where none runs. Returns the op's home.
pub(crate) fn submit(op: RawOp) -> Arc<DriverShared> {
    let mut op = Some(op);
    let local = with_current(|d| {
        d.submit_local(op.take().expect("op"));
        d.shared.clone()
    });
    match (local, op) {
        (Some(home), _) => home,
        (None, Some(op)) => {
            let home = super::fallback::shared();
            home.send(Remote::Submit(op));
            home
        }
        (None, None) => unreachable!("the op was either submitted or not"),
    }
}

#[cfg_attr(not(test), allow(dead_code))]
/// Asks `home` to cancel an op in flight.
pub(crate) fn cancel(home: &Arc<DriverShared>, op: RawOp) {
    let mut op = Some(op);
    with_current(|d| {
        if Arc::ptr_eq(&d.shared, home) {
            d.cancel_local(op.take().expect("op"));
        }
    });
    if let Some(op) = op {
        home.send(Remote::Cancel(op));
    }
}

/// Registers a timer with the calling thread's driver, or the fallback
/// driver. Returns the driver that holds it.
pub(crate) fn add_timer(entry: Arc<TimerEntry>) -> Arc<DriverShared> {
    let mut entry = Some(entry);
    let local = with_current(|d| {
        d.add_timer(entry.take().expect("entry"));
        d.shared.clone()
    });
    match (local, entry) {
        (Some(home), _) => home,
        (None, Some(entry)) => {
            let home = super::fallback::shared();
            home.send(Remote::Timer(entry));
            home
        }
        (None, None) => unreachable!("the timer was either added or not"),
    }
}
