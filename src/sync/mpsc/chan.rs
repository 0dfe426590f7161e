//! The channel core shared by the bounded and unbounded flavours.
//!
//! One short `Mutex` guards the queue (a `VecDeque`), the receiver's waker
//! and the two "closed" flags. A bounded channel adds a [`RawSemaphore`]
//! holding one permit per free slot: a sender takes a permit (FIFO, cancel
//! safe) before it pushes, the receiver gives one back per value it pops.
//!
//! Closing: the receiver closing (or dropping) sets `rx_closed`, closes the
//! semaphore (failing senders waiting for capacity) and wakes
//! `Sender::closed` futures; after that no new slot is reserved. Slots
//! reserved before (permits) can still be used, as in tokio: the receiver
//! reports the end only once the queue is empty and no permit is
//! outstanding (taken permits = capacity - available - queued). A permit
//! given back while the receiver is closed wakes it, so it can see that
//! end. Once the receiver is dropped (`rx_dropped`), nothing enters the
//! queue. The last sender dropping sets `tx_closed` and wakes the receiver.
//! Every value ends in exactly one place: received, handed back in an
//! error, drained when the receiver drops, or dropped with the channel.
//!
//! The receiver's side is [`Rx`]: it takes the whole queue at once (one
//! lock, swapping its own empty buffer in) and hands values out from there,
//! so a stream of values costs the receiver one lock per batch rather than
//! one per value, and senders rarely meet it on the lock. A taken value
//! keeps its slot until it is handed out, so capacity, `len` and the end
//! rule above see no difference.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::sync::batch_semaphore::{AcquireError, RawSemaphore, TryAcquireError};
use crate::sync::notify::Notify;

pub(crate) struct Chan<T> {
    state: OwnLine<Locked<T>>,
    /// `Some` for a bounded channel: one permit per free slot. Written by
    /// every send and every receive, so it lives apart from the lock.
    sem: OwnLine<Option<RawSemaphore>>,
    cap: usize,
    tx_count: AtomicUsize,
    weak_count: AtomicUsize,
    rx_closed_notify: Notify,
}

/// The lock, and a length hint the receiver can watch without it.
struct Locked<T> {
    state: Mutex<State<T>>,
    /// `queue.len()`, stored under the lock whenever it changes; read
    /// without the lock by a receiver spinning for a value.
    queued: AtomicUsize,
}

struct State<T> {
    queue: VecDeque<T>,
    rx_waker: Option<Waker>,
    rx_closed: bool,
    /// The receiver is gone: values are refused, not queued.
    rx_dropped: bool,
    tx_closed: bool,
}

/// Keeps what it holds on cache lines of its own (128 bytes: x86 fetches
/// lines in adjacent pairs), so that two fields written by different
/// threads do not make each other's cache line bounce.
#[repr(align(128))]
struct OwnLine<T>(T);

