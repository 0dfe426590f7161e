//! [`Notify`]: wake one task (storing a permit if none waits) or all of
//! them; tokio's `Notify` semantics, on any executor.
//!
//! `notify_waiters` bumps a generation counter: a [`Notified`] future
//! remembers the generation it was created in, so it also sees a
//! `notify_waiters` that happened after its creation but before its first
//! poll. A waiter handed a `notify_one` notification that is dropped before
//! returning it passes the notification on (to the next waiter, or as the
//! stored permit).

use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::sync::waiters::{WaitList, Waiter, WakeList};

/// Notifies one task or all waiting tasks of an event.
///
/// [`Notify::notify_one`] wakes the longest-waiting [`Notified`] future, or,
/// if none waits, stores a single permit that the next `notified().await`
/// consumes at once. [`Notify::notify_waiters`] wakes every waiting future
/// (and every `Notified` created before the call) and stores no permit.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zio::sync::Notify;
///
/// let notify = Arc::new(Notify::new());
/// let n2 = notify.clone();
/// let t = std::thread::spawn(move || futures::executor::block_on(n2.notified()));
/// notify.notify_one();
/// t.join().unwrap();
/// ```
#[derive(Debug)]
pub struct Notify {
    generation: AtomicUsize,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    list: WaitList<Slot>,
    permit: bool,
}

/// Per-waiter state.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The `notify_waiters` generation the waiter waits in.
    generation: usize,
    /// How it was woken, once it was.
    woken: Option<Woken>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Woken {
    One,
    All,
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl Notify {
    /// Creates a `Notify` with no stored permit.
    ///
    /// # Examples
    ///
    /// ```
    /// let _n = zio::sync::Notify::new();
    /// ```
    pub fn new() -> Self {
        Notify {
            generation: AtomicUsize::new(0),
            inner: Mutex::new(Inner {
                list: WaitList::new(),
                permit: false,
            }),
        }
    }

    /// Like [`Notify::new`], usable in a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static READY: zio::sync::Notify = zio::sync::Notify::const_new();
    /// READY.notify_one();
    /// futures::executor::block_on(READY.notified());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        Notify {
            generation: AtomicUsize::new(0),
            inner: Mutex::new(Inner {
                list: WaitList::new(),
                permit: false,
            }),
        }
    }

    /// A future that completes when this `Notify` is notified.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `Notified` that had received a
    /// [`notify_one`](Notify::notify_one) passes it to the next waiter (or
    /// stores it as the permit); a dropped one loses its place in the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// let n = zio::sync::Notify::new();
    /// n.notify_one(); // stores a permit
    /// futures::executor::block_on(n.notified()); // consumes it
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            node: Waiter::new(Slot {
                generation: self.generation.load(Ordering::SeqCst),
                woken: None,
            }),
            state: State::Init,
        }
    }

    /// Wakes the longest-waiting task, or stores a permit if none waits (at
    /// most one permit is stored).
    ///
    /// # Examples
    ///
    /// ```
    /// let n = zio::sync::Notify::new();
    /// n.notify_one();
    /// n.notify_one(); // still one permit
    /// futures::executor::block_on(n.notified());
    /// ```
    pub fn notify_one(&self) {
        self.notify_one_locked(self.inner.lock(), true);
    }

    /// Like [`Notify::notify_one`] but wakes the most recently queued task.
    ///
    /// # Examples
    ///
    /// ```
    /// let n = zio::sync::Notify::new();
    /// n.notify_last();
    /// futures::executor::block_on(n.notified());
    /// ```
    pub fn notify_last(&self) {
        self.notify_one_locked(self.inner.lock(), false);
    }

    fn notify_one_locked(&self, mut inner: MutexGuard<'_, Inner>, front: bool) {
        let node = if front {
            inner.list.pop_front()
        } else {
            inner.list.pop_back()
        };
        match node {
            Some(node) => {
                node.value.woken = Some(Woken::One);
                let waker = node.waker.take();
                drop(inner);
                if let Some(w) = waker {
                    w.wake();
                }
            }
            None => inner.permit = true,
        }
    }

    /// Wakes every task waiting now, and every [`Notified`] created before
    /// this call even if not yet polled. Stores no permit.
    ///
    /// # Examples
    ///
    /// ```
    /// let n = zio::sync::Notify::new();
    /// let fut = n.notified();
    /// n.notify_waiters();
    /// futures::executor::block_on(fut); // created before: completes
    /// ```
    pub fn notify_waiters(&self) {
        let mut inner = self.inner.lock();
        let old = self.generation.fetch_add(1, Ordering::SeqCst);
        let mut wakers = WakeList::new();
        loop {
            // Waiters queued after a relock below belong to the new
            // generation and stay queued.
            while wakers.can_push() {
                match inner.list.front_mut() {
                    Some(n) if n.value.generation == old => {}
                    _ => {
                        drop(inner);
                        wakers.wake_all();
                        return;
                    }
                }
                let node = inner.list.pop_front().expect("front exists");
                node.value.woken = Some(Woken::All);
                wakers.push(node.waker.take());
            }
            drop(inner);
            wakers.wake_all();
            inner = self.inner.lock();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not registered; the node is unshared.
    Init,
    /// The node went into the list; drop must lock.
    Waiting,
    /// Took the permit (in `enable`); completes at the next poll, and
    /// passes the permit on if dropped first.
    HasPermit,
    /// Returned `Ready`, or notified by `notify_waiters` before registering.
    Done,
}

/// Future returned by [`Notify::notified`].
///
/// # Examples
///
/// ```
/// let n = zio::sync::Notify::new();
/// let mut fut = std::pin::pin!(n.notified());
/// assert!(!fut.as_mut().enable()); // registered, not notified yet
/// n.notify_one();
/// futures::executor::block_on(fut);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    node: Waiter<Slot>,
    state: State,
}

