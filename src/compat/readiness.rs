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
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.armed = Some(Op::new(PollAdd::new(sock.fd.clone(), interest)));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => return Poll::Ready(r),
            }
        }
    }
}

pub(crate) fn poll_recv(
    ready: &mut Readiness,
    sock: &Socket,
    cx: &mut Context<'_>,
    buf: &mut [MaybeUninit<u8>],
) -> Poll<io::Result<usize>> {
    ready.poll_io(cx, sock, Interest::Read, || sock.try_recv(buf))
}

pub(crate) fn poll_send(
    ready: &mut Readiness,
    sock: &Socket,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    ready.poll_io(cx, sock, Interest::Write, || sock.try_send(buf))
}

pub(crate) fn poll_send_vectored(
    ready: &mut Readiness,
    sock: &Socket,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    ready.poll_io(cx, sock, Interest::Write, || sock.try_send_vectored(bufs))
}

pub(crate) fn shutdown_write(sock: &Socket) -> Poll<io::Result<()>> {
    Poll::Ready(sock.sock().shutdown(std::net::Shutdown::Write))
}
