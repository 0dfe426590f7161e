//! The fair, cancel-safe counting semaphore everything else is built on.
//!
//! `RawSemaphore` keeps its available permits in one atomic (`permits << 2 |
//! WAITING | CLOSED`) so that `try_acquire`, an uncontended `acquire` and a
//! `release` nobody waits for are one CAS each, with no lock.
//! Waiters queue FIFO in a [`WaitList`] under a short lock. Released permits
//! go to the head of the queue first (partially, for `acquire_many`), and only
//! reach the atomic when nobody waits; so while anyone waits, the atomic reads
//! zero and newcomers queue behind: strict FIFO fairness.
//!
//! `WAITING` is set exactly while the list is non-empty, and only changed
//! under the lock: a waiter sets it in the same CAS that finds too few
//! permits, the release that empties the list clears it. A release that
//! sees it clear adds its permits to the atomic with one CAS; one that sees
//! it set takes the lock and hands the permits out. Since both are CASes on
//! one word, a release either lands before the waiter's CAS (which then
//! takes the permits) or sees `WAITING`: no permit is stranded.
//!
//! An [`Acquire`] future that is dropped gives back every permit it was
//! assigned, which goes to the next waiter: no permit is ever lost.
//!
//! A semaphore made [`with_returns`](RawSemaphore::with_returns) (a bounded
//! channel's slots) also takes permits back from the one thread that frees
//! them in a stream (the receiver), into a second atomic on a cache line of
//! its own ([`Returns`], which that thread holds a handle to, so giving
//! back reads nothing of the semaphore's). Takers collect them all at once
//! when `permits` runs dry. So the receiver and the senders each write
//! their own line, and exchange permits once per emptied batch instead of
//! once per value.
//! `FLUSH` in that atomic is set while anyone waits in the list or the
//! semaphore is closed (changed under the lock only, with the list), and
//! then a give-back hands its permits out under the lock at once: a waiter
//! sets it, collecting what was there, in the same critical section in
//! which it queues, so a give-back either lands before (and is collected)
//! or sees `FLUSH`.

use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::sync::own_line::OwnLine;
use crate::sync::waiters::{WaitList, Waiter, WakeList};

/// Most permits a semaphore can hold (three bits are reserved, like tokio).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;
const CLOSED: usize = 1;
/// Someone is in the wait list: releases must take the lock.
const WAITING: usize = 2;
const SHIFT: usize = 2;

pub(crate) struct RawSemaphore {
    permits: AtomicUsize,
    waiters: Mutex<Waiters>,
    returns: Option<Arc<Returns>>,
}

/// Permits given back and not yet collected: `count << SHIFT | FLUSH`.
#[derive(Debug)]
pub(crate) struct Returns(OwnLine<AtomicUsize>);

impl Returns {
    /// Gives back `n` permits taken from the semaphore this belongs to;
    /// `true` if that semaphore must now hand them out
    /// ([`RawSemaphore::flush_returns`]). The total cannot overflow: only
    /// permits taken are given back.
    #[must_use]
    pub(crate) fn add(&self, n: usize) -> bool {
        self.0.fetch_add(n << SHIFT, Ordering::AcqRel) & FLUSH != 0
    }
}

/// In [`Returns`]: give-backs go to the lock (waiters, or closed).
const FLUSH: usize = 1;

struct Waiters {
    list: WaitList<Need>,
    closed: bool,
}

