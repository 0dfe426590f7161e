//! The epoll backend: the same ops as io_uring, completed by readiness.
//!
//! An op says how (`OpCode::epoll_plan`): a socket op tries its
//! nonblocking syscall at once and, on `EAGAIN`, waits in epoll for its fd
//! to become ready, then tries again; a file op (no readiness) runs its
//! syscall on the blocking pool and reports back through the driver's
//! inbox; a timeout op completes from a small heap. Completions come out as
//! the same `(user_data, res, flags)` triples as io_uring's CQEs, so the
//! driver treats both backends alike.
//!
//! Registrations are one-shot and per fd: several ops may wait on one fd
//! (a read half and a write half), so the fd is armed for the union of
//! their interests and re-armed after each event while any wait remains.
//!
//! An op keeps the fd it names open until its final completion: `net` and
//! `fs` ops hold a `SharedFd` clone, a completion queue's op its own
//! duplicate of the caller's descriptor (`cq/op.rs`). An fd's registration
//! is deleted when the last op waiting on it leaves `waiting`, before that
//! op's completion is dispatched. So while an fd is registered or an op
//! runs its syscall, the number names the file the ops mean: it cannot be
//! closed, nor reused by another file, under them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use polling::{Event, Events, Poller};

use super::op::{EpollPlan, Interest, RawOp};
use super::uring::Cqe;
use crate::time::clock;

/// Key of the driver's eventfd (fds are keyed by their number).
const EVENTFD_KEY: usize = usize::MAX - 1;

pub(crate) struct Epoll {
    poller: Poller,
    events: Events,
    waiting: HashMap<RawFd, Waiting>,
    /// Ops of plan `After`, by deadline (nanoseconds on the timer clock).
    timed: BinaryHeap<Reverse<Timed>>,
    eventfd: RawFd,
    /// Completions of ops whose fd could not be watched.
    failed: Vec<Cqe>,
}

