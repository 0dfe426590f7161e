//! The channel core shared by the bounded and unbounded flavours.
//!
//! Values queue in one of two places:
//! - a bounded channel whose slots fit in [`RING_BYTES`] gets a lock-free
//!   [`Ring`]: a send is a `fetch_add` and a stamp, a receive reads the
//!   stamp, and no line is written by both sides but the slot's;
//! - an unbounded channel, or a bounded one too large to allocate up front
//!   (capacities in the millions, used as "unbounded"), queues in a
//!   `VecDeque` under the lock.
//!
//! A short `Mutex` guards the receiver's waker, the two "closed" flags and
//! (second case) the queue. A bounded channel adds a [`RawSemaphore`]
//! holding one permit per free slot: a sender takes a permit (FIFO, cancel
//! safe) before it pushes, the receiver gives one back per value it hands
//! out, through the semaphore's give-back counter (a line of the
//! receiver's own, collected by senders once per emptied batch).
//!
//! `rx_state` tells a sender, in one load after its push, whether the
//! receiver stored a waker (`WAITING`) or is gone (`DROPPED`); only then
//! does the sender take the lock. The receiver sets `WAITING` and then
//! looks at the ring again with an RMW on the slot's stamp, which the
//! sender also writes with an RMW: one of the two sees the other (see
//! `ring.rs`), so no wake-up is lost.
//!
//! Closing: the receiver closing (or dropping) sets `rx_closed`, closes the
//! semaphore (failing senders waiting for capacity) and wakes
//! `Sender::closed` futures; after that no new slot is reserved. Slots
//! reserved before (permits) can still be used, as in tokio: the receiver
//! reports the end only once every permit is back (so nothing is queued or
//! reserved). Whoever moves permits while the receiver is closed wakes it,
//! so it can see that end. Once the receiver is dropped (`DROPPED`), values
//! are refused, or, if a push raced with the drop, drained by the pusher.
//! The last sender dropping sets `tx_closed` and wakes the receiver. Every
//! value ends in exactly one place: received, handed back in an error,
//! drained when the receiver drops, or dropped with the channel.
//!
//! The locked queue's receiving side takes the whole queue at once (one
//! lock, swapping its own empty buffer in) and hands values out from
//! there, so a stream of values costs the receiver one lock per batch. A
//! taken value keeps its slot until it is handed out, so capacity, `len`
//! and the end rule see no difference.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::ring::Ring;
use crate::loom::hint::spin_loop;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::loom::thread::yield_now;
use crate::sync::batch_semaphore::{AcquireError, RawSemaphore, Returns, TryAcquireError};
use crate::sync::notify::Notify;
use crate::sync::own_line::OwnLine;

/// A bounded channel whose ring takes at most this many bytes gets one.
const RING_BYTES: usize = 256 * 1024;

/// Spins of `try_recv` on a slot a sender is writing before it yields.
const BUSY_SPINS: u32 = 64;

/// In `rx_state`: the receiver's waker is stored.
const WAITING: usize = 1;
/// In `rx_state`: the receiver is dropped (set under the lock).
const DROPPED: usize = 2;

pub(crate) struct Chan<T> {
    state: OwnLine<Locked<T>>,
    /// The lock-free slots, if this channel has them (see the module docs).
    ring: Option<Ring<T>>,
    /// `WAITING | DROPPED`; written by the receiver, read by every push.
    rx_state: OwnLine<AtomicUsize>,
    /// `Some` for a bounded channel: one permit per free slot. Written by
    /// every send, so it lives apart from the lock.
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
    /// The values, for a channel without a ring.
    queue: VecDeque<T>,
    rx_waker: Option<Waker>,
    rx_closed: bool,
    tx_closed: bool,
}

