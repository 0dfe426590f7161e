//! The io_uring backend: ring setup with feature detection, pushing SQEs
//! with back-pressure, entering the kernel, and reaping CQEs.
//!
//! The backend knows nothing about ops: it moves `(user_data, res, flags)`
//! triples. The driver (`reactor/driver.rs`) gives them meaning.

mod probe;
mod setup;

use std::time::Duration;

use io_uring::cqueue;
use io_uring::squeue::Entry;
use io_uring::types::{SubmitArgs, Timespec};
use io_uring::{opcode, IoUring};

pub(crate) use probe::has_opcode;
pub(crate) use setup::{RingConfig, SetupError};

/// One CQE, copied out of the ring.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cqe {
    pub(crate) user_data: u64,
    pub(crate) res: i32,
    pub(crate) flags: u32,
}

pub(crate) struct Uring {
    ring: IoUring,
    /// EXT_ARG: `io_uring_enter` takes a timeout (5.11+). Without it a
    /// timed wait arms a timeout SQE instead.
    ext_arg: bool,
    /// A timeout SQE armed for a wait is still in the kernel.
    timeout_armed: bool,
    /// The duration that SQE points at. The kernel copies it when it
    /// prepares the SQE, during the submit of the same `enter`; kept here
    /// so it is alive then.
    wait_ts: Box<Timespec>,
    /// The read of the driver's eventfd is in the kernel.
    eventfd_armed: bool,
    /// Where that read lands; heap-allocated so it stays put.
    eventfd_buf: Box<u64>,
    /// SQEs held back to the end of the batch (see [`goes_last`]), in the
    /// order they were pushed.
    last: Vec<Entry>,
}

/// Whether an SQE goes to the end of its batch: the ops that wait for
/// data (receives, readiness polls), and the cancels and closes that must
/// stay behind the ops they act on.
///
/// A batch is submitted in order. A receive submitted ahead of the send
/// that feeds it (client and server in one process, over loopback or a
/// Unix socket) finds nothing, arms a poll and completes later through
/// the kernel's task work; behind that send, it finds the data and
/// completes at once. One connection's echo round trip on one thread:
/// 13.6 us -> 11.8 us. A cancel (of an op by address, or by descriptor)
/// and a close keep their order among these, so they never overtake an
/// op they are meant to follow; everything else in the batch is
/// independent of them.
fn goes_last(entry: &Entry) -> bool {
    let code = entry.get_opcode() as u8;
    code == opcode::Recv::CODE
        || code == opcode::RecvMsg::CODE
        || code == opcode::PollAdd::CODE
        || code == opcode::AsyncCancel::CODE
        || code == opcode::Close::CODE
}

/// `user_data` of the timeout SQE armed for a timed wait on kernels
/// without EXT_ARG. Never a valid op address (ops are 8-aligned).
const WAIT_TIMEOUT_USER_DATA: u64 = u64::MAX - 1;

/// `user_data` of SQEs whose completion nobody waits for.
const IGNORE_USER_DATA: u64 = u64::MAX;

/// `user_data` of the eventfd read that wakes a parked driver.
const EVENTFD_USER_DATA: u64 = u64::MAX - 2;

impl std::fmt::Debug for Uring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uring")
            .field("sq_entries", &self.ring.params().sq_entries())
            .field("cq_entries", &self.ring.params().cq_entries())
            .finish()
    }
}

impl Uring {
    pub(crate) fn new(config: &RingConfig, pinned: bool) -> Result<Uring, SetupError> {
        let ring = setup::build(config, pinned)?;
        let ext_arg = ring.params().is_feature_ext_arg();
        Ok(Uring {
            ring,
            ext_arg,
            timeout_armed: false,
            wait_ts: Box::new(Timespec::new()),
            eventfd_armed: false,
            eventfd_buf: Box::new(0),
            last: Vec::new(),
        })
    }