/// Ops waiting on one fd, in arrival order.
#[derive(Default)]
struct Waiting {
    read: Vec<RawOp>,
    write: Vec<RawOp>,
    registered: bool,
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
            .field("fds_waited_on", &self.waiting.len())
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
        let poller = Poller::new()?;
        // SAFETY: the eventfd belongs to the driver's shared half, which
        // outlives this backend (the driver holds both).
        unsafe { poller.add(eventfd, Event::readable(EVENTFD_KEY))? };
        Ok(Epoll {
            poller,
            events: Events::new(),
            waiting: HashMap::new(),
            timed: BinaryHeap::new(),
            eventfd,
            failed: Vec::new(),
        })
    }

    pub(crate) fn submit(&mut self, op: &RawOp) -> Submitted {
        match op.epoll_plan() {
            EpollPlan::Ready { fd, interest } => {
                let res = op.syscall();
                if res != -libc::EAGAIN {
                    return Submitted::Done(res);
                }
                let waiting = self.waiting.entry(fd).or_default();
                match interest {
                    Interest::Read => waiting.read.push(op.clone()),
                    Interest::Write => waiting.write.push(op.clone()),
                }
                self.rearm(fd);
                Submitted::Waiting
            }
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

    /// Stops waiting for the op at `addr`; returns its completion (as
    /// cancelled) if it was waiting here. An op running on the blocking
    /// pool is not here: it completes when its syscall returns.
    pub(crate) fn cancel(&mut self, addr: u64) -> Option<Cqe> {
        let mut found = None;
        let mut fd_found = None;
        for (&fd, w) in self.waiting.iter_mut() {
            for list in [&mut w.read, &mut w.write] {
                if let Some(i) = list.iter().position(|op| op.addr() == addr) {
                    found = Some(list.remove(i));
                    fd_found = Some(fd);
                }
            }
            if found.is_some() {
                break;
            }
        }
        if let Some(fd) = fd_found {
            self.rearm(fd);
        } else if let Some(pos) = self.timed.iter().position(|t| t.0.op.addr() == addr) {
            let mut all = std::mem::take(&mut self.timed).into_vec();
            found = Some(all.swap_remove(pos).0.op);
            self.timed = all.into();
        }
        found.map(|op| cqe(&op, -libc::ECANCELED))
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
        self.events.clear();
        if let Err(e) = self.poller.wait(&mut self.events, timeout) {
            if e.kind() != io::ErrorKind::Interrupted {
                tracing::error!("epoll_wait failed: {e}");
            }
        }
        let ready: Vec<Event> = self.events.iter().collect();
        for ev in ready {
            if ev.key == EVENTFD_KEY {
                self.reset_eventfd();
                continue;
            }
            let fd = ev.key as RawFd;
            if let Some(w) = self.waiting.get_mut(&fd) {
                w.registered = false;
                if ev.readable {
                    retry(&mut w.read, out);
                }
                if ev.writable {
                    retry(&mut w.write, out);
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

    /// Drains the eventfd's counter and arms it again.
    fn reset_eventfd(&mut self) {
        let mut buf = 0u64;
        // SAFETY: reads 8 bytes into a live u64 from our nonblocking eventfd.
        unsafe { libc::read(self.eventfd, (&mut buf as *mut u64).cast(), 8) };
        // SAFETY: the eventfd is open for the life of the backend.
        let fd = unsafe { BorrowedFd::borrow_raw(self.eventfd) };
        if let Err(e) = self.poller.modify(fd, Event::readable(EVENTFD_KEY)) {
            tracing::error!("cannot re-arm the driver's eventfd in epoll: {e}");
        }
    }

    /// Arms `fd` for the interests of the ops still waiting on it, or
    /// forgets it when none are.
    fn rearm(&mut self, fd: RawFd) {
        let Some(w) = self.waiting.get_mut(&fd) else {
            return;
        };
        if w.read.is_empty() && w.write.is_empty() {
            if w.registered {
                // SAFETY: `fd` is open: the last op that waited on it has
                // just left `waiting` and its completion is not dispatched
                // yet, so it still holds the fd (module docs).
                let _ = self.poller.delete(unsafe { BorrowedFd::borrow_raw(fd) });
            }
            self.waiting.remove(&fd);
            return;
        }
        if fd < 0 {
            let w = self.waiting.remove(&fd).unwrap_or_default();
            for op in w.read.into_iter().chain(w.write) {
                self.failed.push(cqe(&op, -libc::EBADF));
            }
            return;
        }
        let interest = Event::new(fd as usize, !w.read.is_empty(), !w.write.is_empty());
        // SAFETY: the ops waiting on `fd` hold it open until their
        // completions (a `SharedFd`, or a completion queue's duplicate),
        // and none has completed yet: they are still in `waiting`.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let result = if w.registered {
            self.poller.modify(borrowed, interest)
        } else {
            // SAFETY: `Poller::add` wants the fd open until it is deleted
            // from the poller: it is, as above, and the registration is
            // deleted (above, or in the error path below) before the last
            // op waiting on `fd` completes and may close it.
            match unsafe { self.poller.add(fd, interest) } {
                // Registered before, then disarmed by a one-shot event.
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                    self.poller.modify(borrowed, interest)
                }
                r => r,
            }
        };
        match result {
            Ok(()) => w.registered = true,
            Err(e) => {
                // Not pollable (EPERM: a regular file) or gone: fail the
                // waiters with the error rather than leave them hanging.
                let errno = e.raw_os_error().unwrap_or(libc::EIO);
                tracing::debug!("epoll cannot watch fd {fd}: {e}");
                if w.registered {
                    // A registration whose re-arm failed must not outlive
                    // the ops: their fd may close once they complete.
                    let _ = self.poller.delete(borrowed);
                }
                let w = self.waiting.remove(&fd).unwrap_or_default();
                for op in w.read.into_iter().chain(w.write) {
                    self.failed.push(cqe(&op, -errno));
                }
            }
        }
    }
}

/// Retries the ops waiting in `list`, in order, until one would block.
fn retry(list: &mut Vec<RawOp>, out: &mut Vec<Cqe>) {
    let mut done = 0;
    for op in list.iter() {
        let res = op.syscall();
        if res == -libc::EAGAIN {
            break;
        }
        out.push(cqe(op, res));
        done += 1;
    }
    list.drain(..done);
}
