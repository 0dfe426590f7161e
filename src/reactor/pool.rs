//! A pool of reusable op cells: the storage of a completion queue.
//!
//! An `Op<T>` allocates an `Arc<OpCell<T>>` per operation. A pool
//! allocates `n` cells once and reuses them, so starting an op and taking
//! its result allocate nothing. Each cell has the same [`Header`] as an
//! `OpCell`, so drivers handle both alike; only the vtable differs:
//!
//! - A reference held by a driver (a [`RawOp`]) counts on the pool's `Arc`,
//!   so the cells stay alive and unmoved while any driver or kernel may
//!   touch them, even after the pool's owner is gone.
//! - The final completion records the result in the cell, pushes the
//!   cell's index on the pool's `ready` queue (in completion order) and
//!   takes the pool's one waker.
//!
//! Each cell's use runs on one driver (its `home`): usually the owner's
//! thread's, but on a multi-thread runtime file work may go to an idle
//! worker's driver (see [`OpPool::start`]); completions, cancels and the
//! pool's drop work alike from any thread.
//!
//! A cell is reused once its owner has taken its result from `ready`: the
//! driver touches an op's data only until its final completion. References
//! a driver still holds after that are only counts, except a cancel
//! request, which names the cell by address; the cell's `generation`
//! (bumped at each use, checked by the driver before it cancels) keeps a
//! late cancel from hitting the next use.
//!
//! Lifecycle of one cell (`state` of its header):
//!
//! ```text
//! IDLE --start--> IN_FLIGHT --final CQE--> COMPLETED --try_take--> IDLE
//!                     |
//!                     +--pool dropped--> CANCELLED --final CQE--> data dropped with the pool
//! ```

use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Waker;

use atomic_waker::AtomicWaker;
use concurrent_queue::ConcurrentQueue;

use super::driver::{self, DriverShared};
use super::op::{Header, OpCell, OpCode, RawOp, VTable, CANCELLED, COMPLETED, IDLE, IN_FLIGHT};

/// Which op of a pool: a cell and its use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

/// One reusable cell. `repr(C)` with the `OpCell` first: a pointer to the
/// cell is a pointer to its header and to its `OpCell`.
#[repr(C)]
struct PoolCell<T> {
    cell: OpCell<T>,
    /// The pool, as `Arc::into_raw` gave it; written once before the pool
    /// is shared.
    pool: Cell<*const PoolShared<T>>,
    index: u32,
}

/// What drivers may touch: the cells, the ready queue and the waker.
struct PoolShared<T> {
    cells: Box<[PoolCell<T>]>,
    /// Indices of completed cells, in completion order. Bounded by the
    /// number of cells: each is queued at most once per use.
    ready: ConcurrentQueue<u32>,
    waker: AtomicWaker,
}

// SAFETY: a cell's data is handed between the owner and one driver at a
// time by its header's state (see `op.rs`); `pool` is written once before
// the pool is shared and only read afterwards; `ready` and `waker` are
// thread-safe. `T: Send` because drivers run on other threads.
unsafe impl<T: Send> Sync for PoolShared<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for PoolShared<T> {}

impl<T: OpCode> PoolCell<T> {
    const VTABLE: VTable = VTable {
        entry: OpCell::<T>::entry_raw,
        ring_has: OpCell::<T>::ring_has_raw,
        plan: OpCell::<T>::plan_raw,
        syscall: OpCell::<T>::syscall_raw,
        complete: Self::complete_raw,
        acquire: Self::acquire_raw,
        release: Self::release_raw,
    };

    /// # Safety
    /// `header` must point at a live `PoolCell<T>` (derived from a pointer
    /// to the whole cell).
    unsafe fn from_header<'a>(header: NonNull<Header>) -> &'a PoolCell<T> {
        // SAFETY: per the contract; `repr(C)` puts the header first.
        unsafe { header.cast::<PoolCell<T>>().as_ref() }
    }