impl<T> std::fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chan")
            .field("bounded", &self.sem.is_some())
            .field("ring", &self.ring.is_some())
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
        let ring = cap.filter(|&c| Ring::<T>::bytes_for(c) <= RING_BYTES);
        let queue_cap = match (ring, cap) {
            (None, Some(cap)) => cap.min(1024),
            _ => 0,
        };
        Chan {
            state: OwnLine(Locked {
                state: Mutex::new(State {
                    queue: VecDeque::with_capacity(queue_cap),
                    rx_waker: None,
                    rx_closed: false,
                    tx_closed: false,
                }),
                queued: AtomicUsize::new(0),
            }),
            ring: ring.map(Ring::new),
            rx_state: OwnLine(AtomicUsize::new(0)),
            sem: OwnLine(cap.map(RawSemaphore::with_returns)),
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

    /// Under the lock: stores the receiver's waker and says so in
    /// `rx_state` (before the receiver looks at the queue once more).
    fn store_rx_waker(&self, st: &mut State<T>, waker: &Waker) {
        match &st.rx_waker {
            Some(w) if w.will_wake(waker) => {}
            _ => st.rx_waker = Some(waker.clone()),
        }
        self.rx_state.fetch_or(WAITING, Ordering::AcqRel);
    }

    /// Under the lock: takes the receiver's waker, if stored.
    fn take_rx_waker(&self, st: &mut State<T>) -> Option<Waker> {
        let waker = st.rx_waker.take();
        if waker.is_some() {
            self.rx_state.fetch_and(!WAITING, Ordering::AcqRel);
        }
        waker
    }

    /// Wakes the receiver if it waits.
    fn wake_rx(&self) {
        let waker = self.take_rx_waker(&mut self.lock());
        if let Some(w) = waker {
            w.wake();
        }
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
                // gives back any permits it had been handed, or had moved
                // from the give-back counter: the receiver may be waiting
                // for exactly those.
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
            Some(sem) => {
                // A try may move given-back permits (see `reserve_n`).
                let _wake = WakeRxIfClosed(self);
                sem.try_acquire(n).map_err(|e| match e {
                    TryAcquireError::Closed => PushError::Closed(()),
                    TryAcquireError::NoPermits => PushError::Full(()),
                })
            }
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

    /// After permits moved: a closed receiver may be waiting for the last
    /// outstanding one.
    fn wake_rx_if_closed(&self) {
        if self.sem.as_ref().is_some_and(RawSemaphore::is_closed) {
            self.wake_rx();
        }
    }

    /// Pushes `value` into a reserved slot. If the receiver is gone, the
    /// slot is released and the value handed back; a receiver that only
    /// closed a bounded channel still receives it (its permit was taken
    /// before). An unbounded channel has no permits: closed refuses.
    pub(crate) fn push_reserved(&self, value: T) -> Result<(), T> {
        let Some(ring) = &self.ring else {
            return self.push_locked(value);
        };
        if self.rx_state.load(Ordering::Acquire) & DROPPED != 0 {
            self.release_slot();
            return Err(value);
        }
        ring.push(value);
        match self.rx_state.load(Ordering::Acquire) {
            0 => {}
            rx if rx & DROPPED != 0 => self.drain_dropped(),
            _ => self.wake_rx(),
        }
        Ok(())
    }

    fn push_locked(&self, value: T) -> Result<(), T> {
        let mut st = self.lock();
        let dropped = self.rx_state.load(Ordering::Acquire) & DROPPED != 0;
        if dropped || (self.sem.is_none() && st.rx_closed) {
            drop(st);
            self.release_slot();
            return Err(value);
        }
        st.queue.push_back(value);
        self.publish_len(&st);
        let waker = self.take_rx_waker(&mut st);
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// With the receiver dropped: drops what is in the ring. A push that
    /// raced with the receiver's drop finds `DROPPED` after it and comes
    /// here for its own value (see the module docs).
    fn drain_dropped(&self) {
        let Some(ring) = &self.ring else {
            return;
        };
        let mut values = Vec::new();
        let st = self.lock();
        // SAFETY: with the receiver dropped, the ring's receiver is whoever
        // holds the lock.
        while let Some(v) = unsafe { ring.pop_synced() } {
            values.push(v);
        }
        drop(st);
        // Outside the lock: a value's `Drop` may use this channel.
        drop(values);
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
        let waker = self.take_rx_waker(&mut st);
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

    /// With nothing left to hand out: will no value ever come? All
    /// senders are gone (a permit holds its sender), or the receiver
    /// closed and every permit is back (a queued value holds one too).
    fn is_finished(&self, st: &State<T>) -> bool {
        st.tx_closed
            || (st.rx_closed
                && self
                    .sem
                    .as_ref()
                    .is_none_or(|s| s.available_permits() == self.cap))
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
        drop(self.take_rx_waker(&mut st));
        drop(st);
        if let Some(sem) = &*self.sem {
            sem.close();
        }
        self.rx_closed_notify.notify_waiters();
    }
}

/// The receiving end of the core: the channel and the values taken out of
/// its locked queue but not handed out yet (see the module docs).
pub(crate) struct Rx<T> {
    chan: Arc<Chan<T>>,
    taken: Taken<T>,
    /// The slots' give-back counter (bounded only), held here so that
    /// freeing a slot reads no line the senders write.
    returns: Option<Arc<Returns>>,
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
            returns: chan.sem.as_ref().and_then(RawSemaphore::returns),
            chan,
            taken: Taken(VecDeque::new()),
        }
    }

    /// Frees the slots of `n` values handed out.
    fn free_slots(&self, n: usize) {
        if let Some(returns) = &self.returns {
            if returns.add(n) {
                if let Some(sem) = &*self.chan.sem {
                    sem.flush_returns();
                }
            }
        }
    }

    pub(crate) fn chan(&self) -> &Chan<T> {
        &self.chan
    }

    /// The next value from the ring (which `chan` has): `Err(true)` if none
    /// will ever come; `Err(false)` after storing `waker` (if any) for the
    /// next push. A slot a sender is still writing counts as empty: that
    /// sender wakes us. Called by `Rx`'s `&mut self` methods only.
    fn ring_next(chan: &Chan<T>, ring: &Ring<T>, waker: Option<&Waker>) -> Result<T, bool> {
        // SAFETY: the one receiver pops: `Rx` is not `Clone`, and this runs
        // inside one of its `&mut self` methods.
        if let Some(v) = unsafe { ring.pop() } {
            return Ok(v);
        }
        let mut st = chan.lock();
        let finished = chan.is_finished(&st);
        if let (false, Some(waker)) = (finished, waker) {
            chan.store_rx_waker(&mut st, waker);
        }
        drop(st);
        // SAFETY: as above.
        unsafe { ring.pop_synced() }.ok_or(finished)
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
                self.chan.store_rx_waker(&mut st, waker);
            }
            return Err(false);
        }
        self.chan.publish_len(&st);
        Ok(())
    }

    /// Hands out the oldest taken value; `fill` made sure there is one.
    fn pop_taken(&mut self) -> T {
        let v = self
            .taken
            .get_mut()
            .pop_front()
            .expect("`fill` took a value");
        self.free_slots(1);
        v
    }

    /// The next value (see [`ring_next`](Self::ring_next) and
    /// [`fill`](Self::fill) for the errors).
    fn next(&mut self, waker: Option<&Waker>) -> Result<T, bool> {
        match &self.chan.ring {
            Some(ring) => {
                let v = Self::ring_next(&self.chan, ring, waker)?;
                self.free_slots(1);
                Ok(v)
            }
            None => self.fill(1, waker).map(|()| self.pop_taken()),
        }
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
        let got = match &self.chan.ring {
            Some(ring) => Self::ring_next(&self.chan, ring, Some(cx.waker())).map(|v| {
                buf.push(v);
                let mut n = 1;
                while n < limit {
                    // SAFETY: as in `ring_next`.
                    let Some(v) = (unsafe { ring.pop() }) else {
                        break;
                    };
                    buf.push(v);
                    n += 1;
                }
                n
            }),
            None => self.fill(limit, Some(cx.waker())).map(|()| {
                let n = self.taken.len().min(limit);
                buf.extend(self.taken.get_mut().drain(..n));
                n
            }),
        };
        match got {
            Ok(n) => {
                self.free_slots(n);
                Poll::Ready(n)
            }
            Err(true) => Poll::Ready(0),
            Err(false) => Poll::Pending,
        }
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.next(Some(cx.waker())) {
            Ok(v) => Poll::Ready(Some(v)),
            Err(true) => Poll::Ready(None),
            Err(false) => Poll::Pending,
        }
    }

    /// `Ok(value)`, `Err(true)` if empty and closed, `Err(false)` if empty.
    /// A value whose send has returned is always seen: a send still writing
    /// a slot ahead of it (between two instructions) is waited for.
    pub(crate) fn try_recv(&mut self) -> Result<T, bool> {
        let mut spins = 0u32;
        loop {
            match self.next(None) {
                Err(false) if self.ring_busy() => {
                    // The sender may have been preempted mid-write.
                    if spins < BUSY_SPINS {
                        spins += 1;
                        spin_loop();
                    } else {
                        yield_now();
                    }
                }
                done => return done,
            }
        }
    }

    /// After the ring's next slot was found not ready: whether a sender
    /// claimed it and is writing it.
    fn ring_busy(&self) -> bool {
        self.chan.ring.as_ref().is_some_and(|r| r.len() > 0)
    }

    /// [`try_recv`](Self::try_recv) for a receiver spinning on an empty
    /// channel: looks without the lock, so the spin does not keep the lock
    /// from the senders. `None`: nothing seen yet (not even the end, which
    /// the waiting path reports).
    pub(crate) fn try_recv_watching(&mut self) -> Option<Option<T>> {
        if let Some(ring) = &self.chan.ring {
            // SAFETY: as in `ring_next`.
            let v = unsafe { ring.pop() }?;
            self.free_slots(1);
            return Some(Some(v));
        }
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
        match &self.chan.ring {
            Some(ring) => ring.len(),
            None => self.chan.lock().queue.len() + self.taken.len(),
        }
    }
}

