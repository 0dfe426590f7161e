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

use super::backend::{Backend, IoBackend};
use super::epoll::Submitted;
use super::op::RawOp;
use super::unpark::Unparker;
use super::uring::{Cqe, RingConfig};
use crate::time::{clock, TimerEntry, TimerHeap};

/// Tags in the low bits of `user_data`.
const TAG_OP: u64 = 0;
const TAG_CANCEL: u64 = 1;

/// Ops in flight on all drivers of the process: the unit tests' leak
/// check. Counted in test builds only: elsewhere it would put one cache
/// line, written by every worker, on the path of each op.
#[cfg(test)]
static LIVE_OPS: AtomicUsize = AtomicUsize::new(0);

/// Number of ops submitted to any driver whose final completion has not yet
/// been processed.
#[cfg(test)]
pub(crate) fn live_ops() -> usize {
    LIVE_OPS.load(Ordering::Acquire)
}

/// Counts an op submitted to a driver (in test builds).
fn count_started() {
    #[cfg(test)]
    LIVE_OPS.fetch_add(1, Ordering::AcqRel);
}

/// Counts an op whose final completion a driver processed (in test builds).
fn count_finished() {
    #[cfg(test)]
    LIVE_OPS.fetch_sub(1, Ordering::AcqRel);
}

/// A request from another thread.
pub(crate) enum Remote {
    Submit(RawOp),
    /// Cancel the op if its cell is still in the use (generation) named.
    Cancel(RawOp, u32),
    Timer(Arc<TimerEntry>),
    /// An op the epoll backend ran on the blocking pool finished.
    Done(RawOp, i32),
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
            Remote::Cancel(..) => "Cancel",
            Remote::Timer(_) => "Timer",
            Remote::Done(..) => "Done",
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

    /// Sends a request. A driver that has shut down finished all its ops
    /// first, so only a new submission can find it gone: that op fails
    /// with `ECANCELED` here, having reached no kernel.
    pub(crate) fn send(&self, msg: Remote) {
        match self.inbox.push(msg) {
            Ok(()) => self.unpark(),
            Err(e) => match e.into_inner() {
                Remote::Submit(op) => finish(op, -libc::ECANCELED),
                Remote::Timer(entry) => super::fallback::shared().send(Remote::Timer(entry)),
                Remote::Cancel(..) | Remote::Done(..) => {}
            },
        }
    }

    pub(crate) fn timer_dropped(&self) {
        self.cancelled_timers.fetch_add(1, Ordering::Relaxed);
    }
}

/// Completes `op`, which never reached a driver's table, and wakes its
/// future.
fn finish(op: RawOp, res: i32) {
    if let Some(w) = op.complete(res, 0) {
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

    fn append(&mut self, other: &mut Completions) {
        self.wakers.append(&mut other.wakers);
        self.released.append(&mut other.released);
    }
}

/// A driver's reference to one op in flight.
struct InFlight {
    op: RawOp,
    /// Its syscall runs on the blocking pool (a file op on epoll, an
    /// opcode the kernel's io_uring lacks): that thread owns the op's data
    /// until its `Remote::Done` arrives.
    on_pool: bool,
}

/// One thread's backend, timers and in-flight ops.
pub(crate) struct Driver {
    shared: Arc<DriverShared>,
    backend: Backend,
    timers: TimerHeap,
    /// Ops in flight: the driver's reference to each, so it can cancel them
    /// all when it shuts down.
    ops: Slab<InFlight>,
    cqes: Vec<Cqe>,
    pending: Completions,
    /// Shutting down: new submissions fail with `ECANCELED`.
    closing: bool,
    closed: bool,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("backend", &self.backend)
            .field("ops_in_flight", &self.ops.len())
            .finish()
    }
}