/// Per-waiter state: permits still missing. Zero once fully assigned.
#[derive(Debug)]
struct Need(usize);

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TryAcquireError {
    Closed,
    NoPermits,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AcquireError;

impl std::fmt::Debug for RawSemaphore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSemaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl RawSemaphore {
    #[track_caller]
    pub(crate) fn new(permits: usize) -> Self {
        Self::build(permits, None)
    }

    /// A semaphore whose permits mostly come back through its [`Returns`]
    /// handle (see the module docs).
    #[track_caller]
    pub(crate) fn with_returns(permits: usize) -> Self {
        Self::build(
            permits,
            Some(Arc::new(Returns(OwnLine(AtomicUsize::new(0))))),
        )
    }

    /// The handle through which the receiver gives permits back (see the
    /// module docs), if this semaphore was made `with_returns`.
    pub(crate) fn returns(&self) -> Option<Arc<Returns>> {
        self.returns.clone()
    }

    #[track_caller]
    fn build(permits: usize, returns: Option<Arc<Returns>>) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore holds at most {MAX_PERMITS} permits, {permits} were asked for"
        );
        RawSemaphore {
            permits: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waiters {
                list: WaitList::new(),
                closed: false,
            }),
            returns,
        }
    }

    /// `new` for statics (not under loom, whose types are not `const`).
    #[cfg(not(loom))]
    #[track_caller]
    pub(crate) const fn const_new(permits: usize) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore holds at most `usize::MAX >> 3` permits"
        );
        RawSemaphore {
            permits: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waiters {
                list: WaitList::new(),
                closed: false,
            }),
            returns: None,
        }
    }

    /// Permits available now, given-back ones included. Given-back permits
    /// only ever move from `returns` to `permits` (or a waiter), so reading
    /// `permits` first never counts one twice.
    pub(crate) fn available_permits(&self) -> usize {
        let here = self.permits.load(Ordering::Acquire) >> SHIFT;
        here + self
            .returns
            .as_ref()
            .map_or(0, |r| r.0.load(Ordering::Acquire) >> SHIFT)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.permits.load(Ordering::Acquire) & CLOSED == CLOSED
    }

    /// Takes `n` permits if they are all available now.
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        match self.try_take(n) {
            Err(TryAcquireError::NoPermits) if self.collect_returns() => self.try_take(n),
            done => done,
        }
    }

    /// Moves the given-back permits into `permits` (through `release`, so
    /// a waiter that queued meanwhile gets them), unless `FLUSH` says the
    /// lock's side owns them. Whether any moved.
    fn collect_returns(&self) -> bool {
        let Some(returns) = &self.returns else {
            return false;
        };
        match returns
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |r| {
                (r & FLUSH == 0 && r >> SHIFT > 0).then_some(0)
            }) {
            Ok(r) => {
                self.release(r >> SHIFT);
                true
            }
            Err(_) => false,
        }
    }

    /// [`try_acquire`](Self::try_acquire) from `permits` alone.
    fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut curr = self.permits.load(Ordering::Acquire);
        loop {
            if curr & CLOSED == CLOSED {
                return Err(TryAcquireError::Closed);
            }
            if curr >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            let next = curr - (n << SHIFT);
            match self.permits.compare_exchange_weak(
                curr,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => curr = actual,
            }
        }
    }

    /// Takes up to `n` available permits; returns how many were taken.
    fn take_available(&self, n: usize) -> usize {
        self.take(n, false)
    }

    /// With the lock held and the list empty: takes up to `n` available
    /// permits (given-back ones too) and, if that is fewer than `n`, sets
    /// `WAITING` in the same CAS (the caller is about to queue) and leaves
    /// `FLUSH` set, so later give-backs come to the list. Returns how many
    /// were taken.
    fn take_or_wait(&self, n: usize) -> usize {
        self.start_flushing();
        let got = self.take(n, true);
        if got == n {
            self.stop_flushing();
        }
        got
    }

    /// With the lock held: sets `FLUSH` and moves what was given back into
    /// `permits` (it cannot overflow: those permits were taken from there).
    fn start_flushing(&self) {
        if let Some(returns) = &self.returns {
            let back = returns.0.swap(FLUSH, Ordering::AcqRel) >> SHIFT;
            if back > 0 {
                self.permits.fetch_add(back << SHIFT, Ordering::AcqRel);
            }
        }
    }

    /// With the lock held, the list empty and the semaphore open:
    /// give-backs may stay in `returns` again.
    fn stop_flushing(&self) {
        if let Some(returns) = &self.returns {
            returns.0.fetch_and(!FLUSH, Ordering::AcqRel);
        }
    }

    /// After [`Returns::add`] said so (`FLUSH`: someone waits, or the
    /// semaphore is closed): hands what was given back out, under the lock.
    pub(crate) fn flush_returns(&self) {
        let Some(returns) = &self.returns else {
            return;
        };
        let waiters = self.waiters.lock();
        let back = returns.0.fetch_and(FLUSH, Ordering::AcqRel) >> SHIFT;
        self.release_locked(back, waiters);
    }

    /// One CAS loop for both: takes up to `n` available permits, setting
    /// `WAITING` too if `wait` and fewer than `n` were there.
    fn take(&self, n: usize, wait: bool) -> usize {
        let mut taken = 0;
        // `Err` only when nothing changes (no permit to take, and `WAITING`
        // not wanted or already set): no store is needed then.
        let _ = self
            .permits
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |curr| {
                taken = n.min(curr >> SHIFT);
                let mut next = curr - (taken << SHIFT);
                if wait && taken < n {
                    next |= WAITING;
                }
                (next != curr).then_some(next)
            });
        taken
    }

    /// Returns `n` permits, handing them to waiters first.
    ///
    /// # Panics
    ///
    /// If the total would exceed [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        // Nobody waits: one CAS, no lock. An overflow takes the locked path,
        // which reports it.
        if self.add(n, false) {
            return;
        }
        self.release_locked(n, self.waiters.lock());
    }

    #[track_caller]
    fn release_locked<'a>(&'a self, mut rem: usize, mut waiters: MutexGuard<'a, Waiters>) {
        let mut wakers = WakeList::new();
        loop {
            while rem > 0 && wakers.can_push() {
                let Some(front) = waiters.list.front_mut() else {
                    break;
                };
                let give = rem.min(front.value.0);
                front.value.0 -= give;
                rem -= give;
                if front.value.0 > 0 {
                    break;
                }
                let node = waiters.list.pop_front().expect("front exists");
                wakers.push(node.waker.take());
            }
            if rem > 0 && !waiters.list.is_empty() {
                // The wake list is full: wake outside the lock, then go on.
                drop(waiters);
                wakers.wake_all();
                waiters = self.waiters.lock();
                continue;
            }
            if waiters.list.is_empty() {
                if !self.add(rem, true) {
                    drop(waiters);
                    panic!("a semaphore holds at most {MAX_PERMITS} permits; adding {rem} more would exceed that");
                }
                if !waiters.closed {
                    self.stop_flushing();
                }
            }
            drop(waiters);
            wakers.wake_all();
            return;
        }
    }

    /// One CAS loop for both ways permits come back: adds `n` permits and
    /// clears `WAITING`. `locked` (the lock held, the list empty): whatever
    /// `WAITING` was. Not `locked` (the lock-free release): only while
    /// `WAITING` is clear, since waiters must be served under the lock.
    /// `false` (and no change) if that does not hold or the total would
    /// exceed [`MAX_PERMITS`].
    fn add(&self, n: usize, locked: bool) -> bool {
        self.permits
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |curr| {
                let waiting = !locked && curr & WAITING != 0;
                let fits = (curr >> SHIFT) + n <= MAX_PERMITS;
                (fits && !waiting).then(|| (curr + (n << SHIFT)) & !WAITING)
            })
            .is_ok()
    }

    /// Closes the semaphore: pending and future acquires fail.
    pub(crate) fn close(&self) {
        let mut waiters = self.waiters.lock();
        self.permits.fetch_or(CLOSED, Ordering::Release);
        waiters.closed = true;
        // From now on give-backs go straight to `permits`, where the
        // channel's end rule counts them.
        self.start_flushing();
        let mut wakers = WakeList::new();
        loop {
            while wakers.can_push() {
                match waiters.list.pop_front() {
                    Some(node) => wakers.push(node.waker.take()),
                    None => {
                        // Nobody queues once `closed` is set.
                        self.permits.fetch_and(!WAITING, Ordering::Release);
                        drop(waiters);
                        wakers.wake_all();
                        return;
                    }
                }
            }
            drop(waiters);
            wakers.wake_all();
            waiters = self.waiters.lock();
        }
    }

    /// Removes up to `n` available permits for good; returns how many.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        self.take_available(n)
    }

    /// A future that takes `n` permits, FIFO after everyone already waiting.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            sem: self,
            node: Waiter::new(Need(n)),
            requested: n,
            state: State::Init,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Never polled: the node is unshared.
    Init,
    /// The node went into the list at some point; drop must lock.
    Waiting,
    /// The result was returned (permits handed to the caller, or none held).
    Done,
}

