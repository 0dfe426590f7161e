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
//! Registrations are one-shot and per fd: several ops may wait on one fd
//! (a read half and a write half), so the fd is armed for the union of
//! their interests and re-armed after each event while any wait remains.
//! A registration is kept after its last op left (disarmed by its event),
//! so the next wait on the fd re-arms it with one `EPOLL_CTL_MOD` instead
//! of an add and a delete per wait.
//!
//! An op keeps the fd it names open until its final completion: `net` and
//! `fs` ops hold a `SharedFd` clone, a completion queue's op its own
//! duplicate of the caller's descriptor (`cq/op.rs`). So while an op waits
//! or runs its syscall, the number names the file the op means. Once the
//! last op left, the number may be closed and reused by another file; a
//! kept registration is then either gone (closing the file removed it) or
//! belongs to the old file, still open through a duplicate elsewhere.
//! Either way the new file has none under that number: `EPOLL_CTL_MOD`
//! answers `ENOENT` and the fd is added. A kept registration is always
//! disarmed (its one-shot event fired, or it is deleted when a cancel
//! leaves it armed), so the old file can report nothing under the number.
//! epoll holds no reference to a file: closing a socket still closes it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use super::op::{EpollPlan, Interest, RawOp};
use super::uring::Cqe;
use crate::time::clock;

mod sys;

use sys::EpollFd;

/// Key of the driver's eventfd (fds are keyed by their number).
const EVENTFD_KEY: u64 = u64::MAX;

