//! The `Op<T>` future and the shared cell that carries an operation through
//! the kernel.
//!
//! An operation's data (`T: OpCode`: fd, buffers, timespecs...) lives in an
//! [`OpCell`] on the heap, shared by the future and the driver through an
//! `Arc`. The driver holds one strong reference from submission until the
//! final completion, so the data stays alive and unmoved while the kernel may
//! touch it, whatever happens to the future. Lifecycle:
//!
//! ```text
//! IDLE --first poll--> IN_FLIGHT --CQE--> COMPLETED   (future takes the data back)
//!                          |
//!                          +--future dropped--> CANCELLED --CQE--> freed by the driver
//! ```
//!
//! The state is atomic and the waker an `AtomicWaker`, so a task that was
//! stolen by another worker can poll or drop the op from there; only
//! requests that touch the ring (submit, cancel) go through the home driver.
//!
//! The driver sees an op only as a [`RawOp`]: a pointer to the [`Header`]
//! at the start of a cell, whose vtable says how to reach the op's data,
//! how to record a completion and how to count references. Besides the
//! `Arc<OpCell<T>>` of each `Op<T>`, `pool.rs` puts reusable cells behind
//! the same header (the completion queue's slots).

use std::cell::UnsafeCell;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use atomic_waker::AtomicWaker;
use io_uring::squeue::Entry;

use super::driver::{self, DriverShared};
use super::fd::FileId;

/// How a readiness backend (epoll) runs an op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EpollPlan {
    /// Call [`OpCode::syscall`] now; if it fails with `EAGAIN`, wait until
    /// `fd` (standing for `file`) is ready for `interest` and call it again.
    Ready {
        fd: RawFd,
        file: FileId,
        interest: Interest,
    },
    /// The op is the readiness wait itself (a poll): wait until `fd` is
    /// ready for `interest`, with no syscall before or after; the result is
    /// the ready mask epoll reports (its bits are poll's). Its caller has
    /// just seen `EAGAIN` from its own syscall on the fd, so readiness
    /// the backend saw before that may be stale: it may complete the poll
    /// once spuriously, and the caller tries again.
    Poll {
        fd: RawFd,
        file: FileId,
        interest: Interest,
    },
    /// The syscall may block and has no readiness (regular files, fsync,
    /// open, statx, ...): run [`OpCode::syscall`] on the blocking pool.
    Blocking,
    /// Completes by itself after this long (the timeout op); `ZERO` runs
    /// [`OpCode::syscall`] at once, without waiting for anything.
    After(std::time::Duration),
}

/// What a readiness wait waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interest {
    Read,
    Write,
}

/// One operation, described as plain data.
///
/// An implementation lives in a file of its own under `reactor/ops/` and
/// describes itself to every backend: an SQE for io_uring, and for
/// readiness backends the equivalent syscall plus how to wait for it. The
/// drivers never look inside it.
pub(crate) trait OpCode: Send + 'static {
    /// What the op's future resolves to (usually the result and the buffers).
    type Output;

    /// The submission queue entry for this op.
    ///
    /// Called once, on the home driver's thread. Pointers in the entry may
    /// point into `self`: `self` sits at a fixed heap address and is not
    /// touched by anyone else until the completion arrives.
    fn uring_entry(&mut self) -> Entry;

    /// The `IORING_OP_*` of [`OpCode::uring_entry`], for an op that io_uring
    /// gained after the oldest kernel zio rings on (5.10). Where the
    /// kernel lacks it, the io_uring driver runs [`OpCode::syscall`] on
    /// the blocking pool instead.
    fn probed_opcode(&self) -> Option<u8> {
        None
    }

    /// How a readiness backend runs this op.
    fn epoll_plan(&self) -> EpollPlan;

    /// Performs the op as one plain syscall, returning what its CQE would
    /// carry: a count (or fd) on success, `-errno` on failure. Used by the
    /// epoll backend (from the driver thread, or a blocking-pool thread for
    /// [`EpollPlan::Blocking`]) and by blocking calls on plain threads.
    fn syscall(&mut self) -> i32;

    /// Turns the kernel's result (`res` of the CQE: a count or `-errno`) into
    /// the output, handing the buffers back.
    fn complete(self, res: i32, flags: u32) -> Self::Output;

    /// The result of an op whose future was dropped (before or after the
    /// completion arrived, as long as nobody took the output). Ops that
    /// produce a resource (an fd from open or accept) release it here; a
    /// read hands its data to its socket's next read, and returns the
    /// waker of a read waiting for it, which the caller wakes once it is
    /// done with its own state (a driver: after its borrow ends).
    fn complete_orphan(&mut self, _res: i32) -> Option<Waker> {
        None
    }
}

