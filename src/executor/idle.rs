//! Which workers are parked, and how many are searching for work.
//!
//! Waking a parked worker costs a syscall on each side and ~15 µs of
//! latency, so a producer wakes one only when no worker is already
//! searching (a searching worker will find the new task), and at most half
//! the workers search at once. A worker that stops searching and was the
//! last searcher re-checks every queue before it parks, so a task pushed
//! while it searched is never stranded (the producer saw a searcher and did
//! not wake anyone).

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Mutex, MutexGuard};

const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;

#[derive(Debug)]
pub(crate) struct Idle {
    /// `num_unparked << 16 | num_searching`.
    state: AtomicUsize,
    /// Parked workers, by index.
    sleepers: Mutex<Vec<usize>>,
    /// Workers that take tasks: the runtime's workers, minus those inside
    /// a blocking section, plus their stand-ins.
    active: AtomicUsize,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            active: AtomicUsize::new(num_workers),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<usize>> {
        self.sleepers.lock()
    }

    fn should_wake(&self) -> bool {
        let state = self.state.load(SeqCst);
        state & SEARCH_MASK == 0 && (state >> UNPARK_SHIFT) < self.active.load(SeqCst)
    }

    /// A parked worker to wake for new work, or `None` if one is already
    /// searching or none is parked. The returned worker counts as unparked
    /// and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = self.lock();
        if !self.should_wake() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add((1 << UNPARK_SHIFT) | 1, SeqCst);
        Some(worker)
    }

    /// Records that `worker` parks. Returns whether it was the last
    /// searching worker (then it must check for stranded work).
    pub(crate) fn transition_to_parked(&self, worker: usize, searching: bool) -> bool {
        let mut sleepers = self.lock();
        let dec = (1 << UNPARK_SHIFT) | usize::from(searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        searching && prev & SEARCH_MASK == 1
    }

    /// Tries to become a searcher; refused when half the workers search.
    pub(crate) fn transition_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * (state & SEARCH_MASK) >= self.active.load(SeqCst).max(2) {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searcher found work. Returns whether it was the last searcher.
    pub(crate) fn transition_from_searching(&self) -> bool {
        self.state.fetch_sub(1, SeqCst) & SEARCH_MASK == 1
    }

    /// A parked worker woke up on its own (I/O, timer). Returns true if it
    /// was still listed as parked (and now counts as unparked, not
    /// searching); false if a notifier already took it (it is searching).
    pub(crate) fn unpark_self(&self, worker: usize) -> bool {
        let mut sleepers = self.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
                true
            }
            None => false,
        }
    }

    /// A running (unparked, not searching) worker stops taking tasks: it
    /// enters a blocking section, or a stand-in retires.
    pub(crate) fn leave(&self) {
        let _sleepers = self.lock();
        self.active.fetch_sub(1, SeqCst);
        self.state.fetch_sub(1 << UNPARK_SHIFT, SeqCst);
    }

    /// A worker starts taking tasks, running (the reverse of `leave`).
    pub(crate) fn join(&self) {
        let _sleepers = self.lock();
        self.active.fetch_add(1, SeqCst);
        self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
    }

    /// Whether `worker` is still listed as parked.
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.lock().contains(&worker)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn notify_only_parked_and_not_while_searching() {
        let idle = Idle::new(2);
        assert_eq!(idle.worker_to_notify(), None, "nobody parked");
        assert!(!idle.transition_to_parked(1, false));
        assert_eq!(idle.worker_to_notify(), Some(1));
        // Worker 1 is now searching: no further wake.
        assert!(!idle.transition_to_parked(0, false));
        assert_eq!(idle.worker_to_notify(), None);
        assert!(idle.transition_from_searching());
        assert_eq!(idle.worker_to_notify(), Some(0));
        assert!(idle.transition_to_parked(0, true), "last searcher");
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::loom::sync::atomic::{fence, AtomicBool};
    use crate::loom::sync::Arc;

    /// The only worker parks while a task arrives: it sees the task, or
    /// the producer wakes it. (The producer pushes, then fences and asks
    /// for a worker to wake; the worker records itself parked, then fences
    /// and checks the queues: the worker loop's order.)
    #[test]
    fn lone_worker_parking_is_not_stranded() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(1));
            let work = Arc::new(AtomicBool::new(false));
            let (i2, w2) = (idle.clone(), work.clone());
            let producer = loom::thread::spawn(move || {
                w2.store(true, SeqCst);
                fence(SeqCst);
                i2.worker_to_notify()
            });
            idle.transition_to_parked(0, false);
            fence(SeqCst);
            let saw = work.load(SeqCst);
            let notified = producer.join().unwrap();
            assert!(
                saw || notified == Some(0),
                "a task arrived and nobody will run it"
            );
        });
    }

    /// The last searcher parks while a task arrives and the other worker is
    /// asleep: the producer did not wake anyone (a searcher existed), so the
    /// last searcher must see the task, or the producer saw no searcher and
    /// woke a sleeper.
    #[test]
    fn last_searcher_parking_is_not_stranded() {
        loom::model(|| {
            let idle = Arc::new(Idle::new(2));
            // Worker 1 sleeps; worker 0 was woken to search.
            assert!(!idle.transition_to_parked(1, false));
            assert!(idle.transition_to_searching());
            let work = Arc::new(AtomicBool::new(false));
            let (i2, w2) = (idle.clone(), work.clone());
            let producer = loom::thread::spawn(move || {
                w2.store(true, SeqCst);
                fence(SeqCst);
                i2.worker_to_notify()
            });
            let was_last = idle.transition_to_parked(0, true);
            assert!(was_last);
            fence(SeqCst);
            let saw = work.load(SeqCst);
            let notified = producer.join().unwrap();
            assert!(
                saw || notified.is_some(),
                "a task arrived while the last searcher parked, and nobody will run it"
            );
        });
    }
}