/// The events a read waits for, and those that end a read's wait.
const READ: u32 = (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
const READ_READY: u32 = READ | (libc::EPOLLHUP | libc::EPOLLERR) as u32;
/// The events a write waits for, and those that end a write's wait.
const WRITE: u32 = libc::EPOLLOUT as u32;
const WRITE_READY: u32 = WRITE | (libc::EPOLLHUP | libc::EPOLLERR) as u32;

pub(crate) struct Epoll {
    epoll: EpollFd,
    /// Per fd number this epoll has seen: the ops waiting on it and the
    /// state of its registration.
    fds: HashMap<RawFd, Fd>,
    /// Ops of plan `After`, by deadline (nanoseconds on the timer clock).
    timed: BinaryHeap<Reverse<Timed>>,
    /// Completions of ops whose fd could not be watched.
    failed: Vec<Cqe>,
    /// The fds and events of the last wait (kept to reuse its memory).
    ready: Vec<(RawFd, u32)>,
    /// How many registrations are armed. With none, a wait that must not
    /// block has nothing to ask the kernel (a worker polls its driver
    /// between tasks: no syscall then on a runtime without I/O).
    armed: usize,
}

/// Ops waiting on one fd, in arrival order, and its registration.
#[derive(Default)]
struct Fd {
    read: Vec<Waiter>,
    write: Vec<Waiter>,
    /// This epoll has a registration under the number (maybe of a file
    /// since closed: see the module docs).
    added: bool,
    /// The events it is armed for; 0 once its one-shot event fired.
    armed: u32,
}

/// An op waiting for readiness.
struct Waiter {
    op: RawOp,
    /// A poll op (plan `Poll`): the ready mask is its result.
    poll: bool,
}

impl Fd {
    fn list(&mut self, interest: Interest) -> &mut Vec<Waiter> {
        match interest {
            Interest::Read => &mut self.read,
            Interest::Write => &mut self.write,
        }
    }

    fn interest(&self) -> u32 {
        let read = if self.read.is_empty() { 0 } else { READ };
        let write = if self.write.is_empty() { 0 } else { WRITE };
        read | write
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
            fds: HashMap::new(),
            timed: BinaryHeap::new(),
            failed: Vec::new(),
            ready: Vec::new(),
            armed: 0,
        })
    }

    pub(crate) fn submit(&mut self, op: &RawOp) -> Submitted {
        match op.epoll_plan() {
            EpollPlan::Ready { fd, interest } => {
                let res = op.syscall();
                if res != -libc::EAGAIN {
                    return Submitted::Done(res);
                }
                self.wait_for(fd, interest, op, false)
            }
            EpollPlan::Poll { fd, interest } => self.wait_for(fd, interest, op, true),
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

    fn wait_for(&mut self, fd: RawFd, interest: Interest, op: &RawOp, poll: bool) -> Submitted {
        let waiter = Waiter {
            op: op.clone(),
            poll,
        };
        self.fds.entry(fd).or_default().list(interest).push(waiter);
        self.rearm(fd);
        Submitted::Waiting
    }

    /// Stops waiting for `op`; returns its completion (as cancelled) if
    /// it was waiting here. An op running on the blocking pool is not here:
    /// it completes when its syscall returns.
    pub(crate) fn cancel(&mut self, op: &RawOp) -> Option<Cqe> {
        let addr = op.addr();
        let found = match op.epoll_plan() {
            EpollPlan::Ready { fd, interest } | EpollPlan::Poll { fd, interest } => {
                let list = self.fds.get_mut(&fd)?.list(interest);
                let i = list.iter().position(|w| w.op.addr() == addr)?;
                let waiter = list.remove(i);
                self.rearm(fd);
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
        let block = block && self.failed.is_empty();
        let mut timeout = if block { timeout } else { Some(Duration::ZERO) };
        if let Some(next) = self.timed.peek() {
            let until = Duration::from_nanos(next.0.deadline.saturating_sub(clock::now()));
            timeout = Some(timeout.map_or(until, |t| t.min(until)));
        }
        self.ready.clear();
        if self.armed > 0 || timeout != Some(Duration::ZERO) {
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
            if let Some(entry) = self.fds.get_mut(&fd) {
                set_armed(&mut self.armed, entry, 0);
                let lists = [
                    (&mut entry.read, READ_READY, libc::EPOLLIN as u32),
                    (&mut entry.write, WRITE_READY, libc::EPOLLOUT as u32),
                ];
                for (list, ready, bit) in lists {
                    if events & ready != 0 {
                        retry(list, poll_mask(events, bit), out);
                    }
                }
            }
            self.rearm(fd);
        }
        out.append(&mut self.failed);
        let now = clock::now();
        while self.timed.peek().is_some_and(|t| t.0.deadline <= now) {
            let Reverse(t) = self.timed.pop().expect("peeked");
            out.push(cqe(&t.op, t.op.syscall()));
        }
    }

    /// Arms `fd` for the interests of the ops still waiting on it. With
    /// none left, a registration still armed (its ops were cancelled) is
    /// deleted, while the number still names their file.
    fn rearm(&mut self, fd: RawFd) {
        let Some(entry) = self.fds.get_mut(&fd) else {
            return;
        };
        let want = entry.interest();
        if want == entry.armed {
            return;
        }
        if want == 0 {
            // Only a cancel leaves an armed registration without ops: the
            // cancelled op still holds the fd (module docs).
            let _ = self.epoll.delete(fd);
            entry.added = false;
            set_armed(&mut self.armed, entry, 0);
            return;
        }
        let events = want | libc::EPOLLONESHOT as u32;
        let key = fd as u64;
        let result = if entry.added {
            match self.epoll.modify(fd, events, key) {
                // The number now names a file this epoll never saw.
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => self.epoll.add(fd, events, key),
                r => r,
            }
        } else {
            match self.epoll.add(fd, events, key) {
                // The kernel kept a registration under this number that
                // `fds` forgot (its entry was removed on an error below).
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                    self.epoll.modify(fd, events, key)
                }
                r => r,
            }
        };
        match result {
            Ok(()) => {
                entry.added = true;
                set_armed(&mut self.armed, entry, want);
            }
            Err(e) => {
                // Not pollable (EPERM: a regular file), or not open (EBADF,
                // also for a negative number): fail the waiters with the
                // error rather than leave them hanging.
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                tracing::debug!("epoll cannot watch fd {fd}: {e}");
                let mut entry = self.fds.remove(&fd).unwrap_or_default();
                set_armed(&mut self.armed, &mut entry, 0);
                if entry.added {
                    // The number still names the waiters' file: they have
                    // not completed yet.
                    let _ = self.epoll.delete(fd);
                }
                for waiter in entry.read.into_iter().chain(entry.write) {
                    self.failed.push(cqe(&waiter.op, -errno));
                }
            }
        }
    }
}

/// Sets `entry`'s armed events, keeping `count` (the number of armed
/// registrations) right.
fn set_armed(count: &mut usize, entry: &mut Fd, events: u32) {
    match (entry.armed != 0, events != 0) {
        (false, true) => *count += 1,
        (true, false) => *count -= 1,
        _ => {}
    }
    entry.armed = events;
}

/// What a poll op waiting for `bit` (`EPOLLIN` or `EPOLLOUT`, the same
/// bits as poll's) reports for `events`: as io_uring's poll, that bit and
/// `POLLERR`/`POLLHUP`, and never nothing (a peer's shutdown, `EPOLLRDHUP`,
/// reads as readable).
fn poll_mask(events: u32, bit: u32) -> u32 {
    match events & (bit | (libc::EPOLLERR | libc::EPOLLHUP) as u32) {
        0 => bit,
        mask => mask,
    }
}

/// Completes the ops waiting in `list`, in order, now that their fd
/// reported `mask`: a poll op with the mask, another op with its syscall,
/// until one would block.
fn retry(list: &mut Vec<Waiter>, mask: u32, out: &mut Vec<Cqe>) {
    let mut done = 0;
    for waiter in list.iter() {
        let res = if waiter.poll {
            mask as i32
        } else {
            waiter.op.syscall()
        };
        if res == -libc::EAGAIN {
            break;
        }
        out.push(cqe(&waiter.op, res));
        done += 1;
    }
    list.drain(..done);
}