pub(super) const IDLE: u8 = 0;
pub(super) const IN_FLIGHT: u8 = 1;
pub(super) const COMPLETED: u8 = 2;
pub(super) const CANCELLED: u8 = 3;

/// Type-erased functions of one kind of cell (`OpCell<T>`, or a pool's
/// cell). All take a pointer to the cell's header, derived from a pointer
/// to the whole cell.
pub(super) struct VTable {
    pub(super) entry: unsafe fn(NonNull<Header>) -> Entry,
    pub(super) ring_has: unsafe fn(NonNull<Header>) -> bool,
    pub(super) plan: unsafe fn(NonNull<Header>) -> EpollPlan,
    pub(super) syscall: unsafe fn(NonNull<Header>) -> i32,
    /// Records the final result; returns the waker to wake.
    pub(super) complete: unsafe fn(NonNull<Header>, i32, u32) -> Option<Waker>,
    /// Adds one reference (a new `RawOp`).
    pub(super) acquire: unsafe fn(NonNull<Header>),
    /// Gives one reference up.
    pub(super) release: unsafe fn(NonNull<Header>),
}

/// The type-independent head of a cell; `RawOp` points here.
pub(crate) struct Header {
    vtable: &'static VTable,
    pub(super) state: AtomicU8,
    /// `(res, flags)` of the CQE; written by the driver before the state
    /// becomes COMPLETED, read by the future after it sees COMPLETED.
    pub(super) result: UnsafeCell<(i32, u32)>,
    waker: AtomicWaker,
    /// Where the driver running the current use keeps its reference: the
    /// index in that driver's `ops` slab. Written when the driver takes the
    /// op (submission), read when the final CQE arrives, to remove that
    /// reference. Only that driver's thread touches it while the use is in
    /// flight; a reused pool cell may go to another driver next time, after
    /// its state went through COMPLETED and IDLE (Release/Acquire) in
    /// between.
    slot: UnsafeCell<usize>,
    /// Which use of a reusable cell is in flight (always 0 for an
    /// `OpCell`): a cancel request for an earlier use must not hit a later
    /// one that reuses the cell's address. Written by the cell's owner
    /// before it submits, read by drivers.
    pub(super) generation: AtomicU32,
}

impl Header {
    pub(super) fn new(vtable: &'static VTable) -> Header {
        Header {
            vtable,
            state: AtomicU8::new(IDLE),
            result: UnsafeCell::new((0, 0)),
            waker: AtomicWaker::new(),
            slot: UnsafeCell::new(usize::MAX),
            generation: AtomicU32::new(0),
        }
    }
}

// SAFETY: `result` and `slot` are plain data whose accesses are ordered by
// `state` (see the fields' docs): `slot` is only touched by the thread of the
// driver running the current use, `result` is written before a Release store
// of COMPLETED and read after an Acquire load of it. Everything else is
// atomic.
unsafe impl Sync for Header {}
// SAFETY: as above; the header holds no thread-bound data.
unsafe impl Send for Header {}

/// Header plus op data. `repr(C)` puts the header first, so a pointer to
/// the cell is a pointer to its header.
#[repr(C)]
pub(crate) struct OpCell<T> {
    pub(super) header: Header,
    /// The op. Owned by the driver between submission and completion (or
    /// until the final CQE of a cancelled op), by the future otherwise.
    pub(super) data: UnsafeCell<Option<T>>,
}

// SAFETY: access to `data` is handed between the future and the driver by
// `header.state` (Release/Acquire), so only one side touches it at a time.
// `T: Send` because the driver may run on another thread than the future.
unsafe impl<T: Send> Sync for OpCell<T> {}

