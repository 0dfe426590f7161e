//! The intrusive FIFO wait list every primitive in `zio::sync` parks on.
//!
//! A [`Waiter`] node lives inside the future that waits (so waiting never
//! allocates), is `!Unpin`, and is linked into a [`WaitList`] only while that
//! future is pinned. The list and *all* of its nodes are guarded by one lock:
//! the primitive's short `Mutex`. Holding `&mut WaitList` therefore proves the
//! lock is held, and every access to a node goes through the list
//! ([`WaitList::get`], [`WaitList::front_mut`], [`WaitList::pop_front`]).
//!
//! Each node carries primitive-specific state `T` (permits still needed,
//! "notified", ...), the waker to call, and whether it is still queued. A
//! notifier that completes a waiter unlinks it, updates `T` and takes its
//! waker, all under the lock, then wakes after releasing the lock
//! ([`WakeList`]). A future that is dropped locks, unlinks itself if still
//! queued, and hands whatever it was given (permits, a notification) back to
//! the primitive, which passes it to the next waiter. That is the whole
//! cancel-safety story.

use std::marker::PhantomPinned;
use std::ptr::NonNull;
use std::task::Waker;

use crate::loom::cell::UnsafeCell;

/// A wait-list node. See the module docs for the locking discipline.
pub(crate) struct Waiter<T> {
    inner: UnsafeCell<Node<T>>,
    _pin: PhantomPinned,
}

/// The fields of a [`Waiter`], reachable only through its [`WaitList`].
#[derive(Debug)]
pub(crate) struct Node<T> {
    prev: Option<NonNull<Waiter<T>>>,
    next: Option<NonNull<Waiter<T>>>,
    queued: bool,
    /// The waker to call when this waiter is completed.
    pub(crate) waker: Option<Waker>,
    /// Primitive-specific state.
    pub(crate) value: T,
}

impl<T> Node<T> {
    /// Whether the node is linked in the list.
    pub(crate) fn is_queued(&self) -> bool {
        self.queued
    }

    /// Stores `waker` unless the stored one would wake the same task.
    pub(crate) fn set_waker(&mut self, waker: &Waker) {
        match &self.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => self.waker = Some(waker.clone()),
        }
    }
}

impl<T> Waiter<T> {
    pub(crate) fn new(value: T) -> Self {
        Waiter {
            inner: UnsafeCell::new(Node {
                prev: None,
                next: None,
                queued: false,
                waker: None,
                value,
            }),
            _pin: PhantomPinned,
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Waiter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The node's fields are guarded by a lock we do not hold here.
        f.debug_struct("Waiter").finish_non_exhaustive()
    }
}

/// An intrusive doubly linked FIFO of [`Waiter`]s.
///
/// Invariant: every linked node is pinned, valid, and only accessed through
/// this list (so `&mut self` gives exclusive access to all linked nodes).
pub(crate) struct WaitList<T> {
    head: Option<NonNull<Waiter<T>>>,
    tail: Option<NonNull<Waiter<T>>>,
}

// SAFETY: the list only holds pointers to nodes whose data (`T`, `Waker`) is
// `Send`; the nodes are accessed through `&mut WaitList`, i.e. by one thread
// at a time under the primitive's lock.
unsafe impl<T: Send> Send for WaitList<T> {}
// SAFETY: `&WaitList` gives no access to the nodes (only `is_empty`).
unsafe impl<T: Send> Sync for WaitList<T> {}

impl<T> std::fmt::Debug for WaitList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitList")
            .field("empty", &self.is_empty())
            .finish()
    }
}

impl<T> Default for WaitList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> WaitList<T> {
    pub(crate) const fn new() -> Self {
        WaitList {
            head: None,
            tail: None,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Exclusive access to a node of this list's primitive.
    ///
    /// # Safety
    ///
    /// `node` must belong to this list's primitive: it is linked into this
    /// list or not linked at all, and is only ever accessed through this list.
    pub(crate) unsafe fn get(&mut self, node: NonNull<Waiter<T>>) -> &mut Node<T> {
        // SAFETY: by the contract the node is valid, and every access to it
        // goes through `&mut self`, which we hold uniquely for `'a`.
        unsafe { node.as_ref().inner.with_mut(|p| &mut *p) }
    }

    /// Links `node` at the back.
    ///
    /// # Safety
    ///
    /// `node` must belong to this list's primitive (see [`WaitList::get`]),
    /// must not be linked, and must stay pinned and valid until it is
    /// unlinked again (by `pop_front` or `remove`); its owner's `Drop` must
    /// lock and `remove` it.
    pub(crate) unsafe fn push_back(&mut self, node: NonNull<Waiter<T>>) {
        let old_tail = self.tail;
        {
            // SAFETY: contract of this fn.
            let n = unsafe { self.get(node) };
            debug_assert!(!n.queued, "waiter linked twice");
            n.queued = true;
            n.prev = old_tail;
            n.next = None;
        }
        match old_tail {
            // SAFETY: linked nodes are valid and ours (struct invariant).
            Some(t) => unsafe { self.get(t) }.next = Some(node),
            None => self.head = Some(node),
        }
        self.tail = Some(node);
    }

    /// Unlinks `node` if it is linked; returns whether it was.
    ///
    /// # Safety
    ///
    /// `node` must be valid and belong to this list's primitive.
    pub(crate) unsafe fn remove(&mut self, node: NonNull<Waiter<T>>) -> bool {
        // SAFETY: contract of this fn.
        let n = unsafe { self.get(node) };
        if !n.queued {
            return false;
        }
        n.queued = false;
        let (prev, next) = (n.prev.take(), n.next.take());
        match prev {
            // SAFETY: linked nodes are valid and ours (struct invariant).
            Some(p) => unsafe { self.get(p) }.next = next,
            None => self.head = next,
        }
        match next {
            // SAFETY: as above.
            Some(nx) => unsafe { self.get(nx) }.prev = prev,
            None => self.tail = prev,
        }
        true
    }

    /// The first waiter, still linked.
    pub(crate) fn front_mut(&mut self) -> Option<&mut Node<T>> {
        let head = self.head?;
        // SAFETY: linked nodes are valid and ours (struct invariant).
        Some(unsafe { self.get(head) })
    }

    /// Unlinks the first waiter and returns it. The node stays valid while
    /// `&mut self` is borrowed: its owner must take the lock before it may
    /// drop the node.
    pub(crate) fn pop_front(&mut self) -> Option<&mut Node<T>> {
        let head = self.head?;
        // SAFETY: `head` is linked, so valid and ours (struct invariant).
        unsafe { self.remove(head) };
        // SAFETY: as above; the owner cannot free it while we hold the lock.
        Some(unsafe { self.get(head) })
    }

    /// Unlinks the last waiter and returns it (see [`WaitList::pop_front`]).
    pub(crate) fn pop_back(&mut self) -> Option<&mut Node<T>> {
        let tail = self.tail?;
        // SAFETY: `tail` is linked, so valid and ours (struct invariant).
        unsafe { self.remove(tail) };
        // SAFETY: as above.
        Some(unsafe { self.get(tail) })
    }
}

impl<T> Drop for WaitList<T> {
    fn drop(&mut self) {
        // Every waiting future borrows (or holds an `Arc` to) the primitive,
        // so a list can only be dropped empty.
        debug_assert!(self.is_empty(), "wait list dropped with waiters");
    }
}

/// Wakers collected under a lock, to be woken after it is released.
pub(crate) struct WakeList {
    wakers: [Option<Waker>; WakeList::CAP],
    len: usize,
}

impl std::fmt::Debug for WakeList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WakeList").field("len", &self.len).finish()
    }
}