// SAFETY: the node's links are only touched under the `Notify`'s lock.
unsafe impl Send for Notified<'_> {}
// SAFETY: `&Notified` exposes nothing.
unsafe impl Sync for Notified<'_> {}

impl std::fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.state)
            .finish()
    }
}

impl Notified<'_> {
    /// Registers this future as a waiter without polling it, so that a
    /// `notify_one` or `notify_waiters` from now on reaches it. Returns
    /// whether it is already notified.
    ///
    /// # Examples
    ///
    /// ```
    /// let n = zio::sync::Notify::new();
    /// let mut fut = std::pin::pin!(n.notified());
    /// fut.as_mut().enable();
    /// n.notify_waiters();
    /// futures::executor::block_on(fut);
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.poll_inner(None).is_ready()
    }

    fn poll_inner(self: Pin<&mut Self>, cx: Option<&mut Context<'_>>) -> Poll<()> {
        // SAFETY: we never move out of the pinned future; the node's address
        // is only used while pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let ptr = NonNull::from(&this.node);
        match this.state {
            State::Done | State::HasPermit => Poll::Ready(()),
            State::Init => {
                let mut inner = this.notify.inner.lock();
                // SAFETY: our node belongs to this `Notify` and is unlinked.
                let generation = unsafe { inner.list.get(ptr) }.value.generation;
                if this.notify.generation.load(Ordering::SeqCst) != generation {
                    this.state = State::Done;
                    return Poll::Ready(());
                }
                if inner.permit {
                    inner.permit = false;
                    this.state = State::HasPermit;
                    return Poll::Ready(());
                }
                // SAFETY: the node is pinned in this future, belongs to this
                // `Notify`, is unlinked; our Drop locks and removes it.
                unsafe {
                    if let Some(cx) = cx {
                        inner.list.get(ptr).set_waker(cx.waker());
                    }
                    inner.list.push_back(ptr);
                }
                this.state = State::Waiting;
                Poll::Pending
            }
            State::Waiting => {
                let mut inner = this.notify.inner.lock();
                // SAFETY: our node belongs to this `Notify`.
                let node = unsafe { inner.list.get(ptr) };
                if node.is_queued() {
                    if let Some(cx) = cx {
                        node.set_waker(cx.waker());
                    }
                    return Poll::Pending;
                }
                node.waker = None;
                // Woken: if by `notify_one`, we now own that notification.
                if node.value.woken == Some(Woken::One) {
                    this.state = State::HasPermit;
                } else {
                    this.state = State::Done;
                }
                Poll::Ready(())
            }
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let res = self.as_mut().poll_inner(Some(cx));
        if res.is_ready() {
            // SAFETY: no move out of the pinned future.
            unsafe { self.get_unchecked_mut() }.state = State::Done;
        }
        res
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        match self.state {
            State::Init | State::Done => {}
            State::HasPermit => self.notify.notify_one(),
            State::Waiting => {
                let ptr = NonNull::from(&self.node);
                let mut inner = self.notify.inner.lock();
                // SAFETY: our node belongs to this `Notify`; lock held.
                if unsafe { inner.list.remove(ptr) } {
                    return;
                }
                // SAFETY: as above; now unlinked.
                let woken = unsafe { inner.list.get(ptr) }.value.woken;
                if woken == Some(Woken::One) {
                    // Handed a notification we will never return: pass it on.
                    self.notify.notify_one_locked(inner, true);
                }
            }
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Notify;
    use crate::loom::sync::Arc;
    use crate::loom::thread;
    use loom::future::block_on;
    use std::future::Future;
    use std::pin::pin;
    use std::task::Context;

    #[test]
    fn notify_one_wakes_or_stores() {
        loom::model(|| {
            let n = Arc::new(Notify::new());
            let n2 = n.clone();
            let t = thread::spawn(move || n2.notify_one());
            block_on(n.notified());
            t.join().unwrap();
        });
    }

    /// A waiter handed a notify_one is dropped: the notification must reach
    /// the second waiter (or be stored for it).
    #[test]
    fn dropped_waiter_passes_notification_on() {
        loom::model(|| {
            let n = Arc::new(Notify::new());
            let n2 = n.clone();
            {
                let mut first = pin!(n.notified());
                let _ = first
                    .as_mut()
                    .poll(&mut Context::from_waker(std::task::Waker::noop()));
                let t = thread::spawn(move || n2.notify_one());
                t.join().unwrap();
                // `first` may hold the notification: dropping passes it on.
            }
            block_on(n.notified());
        });
    }

    #[test]
    fn notify_waiters_reaches_created_future() {
        loom::model(|| {
            let n = Arc::new(Notify::new());
            let n2 = n.clone();
            let fut = n.notified();
            let t = thread::spawn(move || n2.notify_waiters());
            t.join().unwrap();
            block_on(fut);
        });
    }
}