    /// Records the result and queues the cell as ready, or, if the pool's
    /// owner is gone (CANCELLED), releases what the op produced.
    ///
    /// # Safety
    /// As `OpCell::entry_raw`: the caller is the driver that received the
    /// op's final completion, and holds a reference to the cell.
    unsafe fn complete_raw(header: NonNull<Header>, res: i32, flags: u32) -> Option<Waker> {
        // SAFETY: per the contract.
        let this = unsafe { Self::from_header(header) };
        let h = &this.cell.header;
        // SAFETY: the owner reads `result` only after it popped the index
        // from `ready`, which is pushed below; until then only we touch it.
        unsafe { *h.result.get() = (res, flags) };
        match h
            .state
            .compare_exchange(IN_FLIGHT, COMPLETED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {
                // SAFETY: our reference keeps the pool alive.
                let pool = unsafe { &*this.pool.get() };
                // The CAS above succeeds once per use, and the owner pops
                // the index before it reuses the cell: `ready` holds each
                // index at most once, so it never has more than its
                // capacity (one per cell); and nothing closes it. A failed
                // push would lose this completion, and the owner's wait
                // would hang, so it is a bug worth a panic.
                pool.ready
                    .push(this.index)
                    .expect("a pool's ready queue has room for every cell and is never closed");
                pool.waker.take()
            }
            Err(_) => {
                // SAFETY: per the contract; CANCELLED: the owner is gone.
                unsafe { OpCell::<T>::orphan_raw(header, res) }
            }
        }
    }

    /// # Safety
    /// `header` must point at a live `PoolCell<T>`.
    unsafe fn acquire_raw(header: NonNull<Header>) {
        // SAFETY: per the contract; the pool pointer came from
        // `Arc::into_raw` and the pool is alive (the cell is).
        unsafe { Arc::increment_strong_count(Self::from_header(header).pool.get()) };
    }

    /// # Safety
    /// `header` must point at a `PoolCell<T>` for which the caller holds a
    /// reference counted by `acquire_raw`; the reference is given up.
    unsafe fn release_raw(header: NonNull<Header>) {
        // SAFETY: per the contract the cell is alive until the count below
        // is given up; the pointer is read before that.
        let pool = unsafe { Self::from_header(header).pool.get() };
        // SAFETY: the count was added by `acquire_raw`; this may free the
        // pool, after which nothing here touches it.
        unsafe { Arc::decrement_strong_count(pool) };
    }
}

/// What the owner knows of one cell.
#[derive(Debug, Default)]
struct Owned {
    /// Started and not yet taken back.
    busy: bool,
    cancel_requested: bool,
    /// The driver the current use was submitted to.
    home: Option<Arc<DriverShared>>,
}

/// `n` reusable op cells and the owner's bookkeeping. Starting an op and
/// taking its output allocate nothing.
pub(crate) struct OpPool<T: OpCode> {
    shared: Arc<PoolShared<T>>,
    owned: Box<[Owned]>,
    /// Indices of idle cells.
    free: Vec<u32>,
    /// Ops started and not yet taken back.
    len: usize,
    /// `file_work` ops started: whose turn the next one is.
    file_ops: usize,
}

impl<T: OpCode> std::fmt::Debug for OpPool<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpPool")
            .field("capacity", &self.owned.len())
            .field("len", &self.len)
            .finish()
    }
}

