//! What the hand-driven io_uring baselines of the socket rows share: their
//! ring, set up as zio's (and whether one can be), and a [`Batch`] of
//! entries to submit that counts those in flight.

use io_uring::{cqueue, squeue, IoUring};

/// A ring of `entries` with single issuer and deferred task work where
/// the kernel has them, as zio's; plain otherwise.
pub fn ring(entries: u32) -> std::io::Result<IoUring> {
    IoUring::builder()
        .setup_single_issuer()
        .setup_defer_taskrun()
        .build(entries)
        .or_else(|_| IoUring::new(entries))
}

/// Whether io_uring can be set up here; if not, says on stderr that
/// `baseline` is left out, and why.
pub fn available(baseline: &str) -> bool {
    match ring(8) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("{baseline} skipped: {e}");
            false
        }
    }
}

/// A completion: user data, result, flags.
pub type Cqe = (u64, i32, u32);

/// The entries of the next submission, in two groups (the second goes
/// after the first, as zio puts receives after sends so that a receive
/// finds what a send of the same batch delivered), and the count of
/// entries submitted whose last completion has not come.
#[derive(Default)]
pub struct Batch {
    first: Vec<squeue::Entry>,
    last: Vec<squeue::Entry>,
    in_flight: usize,
}

impl Batch {
    /// Queues `e` in the first group.
    pub fn push(&mut self, e: squeue::Entry) {
        self.first.push(e);
    }

    /// Queues `e` in the second group.
    pub fn push_last(&mut self, e: squeue::Entry) {
        self.last.push(e);
    }

    /// Entries submitted or queued whose last completion has not come.
    pub fn in_flight(&self) -> usize {
        self.in_flight + self.first.len() + self.last.len()
    }

    /// Submits the queued entries, waits for at least one completion and
    /// moves every completion there is into `cqes`.
    ///
    /// # Safety
    ///
    /// Every buffer a queued entry points into must stay valid, unmoved
    /// and unused by anything else until that entry's last completion has
    /// been taken by a call of this method.
    pub unsafe fn turn(&mut self, uring: &mut IoUring, cqes: &mut Vec<Cqe>) {
        self.in_flight += self.first.len() + self.last.len();
        for e in self.first.drain(..).chain(self.last.drain(..)) {
            // SAFETY: the caller keeps what `e` points into valid until
            // its last completion.
            while unsafe { uring.submission().push(&e) }.is_err() {
                uring.submit().expect("io_uring_enter");
            }
        }
        uring.submit_and_wait(1).expect("io_uring_enter");
        for c in uring.completion() {
            if !cqueue::more(c.flags()) {
                self.in_flight -= 1;
            }
            cqes.push((c.user_data(), c.result(), c.flags()));
        }
    }
}