impl<T: OpCode> OpCell<T> {
    const VTABLE: VTable = VTable {
        entry: Self::entry_raw,
        ring_has: Self::ring_has_raw,
        plan: Self::plan_raw,
        syscall: Self::syscall_raw,
        complete: Self::complete_raw,
        acquire: Self::acquire_raw,
        release: Self::release_raw,
    };

    /// An op cell in state IDLE, for the first poll of an `Op<T>` or for a
    /// pool to reuse.
    pub(super) fn new(data: Option<T>, vtable: &'static VTable) -> OpCell<T> {
        OpCell {
            header: Header::new(vtable),
            data: UnsafeCell::new(data),
        }
    }

    /// The op's data, for the side that owns it in flight.
    ///
    /// # Safety
    /// `header` must point at the header of a live `OpCell<T>` (or of a
    /// `repr(C)` cell that starts with one), derived from a pointer to the
    /// whole cell, whose data the caller owns now: the home driver in
    /// flight (state IN_FLIGHT or CANCELLED), or the blocking-pool thread
    /// it handed the op to; no other reference to the data is alive while
    /// the returned one is. The same holds for the functions below.
    unsafe fn data_mut<'a>(header: NonNull<Header>, what: &str) -> &'a mut T {
        // SAFETY: per the contract the cell is an `OpCell<T>` (repr(C), header
        // first) and alive.
        let cell = unsafe { header.cast::<OpCell<T>>().as_ref() };
        // SAFETY: per the contract the caller has exclusive access to `data`.
        let data = unsafe { &mut *cell.data.get() };
        data.as_mut()
            .unwrap_or_else(|| panic!("op data present {what}"))
    }

    /// # Safety
    /// As `data_mut`; called once, at submission.
    pub(super) unsafe fn entry_raw(header: NonNull<Header>) -> Entry {
        // SAFETY: per the contract.
        unsafe { Self::data_mut(header, "at submission") }.uring_entry()
    }

    /// # Safety
    /// As `data_mut`; called once, at submission.
    pub(super) unsafe fn ring_has_raw(header: NonNull<Header>) -> bool {
        // SAFETY: per the contract.
        unsafe { Self::data_mut(header, "at submission") }
            .probed_opcode()
            .is_none_or(super::uring::has_opcode)
    }

    /// # Safety
    /// As `data_mut`.
    pub(super) unsafe fn plan_raw(header: NonNull<Header>) -> EpollPlan {
        // SAFETY: per the contract.
        unsafe { Self::data_mut(header, "in flight") }.epoll_plan()
    }

    /// # Safety
    /// As `data_mut`.
    pub(super) unsafe fn syscall_raw(header: NonNull<Header>) -> i32 {
        // SAFETY: per the contract.
        unsafe { Self::data_mut(header, "in flight") }.syscall()
    }

    /// # Safety
    /// `header` must point at a live `OpCell<T>` in state CANCELLED: the
    /// future is gone and the driver owns the data.
    pub(super) unsafe fn orphan_raw(header: NonNull<Header>, res: i32) -> Option<Waker> {
        // SAFETY: per the contract.
        let cell = unsafe { header.cast::<OpCell<T>>().as_ref() };
        // SAFETY: the future was dropped; nobody else touches `data`.
        unsafe { &mut *cell.data.get() }
            .as_mut()
            .and_then(|data| data.complete_orphan(res))
    }

    /// Records the result and hands the op to its future (COMPLETED), or,
    /// if the future is gone (CANCELLED), releases what the op produced.
    ///
    /// # Safety
    /// As `data_mut`; called once per submission, by the driver that
    /// received the final completion.
    unsafe fn complete_raw(header: NonNull<Header>, res: i32, flags: u32) -> Option<Waker> {
        // SAFETY: per the contract the header is alive.
        let h = unsafe { header.as_ref() };
        // SAFETY: the future reads `result` only after it sees COMPLETED,
        // which is stored below; until then the driver alone touches it.
        unsafe { *h.result.get() = (res, flags) };
        match h
            .state
            .compare_exchange(IN_FLIGHT, COMPLETED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => h.waker.take(),
            Err(_) => {
                // CANCELLED: the future is gone and the data is ours.
                // SAFETY: per the contract, and the state is CANCELLED.
                unsafe { Self::orphan_raw(header, res) }
            }
        }
    }