/// The receiver is dropped: close, then drop what is queued or taken.
impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        self.chan.close_rx();
        let queued = {
            let mut st = self.chan.lock();
            self.chan.rx_state.fetch_or(DROPPED, Ordering::AcqRel);
            std::mem::take(&mut st.queue)
        };
        // Values drop outside the lock (their Drop may do anything);
        // `taken` drops with `self`.
        drop(queued);
        self.chan.drain_dropped();
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
        let got = drain(&mut rx);
        t.join().unwrap();
        (got, rx)
    }

    /// Receives until the end of the channel.
    fn drain(rx: &mut Rx<u32>) -> Vec<u32> {
        let mut got = Vec::new();
        while let Some(v) = block_on(poll_fn(|cx| rx.poll_recv(cx))) {
            got.push(v);
        }
        got
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

    /// Two senders claim ring slots concurrently (one on the receiver's
    /// thread, before it receives): each one's values arrive in its order,
    /// none lost, and the end is seen after both leave.
    #[test]
    fn two_senders_keep_their_order() {
        loom::model(|| {
            let chan = Arc::new(Chan::new(Some(3)));
            chan.add_sender();
            let c2 = chan.clone();
            let t = thread::spawn(move || {
                for v in [10u32, 11] {
                    send(&c2, v);
                }
                c2.drop_sender();
            });
            send(&chan, 20);
            chan.drop_sender();
            let mut got = drain(&mut Rx::new(chan));
            t.join().unwrap();
            assert_eq!(got.len(), 3);
            got.retain(|&v| v != 20);
            assert_eq!(got, [10, 11]);
        });
    }

    /// Reserves a slot that is free (no waiting) and fills it.
    fn send(chan: &Chan<u32>, v: u32) {
        chan.try_reserve().map_err(|_| ()).unwrap();
        chan.push_reserved(v).map_err(|_| ()).unwrap();
    }

    /// A push races the receiver's drop: the value is dropped exactly once
    /// (loom reports a leaked `Arc`), by the receiver's drain, by the
    /// pusher that finds `DROPPED` after its push, or handed back.
    #[test]
    fn push_races_receiver_drop() {
        loom::model(|| {
            let chan = Arc::new(Chan::new(Some(1)));
            let rx = Rx::new(chan.clone());
            let t = thread::spawn(move || drop(rx));
            let _ = chan.try_push(crate::loom::sync::Arc::new(1u32));
            t.join().unwrap();
            assert_eq!(Arc::strong_count(&chan), 1);
            // SAFETY: nothing else uses the ring now.
            assert!(unsafe { chan.ring.as_ref().unwrap().pop() }.is_none());
        });
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