impl WakeList {
    const CAP: usize = 32;

    pub(crate) fn new() -> Self {
        WakeList {
            wakers: std::array::from_fn(|_| None),
            len: 0,
        }
    }

    /// Whether another waker fits.
    pub(crate) fn can_push(&self) -> bool {
        self.len < Self::CAP
    }

    /// Adds a waker. Callers check [`WakeList::can_push`] first.
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        if let Some(w) = waker {
            debug_assert!(self.can_push());
            self.wakers[self.len] = Some(w);
            self.len += 1;
        }
    }

    /// Wakes and empties the list. Call with no lock held.
    pub(crate) fn wake_all(&mut self) {
        for slot in &mut self.wakers[..self.len] {
            if let Some(w) = slot.take() {
                w.wake();
            }
        }
        self.len = 0;
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        self.wake_all();
    }
}

#[cfg(all(test, loom))]
impl<T> WaitList<T> {
    /// Walks the list and checks every link (test only).
    fn check(&mut self) -> usize {
        let mut prev: Option<NonNull<Waiter<T>>> = None;
        let mut cur = self.head;
        let mut n = 0;
        while let Some(c) = cur {
            // SAFETY: linked nodes are valid and ours (struct invariant).
            let node = unsafe { self.get(c) };
            assert!(node.queued, "unqueued node linked");
            assert_eq!(node.prev, prev, "broken prev link");
            prev = cur;
            cur = node.next;
            n += 1;
        }
        assert_eq!(self.tail, prev, "tail is not the last node");
        n
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::{WaitList, Waiter};
    use crate::loom::sync::{Arc, Mutex};
    use crate::loom::thread;
    use std::ptr::NonNull;

    /// Two threads link and unlink their own nodes while the main thread
    /// links one, pops from the front and removes its own (popped or not):
    /// every link stays consistent, and nodes are only touched under the
    /// lock (loom's `UnsafeCell` checks).
    #[test]
    fn concurrent_push_remove_pop() {
        loom::model(|| {
            let list = Arc::new(Mutex::new(WaitList::<u32>::new()));
            let spawn = |id: u32| {
                let list = list.clone();
                thread::spawn(move || {
                    let node = Box::pin(Waiter::new(id));
                    let ptr = NonNull::from(&*node);
                    {
                        let mut l = list.lock();
                        // SAFETY: the node is pinned on the heap, unlinked,
                        // and removed below before it is dropped.
                        unsafe { l.push_back(ptr) };
                        l.check();
                    }
                    let mut l = list.lock();
                    // SAFETY: our node, lock held.
                    unsafe { l.remove(ptr) };
                    l.check();
                    drop(l);
                    drop(node);
                })
            };
            let (t1, t2) = (spawn(1), spawn(2));
            let node = Box::pin(Waiter::new(0));
            let ptr = NonNull::from(&*node);
            {
                let mut l = list.lock();
                // SAFETY: as in the threads.
                unsafe { l.push_back(ptr) };
                l.check();
                let popped_ours = l.pop_front().map(|n| n.value) == Some(0);
                l.check();
                // Removing our node, popped or not, while the threads' nodes
                // may still be linked: a popped node must be left alone.
                // SAFETY: our node, lock held.
                let removed = unsafe { l.remove(ptr) };
                assert_eq!(
                    removed, !popped_ours,
                    "remove reports whether it was queued"
                );
                l.check();
            }
            t1.join().unwrap();
            t2.join().unwrap();
            let mut l = list.lock();
            // SAFETY: our node, lock held (it may have been popped already).
            unsafe { l.remove(ptr) };
            assert_eq!(l.check(), 0);
            drop(l);
            drop(node);
        });
    }
}