    /// # Safety
    /// `header` must point at an `OpCell<T>` owned by an `Arc` of which the
    /// caller holds a count.
    unsafe fn acquire_raw(header: NonNull<Header>) {
        // SAFETY: per the contract the cell is alive; the new count is
        // owned by the caller's new `RawOp`.
        unsafe { Arc::increment_strong_count(header.cast::<OpCell<T>>().as_ptr().cast_const()) };
    }

    /// # Safety
    /// `header` must carry one strong count of an `Arc<OpCell<T>>`, obtained
    /// from `Arc::into_raw`; that count is given up here.
    unsafe fn release_raw(header: NonNull<Header>) {
        // SAFETY: per the contract, the pointer came from `Arc::into_raw` of
        // an `Arc<OpCell<T>>` and owns one count.
        drop(unsafe { Arc::from_raw(header.cast::<OpCell<T>>().as_ptr()) });
    }
}

/// One strong reference to an `OpCell` of unknown type: what the driver
/// holds for an op in flight. Dropping it gives the reference up.
pub(crate) struct RawOp(NonNull<Header>);

// SAFETY: a RawOp is one count on what keeps its cell alive: the `Arc` of an
// `OpCell<T>`, or of a pool's shared cells (`pool.rs`), both with `T: Send`
// and Send and Sync (see their impls). The cell's data is reached through the
// vtable only by the driver side, as the state allows.
unsafe impl Send for RawOp {}

impl RawOp {
    fn new<T: OpCode>(cell: Arc<OpCell<T>>) -> RawOp {
        let ptr = Arc::into_raw(cell).cast_mut().cast::<Header>();
        // SAFETY: `Arc::into_raw` never returns null.
        RawOp(unsafe { NonNull::new_unchecked(ptr) })
    }

    /// A new reference to the cell at `header`, counted by its vtable's
    /// `acquire`.
    ///
    /// # Safety
    /// `header` must point at the header of a live cell, derived from a
    /// pointer to the whole cell, and the cell must stay alive while any
    /// reference counted by its vtable exists.
    pub(super) unsafe fn acquire(header: NonNull<Header>) -> RawOp {
        // SAFETY: per the contract the cell is alive and the vtable is its own.
        unsafe { (header.as_ref().vtable.acquire)(header) };
        RawOp(header)
    }

    fn header(&self) -> &Header {
        // SAFETY: we own a strong count, so the cell is alive.
        unsafe { self.0.as_ref() }
    }

    /// The op's identity in the ring (`user_data`), without the tag bits.
    pub(crate) fn addr(&self) -> u64 {
        self.0.as_ptr() as u64
    }

    /// Gives the reference to the kernel as `user_data`, with `tag` in the
    /// low bits (the cell is at least 8-aligned).
    pub(crate) fn into_user_data(self, tag: u64) -> u64 {
        debug_assert!(tag < 8);
        let addr = self.addr();
        std::mem::forget(self);
        addr | tag
    }

    /// Takes back a reference given away by [`RawOp::into_user_data`].
    ///
    /// # Safety
    /// `user_data` must come from `into_user_data`, and each value is taken
    /// back once.
    pub(crate) unsafe fn from_user_data(user_data: u64) -> RawOp {
        let ptr = (user_data & !7) as *mut Header;
        // SAFETY: per the contract it is a non-null cell pointer carrying a count.
        RawOp(unsafe { NonNull::new_unchecked(ptr) })
    }

    /// The SQE for this op. Called once, by the home driver at submission.
    pub(crate) fn uring_entry(&self) -> Entry {
        // SAFETY: the vtable matches the cell; the op is IN_FLIGHT and owned
        // by the calling driver (submission happens once, on the home driver).
        unsafe { (self.header().vtable.entry)(self.0) }
    }

