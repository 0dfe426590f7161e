//! Waking a driver that may be parked in the kernel, from any thread.
//!
//! The protocol: the driver moves RUNNING -> PARKED before it blocks and
//! back to RUNNING when it returns; a waker swaps in NOTIFIED and writes the
//! eventfd only when it saw PARKED. A driver that finds NOTIFIED when it
//! tries to park does not block. The eventfd has a read armed in the ring
//! (or is registered with epoll) whenever the driver blocks, so the write
//! ends the wait. Redundant wakes (driver running, or already notified) cost
//! one atomic swap and no syscall.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::loom::sync::atomic::{AtomicUsize, Ordering};

const RUNNING: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

#[derive(Debug)]
pub(crate) struct Unparker {
    state: AtomicUsize,
    eventfd: OwnedFd,
}

impl Unparker {
    pub(crate) fn new() -> io::Result<Unparker> {
        // SAFETY: plain syscall; the result is checked below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Unparker {
            state: AtomicUsize::new(RUNNING),
            // SAFETY: `fd` is a fresh eventfd that nothing else owns.
            eventfd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub(crate) fn eventfd(&self) -> RawFd {
        self.eventfd.as_raw_fd()
    }

    /// Wakes the driver if it is parked, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        if self.state.swap(NOTIFIED, Ordering::AcqRel) == PARKED {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a live u64 to our eventfd. A failure
            // (EAGAIN: counter saturated) still leaves the counter non-zero,
            // which is all a wake needs.
            unsafe {
                libc::write(
                    self.eventfd.as_raw_fd(),
                    (&one as *const u64).cast(),
                    std::mem::size_of::<u64>(),
                )
            };
        }
    }

    /// Called by the driver before it blocks. Returns false if a wake is
    /// already pending: then the driver must not block.
    pub(crate) fn prepare_park(&self) -> bool {
        match self
            .state
            .compare_exchange(RUNNING, PARKED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(_) => {
                self.state.store(RUNNING, Ordering::Release);
                false
            }
        }
    }

    /// Called by the driver once it is running again.
    pub(crate) fn finish_park(&self) {
        self.state.store(RUNNING, Ordering::Release);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;

    /// A message published before `unpark` is seen by a driver that parks
    /// concurrently: either the driver saw the message, or it does not
    /// block, or the waker saw PARKED (and writes the eventfd). The driver
    /// checks for work first and then prepares to park, as `Driver::turn`
    /// drains its inbox before `prepare_park`.
    #[test]
    fn no_lost_wakeup() {
        loom::model(|| {
            let unparker = Arc::new(Unparker::new().expect("eventfd"));
            let msg = Arc::new(AtomicBool::new(false));
            let (u2, m2) = (unparker.clone(), msg.clone());
            let waker = loom::thread::spawn(move || {
                m2.store(true, Ordering::Release);
                u2.unpark();
            });
            let saw_message = msg.load(Ordering::Acquire);
            let blocks = !saw_message && unparker.prepare_park();
            waker.join().unwrap();
            if blocks {
                assert!(
                    eventfd_counter(&unparker) > 0,
                    "driver blocked and nobody wrote the eventfd"
                );
            }
        });
    }

    /// Reads (and resets) the eventfd's counter; 0 if nothing was written.
    fn eventfd_counter(unparker: &Unparker) -> u64 {
        let mut n = 0u64;
        // SAFETY: reads 8 bytes into a live u64 from our nonblocking eventfd.
        let r = unsafe { libc::read(unparker.eventfd(), (&mut n as *mut u64).cast(), 8) };
        if r == 8 {
            n
        } else {
            0
        }
    }
}
