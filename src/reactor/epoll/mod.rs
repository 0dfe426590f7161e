//! The epoll backend: the same ops as io_uring, completed by readiness.
//!
//! An op says how (`OpCode::epoll_plan`): a socket op tries its
//! nonblocking syscall at once and, on `EAGAIN`, waits in epoll for its fd
//! to become ready, then tries again; a poll op just waits, and the ready
//! mask is its result (no syscall of its own); a file op (no readiness) runs its
//! syscall on the blocking pool and reports back through the driver's
//! inbox; a timeout op completes from a small heap. Completions come out as
//! the same `(user_data, res, flags)` triples as io_uring's CQEs, so the
//! driver treats both backends alike.
//!
//! Registrations are edge-triggered and kept, as mio's: a file is added
//! once, for both directions, the first time an op waits on it, and stays
//! registered while it is open. A wait then costs no `epoll_ctl` at all
//! (a one-shot registration needs one re-arm per wait: on an HTTP/1.1
//! keep-alive server, a third syscall per request beside `recv` and
//! `sendmsg`). Since an edge is reported once, the driver remembers what
//! each fd reported (`Fd::ready`) until an op finds it not ready: an op
//! with a syscall clears it when its syscall says `EAGAIN`; a poll op (the
//! readiness interface's wait, whose caller ran the syscall) completes at
//! once on a remembered event and takes it. A remembered event may be
//! older than the caller's `EAGAIN`: that poll completes once spuriously,
//! and its caller tries the syscall again, finds `EAGAIN` again and waits
//! anew. An event that came after the `EAGAIN` is never missed: it is
//! reported by a later `epoll_wait`, or was already remembered when the
//! poll arrives. Peer shutdown (`EPOLLRDHUP`, `EPOLLHUP`) is final, so it
//! stays remembered and completes every later poll.
//!
//! An op keeps the fd it names open until its final completion: `net` ops
//! hold a `SharedFd` clone, a completion queue's op its own duplicate of
//! the caller's descriptor (`cq/op.rs`). So while an op waits or runs its
//! syscall, the number names the file the op means. Between ops the file
//! may close and its number be reused by another file, which epoll has
//! never seen: every op says which descriptor it means (`FileId`), and a
//! wait whose descriptor is not the one registered under the number adds
//! it (`EEXIST` means the kernel still has this file under the number,
//! wrapped anew: then it is re-registered with a modify). Closing a file
//! removes its registration, unless a duplicate keeps the file open: the
//! old registration then stays under the number and may report events for
//! the new file there, which costs an op a spurious retry, never a missed
//! event. A completion queue's duplicate is registered for its one op and
//! deleted when that op leaves, before the op closes it. epoll holds no
//! reference to a file: closing a socket still closes it. A socket whose
//! ops ran on several workers is registered in each of their drivers;
//! every one of them hears its events, and one with no op waiting on it
//! only remembers them (a parked worker wakes for that, as it would not
//! under one-shot registrations: the price of the syscall saved per wait).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use super::fd::FileId;
use super::op::{EpollPlan, Interest, RawOp};
use super::uring::Cqe;
use crate::time::clock;

mod sys;

use sys::EpollFd;

/// Key of the driver's eventfd (fds are keyed by their number).
const EVENTFD_KEY: u64 = u64::MAX;

/// What a file is registered for: both directions and peer shutdown,
/// edge-triggered.
const REGISTERED: u32 = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32;
const IN: u32 = libc::EPOLLIN as u32;
const OUT: u32 = libc::EPOLLOUT as u32;
const ERR: u32 = libc::EPOLLERR as u32;
const HUP: u32 = libc::EPOLLHUP as u32;
const RDHUP: u32 = libc::EPOLLRDHUP as u32;

pub(crate) struct Epoll {
    epoll: EpollFd,
    /// Per fd number (the index): the ops waiting on it and its
    /// registration. Indexing by number (72 bytes per number up to the
    /// highest one waited on) costs no hash per wait and per event.
    fds: Vec<Fd>,
    /// Ops of plan `After`, by deadline (nanoseconds on the timer clock).
    timed: BinaryHeap<Reverse<Timed>>,
    /// The fds and events of the last wait (kept to reuse its memory).
    ready: Vec<(RawFd, u32)>,
    /// How many ops wait for readiness. With none, a wait that must not
    /// block has nothing to ask the kernel (a worker polls its driver
    /// between tasks: no syscall then on a runtime without I/O); events
    /// of idle files wait in the kernel until the next `epoll_wait`.
    waiting: usize,
}