    /// Whether the op's future was dropped (the op is only waiting for
    /// its cancel). A readiness backend then skips its syscall, which
    /// would take data (a receive's bytes) nobody can see any more.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.header().state.load(Ordering::Acquire) == CANCELLED
    }

    /// Whether this kernel's io_uring has the op's opcode. Called once, by
    /// the home driver at submission.
    pub(crate) fn ring_has(&self) -> bool {
        // SAFETY: as `uring_entry`.
        unsafe { (self.header().vtable.ring_has)(self.0) }
    }

    /// How a readiness backend runs this op. Called by the op's current
    /// owner in flight (the home driver, or its blocking-pool thread).
    pub(crate) fn epoll_plan(&self) -> EpollPlan {
        // SAFETY: the vtable matches the cell; the op is in flight, so only
        // the driver side (the caller) touches its data.
        unsafe { (self.header().vtable.plan)(self.0) }
    }

    /// Runs the op as a plain syscall; see [`OpCode::syscall`]. Only the
    /// op's current owner in flight calls it, one call at a time.
    pub(crate) fn syscall(&self) -> i32 {
        // SAFETY: as `epoll_plan`; the driver hands the op to at most one
        // thread at a time (itself, or one blocking-pool job).
        unsafe { (self.header().vtable.syscall)(self.0) }
    }

    /// The index of the driver's reference in its `ops` slab (see
    /// [`Header::slot`]).
    ///
    /// # Safety
    /// The op is in flight and the caller is the driver running it, on its
    /// thread.
    pub(crate) unsafe fn slot(&self) -> usize {
        // SAFETY: only the thread of the driver running the op touches
        // `slot` while it is in flight; per the contract the caller is that
        // driver.
        unsafe { *self.header().slot.get() }
    }

    /// Records where the driver that takes the op keeps its reference.
    /// Called by that driver, on its thread, at submission.
    pub(crate) fn set_slot(&self, slot: usize) {
        // SAFETY: as `slot`: the op was just handed to the calling driver,
        // and no other thread touches `slot` during this use.
        unsafe { *self.header().slot.get() = slot }
    }

    /// Which use of the cell is in flight now (see [`Header::generation`]).
    pub(crate) fn generation(&self) -> u32 {
        self.header().generation.load(Ordering::Acquire)
    }

    /// Whether use `generation` of the cell is in flight (submitted and
    /// not completed; maybe cancelled by its owner). Once it is, only its
    /// driver can end it, so the answer holds on that driver's thread.
    pub(crate) fn in_flight_as(&self, generation: u32) -> bool {
        // The state first: a later use stores its generation before its
        // IN_FLIGHT (both Release), so if the state read below is the later
        // use's, the generation read after it is too, and differs.
        let state = self.header().state.load(Ordering::Acquire);
        matches!(state, IN_FLIGHT | CANCELLED) && self.generation() == generation
    }

    /// Records the kernel's final result. Returns the waker to wake (after
    /// the driver has released its own state), if anyone waits.
    pub(crate) fn complete(&self, res: i32, flags: u32) -> Option<Waker> {
        // SAFETY: the vtable matches the cell; the op is in flight and this
        // is its final completion, processed once by its driver.
        unsafe { (self.header().vtable.complete)(self.0, res, flags) }
    }
}

impl Clone for RawOp {
    fn clone(&self) -> RawOp {
        // SAFETY: we own a reference, so the cell is alive.
        unsafe { RawOp::acquire(self.0) }
    }
}

impl Drop for RawOp {
    fn drop(&mut self) {
        // SAFETY: the vtable matches the cell and we own one count.
        unsafe { (self.header().vtable.release)(self.0) }
    }
}

/// A future that runs one operation and resolves to its output.
///
/// # Cancel safety
///
/// Dropping an `Op` that was polled but has not completed asks the kernel to
/// cancel it; the op's buffers stay with the driver until the kernel is done
/// with them. The operation may still have taken effect.
#[must_use = "an op does nothing until polled"]
pub(crate) struct Op<T: OpCode> {
    cell: Arc<OpCell<T>>,
    /// The driver the op was submitted to; set at the first poll.
    home: Option<Arc<DriverShared>>,
    _not_unpin: PhantomData<T>,
}

impl<T: OpCode> Op<T> {
    pub(crate) fn new(data: T) -> Op<T> {
        let cell = Arc::new(OpCell::new(Some(data), &OpCell::<T>::VTABLE));
        Op {
            cell,
            home: None,
            _not_unpin: PhantomData,
        }
    }