    /// Queues one SQE for the next submission; receives, polls, cancels
    /// and closes go at its end ([`goes_last`]).
    pub(crate) fn push(&mut self, entry: &Entry, out: &mut Vec<Cqe>) {
        if goes_last(entry) {
            self.last.push(entry.clone());
        } else {
            self.push_now(entry, out);
        }
    }

    /// Puts one SQE in the SQ. When the SQ is full, submits what is queued
    /// first (reaping completions into `out` if the kernel asks for room in
    /// the CQ), so an op never fails for lack of space.
    fn push_now(&mut self, entry: &Entry, out: &mut Vec<Cqe>) {
        loop {
            // SAFETY: every entry the driver builds points only into memory
            // that the op's cell keeps alive and unmoved until its CQE has
            // been reaped (see `reactor/op.rs`).
            if unsafe { self.ring.submission().push(entry) }.is_ok() {
                return;
            }
            self.enter(false, None, out);
        }
    }

    /// Submits queued SQEs and reaps CQEs into `out`. With `wait`, blocks
    /// until at least one CQE arrives or `timeout` passes.
    ///
    /// `EINTR`, `EBUSY` and `EAGAIN` from `io_uring_enter` are retried after
    /// draining the CQ; an SQE the kernel did not take stays queued, and no
    /// buffer is released before its CQE, so nothing is lost or freed early.
    pub(crate) fn enter(&mut self, wait: bool, timeout: Option<Duration>, out: &mut Vec<Cqe>) {
        // The held-back SQEs join the SQ now, last. Taken out first: a full
        // SQ makes `push_now` submit through a nested `enter`, which then
        // finds none.
        let mut last = std::mem::take(&mut self.last);
        for entry in last.drain(..) {
            self.push_now(&entry, out);
        }
        self.last = last;
        if !wait {
            let idle = {
                let sq = self.ring.submission();
                sq.is_empty() && !sq.taskrun() && !sq.cq_overflow()
            };
            if idle {
                // Nothing to hand over and no deferred completions: the CQ
                // is all there is, no syscall needed.
                self.reap(out);
                return;
            }
        } else if !self.ext_arg {
            if let Some(t) = timeout {
                self.arm_wait_timeout(t, out);
            }
        }
        // A completed read of the eventfd is a wake (an unpark), though it
        // gives the driver no CQE: the wait is over. Blocking after reaping
        // it would block with no read armed, and the next unpark's write
        // would wake nobody.
        let mut woken = false;
        loop {
            woken |= self.reap(out);
            let want = usize::from(wait && out.is_empty() && !woken);
            let result = match timeout {
                Some(t) if want > 0 && self.ext_arg => {
                    let ts = Timespec::from(t);
                    let args = SubmitArgs::new().timespec(&ts);
                    self.ring.submitter().submit_with_args(want, &args)
                }
                _ => self.ring.submitter().submit_and_wait(want),
            };
            match result {
                Ok(_) => break,
                Err(e) => match e.raw_os_error() {
                    // Timed out, or interrupted by a signal: the wait is over.
                    Some(libc::ETIME) | Some(libc::EINTR) if want > 0 => break,
                    Some(libc::EINTR | libc::EBUSY | libc::EAGAIN | libc::ENOMEM) => continue,
                    _ => {
                        tracing::error!("io_uring_enter failed: {e}");
                        break;
                    }
                },
            }
        }
        self.reap(out);
    }

    /// Moves the CQEs into `out`; returns whether the eventfd read
    /// completed among them.
    fn reap(&mut self, out: &mut Vec<Cqe>) -> bool {
        let mut woken = false;
        let mut cq = self.ring.completion();
        cq.sync();
        for cqe in cq {
            let cqe: cqueue::Entry = cqe;
            if cqe.user_data() == IGNORE_USER_DATA {
                continue;
            }
            if cqe.user_data() == EVENTFD_USER_DATA {
                self.eventfd_armed = false;
                woken = true;
                continue;
            }
            if cqe.user_data() == WAIT_TIMEOUT_USER_DATA {
                if cqe.result() != -libc::ECANCELED && cqe.result() != -libc::ENOENT {
                    self.timeout_armed = false;
                }
                continue;
            }
            out.push(Cqe {
                user_data: cqe.user_data(),
                res: cqe.result(),
                flags: cqe.flags(),
            });
        }
        woken
    }

