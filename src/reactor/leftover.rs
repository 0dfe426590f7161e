//! `Leftover`: what a socket's dropped reads took, kept for the next read.
//!
//! An owned-buffer read hands its buffer to the kernel. If its future is
//! dropped while the receive is out (a `select!` branch that lost, a
//! timeout), the receive may still take data: it may have completed
//! after the future's last poll, or (io_uring, op on another thread's
//! ring) it completes before the cancel reaches the ring. That data has
//! left the socket, so it belongs to the next read, ahead of anything
//! still in the socket: a stream's bytes, in order, or a datagram socket's
//! whole datagrams, each with its sender.
//!
//! - The dropped read's future counts its op as an orphan here
//!   ([`Keep`]'s drop), before anyone can start another read. Only ops
//!   made to keep their data ([`KeepAs`]) are wrapped so.
//! - The op's final completion, wherever it runs, hands what it took (or
//!   its error) over and ends the orphan ([`Leftover::orphan_done`],
//!   from the op's `complete_orphan`).
//! - Every read of the socket first waits until no orphan is out and
//!   takes what they left ([`Leftover::poll_take`]); only then does it
//!   make its own syscall or op. When nothing was ever dropped, that is
//!   one atomic load.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use socket2::SockAddr;

use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Mutex;
use crate::reactor::{Op, OpCode};

/// How a receive op whose read was dropped keeps what it took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeepAs {
    /// A stream's bytes, appended to the kept ones.
    Bytes,
    /// One datagram (an empty one too), with its sender if the op knows it.
    Datagram,
}

/// What a read got from a leftover: a count, and for a kept datagram its
/// sender if known.
pub(crate) type Taken = io::Result<(usize, Option<SockAddr>)>;

/// The leftover of one socket (it lives in the socket's `SharedFd`, so
/// every descriptor carries one: 24 bytes while nothing is kept).
#[derive(Debug, Default)]
pub(crate) struct Leftover {
    /// Whether `state` holds anything (an orphan out, data, an error):
    /// the reads' fast path.
    busy: AtomicBool,
    /// Allocated by the first dropped read, freed once it is empty again.
    state: Mutex<Option<Box<State>>>,
}

#[derive(Debug, Default)]
struct State {
    /// Dropped reads whose ops have not completed yet.
    orphans: usize,
    /// Bytes they took from a stream, oldest first.
    bytes: VecDeque<u8>,
    /// Datagrams they took, oldest first, each with its sender if known.
    datagrams: VecDeque<(Vec<u8>, Option<SockAddr>)>,
    /// The first error one of them took from the socket (`ECONNRESET`...):
    /// the kernel reports such an error once, so it is reported from here,
    /// after the bytes.
    error: Option<i32>,
    /// Reads waiting for the orphans.
    wakers: Vec<Waker>,
}

impl State {
    fn busy(&self) -> bool {
        self.orphans > 0
            || !self.bytes.is_empty()
            || !self.datagrams.is_empty()
            || self.error.is_some()
    }
}

impl Leftover {
    /// The leftover of a new socket: empty.
    pub(crate) fn new() -> Leftover {
        Leftover::default()
    }