impl<T> std::ops::Deref for OwnLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chan")
            .field("bounded", &self.sem.is_some())
            .field("cap", &self.cap)
            .field("tx_count", &self.tx_count.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Why a value could not be pushed; carries the value back.
pub(crate) enum PushError<T> {
    Full(T),
    Closed(T),
}

impl<T> Chan<T> {
    /// `cap == None`: unbounded.
    pub(crate) fn new(cap: Option<usize>) -> Self {
        Chan {
            state: OwnLine(Locked {
                state: Mutex::new(State {
                    queue: VecDeque::with_capacity(cap.unwrap_or(0).min(1024)),
                    rx_waker: None,
                    rx_closed: false,
                    rx_dropped: false,
                    tx_closed: false,
                }),
                queued: AtomicUsize::new(0),
            }),
            sem: OwnLine(cap.map(RawSemaphore::new)),
            cap: cap.unwrap_or(usize::MAX),
            tx_count: AtomicUsize::new(1),
            weak_count: AtomicUsize::new(0),
            rx_closed_notify: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.state.lock()
    }

    /// Publishes the queue's length (the lock-free hint, see [`Locked`]);
    /// called under the lock after each change.
    fn publish_len(&self, st: &State<T>) {
        self.state.queued.store(st.queue.len(), Ordering::Relaxed);
    }

    pub(crate) fn max_capacity(&self) -> usize {
        self.cap
    }

    /// Free slots (bounded only).
    pub(crate) fn capacity(&self) -> usize {
        self.sem
            .as_ref()
            .map_or(usize::MAX, |s| s.available_permits())
    }

    // ----- senders -----

    /// Waits for a slot (bounded) or checks the channel is open (unbounded).
    pub(crate) async fn reserve(&self) -> Result<(), ()> {
        self.reserve_n(1).await
    }

    /// Waits for `n` slots at once (FIFO). `n` above the capacity fails.
    pub(crate) async fn reserve_n(&self, n: usize) -> Result<(), ()> {
        match &*self.sem {
            Some(_) if n > self.cap => Err(()),
            Some(sem) => {
                // Failed or cancelled after the receiver closed, the acquire
                // gives back any permits it had been handed: the receiver
                // may be waiting for exactly those.
                let _wake = WakeRxIfClosed(self);
                sem.acquire(n).await.map_err(|AcquireError| ())
            }
            None if self.is_rx_closed() => Err(()),
            None => Ok(()),
        }
    }

    pub(crate) fn try_reserve(&self) -> Result<(), PushError<()>> {
        self.try_reserve_n(1)
    }

    pub(crate) fn try_reserve_n(&self, n: usize) -> Result<(), PushError<()>> {
        match &*self.sem {
            Some(sem) => sem.try_acquire(n).map_err(|e| match e {
                TryAcquireError::Closed => PushError::Closed(()),
                TryAcquireError::NoPermits => PushError::Full(()),
            }),
            None if self.is_rx_closed() => Err(PushError::Closed(())),
            None => Ok(()),
        }
    }

    /// Gives back a slot reserved but not used.
    pub(crate) fn release_slot(&self) {
        self.release_slots(1);
    }

    /// Gives back `n` slots reserved but not used.
    pub(crate) fn release_slots(&self, n: usize) {
        if let Some(sem) = &*self.sem {
            sem.release(n);
            self.wake_rx_if_closed();
        }
    }

    /// After permits were given back: a closed receiver may be waiting for
    /// the last outstanding one.
    fn wake_rx_if_closed(&self) {
        if !self.sem.as_ref().is_some_and(RawSemaphore::is_closed) {
            return;
        }
        let waker = self.lock().rx_waker.take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Pushes `value` into a reserved slot. If the receiver is gone, the
    /// slot is released and the value handed back; a receiver that only
    /// closed a bounded channel still receives it (its permit was taken
    /// before). An unbounded channel has no permits: closed refuses.
    pub(crate) fn push_reserved(&self, value: T) -> Result<(), T> {
        let mut st = self.lock();
        if st.rx_dropped || (self.sem.is_none() && st.rx_closed) {
            drop(st);
            self.release_slot();
            return Err(value);
        }
        st.queue.push_back(value);
        self.publish_len(&st);
        let waker = st.rx_waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    pub(crate) fn try_push(&self, value: T) -> Result<(), PushError<T>> {
        match self.try_reserve() {
            Ok(()) => self.push_reserved(value).map_err(PushError::Closed),
            Err(PushError::Full(())) => Err(PushError::Full(value)),
            Err(PushError::Closed(())) => Err(PushError::Closed(value)),
        }
    }

    pub(crate) fn is_rx_closed(&self) -> bool {
        self.lock().rx_closed
    }

    /// Completes once the receiver is closed or dropped.
    pub(crate) async fn closed(&self) {
        loop {
            // Created before the check: a close in between is not missed.
            let notified = self.rx_closed_notify.notified();
            if self.is_rx_closed() {
                return;
            }
            notified.await;
        }
    }

    pub(crate) fn add_sender(&self) {
        self.tx_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds a sender if one is still alive (for `WeakSender::upgrade`).
    pub(crate) fn try_add_sender(&self) -> bool {
        let mut n = self.tx_count.load(Ordering::Relaxed);
        loop {
            if n == 0 {
                return false;
            }
            match self
                .tx_count
                .compare_exchange_weak(n, n + 1, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => n = actual,
            }
        }
    }

    pub(crate) fn drop_sender(&self) {
        if self.tx_count.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let mut st = self.lock();
        st.tx_closed = true;
        let waker = st.rx_waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn strong_count(&self) -> usize {
        self.tx_count.load(Ordering::Acquire)
    }

    pub(crate) fn weak_count(&self) -> usize {
        self.weak_count.load(Ordering::Acquire)
    }

    pub(crate) fn add_weak(&self) {
        self.weak_count.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn drop_weak(&self) {
        self.weak_count.fetch_sub(1, Ordering::Relaxed);
    }

    // ----- the receiver's shared state -----

    /// Frees the slots of `n` values the receiver handed out.
    fn free_slots(&self, n: usize) {
        if let Some(sem) = &*self.sem {
            sem.release(n);
        }
    }

    /// With the queue and the receiver's taken values empty: will no value
    /// ever come? All senders are gone (a permit holds its sender), or the
    /// receiver closed and no permit is outstanding.
    fn is_finished(&self, st: &State<T>) -> bool {
        st.tx_closed || (st.rx_closed && self.outstanding_permits(st) == 0)
    }

    /// With the receiver's taken values empty: slots reserved by senders
    /// and not yet filled or given back.
    fn outstanding_permits(&self, st: &State<T>) -> usize {
        self.sem.as_ref().map_or(0, |sem| {
            self.cap
                .saturating_sub(sem.available_permits())
                .saturating_sub(st.queue.len())
        })
    }

    /// Closed for receiving: receiver closed, or all senders gone.
    pub(crate) fn rx_is_closed(&self) -> bool {
        let st = self.lock();
        st.rx_closed || st.tx_closed
    }

    /// The receiver closes: no new values; queued ones stay receivable.
    pub(crate) fn close_rx(&self) {
        let mut st = self.lock();
        if st.rx_closed {
            return;
        }
        st.rx_closed = true;
        st.rx_waker = None;
        drop(st);
        if let Some(sem) = &*self.sem {
            sem.close();
        }
        self.rx_closed_notify.notify_waiters();
    }
}

/// The receiving end of the core: the channel and the values taken out of
/// its queue but not handed out yet (see the module docs).
pub(crate) struct Rx<T> {
    chan: Arc<Chan<T>>,
    taken: Taken<T>,
}

// The taken values are never pinned: `Rx` moves them out by value only.
impl<T> Unpin for Rx<T> {}

/// Bytes of spare room the receiver's emptied buffer may keep; a larger
/// one is freed (see [`Rx::fill`]). Steady traffic in batches smaller than
/// this allocates nothing; after a larger batch the queue's buffer grows
/// again from empty (amortized, each value is moved about once more).
const RETAINED_BYTES: usize = 64 * 1024;

fn retained_capacity<T>() -> usize {
    (RETAINED_BYTES / std::mem::size_of::<T>().max(1)).max(16)
}

/// Values taken from the queue, oldest first; each still holds its slot.
/// Only `&mut` reaches the values, so a shared `&Taken` exposes nothing but
/// their count: the receiver stays `Sync` for any `T: Send`, as in tokio.
struct Taken<T>(VecDeque<T>);

// SAFETY: through `&Taken<T>` only the length is read, never a `T`; every
// access to the values goes through `get_mut`, which needs `&mut`.
unsafe impl<T: Send> Sync for Taken<T> {}

impl<T> Taken<T> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn get_mut(&mut self) -> &mut VecDeque<T> {
        &mut self.0
    }
}

impl<T> std::fmt::Debug for Rx<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rx")
            .field("chan", &self.chan)
            .field("taken", &self.taken.len())
            .finish()
    }
}

impl<T> Rx<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Self {
        Rx {
            chan,
            taken: Taken(VecDeque::new()),
        }
    }

    pub(crate) fn chan(&self) -> &Chan<T> {
        &self.chan
    }

    /// Makes `taken` hold `want` values, or as many as are queued (at least
    /// one). An empty `taken` takes the whole queue in one swap. With no
    /// value anywhere: `Err(true)` if none will ever come, else `Err(false)`
    /// after storing `waker` (if any) for the next push.
    fn fill(&mut self, want: usize, waker: Option<&Waker>) -> Result<(), bool> {
        if self.taken.len() >= want {
            return Ok(());
        }
        let taken = self.taken.get_mut();
        if taken.is_empty() && taken.capacity() > retained_capacity::<T>() {
            // A burst left a large buffer here: give its memory back, or
            // the channel would keep about twice its peak (this buffer and
            // the queue's, which swap) for the rest of its life.
            *taken = VecDeque::new();
        }
        let mut st = self.chan.lock();
        if !taken.is_empty() {
            let n = st.queue.len().min(want - taken.len());
            taken.extend(st.queue.drain(..n));
        } else if !st.queue.is_empty() {
            std::mem::swap(&mut st.queue, taken);
        } else if self.chan.is_finished(&st) {
            return Err(true);
        } else {
            if let Some(waker) = waker {
                match &st.rx_waker {
                    Some(w) if w.will_wake(waker) => {}
                    _ => st.rx_waker = Some(waker.clone()),
                }
            }
            return Err(false);
        }
        self.chan.publish_len(&st);
        Ok(())
    }

    /// Hands out the oldest taken value; `fill` made sure there is one.
    fn pop(&mut self) -> T {
        let v = self
            .taken
            .get_mut()
            .pop_front()
            .expect("`fill` took a value");
        self.chan.free_slots(1);
        v
    }

    /// Pops up to `limit` values into `buf` (at least one, unless the
    /// channel is closed and empty: then `Ready(0)`).
    pub(crate) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        match self.fill(limit, Some(cx.waker())) {
            Ok(()) => {
                let n = self.taken.len().min(limit);
                buf.extend(self.taken.get_mut().drain(..n));
                self.chan.free_slots(n);
                Poll::Ready(n)
            }
            Err(true) => Poll::Ready(0),
            Err(false) => Poll::Pending,
        }
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.fill(1, Some(cx.waker())) {
            Ok(()) => Poll::Ready(Some(self.pop())),
            Err(true) => Poll::Ready(None),
            Err(false) => Poll::Pending,
        }
    }

    /// `Ok(value)`, `Err(true)` if empty and closed, `Err(false)` if empty.
    pub(crate) fn try_recv(&mut self) -> Result<T, bool> {
        self.fill(1, None).map(|()| self.pop())
    }

    /// [`try_recv`](Self::try_recv) for a receiver spinning on an empty
    /// channel: takes the lock only once the length hint shows a value, so
    /// the spin does not keep the lock from the senders. `None`: nothing
    /// seen yet (not even the end, which the waiting path reports).
    pub(crate) fn try_recv_watching(&mut self) -> Option<Option<T>> {
        if self.taken.len() == 0 && self.chan.state.queued.load(Ordering::Relaxed) == 0 {
            return None;
        }
        match self.try_recv() {
            Ok(v) => Some(Some(v)),
            Err(true) => Some(None),
            Err(false) => None,
        }
    }

    /// Values queued or taken, not handed out yet.
    pub(crate) fn len(&self) -> usize {
        self.chan.lock().queue.len() + self.taken.len()
    }
}

/// The receiver is dropped: close, then drop what is queued or taken.
impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        self.chan.close_rx();
        let queued = {
            let mut st = self.chan.lock();
            st.rx_dropped = true;
            std::mem::take(&mut st.queue)
        };
        // Values drop here, outside the lock (their Drop may do anything);
        // `taken` drops with `self`.
        drop(queued);
    }
}

