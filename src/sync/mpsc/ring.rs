//! The lock-free slots of a bounded channel: a power-of-two array of
//! stamped slots (Vyukov's bounded queue, as in crossbeam's `ArrayQueue`),
//! with many senders and one receiver.
//!
//! Slot `i & mask` is free for index `i` while its stamp is `i`, and holds
//! index `i`'s value once its stamp is `i + 1`; reading the value sets the
//! stamp to `i + slots`, freeing it for the index one lap later. A sender
//! claims an index with one `fetch_add` on `tail`, writes the value and
//! sets the stamp; the receiver reads indices in order from `head`. So a
//! send touches `tail`'s line and the slot's, a receive the slot's and
//! `head`'s (which no sender reads): no lock, no line written by both
//! sides but the slot itself.
//!
//! There is no "full" state: the channel's permits let at most `cap <=
//! slots` values be claimed and not yet read, so a claimed slot is always
//! free (a claim waits for its stamp anyway, which keeps the ring sound
//! whatever the caller does).
//!
//! Stamps are written by a swap and read, where it matters, by an RMW
//! ([`Ring::pop_synced`]): a receiver that announced it waits, then finds a
//! slot not ready with an RMW, is either seen by that slot's sender (whose
//! swap comes later on the same stamp and synchronizes with it) or sees
//! the value. That is the channel's no-lost-wake-up argument.

use std::mem::MaybeUninit;

use crate::loom::cell::UnsafeCell;
use crate::loom::hint::spin_loop;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::own_line::OwnLine;

pub(super) struct Ring<T> {
    slots: Box<[Slot<T>]>,
    /// The next index a sender claims.
    tail: OwnLine<AtomicUsize>,
    /// The next index the receiver reads. Touched by the receiver only;
    /// atomic so that the ring is `Sync` without more unsafe code.
    head: OwnLine<AtomicUsize>,
}

struct Slot<T> {
    stamp: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: a slot's value is written only by the sender that claimed its
// index (unique: `fetch_add`) while the stamp says "free", and read only by
// the one receiver once the stamp says "full"; the stamp's release/acquire
// orders the two. Values move between threads, hence `T: Send`.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above; `&Ring` gives no access to a `T` but through `push`
// (which moves one in) and the receiver's `pop` (which moves one out).
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// A ring with room for `cap` values (`slots` rounds it up to a power
    /// of two).
    pub(super) fn new(cap: usize) -> Self {
        let n = cap.next_power_of_two();
        Ring {
            slots: (0..n)
                .map(|i| Slot {
                    stamp: AtomicUsize::new(i),
                    value: UnsafeCell::new(MaybeUninit::uninit()),
                })
                .collect(),
            tail: OwnLine(AtomicUsize::new(0)),
            head: OwnLine(AtomicUsize::new(0)),
        }
    }

    /// Bytes the slots of a ring for `cap` values take.
    pub(super) fn bytes_for(cap: usize) -> usize {
        cap.checked_next_power_of_two()
            .and_then(|n| n.checked_mul(std::mem::size_of::<Slot<T>>()))
            .unwrap_or(usize::MAX)
    }

    fn slot(&self, index: usize) -> &Slot<T> {
        &self.slots[index & (self.slots.len() - 1)]
    }

    /// Claims the next index and moves `value` into its slot. The caller
    /// holds a permit for it, so the slot is free (see the module docs).
    pub(super) fn push(&self, value: T) {
        let index = self.tail.fetch_add(1, Ordering::Relaxed);
        let slot = self.slot(index);
        while slot.stamp.load(Ordering::Acquire) != index {
            spin_loop();
        }
        // SAFETY: the stamp says the slot is free for `index`, which only we
        // claimed; the receiver reads it only after the stamp below.
        slot.value.with_mut(|v| unsafe { (*v).write(value) });
        slot.stamp.swap(index.wrapping_add(1), Ordering::AcqRel);
    }

    /// Takes the value at `head`, reading the stamp with a plain load;
    /// `None` if it is not there yet (nothing claimed, or a sender still
    /// writing it: see [`len`](Self::len)). Reads no line a sender writes
    /// but the slot's.
    ///
    /// # Safety
    ///
    /// One receiver at a time: no other `pop` or `pop_synced` of this
    /// ring may run concurrently.
    pub(super) unsafe fn pop(&self) -> Option<T> {
        // SAFETY: forwarded from our caller.
        unsafe { self.take(false) }
    }

    /// [`pop`](Self::pop), reading a slot that is not ready with an RMW, so
    /// that a sender still writing it sees what this thread did before (see
    /// the module docs).
    ///
    /// # Safety
    ///
    /// As [`pop`](Self::pop).
    pub(super) unsafe fn pop_synced(&self) -> Option<T> {
        // SAFETY: forwarded from our caller.
        unsafe { self.take(true) }
    }

    /// # Safety
    ///
    /// As [`pop`](Self::pop).
    unsafe fn take(&self, synced: bool) -> Option<T> {
        let head = self.head.load(Ordering::Relaxed);
        let slot = self.slot(head);
        let full = head.wrapping_add(1);
        let mut stamp = slot.stamp.load(Ordering::Acquire);
        if stamp != full && synced {
            stamp = slot.stamp.fetch_add(0, Ordering::AcqRel);
        }
        if stamp != full {
            return None;
        }
        // SAFETY: the stamp says the slot holds index `head`'s value, written
        // before the sender's release; we are the one receiver, so nobody
        // else reads it, and the stamp below hands the slot back.
        let value = slot.value.with(|v| unsafe { (*v).assume_init_read() });
        slot.stamp
            .store(head.wrapping_add(self.slots.len()), Ordering::Release);
        self.head.store(full, Ordering::Relaxed);
        Some(value)
    }

    /// Values claimed and not yet read (the receiver's view); more than
    /// zero after `pop` found nothing means a sender is writing the slot.
    pub(super) fn len(&self) -> usize {
        self.tail
            .load(Ordering::Relaxed)
            .wrapping_sub(self.head.load(Ordering::Relaxed))
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // Every claimed slot is written: a sender finishes `push` before it
        // lets go of the channel.
        // SAFETY: `&mut self`: no other receiver, no sender.
        while let Some(v) = unsafe { self.pop() } {
            drop(v);
        }
    }
}