    /// Makes sure a read of `eventfd` is in the ring, so a write to it (an
    /// unpark from another thread) ends a wait.
    pub(crate) fn arm_eventfd(&mut self, eventfd: std::os::fd::RawFd, out: &mut Vec<Cqe>) {
        if self.eventfd_armed {
            return;
        }
        let buf: *mut u64 = &mut *self.eventfd_buf;
        // The buffer is heap memory owned by the backend, which outlives the
        // read: the driver cancels it and waits for its CQE before dropping
        // the backend (`disarm_eventfd`, `is_idle`).
        let entry = opcode::Read::new(io_uring::types::Fd(eventfd), buf.cast(), 8)
            .build()
            .user_data(EVENTFD_USER_DATA);
        self.push(&entry, out);
        self.eventfd_armed = true;
    }

    /// Cancels the eventfd read (at shutdown); wait until `is_idle`.
    pub(crate) fn disarm_eventfd(&mut self, out: &mut Vec<Cqe>) {
        if self.eventfd_armed {
            let cancel = opcode::AsyncCancel::new(EVENTFD_USER_DATA)
                .build()
                .user_data(IGNORE_USER_DATA);
            self.push(&cancel, out);
        }
    }

    /// No read of the eventfd is in the kernel any more.
    pub(crate) fn is_idle(&self) -> bool {
        !self.eventfd_armed && self.last.is_empty()
    }

    /// Arms the timeout SQE for a timed wait, replacing an earlier one.
    fn arm_wait_timeout(&mut self, timeout: Duration, out: &mut Vec<Cqe>) {
        if self.timeout_armed {
            let remove = opcode::TimeoutRemove::new(WAIT_TIMEOUT_USER_DATA)
                .build()
                .user_data(IGNORE_USER_DATA);
            self.push(&remove, out);
        }
        // Submitted by the caller, `enter`, together with its wait.
        *self.wait_ts = Timespec::from(timeout);
        let entry = opcode::Timeout::new(&*self.wait_ts)
            .build()
            .user_data(WAIT_TIMEOUT_USER_DATA);
        self.push(&entry, out);
        self.timeout_armed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::Instant;

    /// A wake (the eventfd read completing) whose CQE lands while the
    /// driver is awake ends its next wait: the driver must not reap it,
    /// forget it and block with no read of the eventfd armed, deaf to every
    /// later unpark. (Rings without DEFER_TASKRUN post that CQE as soon as
    /// the submitting thread passes through the kernel.)
    #[test]
    fn an_eventfd_cqe_reaped_before_a_wait_ends_it() {
        let Ok(mut ring) = Uring::new(&RingConfig::default(), false) else {
            return; // no io_uring here
        };
        // SAFETY: plain syscall; the result is checked below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        assert!(fd >= 0);
        // SAFETY: `fd` is a fresh eventfd that nothing else owns.
        let eventfd = unsafe { OwnedFd::from_raw_fd(fd) };
        let mut out = Vec::new();
        ring.arm_eventfd(eventfd.as_raw_fd(), &mut out);
        ring.enter(true, Some(Duration::from_millis(1)), &mut out);
        assert!(out.is_empty() && ring.eventfd_armed);
        // A wake written while the driver is between waits: the read
        // completes, and its CQE is posted on this syscall's way out.
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our eventfd.
        let n = unsafe { libc::write(fd, (&one as *const u64).cast(), 8) };
        assert_eq!(n, 8);
        let start = Instant::now();
        ring.enter(true, Some(Duration::from_secs(5)), &mut out);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "the wait swallowed a wake and blocked with no eventfd read armed"
        );
        assert!(!ring.eventfd_armed);
    }