/// Ops waiting on one fd, in arrival order, and its registration.
#[derive(Default)]
struct Fd {
    read: Vec<Waiter>,
    write: Vec<Waiter>,
    /// The descriptor registered under the number, if any.
    file: Option<FileId>,
    /// Events reported since an op last found the fd not ready for them.
    ready: u32,
}

/// An op waiting for readiness.
struct Waiter {
    op: RawOp,
    /// A poll op (plan `Poll`): the ready mask is its result.
    poll: bool,
}

/// One direction's events: what it waits for, and which of them stay
/// remembered once reported (peer shutdown is final).
fn bits(interest: Interest) -> (u32, u32) {
    match interest {
        Interest::Read => (IN, RDHUP | HUP),
        Interest::Write => (OUT, HUP),
    }
}

/// The events that end a wait for `interest`.
fn answers(interest: Interest) -> u32 {
    let (bit, last) = bits(interest);
    bit | ERR | last
}

impl Fd {
    fn list(&mut self, interest: Interest) -> &mut Vec<Waiter> {
        match interest {
            Interest::Read => &mut self.read,
            Interest::Write => &mut self.write,
        }
    }

    fn idle(&self) -> bool {
        self.read.is_empty() && self.write.is_empty()
    }

    /// Forgets the `interest` events (and an error, which the next
    /// syscall reports): an op's syscall said `EAGAIN`, or a poll took
    /// them.
    fn not_ready(&mut self, interest: Interest) {
        self.ready &= !(bits(interest).0 | ERR);
    }

    /// The result of a poll for `interest` if a remembered event answers
    /// it (the event is taken, unless final); `None` if it must wait.
    fn take_poll(&mut self, interest: Interest) -> Option<i32> {
        let events = self.ready & answers(interest);
        if events == 0 {
            return None;
        }
        self.not_ready(interest);
        Some(poll_mask(events, bits(interest).0) as i32)
    }

    /// Completes the ops waiting for `interest`, in order, now that the
    /// fd reported an event for it: a poll op with the mask, another op
    /// with its syscall, until one would block. Returns how many completed.
    fn retry(&mut self, interest: Interest, out: &mut Vec<Cqe>) -> usize {
        let bit = bits(interest).0;
        let mut list = std::mem::take(self.list(interest));
        let mut done = 0;
        for waiter in &list {
            let res = if waiter.poll {
                match self.take_poll(interest) {
                    Some(mask) => mask,
                    // An earlier poll in this list took the event: this
                    // one completes with it too.
                    None => bit as i32,
                }
            } else if waiter.op.is_cancelled() {
                -libc::ECANCELED
            } else {
                waiter.op.syscall()
            };
            if res == -libc::EAGAIN {
                self.not_ready(interest);
                break;
            }
            out.push(cqe(&waiter.op, res));
            done += 1;
        }
        list.drain(..done);
        *self.list(interest) = list;
        done
    }
}

struct Timed {
    deadline: u64,
    op: RawOp,
}

impl PartialEq for Timed {
    fn eq(&self, other: &Timed) -> bool {
        self.deadline == other.deadline
    }
}
impl Eq for Timed {}
impl PartialOrd for Timed {
    fn partial_cmp(&self, other: &Timed) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timed {
    fn cmp(&self, other: &Timed) -> std::cmp::Ordering {
        self.deadline.cmp(&other.deadline)
    }
}

impl std::fmt::Debug for Epoll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Epoll")
            .field("fds", &self.fds.len())
            .field("timed_ops", &self.timed.len())
            .finish()
    }
}

/// What `Epoll::submit` did with an op.
pub(crate) enum Submitted {
    /// The syscall completed at once with this result.
    Done(i32),
    /// The op waits for readiness or a deadline.
    Waiting,
    /// The op must run on the blocking pool.
    Blocking,
}

fn cqe(op: &RawOp, res: i32) -> Cqe {
    Cqe {
        user_data: op.addr(),
        res,
        flags: 0,
    }
}

impl Epoll {
    /// An epoll instance that also wakes for `eventfd` (the driver's
    /// unparker).
    pub(crate) fn new(eventfd: RawFd) -> io::Result<Epoll> {
        let epoll = EpollFd::new()?;
        // Edge-triggered and never read: each write to the eventfd (one per
        // wake of a parked driver) reports one event, with no read and no
        // re-arm per wake. The counter would saturate, and a write stop
        // waking, after 2^64 - 2 wakes.
        epoll.add(eventfd, (libc::EPOLLIN | libc::EPOLLET) as u32, EVENTFD_KEY)?;
        Ok(Epoll {
            epoll,
            fds: Vec::new(),
            timed: BinaryHeap::new(),
            ready: Vec::new(),
            waiting: 0,
        })
    }

