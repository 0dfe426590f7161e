//! `Readiness`: one direction's armed poll, and the poll functions built on
//! it.

use std::future::Future;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::net::socket::Socket;
use crate::reactor::ops::net::PollAdd;
use crate::reactor::{Interest, Op};

/// The one-shot poll armed for one direction of a socket, if any.
///
/// Dropping it (with its stream or half) cancels the poll; the socket
/// closes once the kernel has let go of it.
#[derive(Debug, Default)]
pub(crate) struct Readiness {
    armed: Option<Op<PollAdd>>,
}

impl Readiness {
    pub(crate) fn new() -> Readiness {
        Readiness::default()
    }

    /// Runs `attempt` (one nonblocking syscall) until it does not report
    /// `EAGAIN`; in between, waits for `interest` with a one-shot poll op.
    pub(crate) fn poll_io<R>(
        &mut self,
        cx: &mut Context<'_>,
        sock: &Socket,
        interest: Interest,
        mut attempt: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            if let Some(op) = self.armed.as_mut() {
                let res = ready!(Pin::new(op).poll(cx));
                self.armed = None;
                // An error of the poll itself (the driver shut down): the
                // syscall would only report EAGAIN again.
                res?;
            }
            match attempt() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.arm(sock, interest),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => return Poll::Ready(r),
            }
        }
    }

    fn arm(&mut self, sock: &Socket, interest: Interest) {
        self.armed = Some(Op::new(PollAdd::new(sock.fd.clone(), interest)));
    }

    /// [`poll_io`](Readiness::poll_io) for a transfer of up to `asked`
    /// bytes. A stream socket that moved fewer (but some) has run dry (or
    /// full): the next attempt would almost surely report `EAGAIN`, so the
    /// poll is armed at once and the next call waits on it without that
    /// syscall, as tokio clears readiness after a short read. If the socket
    /// is ready again by then, the poll completes at once: nothing is lost.
    fn poll_transfer(
        &mut self,
        cx: &mut Context<'_>,
        sock: &Socket,
        interest: Interest,
        asked: usize,
        attempt: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let res = ready!(self.poll_io(cx, sock, interest, attempt));
        if matches!(res, Ok(n) if n > 0 && n < asked) {
            self.arm(sock, interest);
        }
        Poll::Ready(res)
    }
}

pub(crate) fn poll_recv(
    ready: &mut Readiness,
    sock: &Socket,
    cx: &mut Context<'_>,
    buf: &mut [MaybeUninit<u8>],
) -> Poll<io::Result<usize>> {
    // What dropped owned-buffer reads of the stream took comes first.
    if let Some(res) = ready!(sock.fd.leftover().poll_take(cx, [&mut *buf])) {
        return Poll::Ready(res.map(|(n, _)| n));
    }
    let asked = buf.len();
    ready.poll_transfer(cx, sock, Interest::Read, asked, || sock.try_recv(buf))
}

pub(crate) fn poll_send(
    ready: &mut Readiness,
    sock: &Socket,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    ready.poll_transfer(cx, sock, Interest::Write, buf.len(), || sock.try_send(buf))
}

pub(crate) fn poll_send_vectored(
    ready: &mut Readiness,
    sock: &Socket,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    let asked = bufs.iter().map(|b| b.len()).sum();
    ready.poll_transfer(cx, sock, Interest::Write, asked, || {
        sock.try_send_vectored(bufs)
    })
}

pub(crate) fn shutdown_write(sock: &Socket) -> Poll<io::Result<()>> {
    Poll::Ready(sock.sock().shutdown(std::net::Shutdown::Write))
}