impl<T: OpCode> OpPool<T> {
    /// A pool of `n` cells (`1 <= n <= u32::MAX`, checked by the caller).
    /// Also makes room for `n` ops in the calling thread's driver.
    pub(crate) fn with_capacity(n: usize) -> OpPool<T> {
        let cells = (0..n)
            .map(|index| PoolCell {
                cell: OpCell::new(None, &PoolCell::<T>::VTABLE),
                pool: Cell::new(std::ptr::null()),
                index: u32::try_from(index).expect("pool index fits u32"),
            })
            .collect();
        let shared = Arc::into_raw(Arc::new(PoolShared {
            cells,
            ready: ConcurrentQueue::bounded(n),
            waker: AtomicWaker::new(),
        }));
        // SAFETY: `shared` is alive (we own its only count) and not shared
        // yet; `Cell` allows the write through a shared reference.
        for cell in unsafe { (*shared).cells.iter() } {
            cell.pool.set(shared);
        }
        // SAFETY: takes back the count `into_raw` gave up.
        let shared = unsafe { Arc::from_raw(shared) };
        driver::reserve(n);
        OpPool {
            shared,
            owned: (0..n).map(|_| Owned::default()).collect(),
            free: (0..n as u32).rev().collect(),
            len: 0,
            file_ops: 0,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.owned.len()
    }

    /// Ops started and not yet taken back (in flight, or ready).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Starts the op `make` returns in an idle cell; `None`, without
    /// calling `make`, if every cell is busy.
    ///
    /// The op goes to the calling thread's driver (or the fallback
    /// driver). A `file_work` op (one whose work the kernel does as it
    /// takes it: a file's data or metadata) started on a worker of a
    /// multi-thread io_uring runtime whose other workers have no task to
    /// run takes turns instead: one to this worker's ring, one to each idle
    /// worker's (through its driver's request queue, as a stolen task's
    /// cancel goes), so the kernel does a batch on as many CPUs. `make`
    /// learns whether the op goes straight into the calling thread's
    /// io_uring ring, where the kernel takes its own reference to the op's
    /// file when the ring submits it; anywhere else the op runs later (on
    /// readiness, on the blocking pool, on another thread), so it must hold
    /// its file itself.
    pub(crate) fn start(&mut self, file_work: bool, make: impl FnOnce(bool) -> T) -> Option<Key> {
        let index = self.free.pop()?;
        // Nothing below can change the calling thread's driver before
        // `driver::submit` hands the op to it, nor a sibling's driver
        // before `submit_to` queues the op there.
        let on_ring = driver::runs_uring();
        let sibling = if on_ring && file_work {
            self.file_ops = self.file_ops.wrapping_add(1);
            crate::executor::idle_sibling_driver(self.file_ops)
        } else {
            None
        };
        let data = make(on_ring && sibling.is_none());
        let cell = &self.shared.cells[index as usize];
        let header = &cell.cell.header;
        let generation = header.generation.load(Ordering::Relaxed).wrapping_add(1);
        header.generation.store(generation, Ordering::Release);
        // SAFETY: the cell is idle: its last use was taken back after its
        // final completion, after which no driver touches its data.
        unsafe { *cell.cell.data.get() = Some(data) };
        header.state.store(IN_FLIGHT, Ordering::Release);
        // SAFETY: the pointer comes from a reference to the whole cell,
        // which the pool keeps alive while references counted on it exist.
        let raw = unsafe { RawOp::acquire(NonNull::from(cell).cast()) };
        // Not `polling`: the queue's waker may be another task's, waiting
        // in `poll_next`; an inline completion must wake it.
        let owned = &mut self.owned[index as usize];
        match sibling {
            Some(sibling) => driver::submit_to(sibling, raw, &mut owned.home),
            None => driver::submit(raw, false, &mut owned.home),
        }
        owned.busy = true;
        owned.cancel_requested = false;
        self.len += 1;
        Some(Key { index, generation })
    }

    /// Whether op `key` was started on a driver other than the calling
    /// thread's.
    #[cfg(test)]
    pub(crate) fn runs_elsewhere(&self, key: Key) -> bool {
        let home = self.owned[key.index as usize].home.as_ref();
        !home.is_some_and(driver::is_current)
    }

    /// The next completed op, in completion order, with its output.
    pub(crate) fn try_take(&mut self) -> Option<(Key, T::Output)> {
        let index = self.shared.ready.pop().ok()?;
        let cell = &self.shared.cells[index as usize];
        let header = &cell.cell.header;
        // SAFETY: the index was queued after the state became COMPLETED
        // (popping it synchronizes with that push): the driver is done with
        // the data and the result, and only the owner (`&mut self`) touches
        // them now.
        let (data, (res, flags)) =
            unsafe { ((*cell.cell.data.get()).take(), *header.result.get()) };
        header.state.store(IDLE, Ordering::Relaxed);
        let generation = header.generation.load(Ordering::Relaxed);
        self.owned[index as usize].busy = false;
        self.free.push(index);
        self.len -= 1;
        let data = data.expect("a ready cell holds its op");
        Some((Key { index, generation }, data.complete(res, flags)))
    }

    /// Registers the waker woken by the next completion.
    pub(crate) fn register(&self, waker: &Waker) {
        self.shared.waker.register(waker);
    }

    /// Asks the kernel to cancel op `key`, if it is still in flight and not
    /// cancelled yet. Returns whether a request was sent.
    pub(crate) fn cancel(&mut self, key: Key) -> bool {
        let index = key.index as usize;
        let Some(owned) = self.owned.get_mut(index) else {
            return false;
        };
        let cell = &self.shared.cells[index];
        let header = &cell.cell.header;
        if !owned.busy
            || owned.cancel_requested
            || header.generation.load(Ordering::Relaxed) != key.generation
            || header.state.load(Ordering::Acquire) != IN_FLIGHT
        {
            return false;
        }
        owned.cancel_requested = true;
        let home = owned.home.as_ref().expect("a started op has a home");
        // SAFETY: as in `start`.
        let raw = unsafe { RawOp::acquire(NonNull::from(cell).cast()) };
        driver::cancel(home, raw, key.generation);
        true
    }

    /// Asks the kernel to cancel every op in flight. Returns how many
    /// requests were sent.
    pub(crate) fn cancel_all(&mut self) -> usize {
        (0..self.owned.len())
            .filter(|&index| {
                let generation = self.shared.cells[index]
                    .cell
                    .header
                    .generation
                    .load(Ordering::Relaxed);
                let index = index as u32;
                self.cancel(Key { index, generation })
            })
            .count()
    }
}

impl<T: OpCode> Drop for OpPool<T> {
    /// Cancels every op in flight (the drivers keep the cells, with their
    /// buffers, until the final completions) and drops the outputs of the
    /// ops that completed but were not taken (closing any fd they made).
    fn drop(&mut self) {
        for (index, owned) in self.owned.iter().enumerate() {
            if !owned.busy {
                continue;
            }
            let cell = &self.shared.cells[index];
            let header = &cell.cell.header;
            match header.state.compare_exchange(
                IN_FLIGHT,
                CANCELLED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) if !owned.cancel_requested => {
                    let home = owned.home.as_ref().expect("a started op has a home");
                    let generation = header.generation.load(Ordering::Relaxed);
                    // SAFETY: as in `start`.
                    let raw = unsafe { RawOp::acquire(NonNull::from(cell).cast()) };
                    driver::cancel(home, raw, generation);
                }
                Ok(_) => {}
                Err(state) => {
                    debug_assert_eq!(state, COMPLETED);
                    // SAFETY: COMPLETED, seen with Acquire: the driver is
                    // done with the data and the result; we own them.
                    let (data, (res, flags)) =
                        unsafe { ((*cell.cell.data.get()).take(), *header.result.get()) };
                    if let Some(data) = data {
                        drop(data.complete(res, flags));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::io;
    use std::os::fd::AsRawFd;
    use std::sync::atomic::Ordering;
    use std::task::Poll;
    use std::time::Duration;

    use super::*;
    use crate::reactor::tests::{
        pipe, serial, wait_for_no_live_ops, watchdog, CanaryRead, CANARY_DROPS,
    };
    use crate::runtime::Builder;

    /// Waits for the pool's next completion.
    async fn take(pool: &mut OpPool<CanaryRead>) -> (Key, io::Result<usize>) {
        poll_fn(|cx| {
            if let Some(done) = pool.try_take() {
                return Poll::Ready(done);
            }
            pool.register(cx.waker());
            pool.try_take().map_or(Poll::Pending, Poll::Ready)
        })
        .await
    }

    fn write_bytes(fd: i32, n: usize) {
        let data = vec![1u8; n];
        // SAFETY: writes from a live buffer to our pipe.
        let wrote = unsafe { libc::write(fd, data.as_ptr().cast(), n) };
        assert_eq!(wrote, n as isize);
    }

    /// Pools dropped with reads in flight (some completing with data as
    /// the pool goes): each canary buffer is dropped exactly once, and
    /// only after the driver processed its op's final completion (the
    /// canary asserts that when dropped).
    #[test]
    fn dropped_pool_releases_each_buffer_once_after_its_completion() {
        let _serial = serial();
        watchdog(Duration::from_secs(120), || {
            let before = CANARY_DROPS.load(Ordering::Acquire);
            let rt = Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap();
            const POOLS: usize = 20;
            const PER_POOL: usize = 500;
            rt.block_on(async {
                let tasks: Vec<_> = (0..POOLS)
                    .map(|i| {
                        crate::spawn(async move {
                            let (r, w) = pipe();
                            let mut pool = OpPool::with_capacity(PER_POOL);
                            for _ in 0..PER_POOL {
                                assert!(pool
                                    .start(true, |_| CanaryRead::new(r.as_raw_fd()))
                                    .is_some());
                            }
                            write_bytes(w.as_raw_fd(), 64 * (i % 7));
                            crate::task::yield_now().await;
                            while pool.try_take().is_some() {}
                            drop(pool);
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            });
            drop(rt);
            wait_for_no_live_ops();
            let dropped = CANARY_DROPS.load(Ordering::Acquire) - before;
            assert_eq!(dropped, POOLS * PER_POOL, "every buffer released once");
        });
    }

    /// A cell is reused at once after its completion was taken; a cancel
    /// request for the earlier use that reaches the driver late (as one
    /// from another thread can) must not cancel the later use.
    #[test]
    fn a_late_cancel_never_hits_the_next_use_of_a_cell() {
        let _serial = serial();
        watchdog(Duration::from_secs(60), || {
            let rt = Builder::new_current_thread().build().unwrap();
            rt.block_on(async {
                let (r, w) = pipe();
                let mut pool = OpPool::with_capacity(1);
                for _ in 0..100 {
                    let first = pool
                        .start(false, |_| CanaryRead::new(r.as_raw_fd()))
                        .expect("room");
                    write_bytes(w.as_raw_fd(), 1);
                    let (key, res) = take(&mut pool).await;
                    assert_eq!((key, res.unwrap()), (first, 1));
                    let second = pool
                        .start(false, |_| CanaryRead::new(r.as_raw_fd()))
                        .expect("room");
                    assert_eq!(second.index, first.index);
                    assert_ne!(second.generation, first.generation);
                    assert!(!pool.cancel(first), "the owner refuses a stale id");
                    // What a request sent while `first` was in flight
                    // looks like when it arrives now.
                    let cell = &pool.shared.cells[first.index as usize];
                    // SAFETY: a reference to a live cell of the pool.
                    let raw = unsafe { RawOp::acquire(NonNull::from(cell).cast()) };
                    let home = pool.owned[0].home.clone().unwrap();
                    driver::cancel(&home, raw, first.generation);
                    // Let the driver submit both before the data arrives.
                    crate::time::sleep(Duration::from_millis(1)).await;
                    write_bytes(w.as_raw_fd(), 1);
                    let (key, res) = take(&mut pool).await;
                    assert_eq!((key, res.unwrap()), (second, 1), "not cancelled");
                }
            });
        });
    }

    /// Ops a worker handed to an idle one (`file_work`) are cancelled
    /// from the pool's owner like its own: each completes with ECANCELED.
    #[test]
    fn ops_on_an_idle_worker_are_cancelled_from_the_owner() {
        let _serial = serial();
        watchdog(Duration::from_secs(60), || {
            let rt = Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap();
            let uring = rt.handle().io_backend() == crate::runtime::IoBackend::IoUring;
            let lent = rt.block_on(async {
                crate::spawn(async {
                    let (r, _w) = pipe();
                    let mut pool = OpPool::with_capacity(8);
                    let mut lent = 0;
                    for _ in 0..200 {
                        let keys: Vec<Key> = (0..8)
                            .map(|_| {
                                pool.start(true, |_| CanaryRead::new(r.as_raw_fd()))
                                    .unwrap()
                            })
                            .collect();
                        lent += keys.iter().filter(|&&k| pool.runs_elsewhere(k)).count();
                        for &key in &keys {
                            assert!(pool.cancel(key));
                        }
                        for _ in 0..keys.len() {
                            let (_, res) = take(&mut pool).await;
                            assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
                        }
                        if lent >= 8 {
                            break;
                        }
                        crate::time::sleep(Duration::from_millis(1)).await;
                    }
                    lent
                })
                .await
                .unwrap()
            });
            assert!(!uring || lent >= 8, "ops went to the idle worker: {lent}");
        });
    }

    /// Cancel through the pool: the op completes with ECANCELED and the
    /// cell is reused.
    #[test]
    fn cancelled_ops_complete_and_cells_are_reused() {
        let _serial = serial();
        watchdog(Duration::from_secs(60), || {
            crate::block_on(async {
                let (r, _w) = pipe();
                let mut pool = OpPool::with_capacity(2);
                for _ in 0..200 {
                    let key = pool
                        .start(false, |_| CanaryRead::new(r.as_raw_fd()))
                        .expect("room");
                    assert!(pool.cancel(key));
                    let (got, res) = take(&mut pool).await;
                    assert_eq!(got, key);
                    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
                }
                assert_eq!(pool.len(), 0);
            });
        });
    }
}