    pub(crate) fn submit(&mut self, op: &RawOp) -> Submitted {
        match op.epoll_plan() {
            EpollPlan::Ready { fd, file, interest } => {
                let res = op.syscall();
                if res != -libc::EAGAIN {
                    return Submitted::Done(res);
                }
                self.wait_for(fd, file, interest, op, false)
            }
            EpollPlan::Poll { fd, file, interest } => self.wait_for(fd, file, interest, op, true),
            EpollPlan::Blocking => Submitted::Blocking,
            EpollPlan::After(d) if d.is_zero() => Submitted::Done(op.syscall()),
            EpollPlan::After(d) => {
                let deadline = clock::now().saturating_add(d.as_nanos() as u64);
                self.timed.push(Reverse(Timed {
                    deadline,
                    op: op.clone(),
                }));
                Submitted::Waiting
            }
        }
    }

    /// Makes `op` wait until `fd` (standing for `file`) is ready for
    /// `interest`; a poll op completes at once if an event it waits for
    /// is remembered.
    fn wait_for(
        &mut self,
        fd: RawFd,
        file: FileId,
        interest: Interest,
        op: &RawOp,
        poll: bool,
    ) -> Submitted {
        let Ok(index) = usize::try_from(fd) else {
            return Submitted::Done(-libc::EBADF);
        };
        if self.fds.len() <= index {
            self.fds.resize_with(index + 1, Fd::default);
        }
        if self.fds[index].file != Some(file) {
            if let Err(errno) = self.register(index, file) {
                return Submitted::Done(-errno);
            }
        }
        let entry = &mut self.fds[index];
        if poll {
            if let Some(mask) = entry.take_poll(interest) {
                self.settle(index);
                return Submitted::Done(mask);
            }
        } else {
            entry.not_ready(interest);
        }
        entry.list(interest).push(Waiter {
            op: op.clone(),
            poll,
        });
        self.waiting += 1;
        Submitted::Waiting
    }

    /// Registers `file` under fd number `index`, for both directions;
    /// the kernel reports at once what it is ready for. Fails with the
    /// errno if the fd cannot be watched: not pollable (`EPERM`: a regular
    /// file) or not open (`EBADF`).
    fn register(&mut self, index: usize, file: FileId) -> Result<(), i32> {
        let fd = index as RawFd;
        let entry = &mut self.fds[index];
        debug_assert!(entry.idle(), "a number changed file under a waiting op");
        entry.file = None;
        entry.ready = 0;
        let key = fd as u64;
        let result = match self.epoll.add(fd, REGISTERED, key) {
            // The kernel has this file under the number already: a
            // descriptor wrapped anew (`from_std` after `into_std`).
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                self.epoll.modify(fd, REGISTERED, key)
            }
            r => r,
        };
        match result {
            Ok(()) => {
                entry.file = Some(file);
                Ok(())
            }
            Err(e) => {
                tracing::debug!("epoll cannot watch fd {fd}: {e}");
                Err(e.raw_os_error().unwrap_or(libc::EIO))
            }
        }
    }

    /// Deletes the registration of a completion queue's duplicate once
    /// its op has left (the op closes the duplicate after its completion,
    /// so the number still names it here).
    fn settle(&mut self, index: usize) {
        let entry = &mut self.fds[index];
        if entry.file == Some(FileId::Private) && entry.idle() {
            entry.file = None;
            let _ = self.epoll.delete(index as RawFd);
        }
    }

    /// Stops waiting for `op`; returns its completion (as cancelled) if
    /// it was waiting here. The caller owns the op's data: it is in flight
    /// on this driver and not running on the blocking pool (whose thread
    /// owns the data until its syscall returns).
    pub(crate) fn cancel(&mut self, op: &RawOp) -> Option<Cqe> {
        let addr = op.addr();
        let found = match op.epoll_plan() {
            EpollPlan::Ready { fd, interest, .. } | EpollPlan::Poll { fd, interest, .. } => {
                let index = usize::try_from(fd).ok()?;
                let list = self.fds.get_mut(index)?.list(interest);
                let i = list.iter().position(|w| w.op.addr() == addr)?;
                let waiter = list.remove(i);
                self.waiting -= 1;
                self.settle(index);
                waiter.op
            }
            EpollPlan::After(_) => {
                let pos = self.timed.iter().position(|t| t.0.op.addr() == addr)?;
                let mut all = std::mem::take(&mut self.timed).into_vec();
                let op = all.swap_remove(pos).0.op;
                self.timed = all.into();
                op
            }
            EpollPlan::Blocking => return None,
        };
        Some(cqe(&found, -libc::ECANCELED))
    }

    /// Waits for readiness (up to `timeout`; not at all unless `block`),
    /// retries the ready ops and fires due timeouts, adding completions to
    /// `out`.
    pub(crate) fn wait(&mut self, block: bool, timeout: Option<Duration>, out: &mut Vec<Cqe>) {
        let mut timeout = if block { timeout } else { Some(Duration::ZERO) };
        if let Some(next) = self.timed.peek() {
            let until = Duration::from_nanos(next.0.deadline.saturating_sub(clock::now()));
            timeout = Some(timeout.map_or(until, |t| t.min(until)));
        }
        self.ready.clear();
        if self.waiting > 0 || timeout != Some(Duration::ZERO) {
            match self.epoll.wait(timeout) {
                Ok(events) => self.ready.extend(
                    events
                        .iter()
                        .filter(|ev| ev.u64 != EVENTFD_KEY)
                        .map(|ev| (ev.u64 as RawFd, ev.events)),
                ),
                Err(e) => tracing::error!("epoll_wait failed: {e}"),
            }
        }
        for i in 0..self.ready.len() {
            let (fd, events) = self.ready[i];
            let index = fd as usize;
            let Some(entry) = self.fds.get_mut(index) else {
                continue;
            };
            if entry.file.is_none() {
                continue;
            }
            entry.ready |= events;
            for interest in [Interest::Read, Interest::Write] {
                if events & answers(interest) != 0 && !entry.list(interest).is_empty() {
                    self.waiting -= entry.retry(interest, out);
                }
            }
            self.settle(index);
        }
        let now = clock::now();
        while self.timed.peek().is_some_and(|t| t.0.deadline <= now) {
            let Reverse(t) = self.timed.pop().expect("peeked");
            out.push(cqe(&t.op, t.op.syscall()));
        }
    }
}