    /// Whether the op was submitted and nobody took its output: dropping
    /// it now leads to exactly one [`OpCode::complete_orphan`] (from the
    /// driver if it is cancelled in flight, else from the drop).
    pub(crate) fn is_unclaimed(&self) -> bool {
        match self.cell.header.state.load(Ordering::Acquire) {
            // Without a home, submission panicked before a driver took it:
            // nothing will complete it.
            IN_FLIGHT => self.home.is_some(),
            // SAFETY: COMPLETED was seen with Acquire, so the driver is done
            // with `data`; `&self` excludes a concurrent `take_output`.
            COMPLETED => unsafe { (*self.cell.data.get()).is_some() },
            _ => false,
        }
    }

    fn take_output(&mut self) -> T::Output {
        // SAFETY: the state is COMPLETED (seen with Acquire), so the driver
        // is done with `data` and `result`; `&mut self` excludes other users
        // on the future's side.
        let (data, (res, flags)) = unsafe {
            (
                (*self.cell.data.get()).take(),
                *self.cell.header.result.get(),
            )
        };
        data.expect("op polled after completion")
            .complete(res, flags)
    }
}

impl<T: OpCode> Unpin for Op<T> {}

impl<T: OpCode> Future for Op<T> {
    type Output = T::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        let this = &mut *self;
        let header = &this.cell.header;
        match header.state.load(Ordering::Acquire) {
            IDLE => {
                header.waker.register(cx.waker());
                header.state.store(IN_FLIGHT, Ordering::Release);
                driver::submit(RawOp::new(this.cell.clone()), true, &mut this.home);
                // A readiness backend may have completed it on the spot.
                if header.state.load(Ordering::Acquire) == COMPLETED {
                    Poll::Ready(this.take_output())
                } else {
                    Poll::Pending
                }
            }
            COMPLETED => Poll::Ready(this.take_output()),
            _ => {
                header.waker.register(cx.waker());
                if header.state.load(Ordering::Acquire) == COMPLETED {
                    Poll::Ready(this.take_output())
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl<T: OpCode> Drop for Op<T> {
    fn drop(&mut self) {
        let cancelled = self.cell.header.state.compare_exchange(
            IN_FLIGHT,
            CANCELLED,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        match cancelled {
            Ok(_) => {
                // No home only if submission itself panicked; then whatever
                // the driver holds keeps the data alive, and nothing is
                // left to cancel from here.
                if let Some(home) = &self.home {
                    driver::cancel(home, RawOp::new(self.cell.clone()), 0);
                }
            }
            Err(COMPLETED) => {
                // Completed, but nobody took the output: release what the op
                // produced (an accepted or opened fd) as for a cancelled op.
                // SAFETY: COMPLETED was seen with Acquire, so the driver is
                // done with `data` and `result`; `&mut self` is exclusive.
                let (data, (res, _)) =
                    unsafe { (&mut *self.cell.data.get(), *self.cell.header.result.get()) };
                if let Some(waker) = data.as_mut().and_then(|d| d.complete_orphan(res)) {
                    waker.wake();
                }
            }
            Err(_) => {}
        }
    }
}

impl<T: OpCode> std::fmt::Debug for Op<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Op")
            .field("state", &self.cell.header.state.load(Ordering::Relaxed))
            .finish()
    }
}

/// Turns a libc return value (`-1` and `errno` on failure) into the CQE
/// convention (`-errno` on failure).
pub(crate) fn syscall_result(ret: isize) -> i32 {
    if ret < 0 {
        -io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO)
    } else {
        i32::try_from(ret).unwrap_or(i32::MAX)
    }
}

/// Whether `fd` is ready for `interest` right now (`poll` with a zero
/// timeout). Ops on descriptors that may be in blocking mode (a pipe, a
/// tty) ask this before their syscall, so the epoll backend never blocks
/// in one; errors and hang-ups count as ready (the syscall reports them).
pub(crate) fn ready_now(fd: RawFd, interest: Interest) -> bool {
    if fd < 0 {
        // Let the syscall report EBADF.
        return true;
    }
    let events = match interest {
        Interest::Read => libc::POLLIN,
        Interest::Write => libc::POLLOUT,
    };
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: polls one valid pollfd struct, without waiting.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    n != 0
}

/// Converts a CQE result into an `io::Result` of the count.
pub(crate) fn cqe_result(res: i32) -> io::Result<u32> {
    if res < 0 {
        Err(io::Error::from_raw_os_error(-res))
    } else {
        Ok(res as u32)
    }
}
