//! Spare slots: where stand-in workers run while workers block.
//!
//! A multi-thread runtime has as many spare slots as workers. A worker that
//! enters a blocking section claims one, and a stand-in thread runs it in
//! the worker's place until the section ends. A spare slot's life:
//!
//! ```text
//! VACANT --claim--> ACTIVE --section ends--> RETIRING --nothing left in
//! flight--> EXITING --thread about to end--> VACANT
//! ```
//!
//! A RETIRING stand-in can be claimed back (ACTIVE) by the next blocking
//! section, so back-to-back sections reuse one thread. A claim fails only
//! when every spare is ACTIVE, i.e. stands in for another section: a spare
//! in any other state is, or soon becomes, claimable.

use std::sync::Mutex;

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
    /// A VACANT slot: a stand-in thread must be started on it.
    Vacant(usize),
}

impl Spare {
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
/// thread lives on), else a VACANT one. `None` if every spare is ACTIVE,
/// or once `stop` says so (the runtime shuts down).
///
/// A spare neither claimable nor ACTIVE is EXITING, and its thread releases
/// it in a moment: the claim waits for that. A spare can also move between
/// the passes below (EXITING -> VACANT after the VACANT pass, ACTIVE ->
/// RETIRING after the RETIRING pass), so a pass that claims nothing gives
/// up only if it sees every spare ACTIVE; otherwise it looks again.
pub(crate) fn claim<'a, I>(spares: impl Fn() -> I, stop: impl Fn() -> bool) -> Option<Claim>
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
            return None;
        }
        thread::yield_now();
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::Arc;

    /// A stand-in on its way out (EXITING) frees its slot while a worker
    /// enters a blocking section: the worker gets the slot. (It once saw
    /// EXITING in the VACANT pass and VACANT in the final check, and went
    /// without a stand-in: a 1-worker runtime then ran nothing.)
    #[test]
    fn claim_waits_for_an_exiting_stand_in() {
        loom::model(|| {
            let spare = Arc::new(Spare::default());
            spare.state.store(EXITING, Ordering::Release);
            let s2 = spare.clone();
            let standin = loom::thread::spawn(move || s2.release());
            let got = claim(|| std::iter::once((0, &*spare)), || false);
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
            let got = claim(|| std::iter::once((0, &*spare)), || false);
            let exited = standin.join().unwrap();
            match got {
                Some(Claim::Revived(0)) => assert!(!exited, "revived a stand-in that exits"),
                Some(Claim::Vacant(0)) => assert!(exited, "two stand-ins on one slot"),
                other => panic!("a section went without a stand-in: {other:?}"),
            }
        });
    }

    /// With every spare standing in for another section, the claim gives
    /// up instead of waiting.
    #[test]
    fn claim_gives_up_when_every_spare_is_busy() {
        loom::model(|| {
            let spare = Spare::default();
            spare.state.store(ACTIVE, Ordering::Release);
            assert_eq!(claim(|| std::iter::once((0, &spare)), || false), None);
        });
    }
}