/// What a poll op waiting for `bit` (`EPOLLIN` or `EPOLLOUT`, the same
/// bits as poll's) reports for `events`: as io_uring's poll, that bit and
/// `POLLERR`/`POLLHUP`, and never nothing (a peer's shutdown, `EPOLLRDHUP`,
/// reads as readable).
fn poll_mask(events: u32, bit: u32) -> u32 {
    match events & (bit | ERR | HUP) {
        0 => bit,
        mask => mask,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fd_with(ready: u32) -> Fd {
        Fd {
            ready,
            ..Fd::default()
        }
    }

    #[test]
    fn a_poll_takes_a_remembered_event_once() {
        let mut fd = fd_with(IN | OUT);
        assert_eq!(fd.take_poll(Interest::Read), Some(IN as i32));
        assert_eq!(fd.take_poll(Interest::Read), None, "taken");
        assert_eq!(
            fd.take_poll(Interest::Write),
            Some(OUT as i32),
            "the other direction keeps its own"
        );
    }

    #[test]
    fn peer_shutdown_stays_remembered() {
        let mut fd = fd_with(IN | RDHUP);
        assert_eq!(fd.take_poll(Interest::Read), Some(IN as i32));
        assert_eq!(
            fd.take_poll(Interest::Read),
            Some(IN as i32),
            "RDHUP reads as readable, again"
        );
        assert_eq!(
            fd.take_poll(Interest::Write),
            None,
            "RDHUP is the read side's"
        );
        let mut fd = fd_with(HUP);
        for interest in [Interest::Read, Interest::Write, Interest::Read] {
            assert_eq!(fd.take_poll(interest).map(|m| m as u32 & HUP), Some(HUP));
        }
    }

    #[test]
    fn eagain_forgets_the_direction_and_an_error() {
        let mut fd = fd_with(IN | OUT | ERR | RDHUP);
        fd.not_ready(Interest::Read);
        assert_eq!(fd.ready, OUT | RDHUP);
        fd.not_ready(Interest::Write);
        assert_eq!(fd.ready, RDHUP);
    }

    #[test]
    fn an_error_answers_one_poll() {
        let mut fd = fd_with(ERR);
        assert_eq!(fd.take_poll(Interest::Write), Some(ERR as i32));
        assert_eq!(
            fd.take_poll(Interest::Read),
            None,
            "the syscall after it reports the error"
        );
    }
}
