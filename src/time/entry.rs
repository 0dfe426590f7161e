//! A timer entry: the state one `Sleep` shares with the driver heap(s) that
//! hold it.
//!
//! The deadline and the state live in one atomic word, so the driver fires
//! an entry only if the deadline it compared against the clock is still the
//! entry's deadline (a concurrent `reset` makes its compare-and-swap fail).

use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

use atomic_waker::AtomicWaker;

const ARMED: u64 = 0;
const FIRED: u64 = 1;
const CANCELLED: u64 = 2;
const STATE_MASK: u64 = 3;

/// The state of an entry as the driver sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryState {
    Armed(u64),
    Fired,
    Cancelled,
}

#[derive(Debug)]
pub(crate) struct TimerEntry {
    /// `deadline_nanos << 2 | state`.
    word: AtomicU64,
    waker: AtomicWaker,
}

fn pack(deadline: u64, state: u64) -> u64 {
    (deadline.min(u64::MAX >> 2) << 2) | state
}

impl TimerEntry {
    pub(crate) fn new(deadline: u64) -> TimerEntry {
        TimerEntry {
            word: AtomicU64::new(pack(deadline, ARMED)),
            waker: AtomicWaker::new(),
        }
    }

    pub(crate) fn state(&self) -> EntryState {
        decode(self.word.load(Ordering::Acquire))
    }

    pub(crate) fn register(&self, waker: &Waker) {
        self.waker.register(waker);
    }

    pub(crate) fn is_fired(&self) -> bool {
        self.state() == EntryState::Fired
    }

    /// Fires the entry if it is still armed for `deadline`. Returns the
    /// waker to wake, or `Err` with the current state if it changed.
    pub(crate) fn fire(&self, deadline: u64) -> Result<Option<Waker>, EntryState> {
        match self.word.compare_exchange(
            pack(deadline, ARMED),
            pack(deadline, FIRED),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => Ok(self.waker.take()),
            Err(now) => Err(decode(now)),
        }
    }

    /// Re-arms for `deadline`. Returns whether a heap must be given a node
    /// for it: yes if the entry had fired, or if the new deadline is earlier
    /// than the one its existing node waits for.
    pub(crate) fn rearm(&self, deadline: u64) -> bool {
        let prev = decode(self.word.swap(pack(deadline, ARMED), Ordering::AcqRel));
        match prev {
            EntryState::Armed(old) => deadline < old,
            EntryState::Fired | EntryState::Cancelled => true,
        }
    }

    /// Cancels the entry. Returns whether it was armed.
    pub(crate) fn cancel(&self) -> bool {
        let prev = self.word.swap(CANCELLED, Ordering::AcqRel);
        matches!(decode(prev), EntryState::Armed(_))
    }
}

fn decode(word: u64) -> EntryState {
    match word & STATE_MASK {
        ARMED => EntryState::Armed(word >> 2),
        FIRED => EntryState::Fired,
        _ => EntryState::Cancelled,
    }
}