impl Driver {
    /// A driver for the calling thread. `pinned`: it will only ever be used
    /// from this thread (lets io_uring use `SINGLE_ISSUER`).
    pub(crate) fn new(
        shared: Arc<DriverShared>,
        config: &RingConfig,
        pinned: bool,
    ) -> std::io::Result<Driver> {
        let backend = Backend::new(config, pinned, shared.unparker.eventfd())?;
        Ok(Driver {
            shared,
            backend,
            timers: TimerHeap::new(),
            ops: Slab::new(),
            cqes: Vec::new(),
            pending: Completions::default(),
            closing: false,
            closed: false,
        })
    }

    /// Number of ops in flight on this driver.
    pub(crate) fn ops_in_flight(&self) -> usize {
        self.ops.len()
    }

    /// Makes room for `additional` more ops in flight and as many
    /// completions per turn, so that they allocate nothing.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.ops.reserve(additional);
        self.cqes.reserve(additional);
        self.pending.released.reserve(additional);
    }

    pub(crate) fn io_backend(&self) -> IoBackend {
        self.backend.kind()
    }

    /// Starts `op`. With `polling`, the op's own future is polling right
    /// now and checks for an inline completion itself, so none is woken.
    fn submit_local(&mut self, op: RawOp, polling: bool) {
        // Closing, or the future was dropped before its op got here (from
        // another thread): nothing to start.
        if self.closing || op.is_cancelled() {
            return finish(op, -libc::ECANCELED);
        }
        count_started();
        let slot = self.ops.insert(InFlight { op, on_pool: false });
        let op = &self.ops[slot].op;
        op.set_slot(slot);
        let submitted = match &mut self.backend {
            Backend::Uring(u) if op.ring_has() => {
                let entry = op.uring_entry().user_data(op.addr() | TAG_OP);
                u.push(&entry, &mut self.cqes);
                Submitted::Waiting
            }
            // An opcode this kernel's io_uring lacks: the syscall instead.
            Backend::Uring(_) => Submitted::Blocking,
            Backend::Epoll(e) => e.submit(op),
        };
        match submitted {
            Submitted::Done(res) if polling => {
                let op = self.ops.remove(slot).op;
                drop(op.complete(res, 0));
                count_finished();
                self.pending.released.push(op);
            }
            Submitted::Done(res) => self.cqes.push(Cqe {
                user_data: op.addr() | TAG_OP,
                res,
                flags: 0,
            }),
            Submitted::Waiting => {}
            Submitted::Blocking => {
                let (op, shared) = (op.clone(), self.shared.clone());
                self.ops[slot].on_pool = true;
                crate::executor::run_blocking(move || {
                    let res = op.syscall();
                    shared.send(Remote::Done(op, res));
                });
            }
        }
    }

    /// Cancels `op` if its cell is still in use `generation` here. The
    /// request may come late: a reusable cell whose op completed may have
    /// been taken back by its owner (its data gone) or carry a later op,
    /// maybe on another driver; such a cell is left alone.
    fn cancel_local(&mut self, op: RawOp, generation: u32) {
        let slot = if op.in_flight_as(generation) {
            // SAFETY: use `generation` is in flight and this is its home
            // driver (cancels go to the driver the op was submitted to,
            // after the submission), so this thread is the one that owns
            // `slot` until the use completes here.
            unsafe { op.slot() }
        } else {
            usize::MAX
        };
        let Some(entry) = self.ops.get(slot).filter(|e| e.op.addr() == op.addr()) else {
            return self.pending.released.push(op);
        };
        match &mut self.backend {
            Backend::Uring(u) => {
                let entry = opcode::AsyncCancel::new(op.addr() | TAG_OP)
                    .build()
                    .user_data(op.into_user_data(TAG_CANCEL));
                u.push(&entry, &mut self.cqes);
            }
            // A syscall on the blocking pool cannot be stopped; the op
            // completes when it returns.
            _ if entry.on_pool => self.pending.released.push(op),
            Backend::Epoll(e) => {
                self.cqes.extend(e.cancel(&op));
                self.pending.released.push(op);
            }
        }
    }

    fn drain_inbox(&mut self) {
        while let Ok(msg) = self.shared.inbox.pop() {
            match msg {
                Remote::Submit(op) => self.submit_local(op, false),
                Remote::Cancel(op, generation) => self.cancel_local(op, generation),
                Remote::Timer(entry) => self.timers.insert(entry),
                Remote::Done(op, res) => {
                    self.cqes.push(Cqe {
                        user_data: op.addr() | TAG_OP,
                        res,
                        flags: 0,
                    });
                    self.pending.released.push(op);
                }
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
        let mut wait = block && self.pending.is_empty() && out.is_empty() && self.cqes.is_empty();
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
            if let Backend::Uring(u) = &mut self.backend {
                u.arm_eventfd(self.shared.unparker.eventfd(), &mut self.cqes);
            }
            wait = self.shared.unparker.prepare_park();
        }
        self.wait_backend(wait, timeout);
        if wait {
            self.shared.unparker.finish_park();
        }
        self.dispatch();
        self.drain_inbox();
        self.dispatch();
        self.fire_timers();
        out.append(&mut self.pending);
    }

    fn wait_backend(&mut self, wait: bool, timeout: Option<Duration>) {
        match &mut self.backend {
            Backend::Uring(u) => u.enter(wait, timeout, &mut self.cqes),
            Backend::Epoll(e) => e.wait(wait, timeout, &mut self.cqes),
        }
    }

    fn dispatch(&mut self) {
        for cqe in self.cqes.drain(..) {
            match cqe.user_data & 7 {
                TAG_OP => {
                    let addr = cqe.user_data & !7;
                    // SAFETY: an op's user_data is its cell address, and the
                    // cell is alive and in flight here: `ops` holds a
                    // reference until right below.
                    let slot = unsafe { peek_slot(addr) };
                    let op = self.ops.remove(slot).op;
                    if let Some(w) = op.complete(cqe.res, cqe.flags) {
                        self.pending.wakers.push(w);
                    }
                    count_finished();
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
    /// end on time. Leaves the backend idle and the inbox closed.
    pub(crate) fn shutdown(&mut self, out: &mut Completions) {
        if self.closed {
            return;
        }
        self.closing = true;
        self.drain_inbox();
        let in_flight: Vec<RawOp> = self.ops.iter().map(|(_, e)| e.op.clone()).collect();
        for op in in_flight {
            let generation = op.generation();
            self.cancel_local(op, generation);
        }
        if let Backend::Uring(u) = &mut self.backend {
            u.disarm_eventfd(&mut self.cqes);
        }
        loop {
            let idle = match &self.backend {
                Backend::Uring(u) => u.is_idle(),
                Backend::Epoll(_) => true,
            };
            if self.ops.is_empty() && idle {
                break;
            }
            self.wait_backend(true, Some(Duration::from_millis(10)));
            self.drain_inbox();
            self.dispatch();
        }
        self.closed = true;
        self.shared.inbox.close();
        self.drain_inbox();
        self.dispatch();
        out.append(&mut self.pending);
        self.hand_timers_to_fallback();
    }

    /// Moves the armed timers to the fallback driver, so that their sleeps
    /// end on time while nobody drives this one (its thread is blocked,
    /// retired or gone).
    pub(crate) fn hand_timers_to_fallback(&mut self) {
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
/// `addr` must be the address of a live op cell in flight on the calling
/// thread's driver.
unsafe fn peek_slot(addr: u64) -> usize {
    // SAFETY: per the contract; `from_user_data` makes a RawOp without
    // taking a count, so it is forgotten right after the read.
    let op = std::mem::ManuallyDrop::new(unsafe { RawOp::from_user_data(addr) });
    // SAFETY: per the contract the op is in flight on this thread's driver.
    unsafe { op.slot() }
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

/// One turn of the calling thread's driver without waiting, then the
/// wakes it produced: for a thread that is about to stop driving it for a
/// while (a current-thread runtime leaving `block_on`, a worker entering
/// `block_in_place`), so that what cancels made so far have produced (a
/// dropped read's data, for its socket's next read elsewhere) is not held
/// up until it drives again. Nothing where no driver runs.
pub(crate) fn reap_now() {
    let mut completions = Completions::default();
    with_current(|d| d.poll(&mut completions));
    completions.run();
}

/// Submits an op to the calling thread's driver, or to the fallback driver
/// where none runs, and records in `home` the driver that took it. The
/// handle in `home` is cloned only if it named another driver: a queue
/// reusing its cells submits to the same driver op after op.
///
/// `polling`: the op's waker belongs to the future submitting it, which
/// checks for an inline completion itself (an `Op<T>`), so none is woken.
/// An op whose waker may belong to another task (a completion queue's)
/// passes `false`: its inline completion is delivered, and woken, like any
/// other.
pub(crate) fn submit(op: RawOp, polling: bool, home: &mut Option<Arc<DriverShared>>) {
    to_current_or_fallback(
        op,
        |d, op| d.submit_local(op, polling),
        Remote::Submit,
        home,
    )
}

/// Whether `driver` is the calling thread's.
#[cfg(test)]
pub(crate) fn is_current(driver: &Arc<DriverShared>) -> bool {
    with_current(|d| Arc::ptr_eq(&d.shared, driver)).unwrap_or(false)
}

/// Hands `op` to `driver`, another thread's, which submits it when it next
/// turns; `home` then names that driver.
pub(crate) fn submit_to(
    driver: Arc<DriverShared>,
    op: RawOp,
    home: &mut Option<Arc<DriverShared>>,
) {
    driver.send(Remote::Submit(op));
    *home = Some(driver);
}

/// Whether the calling thread has a driver, and it runs io_uring.
pub(crate) fn runs_uring() -> bool {
    with_current(|d| matches!(d.backend, Backend::Uring(_))).unwrap_or(false)
}

/// Asks `home` to cancel an op in flight, if its cell is still in use
/// `generation` when the request gets there.
pub(crate) fn cancel(home: &Arc<DriverShared>, op: RawOp, generation: u32) {
    let mut op = Some(op);
    with_current(|d| {
        if Arc::ptr_eq(&d.shared, home) {
            d.cancel_local(op.take().expect("op"), generation);
            // Submitted now, not at the driver's next turn: until the
            // kernel has the cancel, an armed receive still takes bytes
            // that arrive (from a peer on this very thread, too), which
            // then take the detour through the socket's leftover (a copy,
            // and the next read waits for this op). A driver cancelling
            // from its own turn submits when it next waits.
            if let Backend::Uring(u) = &mut d.backend {
                u.enter(false, None, &mut d.cqes);
            }
        }
    });
    if let Some(op) = op {
        home.send(Remote::Cancel(op, generation));
    }
}

/// Makes room in the calling thread's driver, if it has one, for
/// `additional` more ops in flight.
pub(crate) fn reserve(additional: usize) {
    with_current(|d| d.reserve(additional));
}

/// Registers a timer with the calling thread's driver, or the fallback
/// driver. Returns the driver that holds it.
pub(crate) fn add_timer(entry: Arc<TimerEntry>) -> Arc<DriverShared> {
    let mut home = None;
    to_current_or_fallback(
        entry,
        |d, entry| d.timers.insert(entry),
        Remote::Timer,
        &mut home,
    );
    home.expect("a driver took the timer")
}

/// Hands `item` to the calling thread's driver (`local`) or, where none
/// runs, to the fallback driver as the request `remote(item)`, and makes
/// `home` name the driver that took it.
fn to_current_or_fallback<T>(
    item: T,
    local: impl FnOnce(&mut Driver, T),
    remote: impl FnOnce(T) -> Remote,
    home: &mut Option<Arc<DriverShared>>,
) {
    let mut item = Some(item);
    let taken_here = with_current(|d| {
        local(d, item.take().expect("taken once"));
        if !home.as_ref().is_some_and(|h| Arc::ptr_eq(h, &d.shared)) {
            *home = Some(d.shared.clone());
        }
    });
    if taken_here.is_none() {
        let fallback = super::fallback::shared();
        fallback.send(remote(item.expect("no driver here took it")));
        *home = Some(fallback);
    }
}