/// Future of [`RawSemaphore::acquire`].
///
/// Holds a [`Waiter`] node, so it is `!Unpin`; it links the node only after
/// being pinned, and unlinks it (returning assigned permits) on drop.
pub(crate) struct Acquire<'a> {
    sem: &'a RawSemaphore,
    node: Waiter<Need>,
    requested: usize,
    state: State,
}

// SAFETY: the node's raw links are only touched under `sem`'s lock; the rest
// is plain `Send`/`Sync` data.
unsafe impl Send for Acquire<'_> {}
// SAFETY: `&Acquire` exposes nothing.
unsafe impl Sync for Acquire<'_> {}

impl std::fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acquire")
            .field("requested", &self.requested)
            .field("state", &self.state)
            .finish()
    }
}

impl Acquire<'_> {
    fn node_ptr(self: Pin<&mut Self>) -> NonNull<Waiter<Need>> {
        // SAFETY: we only take the node's address; the node never moves while
        // pinned, which is all the list needs.
        NonNull::from(unsafe { &self.get_unchecked_mut().node })
    }

    fn first_poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        let sem = self.sem;
        let n = self.requested;
        match sem.try_acquire(n) {
            Ok(()) => return Poll::Ready(Ok(())),
            Err(TryAcquireError::Closed) => return Poll::Ready(Err(AcquireError)),
            Err(TryAcquireError::NoPermits) => {}
        }
        let mut waiters = sem.waiters.lock();
        if waiters.closed {
            return Poll::Ready(Err(AcquireError));
        }
        // Under the lock, released permits only reach the atomic when the
        // queue is empty, so what we see here is ours to take; if it is not
        // enough, `WAITING` is set in the same CAS, so later releases come
        // to the list.
        let got = if waiters.list.is_empty() {
            sem.take_or_wait(n)
        } else {
            0
        };
        if got == n {
            return Poll::Ready(Ok(()));
        }
        let ptr = self.as_mut().node_ptr();
        // SAFETY: the node is pinned inside this future, belongs to `sem`,
        // is not linked yet (state Init); our Drop locks and removes it.
        unsafe {
            let node = waiters.list.get(ptr);
            node.value.0 = n - got;
            node.set_waker(cx.waker());
            waiters.list.push_back(ptr);
        }
        // SAFETY: we do not move out of the pinned future.
        unsafe { self.get_unchecked_mut() }.state = State::Waiting;
        Poll::Pending
    }
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let res = match self.state {
            State::Init => self.as_mut().first_poll(cx),
            State::Waiting => {
                let sem = self.sem;
                let requested = self.requested;
                let ptr = self.as_mut().node_ptr();
                let mut waiters = sem.waiters.lock();
                // SAFETY: our node belongs to `sem` (linked or not).
                let node = unsafe { waiters.list.get(ptr) };
                if node.is_queued() {
                    node.set_waker(cx.waker());
                    return Poll::Pending;
                }
                if node.value.0 == 0 {
                    Poll::Ready(Ok(()))
                } else {
                    // Closed while waiting: give back what we were assigned.
                    let assigned = requested - node.value.0;
                    node.value.0 = requested;
                    sem.release_locked(assigned, waiters);
                    Poll::Ready(Err(AcquireError))
                }
            }
            State::Done => panic!("`Acquire` polled after completion"),
        };
        if res.is_ready() {
            // SAFETY: we do not move out of the pinned future.
            unsafe { self.get_unchecked_mut() }.state = State::Done;
        }
        res
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if self.state != State::Waiting {
            return;
        }
        let ptr = NonNull::from(&self.node);
        let mut waiters = self.sem.waiters.lock();
        // SAFETY: our node belongs to `sem`; we hold its lock.
        unsafe { waiters.list.remove(ptr) };
        // SAFETY: as above; the node is now unlinked.
        let node = unsafe { waiters.list.get(ptr) };
        let assigned = self.requested - node.value.0;
        // Permits we were given (all of them if we were completed but never
        // polled again) go to the next waiter.
        self.sem.release_locked(assigned, waiters);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::RawSemaphore;
    use crate::loom::cell::UnsafeCell;
    use crate::loom::sync::Arc;
    use crate::loom::thread;
    use loom::future::block_on;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};

    /// Two contenders for one permit that guards a cell: both get it in
    /// turn, nothing is lost, and a release publishes the holder's write to
    /// the next holder (loom's `UnsafeCell` flags a release too weak to).
    #[test]
    fn acquire_release_no_lost_wakeup() {
        loom::model(|| {
            let sem = Arc::new(RawSemaphore::new(1));
            let cell = Arc::new(UnsafeCell::new(0u32));
            let critical = |sem: &RawSemaphore, cell: &UnsafeCell<u32>| {
                block_on(sem.acquire(1)).unwrap();
                // SAFETY: the one permit makes this the only access.
                cell.with_mut(|v| unsafe { *v += 1 });
                sem.release(1);
            };
            let (s2, c2) = (sem.clone(), cell.clone());
            let t = thread::spawn(move || critical(&s2, &c2));
            critical(&sem, &cell);
            t.join().unwrap();
            assert_eq!(sem.available_permits(), 1);
            // SAFETY: both holders are done.
            assert_eq!(cell.with(|v| unsafe { *v }), 2);
        });
    }

    /// A release (lock-free while nobody waits) races a waiter queueing:
    /// the permit reaches the waiter, and once the list is empty again a
    /// release takes the lock-free path back into the atomic.
    #[test]
    fn release_races_queueing_waiter() {
        loom::model(|| {
            let sem = Arc::new(RawSemaphore::new(0));
            let s2 = sem.clone();
            let t = thread::spawn(move || s2.release(1));
            block_on(sem.acquire(1)).unwrap();
            t.join().unwrap();
            assert_eq!(sem.available_permits(), 0);
            sem.release(1);
            assert_eq!(sem.available_permits(), 1);
        });
    }

    /// A waiter is cancelled while a release may be handing it the permit:
    /// the permit must end up back in the semaphore.
    #[test]
    fn cancel_races_release() {
        loom::model(|| {
            let sem = Arc::new(RawSemaphore::new(0));
            let s2 = sem.clone();
            let t = thread::spawn(move || s2.release(1));
            {
                let mut acq = pin!(sem.acquire(1));
                let waker = futures_noop_waker();
                let mut cx = Context::from_waker(&waker);
                if let Poll::Ready(r) = acq.as_mut().poll(&mut cx) {
                    r.unwrap();
                    // Got it at once: give it back like a guard would.
                    sem.release(1);
                }
                // Dropped here, possibly after being assigned the permit.
            }
            t.join().unwrap();
            assert_eq!(sem.available_permits(), 1);
        });
    }

    /// acquire_many is assigned permits piecemeal by two releasers, while
    /// the semaphore is closed concurrently: no permit may leak.
    #[test]
    fn partial_assign_and_close() {
        loom::model(|| {
            let sem = Arc::new(RawSemaphore::new(0));
            let s2 = sem.clone();
            let s3 = sem.clone();
            let t1 = thread::spawn(move || s2.release(1));
            let t2 = thread::spawn(move || s3.close());
            // Only one permit ever exists: the acquire can only end by close.
            assert!(block_on(sem.acquire(2)).is_err());
            t1.join().unwrap();
            t2.join().unwrap();
            assert_eq!(sem.available_permits(), 1);
        });
    }

    /// FIFO hand-off between a waiter and a `try_acquire` newcomer.
    #[test]
    fn try_acquire_does_not_steal_from_waiter() {
        loom::model(|| {
            let sem = Arc::new(RawSemaphore::new(1));
            let s2 = sem.clone();
            let t = thread::spawn(move || {
                block_on(s2.acquire(1)).unwrap();
                s2.release(1);
            });
            if sem.try_acquire(1).is_ok() {
                sem.release(1);
            }
            t.join().unwrap();
            assert_eq!(sem.available_permits(), 1);
        });
    }

    /// A permit given back (to the receiver's counter) while a waiter
    /// queues for it: the waiter collects it as it queues, or the give-back
    /// sees `FLUSH` and hands it over under the lock. No lost wake-up.
    #[test]
    fn give_back_races_queueing_waiter() {
        loom::model(|| {
            let sem = Arc::new(RawSemaphore::with_returns(1));
            sem.try_acquire(1).unwrap();
            let s2 = sem.clone();
            let t = thread::spawn(move || give_back(&s2, 1));
            block_on(sem.acquire(1)).unwrap();
            t.join().unwrap();
            assert_eq!(sem.available_permits(), 0);
            // The list is empty again: give-backs stay on their own line,
            // and a try collects them.
            give_back(&sem, 1);
            assert_eq!(sem.available_permits(), 1);
            sem.try_acquire(1).unwrap();
            assert_eq!(sem.available_permits(), 0);
        });
    }

    /// Two waiters queue while two permits are given back one by one: the
    /// first waiter's wake must not leave the second stranded (`FLUSH`
    /// stays set while anyone waits).
    #[test]
    fn give_back_serves_every_waiter() {
        loom::model(|| {
            let sem = Arc::new(RawSemaphore::with_returns(2));
            sem.try_acquire(2).unwrap();
            let s2 = sem.clone();
            let t = thread::spawn(move || block_on(s2.acquire(1)).unwrap());
            let s3 = sem.clone();
            let g = thread::spawn(move || {
                give_back(&s3, 1);
                give_back(&s3, 1);
            });
            block_on(sem.acquire(1)).unwrap();
            t.join().unwrap();
            g.join().unwrap();
            assert_eq!(sem.available_permits(), 0);
        });
    }

    /// A try that collects given-back permits races `close`: the permits
    /// end up counted once, in `permits`, whichever comes first.
    #[test]
    fn collect_races_close() {
        loom::model(|| {
            let sem = Arc::new(RawSemaphore::with_returns(1));
            sem.try_acquire(1).unwrap();
            give_back(&sem, 1);
            let s2 = sem.clone();
            let t = thread::spawn(move || s2.close());
            if sem.try_acquire(1).is_ok() {
                sem.release(1);
            }
            t.join().unwrap();
            assert!(sem.is_closed());
            assert_eq!(sem.available_permits(), 1);
            give_back(&sem, 0);
            assert_eq!(sem.available_permits(), 1);
        });
    }

    /// Gives `n` permits back the way a channel's receiver does.
    fn give_back(sem: &RawSemaphore, n: usize) {
        if sem.returns().unwrap().add(n) {
            sem.flush_returns();
        }
    }

    fn futures_noop_waker() -> std::task::Waker {
        std::task::Waker::noop().clone()
    }
}