    /// A connected pair of Unix stream sockets.
    fn socket_pair() -> (OwnedFd, OwnedFd) {
        let mut fds = [0; 2];
        // SAFETY: writes two descriptors into `fds`; checked below.
        let rc = unsafe {
            libc::socketpair(
                libc::AF_UNIX,
                libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
                0,
                fds.as_mut_ptr(),
            )
        };
        assert_eq!(rc, 0);
        // SAFETY: both are fresh descriptors that nothing else owns.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    }

    /// A receive from `fd` into `buf`. The caller keeps `buf` alive until
    /// the CQE tagged `user_data` has been reaped.
    fn recv_into(fd: &OwnedFd, buf: &mut [u8], user_data: u64) -> Entry {
        let len = u32::try_from(buf.len()).expect("a small buffer");
        opcode::Recv::new(io_uring::types::Fd(fd.as_raw_fd()), buf.as_mut_ptr(), len)
            .build()
            .user_data(user_data)
    }

    /// Reaps until the CQEs with `user_data` in `want` have all arrived.
    fn wait_for(ring: &mut Uring, want: &[u64]) -> Vec<Cqe> {
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !want
            .iter()
            .all(|u| out.iter().any(|c: &Cqe| c.user_data == *u))
        {
            assert!(Instant::now() < deadline, "completions missing: {out:?}");
            ring.enter(true, Some(Duration::from_millis(100)), &mut out);
        }
        out
    }

    fn result_of(cqes: &[Cqe], user_data: u64) -> i32 {
        cqes.iter()
            .find(|c| c.user_data == user_data)
            .expect("completed")
            .res
    }

    /// Receives go to the end of the batch, but a cancel pushed after a
    /// receive stays behind it: it finds the receive and stops it, rather
    /// than overtaking it, finding nothing, and leaving it in flight.
    #[test]
    fn a_cancel_stays_behind_the_receive_it_cancels() {
        let Ok(mut ring) = Uring::new(&RingConfig::default(), false) else {
            return; // no io_uring here
        };
        let (a, _b) = socket_pair();
        let mut buf = [0u8; 8];
        let mut out = Vec::new();
        let recv = recv_into(&a, &mut buf, 8);
        ring.push(&recv, &mut out);
        ring.push(&opcode::AsyncCancel::new(8).build().user_data(16), &mut out);
        ring.push(&opcode::Nop::new().build().user_data(24), &mut out);
        let cqes = wait_for(&mut ring, &[8, 16, 24]);
        assert_eq!(result_of(&cqes, 8), -libc::ECANCELED);
        assert_eq!(result_of(&cqes, 16), 0, "the cancel found the receive");
        // The receive wrote nothing into `buf`, which lived until its CQE.
        assert_eq!(buf, [0; 8]);
    }

    /// A receive queued before the send that feeds it, in one batch, goes
    /// in behind that send: it finds the data at once, so on a ring that
    /// defers task work (completions of armed polls wait for the next
    /// wait) both complete within the submitting call.
    #[test]
    fn a_receive_queued_before_its_send_completes_at_once() {
        let Ok(mut ring) = Uring::new(&RingConfig::default(), true) else {
            return; // no io_uring here
        };
        let (a, b) = socket_pair();
        let mut buf = [0u8; 5];
        let msg = *b"hello";
        let mut out = Vec::new();
        let recv = recv_into(&a, &mut buf, 8);
        let send = opcode::Send::new(io_uring::types::Fd(b.as_raw_fd()), msg.as_ptr(), 5)
            .build()
            .user_data(16);
        ring.push(&recv, &mut out);
        ring.push(&send, &mut out);
        ring.enter(false, None, &mut out);
        assert_eq!(
            (result_of(&out, 8), result_of(&out, 16)),
            (5, 5),
            "both completed in the submitting call"
        );
        assert_eq!(&buf, b"hello");
    }
}
