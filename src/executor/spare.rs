//! Spare slots: where stand-in workers run while workers block.
//!
//! A worker of a multi-thread runtime that enters a blocking section claims
//! a spare slot, and a stand-in thread runs it in the worker's place until
//! the section ends. A stand-in is a worker too: a task it runs may enter a
//! blocking section of its own, and then needs a stand-in of its own. So
//! spare slots are added as sections need them (one per thread blocked at
//! once, never removed) up to a limit, `max(workers,
//! max_blocking_threads)`; past it a section goes without a stand-in. A
//! spare slot's life:
//!
//! ```text
//! VACANT --claim--> ACTIVE --section ends--> RETIRING --nothing left in
//! flight--> EXITING --thread about to end--> VACANT
//! ```
//!
//! A slot is added ACTIVE, claimed by the section that added it. A
//! RETIRING stand-in can be claimed back (ACTIVE) by the next blocking
//! section, so back-to-back sections reuse one thread; until then it runs
//! tasks like any worker, parks in its driver when there are none, and
//! exits once nothing of its slot is left in flight. A claim adds a slot
//! only when every spare is ACTIVE, i.e. stands in for another section: a
//! spare in any other state is, or soon becomes, claimable.

// The table of slots is not model-checked (slots are added under a lock):
// it uses std's atomics; the state machine uses the loom facade's.
use std::sync::atomic as plain;
use std::sync::{Mutex, OnceLock};

use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::thread;
use crate::reactor::Driver;

const VACANT: usize = 0;
const ACTIVE: usize = 1;
const RETIRING: usize = 2;
const EXITING: usize = 3;

/// One spare slot's state, and its driver while no stand-in runs it. Spare
/// drivers are not pinned to a thread, so successive stand-ins share one.
#[derive(Debug, Default)]
pub(crate) struct Spare {
    state: AtomicUsize,
    pub(crate) driver: Mutex<Option<Driver>>,
}

/// A spare slot claimed for a blocking section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// A RETIRING stand-in was taken back: its thread runs on.
    Revived(usize),
    /// A VACANT slot, or one just added: a stand-in thread must be started
    /// on it.
    Vacant(usize),
}

impl Spare {
    /// A spare slot added for the blocking section that adds it: ACTIVE.
    pub(crate) fn claimed() -> Spare {
        let spare = Spare::default();
        spare.state.store(ACTIVE, Ordering::Relaxed);
        spare
    }