    /// Whether a read must look here first.
    fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }

    /// Runs `f` on the state under the lock and republishes `busy`. The
    /// state is made if there was none, and freed if it ends up empty (no
    /// read waits then: reads wait only while an orphan is out).
    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = self.state.lock();
        let state = guard.get_or_insert_with(Box::default);
        let out = f(state);
        let busy = state.busy();
        if !busy {
            debug_assert!(state.wakers.is_empty(), "no read waits without an orphan");
            *guard = None;
        }
        self.busy.store(busy, Ordering::Release);
        out
    }

    /// A dropped read's op is still out; its completion will call
    /// [`orphan_done`](Leftover::orphan_done) exactly once.
    fn expect_orphan(&self) {
        self.update(|s| s.orphans += 1);
    }

    /// The final completion of an orphaned read (`res` from the kernel):
    /// `got` are the bytes it received, in order (for a stream, after any
    /// its read had received before: a dropped `read_exact`), `from` the
    /// sender of a datagram. Returns what wakes the reads that waited for
    /// the orphans, for the caller to wake when it may run foreign code.
    pub(crate) fn orphan_done<'a>(
        &self,
        keep: KeepAs,
        got: impl IntoIterator<Item = &'a [u8]>,
        from: Option<SockAddr>,
        res: i32,
    ) -> Option<Waker> {
        let wakers = self.update(|s| {
            // Saturating: an op whose submission panicked after its driver
            // took it was never counted (`Op::is_unclaimed`), yet completes.
            s.orphans = s.orphans.saturating_sub(1);
            match keep {
                KeepAs::Bytes => {
                    for part in got {
                        s.bytes.extend(part);
                    }
                }
                KeepAs::Datagram if res >= 0 => {
                    s.datagrams
                        .push_back((got.into_iter().flatten().copied().collect(), from));
                }
                KeepAs::Datagram => {}
            }
            // A cancelled or interrupted receive took nothing; any other
            // error was the socket's, reported once by the kernel.
            if res < 0 && !matches!(-res, libc::ECANCELED | libc::EINTR | libc::EAGAIN) {
                s.error.get_or_insert(-res);
            }
            if s.orphans == 0 {
                std::mem::take(&mut s.wakers)
            } else {
                Vec::new()
            }
        });
        match wakers.len() {
            0 | 1 => wakers.into_iter().next(),
            _ => Some(Waker::from(std::sync::Arc::new(WakeAll(wakers)))),
        }
    }

    /// What a read gets before it reads the socket: `Pending` while an
    /// orphan is out; then the oldest kept datagram (cut to fit `dst`, as
    /// the kernel cuts one), or the kept bytes (as many as fit in `dst`,
    /// whose parts fill in order), or the kept error once the data is
    /// gone; `None` if nothing is kept (read the socket).
    pub(crate) fn poll_take<'a>(
        &self,
        cx: &mut Context<'_>,
        dst: impl IntoIterator<Item = &'a mut [MaybeUninit<u8>]>,
    ) -> Poll<Option<Taken>> {
        self.poll_settled(cx, None, |s| s.take(dst))
    }

    /// [`poll_take`](Leftover::poll_take) without waiting: `WouldBlock`
    /// while an orphan is out.
    pub(crate) fn try_take<'a>(
        &self,
        dst: impl IntoIterator<Item = &'a mut [MaybeUninit<u8>]>,
    ) -> Option<Taken> {
        if !self.is_busy() {
            return None;
        }
        self.update(|s| {
            if s.orphans > 0 {
                Some(Err(io::ErrorKind::WouldBlock.into()))
            } else {
                s.take(dst)
            }
        })
    }

    /// [`poll_take`](Leftover::poll_take) for a blocking read: waits for
    /// the orphans with [`block_on`](crate::block_on), which keeps this
    /// thread's driver running if an orphan is on its ring.
    pub(crate) fn take_blocking<'a>(
        &self,
        dst: impl IntoIterator<Item = &'a mut [MaybeUninit<u8>]>,
    ) -> Option<Taken> {
        let mut dst = Some(dst);
        loop {
            if !self.is_busy() {
                return None;
            }
            crate::block_on(std::future::poll_fn(|cx| self.poll_ready(cx)));
            let settled =
                self.update(|s| (s.orphans == 0).then(|| s.take(dst.take().into_iter().flatten())));
            if let Some(got) = settled {
                return got;
            }
        }
    }

    /// Waits until no orphan is out; then whether a read would get
    /// something from here (bytes or an error) without the socket.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<bool> {
        self.poll_settled(cx, false, |s| s.busy())
    }

    /// `empty` if nothing is kept; else `Pending` (woken through `cx`)
    /// while an orphan is out, then `f` of the state.
    fn poll_settled<R>(
        &self,
        cx: &Context<'_>,
        empty: R,
        f: impl FnOnce(&mut State) -> R,
    ) -> Poll<R> {
        if !self.is_busy() {
            return Poll::Ready(empty);
        }
        self.update(|s| {
            if s.wait(cx) {
                Poll::Pending
            } else {
                Poll::Ready(f(s))
            }
        })
    }

    /// Wraps a read's op so that, if the read is dropped before it takes
    /// the op's output, the op's bytes come here (the op's
    /// `complete_orphan` must call [`orphan_done`](Leftover::orphan_done)).
    pub(crate) fn keep<T: OpCode>(&self, op: Op<T>) -> Keep<'_, T> {
        Keep { op, leftover: self }
    }
}