/// Wakes a closed channel's receiver when dropped; see [`Chan::reserve_n`].
struct WakeRxIfClosed<'a, T>(&'a Chan<T>);

impl<T> Drop for WakeRxIfClosed<'_, T> {
    fn drop(&mut self) {
        self.0.wake_rx_if_closed();
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::{Chan, Rx};
    use crate::loom::thread;
    use loom::future::block_on;
    use std::future::poll_fn;
    use std::sync::Arc;

    /// A bounded channel of `capacity`: one thread sends `values` (waiting
    /// for a slot before each) and drops its sender; the receiver drains
    /// until the end. Returns what it received and the receiver, after
    /// the sender thread has finished.
    fn send_and_drain(capacity: usize, values: &'static [u32]) -> (Vec<u32>, Rx<u32>) {
        let chan = Arc::new(Chan::new(Some(capacity)));
        let c2 = chan.clone();
        let t = thread::spawn(move || {
            for &v in values {
                block_on(c2.reserve()).unwrap();
                c2.push_reserved(v).map_err(|_| ()).unwrap();
            }
            c2.drop_sender();
        });
        let mut rx = Rx::new(chan);
        let mut got = Vec::new();
        while let Some(v) = block_on(poll_fn(|cx| rx.poll_recv(cx))) {
            got.push(v);
        }
        t.join().unwrap();
        (got, rx)
    }

    /// Capacity 1: the sender must wait for the receiver to free the slot
    /// for its second value; no lost wake-up on either side, order kept.
    #[test]
    fn bounded_cap1_handoff() {
        loom::model(|| {
            let (got, _) = send_and_drain(1, &[1, 2]);
            assert_eq!(got, [1, 2]);
        });
    }

    /// Capacity 2, three values: the receiver takes the queue in batches
    /// (whole swaps, then single values) while the sender refills it; every
    /// handed-out value frees its slot, the order is kept, the end is seen.
    #[test]
    fn batched_receive_frees_slots_in_order() {
        loom::model(|| {
            let (got, rx) = send_and_drain(2, &[1, 2, 3]);
            assert_eq!(got, [1, 2, 3]);
            assert_eq!(rx.chan().capacity(), 2);
        });
    }

    /// The last sender drops while the receiver waits: it must see `None`.
    #[test]
    fn unbounded_close_wakes_receiver() {
        loom::model(|| {
            let chan = Arc::new(Chan::new(None));
            let c2 = chan.clone();
            let t = thread::spawn(move || {
                c2.push_reserved(1u32).map_err(|_| ()).unwrap();
                c2.drop_sender();
            });
            let mut rx = Rx::new(chan);
            assert_eq!(block_on(poll_fn(|cx| rx.poll_recv(cx))), Some(1));
            assert_eq!(block_on(poll_fn(|cx| rx.poll_recv(cx))), None);
            t.join().unwrap();
        });
    }

    /// The receiver closed with a permit outstanding; the permit's holder
    /// sends or gives it back on another thread. The receiver gets the
    /// value (if sent) and then the end: no lost wake-up either way.
    #[test]
    fn close_waits_for_the_last_permit() {
        for send in [false, true] {
            loom::model(move || {
                let chan = Arc::new(Chan::new(Some(1)));
                chan.try_reserve().map_err(|_| ()).unwrap();
                chan.close_rx();
                let c2 = chan.clone();
                let t = thread::spawn(move || {
                    if send {
                        c2.push_reserved(7u32).map_err(|_| ()).unwrap();
                    } else {
                        c2.release_slot();
                    }
                });
                let mut rx = Rx::new(chan);
                if send {
                    assert_eq!(block_on(poll_fn(|cx| rx.poll_recv(cx))), Some(7));
                }
                assert_eq!(block_on(poll_fn(|cx| rx.poll_recv(cx))), None);
                t.join().unwrap();
            });
        }
    }

    /// The receiver is dropped while a sender waits for capacity: the sender
    /// fails, the queued value is dropped, nothing leaks (loom `Arc`s).
    #[test]
    fn receiver_drop_fails_waiting_sender() {
        loom::model(|| {
            let chan = Arc::new(Chan::new(Some(1)));
            chan.try_push(crate::loom::sync::Arc::new(0u32))
                .map_err(|_| ())
                .unwrap();
            let rx = Rx::new(chan.clone());
            let t = thread::spawn(move || drop(rx));
            let r = block_on(chan.reserve());
            assert!(r.is_err());
            t.join().unwrap();
        });
    }
}