    fn transition(&self, from: usize, to: usize) -> bool {
        self.state
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn is(&self, state: usize) -> bool {
        self.state.load(Ordering::Acquire) == state
    }

    pub(crate) fn is_retiring(&self) -> bool {
        self.is(RETIRING)
    }

    /// The blocking section it stood in for is over: ACTIVE -> RETIRING.
    pub(crate) fn retire(&self) {
        self.transition(ACTIVE, RETIRING);
    }

    /// The stand-in may stop: RETIRING -> EXITING. False if a new section
    /// claimed it back first.
    pub(crate) fn begin_exit(&self) -> bool {
        self.transition(RETIRING, EXITING)
    }

    /// The stand-in is done with the slot (it exited, or its thread could
    /// not be started): the slot is VACANT, free to be claimed.
    pub(crate) fn release(&self) {
        self.state.store(VACANT, Ordering::Release);
    }
}

/// Claims a spare for a blocking section: a RETIRING one if any (its
/// thread lives on), else a VACANT one, else one that `add` adds (ACTIVE,
/// see [`Spare::claimed`]; `None` past the limit). `None` if no spare can
/// be had, or once `stop` says so (the runtime shuts down).
///
/// A spare neither claimable nor ACTIVE is EXITING, and its thread releases
/// it in a moment: the claim waits for that rather than add a slot. A spare
/// can also move between the passes below (EXITING -> VACANT after the
/// VACANT pass, ACTIVE -> RETIRING after the RETIRING pass), so a pass that
/// claims nothing adds a slot only if it sees every spare ACTIVE; otherwise
/// it looks again.
pub(crate) fn claim<'a, I>(
    spares: impl Fn() -> I,
    add: impl FnOnce() -> Option<usize>,
    stop: impl Fn() -> bool,
) -> Option<Claim>
where
    I: Iterator<Item = (usize, &'a Spare)>,
{
    loop {
        if stop() {
            return None;
        }
        if let Some((i, _)) = spares().find(|(_, s)| s.transition(RETIRING, ACTIVE)) {
            return Some(Claim::Revived(i));
        }
        if let Some((i, _)) = spares().find(|(_, s)| s.transition(VACANT, ACTIVE)) {
            return Some(Claim::Vacant(i));
        }
        if spares().all(|(_, s)| s.is(ACTIVE)) {
            return add().map(Claim::Vacant);
        }
        thread::yield_now();
    }
}

/// The spare slots of a runtime: added one at a time, never removed, at
/// most `limit`. Reading (by index, or all of them) takes no lock; adding
/// takes one, and is rare (a slot is added only when more threads than
/// ever before block at once). Memory grows with the slots added, not with
/// the limit (which may be huge): slots live in segments of doubling size,
/// each allocated when its first slot is added.
#[derive(Debug)]
pub(crate) struct SpareSlots<T> {
    /// Segment `k` holds slots `2^k - 1 .. 2^(k+1) - 1`; slots are set in
    /// order, the first `len` of them.
    segments: [OnceLock<Box<[OnceLock<T>]>>; SEGMENTS],
    limit: usize,
    len: plain::AtomicUsize,
    adding: Mutex<()>,
}

/// Enough segments for `usize::MAX` slots.
const SEGMENTS: usize = usize::BITS as usize;

/// The segment of slot `i`, and its place there (`i < usize::MAX`).
fn locate(i: usize) -> (usize, usize) {
    let n = i + 1;
    let segment = n.ilog2() as usize;
    (segment, n - (1 << segment))
}

impl<T> SpareSlots<T> {
    /// A table for at most `limit` slots (none yet).
    pub(crate) fn new(limit: usize) -> SpareSlots<T> {
        SpareSlots {
            segments: std::array::from_fn(|_| OnceLock::new()),
            limit,
            len: plain::AtomicUsize::new(0),
            adding: Mutex::new(()),
        }
    }

    /// Number of slots added so far.
    pub(crate) fn len(&self) -> usize {
        self.len.load(plain::Ordering::Acquire)
    }

    /// Slot `i`, if added.
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        if i >= self.limit {
            return None;
        }
        let (segment, at) = locate(i);
        self.segments[segment].get()?.get(at)?.get()
    }

    /// The slots added so far.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Adds the slot `make` builds; returns its index. `Ok(None)` if the
    /// table is full.
    pub(crate) fn add(
        &self,
        make: impl FnOnce() -> std::io::Result<T>,
    ) -> std::io::Result<Option<usize>> {
        let _adding = self.adding.lock().unwrap_or_else(|e| e.into_inner());
        let i = self.len.load(plain::Ordering::Relaxed);
        if i >= self.limit {
            return Ok(None);
        }
        let (segment, at) = locate(i);
        let segment = self.segments[segment]
            .get_or_init(|| (0..1usize << segment).map(|_| OnceLock::new()).collect());
        if segment[at].set(make()?).is_err() {
            unreachable!("slots are added in order, under the lock");
        }
        self.len.store(i + 1, plain::Ordering::Release);
        Ok(Some(i))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn spare_slots_fill_in_order_up_to_the_limit() {
        let slots = SpareSlots::new(20);
        for i in 0..20 {
            assert_eq!(slots.add(|| Ok(i * 10)).unwrap(), Some(i));
        }
        assert_eq!(slots.add(|| Ok(0)).unwrap(), None, "past the limit");
        assert_eq!(slots.len(), 20);
        assert!((0..20).all(|i| slots.get(i) == Some(&(i * 10))));
        assert_eq!(slots.get(20), None);
        assert!(slots.iter().copied().eq((0..20).map(|i| i * 10)));
        // A slot that cannot be made leaves no hole.
        let slots = SpareSlots::new(usize::MAX);
        assert!(slots.add(|| Err(std::io::Error::other("no"))).is_err());
        assert_eq!(slots.add(|| Ok(7)).unwrap(), Some(0));
        assert_eq!(slots.get(usize::MAX), None);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::Arc;

    /// An `add` for a table that is full.
    fn full() -> Option<usize> {
        None
    }

    /// A stand-in on its way out (EXITING) frees its slot while a worker
    /// enters a blocking section: the worker gets the slot (and adds none).
    /// (It once saw EXITING in the VACANT pass and VACANT in the final
    /// check, and went without a stand-in: a 1-worker runtime then ran
    /// nothing.)
    #[test]
    fn claim_waits_for_an_exiting_stand_in() {
        loom::model(|| {
            let spare = Arc::new(Spare::default());
            spare.state.store(EXITING, Ordering::Release);
            let s2 = spare.clone();
            let standin = loom::thread::spawn(move || s2.release());
            let got = claim(|| std::iter::once((0, &*spare)), full, || false);
            standin.join().unwrap();
            assert_eq!(
                got,
                Some(Claim::Vacant(0)),
                "a section went without a stand-in"
            );
        });
    }

    /// A retiring stand-in decides to exit while a worker enters a blocking
    /// section: the worker either takes the stand-in back (and the stand-in
    /// does not exit) or gets the slot once it is free (and starts a new
    /// thread); never both, never neither.
    #[test]
    fn claim_races_a_retiring_stand_in() {
        loom::model(|| {
            let spare = Arc::new(Spare::default());
            spare.state.store(RETIRING, Ordering::Release);
            let s2 = spare.clone();
            let standin = loom::thread::spawn(move || {
                let exits = s2.begin_exit();
                if exits {
                    s2.release();
                }
                exits
            });
            let got = claim(|| std::iter::once((0, &*spare)), full, || false);
            let exited = standin.join().unwrap();
            match got {
                Some(Claim::Revived(0)) => assert!(!exited, "revived a stand-in that exits"),
                Some(Claim::Vacant(0)) => assert!(exited, "two stand-ins on one slot"),
                other => panic!("a section went without a stand-in: {other:?}"),
            }
        });
    }

    /// With every spare standing in for another section (a stand-in's task
    /// blocks while the worker it stands in for is blocked), the claim adds
    /// a slot; past the limit it gives up instead of waiting.
    #[test]
    fn claim_adds_a_slot_when_every_spare_is_busy() {
        loom::model(|| {
            let spare = Spare::claimed();
            let got = claim(|| std::iter::once((0, &spare)), || Some(1), || false);
            assert_eq!(got, Some(Claim::Vacant(1)));
            assert_eq!(claim(|| std::iter::once((0, &spare)), full, || false), None);
        });
    }

    /// The section a stand-in stands in for ends, and the stand-in exits,
    /// while a nested section (a task on another stand-in) claims: it gets
    /// the retiring stand-in back, or the freed slot, or adds one; never
    /// nothing, never a slot whose stand-in is exiting.
    #[test]
    fn claim_races_a_section_ending() {
        loom::model(|| {
            let spare = Arc::new(Spare::claimed());
            let s2 = spare.clone();
            let standin = loom::thread::spawn(move || {
                s2.retire();
                let exits = s2.begin_exit();
                if exits {
                    s2.release();
                }
                exits
            });
            let got = claim(|| std::iter::once((0, &*spare)), || Some(1), || false);
            let exited = standin.join().unwrap();
            match got {
                Some(Claim::Revived(0)) => assert!(!exited, "revived a stand-in that exits"),
                Some(Claim::Vacant(0)) => assert!(exited, "two stand-ins on one slot"),
                Some(Claim::Vacant(1)) => {}
                other => panic!("a section went without a stand-in: {other:?}"),
            }
        });
    }

    /// Two sections claim at once with one retiring spare: each gets a
    /// slot of its own (one revives the stand-in, the other adds a slot).
    #[test]
    fn concurrent_claims_get_distinct_slots() {
        loom::model(|| {
            let spare = Arc::new(Spare::default());
            spare.state.store(RETIRING, Ordering::Release);
            let added = Arc::new(AtomicUsize::new(1));
            let claim_one = |spare: Arc<Spare>, added: Arc<AtomicUsize>| {
                move || {
                    let add = || Some(added.fetch_add(1, Ordering::AcqRel));
                    claim(|| std::iter::once((0, &*spare)), add, || false)
                }
            };
            let other = loom::thread::spawn(claim_one(spare.clone(), added.clone()));
            let a = claim_one(spare, added)();
            let b = other.join().unwrap();
            let index = |c: Option<Claim>| match c {
                Some(Claim::Revived(i) | Claim::Vacant(i)) => i,
                None => panic!("a section went without a stand-in"),
            };
            assert_ne!(index(a), index(b), "two sections on one stand-in");
        });
    }
}