impl State {
    /// Whether an orphan is out; then the read waits with `cx`.
    fn wait(&mut self, cx: &Context<'_>) -> bool {
        if self.orphans == 0 {
            return false;
        }
        if !self.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            self.wakers.push(cx.waker().clone());
        }
        true
    }

    /// Moves the oldest kept datagram or the kept bytes into `dst` (a
    /// read's parts, filled in order), or hands out the kept error once no
    /// data is left.
    fn take<'a>(
        &mut self,
        dst: impl IntoIterator<Item = &'a mut [MaybeUninit<u8>]>,
    ) -> Option<Taken> {
        let (mut src, datagram, from) = match self.datagrams.pop_front() {
            Some((datagram, from)) => (VecDeque::from(datagram), true, from),
            None if self.bytes.is_empty() => {
                return self
                    .error
                    .take()
                    .map(|e| Err(io::Error::from_raw_os_error(e)));
            }
            None => (std::mem::take(&mut self.bytes), false, None),
        };
        let mut n = 0;
        for part in dst {
            let len = part.len().min(src.len());
            for (slot, byte) in part.iter_mut().zip(src.drain(..len)) {
                slot.write(byte);
            }
            n += len;
        }
        if !datagram {
            // A stream's bytes that did not fit stay for the next read.
            self.bytes = src;
        }
        Some(Ok((n, from)))
    }
}

/// Wakes every read that waited for the orphans (several tasks reading one
/// socket), as one waker.
struct WakeAll(Vec<Waker>);

impl std::task::Wake for WakeAll {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        for w in &self.0 {
            w.wake_by_ref();
        }
    }
}

/// A read's op whose output, if the read is dropped without taking it,
/// goes to a [`Leftover`].
#[must_use = "an op does nothing until polled"]
pub(crate) struct Keep<'a, T: OpCode> {
    op: Op<T>,
    leftover: &'a Leftover,
}

impl<T: OpCode> Future for Keep<'_, T> {
    type Output = T::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        Pin::new(&mut self.op).poll(cx)
    }
}

impl<T: OpCode> Drop for Keep<'_, T> {
    fn drop(&mut self) {
        // Counted before the op is dropped (after this body), and only if
        // its final completion will still call `complete_orphan`: once
        // from the driver if the drop cancels it in flight, or from the
        // op's drop if it completed untaken.
        if self.op.is_unclaimed() {
            self.leftover.expect_orphan();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
        crate::net::socket::as_uninit(buf)
    }

    #[test]
    fn an_empty_leftover_sends_reads_to_the_socket() {
        let l = Leftover::new();
        let mut cx = Context::from_waker(Waker::noop());
        let mut buf = [0u8; 4];
        assert!(matches!(
            l.poll_take(&mut cx, [uninit(&mut buf)]),
            Poll::Ready(None)
        ));
        assert!(l.try_take([uninit(&mut buf)]).is_none());
        assert!(l.take_blocking([uninit(&mut buf)]).is_none());
        assert_eq!(l.poll_ready(&mut cx), Poll::Ready(false));
    }

    #[test]
    fn reads_wait_for_the_orphan_then_take_its_bytes_in_order() {
        let l = Leftover::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut buf = [0u8; 4];
        l.expect_orphan();
        l.expect_orphan();
        assert!(l.poll_take(&mut cx, [uninit(&mut buf)]).is_pending());
        assert!(l.poll_ready(&mut cx).is_pending());
        let e = l.try_take([uninit(&mut buf)]).unwrap().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        let early = l.orphan_done(KeepAs::Bytes, [&b"abc"[..], b"de"], None, 2);
        assert!(early.is_none(), "one orphan is still out");
        // A second read waits too; the last orphan wakes both, with one waker.
        let other = Arc::new(Count(AtomicUsize::new(0)));
        let other_waker = Waker::from(other.clone());
        assert!(l
            .poll_ready(&mut Context::from_waker(&other_waker))
            .is_pending());
        assert!(l.poll_ready(&mut cx).is_pending(), "registered once");
        let wake = l.orphan_done(KeepAs::Bytes, [&b"fgh"[..]], None, 3);
        assert_eq!(count.0.load(Ordering::SeqCst), 0, "the caller wakes, later");
        wake.expect("two reads wait").wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(other.0.load(Ordering::SeqCst), 1);
        assert_eq!(l.poll_ready(&mut cx), Poll::Ready(true));
        // Two parts fill in order; the rest waits for the next read.
        let (mut a, mut b) = ([0u8; 2], [0u8; 3]);
        let got = l.poll_take(&mut cx, [uninit(&mut a), uninit(&mut b)]);
        assert!(matches!(got, Poll::Ready(Some(Ok((5, None))))));
        assert_eq!((&a, &b), (b"ab", b"cde"));
        assert!(matches!(
            l.try_take([uninit(&mut buf)]),
            Some(Ok((3, None)))
        ));
        assert_eq!(&buf[..3], b"fgh");
        assert!(l.try_take([uninit(&mut buf)]).is_none());
    }

    #[test]
    fn a_socket_error_comes_after_the_bytes_a_cancel_is_no_error() {
        let l = Leftover::new();
        let mut buf = [0u8; 8];
        l.expect_orphan();
        l.orphan_done(KeepAs::Bytes, [&b"xy"[..]], None, -libc::ECANCELED);
        l.expect_orphan();
        l.orphan_done(KeepAs::Bytes, [], None, -libc::ECONNRESET);
        l.expect_orphan();
        l.orphan_done(KeepAs::Bytes, [], None, -libc::EPIPE);
        assert!(matches!(
            l.take_blocking([uninit(&mut buf)]),
            Some(Ok((2, None)))
        ));
        let e = l.try_take([uninit(&mut buf)]).unwrap().unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ECONNRESET), "the first error");
        assert!(l.try_take([uninit(&mut buf)]).is_none());
    }

    #[test]
    fn the_state_lives_only_while_something_is_kept() {
        let l = Leftover::new();
        assert!(std::mem::size_of::<Leftover>() <= 24);
        assert!(l.state.lock().is_none(), "a new socket keeps nothing");
        l.expect_orphan();
        assert!(l.state.lock().is_some());
        l.orphan_done(KeepAs::Bytes, [&b"ab"[..]], None, 2);
        let mut buf = [0u8; 1];
        assert!(matches!(
            l.try_take([uninit(&mut buf)]),
            Some(Ok((1, None)))
        ));
        assert!(l.state.lock().is_some(), "one byte is still kept");
        assert!(matches!(
            l.try_take([uninit(&mut buf)]),
            Some(Ok((1, None)))
        ));
        assert!(l.state.lock().is_none(), "freed once taken");
        l.expect_orphan();
        l.orphan_done(KeepAs::Bytes, [], None, -libc::ECANCELED);
        assert!(
            l.state.lock().is_none(),
            "a cancelled orphan leaves nothing"
        );
    }

    #[test]
    fn datagrams_come_out_whole_and_one_at_a_time_with_their_senders() {
        let l = Leftover::new();
        let from = SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], 9)));
        for (data, res) in [(&b"first"[..], 5), (b"", 0)] {
            l.expect_orphan();
            l.orphan_done(KeepAs::Datagram, [data], Some(from.clone()), res);
        }
        l.expect_orphan();
        l.orphan_done(KeepAs::Datagram, [], None, -libc::ECANCELED);
        let mut buf = [0u8; 3];
        // Cut to the buffer, as the kernel cuts a datagram; the rest is gone.
        let (n, sender) = l.try_take([uninit(&mut buf)]).unwrap().unwrap();
        assert_eq!((&buf[..n], sender.as_ref()), (&b"fir"[..], Some(&from)));
        // The empty datagram is a datagram too.
        let (n, sender) = l.try_take([uninit(&mut buf)]).unwrap().unwrap();
        assert_eq!((n, sender.as_ref()), (0, Some(&from)));
        assert!(l.try_take([uninit(&mut buf)]).is_none());
    }
}
