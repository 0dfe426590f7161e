//! `Socket`: the descriptor every zio socket type wraps, and the three
//! ways to use it.
//!
//! - **async, owned buffers**: one io_uring op per call (`recv`, `send`,
//!   `recvmsg`, ...), or on the epoll backend the nonblocking syscall plus
//!   a readiness wait. Where no zio runtime runs on the polling thread the
//!   op goes to the process-wide fallback driver.
//! - **blocking**: ordinary blocking syscalls on the calling thread
//!   (connected sockets are in blocking mode, see below; listeners and
//!   connecting sockets wait with `poll(2)`).
//! - **nonblocking** (`try_*`): one syscall with `MSG_DONTWAIT`, for the
//!   poll-based traits of `compat/`.
//!
//! Connected and datagram sockets stay in blocking mode; listeners are
//! nonblocking. Why: `reactor/ops/net/mod.rs`.

use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use socket2::{Domain, SockAddr, SockRef, Type};

use crate::io::{IoBuf, IoBufMut};
use crate::reactor::ops::net::{Accept, Connect, PollAdd, Recv, RecvMsg, Send, SendMsg};
use crate::reactor::ops::set_init_vectored;
use crate::reactor::{Interest, KeepAs, Op, OpCode, SharedFd};

const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;

#[derive(Clone, Debug)]
pub(crate) struct Socket {
    pub(crate) fd: SharedFd,
}

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EAGAIN | libc::EINPROGRESS | libc::EALREADY)
    )
}

impl Socket {
    /// A new close-on-exec socket.
    pub(crate) fn new(domain: Domain, ty: Type, nonblocking: bool) -> io::Result<Socket> {
        // socket2 creates sockets with SOCK_CLOEXEC.
        let s = socket2::Socket::new(domain, ty, None)?;
        s.set_nonblocking(nonblocking)?;
        Ok(Socket::from_owned(s.into()))
    }

    pub(crate) fn from_owned(fd: OwnedFd) -> Socket {
        Socket {
            fd: SharedFd::new(fd),
        }
    }

    /// Adopts a std socket, putting it in the mode zio keeps it in.
    pub(crate) fn from_std(fd: OwnedFd, nonblocking: bool) -> io::Result<Socket> {
        SockRef::from(&fd).set_nonblocking(nonblocking)?;
        Ok(Socket::from_owned(fd))
    }

    /// The descriptor, for a std type. If an op still holds it (a cancelled
    /// poll on its way out), a duplicate: the socket stays the same.
    pub(crate) fn into_owned(self) -> io::Result<OwnedFd> {
        match self.fd.try_unwrap() {
            Ok(fd) => Ok(fd),
            Err(shared) => {
                // SAFETY: `shared` keeps the descriptor open during the call.
                let fd = unsafe { BorrowedFd::borrow_raw(shared.as_raw_fd()) };
                fd.try_clone_to_owned()
            }
        }
    }

    pub(crate) fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// socket2's view of the socket, for options and plain syscalls.
    pub(crate) fn sock(&self) -> SockRef<'_> {
        SockRef::from(self)
    }

    pub(crate) fn same_socket(&self, other: &Socket) -> bool {
        // Two live handles with the same number are the same descriptor: a
        // number is reused only after every handle of it is gone.
        self.raw() == other.raw()
    }

    // ----- async, owned buffers -----

    pub(crate) async fn send<B: IoBuf>(&self, buf: B) -> (io::Result<usize>, B) {
        Op::new(Send::new(self.fd.clone(), buf, 0)).await
    }

    /// A read into `buf` from `offset`: what dropped reads kept comes
    /// first (`reactor/leftover.rs`), else one receive, whose data is kept
    /// `as` that if this read is dropped in turn.
    async fn recv_at<B: IoBufMut>(
        &self,
        mut buf: B,
        offset: usize,
        keep: KeepAs,
    ) -> (io::Result<usize>, B) {
        let leftover = self.fd.leftover();
        let kept = poll_fn(|cx| leftover.poll_take(cx, [spare(&mut buf, offset)])).await;
        match kept {
            Some(res) => {
                let res = res.map(|(n, _)| n);
                if let Ok(n) = res {
                    // SAFETY: the first `offset` bytes were initialized
                    // before (they are the caller's), `n` more just now.
                    unsafe { buf.set_init(offset + n) };
                }
                (res, buf)
            }
            None => {
                let op = Recv::new(self.fd.clone(), buf, offset).keeping(keep);
                leftover.keep(Op::new(op)).await
            }
        }
    }

    /// A datagram socket's receive (a stream's is [`read`](Socket::read)).
    pub(crate) async fn recv<B: IoBufMut>(&self, buf: B) -> (io::Result<usize>, B) {
        self.recv_at(buf, 0, KeepAs::Datagram).await
    }

    /// A stream socket's read.
    pub(crate) async fn read<B: IoBufMut>(&self, buf: B) -> (io::Result<usize>, B) {
        self.recv_at(buf, 0, KeepAs::Bytes).await
    }

    /// A stream socket's reads until the buffer's capacity is full.
    pub(crate) async fn read_exact<B: IoBufMut>(&self, mut buf: B) -> (io::Result<()>, B) {
        let mut filled = 0;
        while filled < buf.bytes_total() {
            let (res, b) = self.recv_at(buf, filled, KeepAs::Bytes).await;
            buf = b;
            match res {
                Ok(0) => {
                    let e = io::Error::new(io::ErrorKind::UnexpectedEof, "early EOF");
                    return (Err(e), buf);
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    /// A `recvmsg` into `bufs` in turn: what dropped reads kept comes first,
    /// else one receive, whose data is kept `as` that if this read is
    /// dropped in turn. The sender is `None` for kept stream bytes.
    async fn recvmsg_kept<B: IoBufMut>(
        &self,
        mut bufs: Vec<B>,
        keep: KeepAs,
    ) -> (io::Result<(usize, Option<SockAddr>)>, Vec<B>) {
        let leftover = self.fd.leftover();
        let kept = poll_fn(|cx| leftover.poll_take(cx, bufs.iter_mut().map(|b| spare(b, 0)))).await;
        if let Some(res) = kept {
            if let Ok((n, _)) = &res {
                set_init_vectored(&mut bufs, *n);
            }
            return (res, bufs);
        }
        let op = RecvMsg::new(self.fd.clone(), bufs).keeping(keep);
        let (res, bufs) = leftover.keep(Op::new(op)).await;
        (res.map(|(n, from)| (n, Some(from))), bufs)
    }

    /// A stream socket's vectored read.
    pub(crate) async fn readv<B: IoBufMut>(&self, bufs: Vec<B>) -> (io::Result<usize>, Vec<B>) {
        let (res, bufs) = self.recvmsg_kept(bufs, KeepAs::Bytes).await;
        (res.map(|(n, _)| n), bufs)
    }

    /// A datagram socket's receive with the sender.
    pub(crate) async fn recvmsg<B: IoBufMut>(
        &self,
        bufs: Vec<B>,
    ) -> (io::Result<(usize, SockAddr)>, Vec<B>) {
        let (res, bufs) = self.recvmsg_kept(bufs, KeepAs::Datagram).await;
        (res.and_then(|(n, from)| Ok((n, self.sender(from)?))), bufs)
    }

    /// The sender of a datagram. A kept one may have none: it was kept by
    /// a `recv` on a socket that was not connected (`recv` is for connected
    /// sockets, whose peer is the sender); such a datagram is reported
    /// from the unspecified address of the socket's family (an unnamed
    /// one for a Unix socket) rather than lost.
    fn sender(&self, from: Option<SockAddr>) -> io::Result<SockAddr> {
        if let Some(from) = from {
            return Ok(from);
        }
        let mut local = self.sock().local_addr()?;
        Ok(match local.as_socket() {
            Some(std::net::SocketAddr::V4(_)) => {
                SockAddr::from(std::net::SocketAddr::from(([0u8; 4], 0)))
            }
            Some(std::net::SocketAddr::V6(_)) => {
                SockAddr::from(std::net::SocketAddr::from(([0u16; 8], 0)))
            }
            None => {
                let family = std::mem::size_of::<libc::sa_family_t>();
                // SAFETY: the family, the first field, is initialized; an
                // address of only the family is an unnamed one.
                unsafe { local.set_length(family as libc::socklen_t) };
                local
            }
        })
    }

    /// Sends all initialized bytes, however many short sends it takes.
    pub(crate) async fn send_all<B: IoBuf>(&self, mut buf: B) -> (io::Result<()>, B) {
        let mut start = 0;
        while start < buf.bytes_init() {
            let (res, b) = Op::new(Send::new(self.fd.clone(), buf, start)).await;
            buf = b;
            match res {
                Ok(0) => return (Err(io::ErrorKind::WriteZero.into()), buf),
                Ok(n) => start += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    pub(crate) async fn sendmsg<B: IoBuf>(
        &self,
        bufs: Vec<B>,
        addr: Option<SockAddr>,
    ) -> (io::Result<usize>, Vec<B>) {
        Op::new(SendMsg::new(self.fd.clone(), bufs, addr)).await
    }

    /// A stream socket's wait for something to read: at once if dropped
    /// reads left bytes (or an error), after their ops if any are out.
    pub(crate) async fn readable(&self) -> io::Result<()> {
        let leftover = self.fd.leftover();
        if poll_fn(|cx| leftover.poll_ready(cx)).await {
            return Ok(());
        }
        self.ready(Interest::Read).await
    }

    /// Waits until the socket is ready for `interest` (or has an error or
    /// hang-up to report).
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<()> {
        Op::new(PollAdd::new(self.fd.clone(), interest))
            .await
            .map(drop)
    }

    /// Accepts a connection on the (nonblocking) listener by readiness: a
    /// nonblocking `accept4`, and on `EAGAIN` a poll op until the listener
    /// is readable. Nothing is accepted in the kernel on the future's
    /// behalf (as an io_uring accept op would), so dropping the future at
    /// any point loses no connection: it stays in the backlog for the next
    /// `accept`. Measured as fast as the accept op (`vs_tokio` accept rows).
    pub(crate) async fn accept(&self) -> io::Result<(Socket, SockAddr)> {
        loop {
            match self.try_accept() {
                Err(e) if would_block(&e) => self.ready(Interest::Read).await?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                res => return res,
            }
        }
    }

    /// One nonblocking `accept4` on the listener: the accept op's syscall,
    /// run on the calling thread.
    fn try_accept(&self) -> io::Result<(Socket, SockAddr)> {
        let mut op = Accept::new(self.raw());
        let res = op.syscall();
        let (fd, addr) = op.complete(res, 0)?;
        Ok((Socket::from_owned(fd), addr))
    }

    /// A new socket of `ty`, connected to `addr`, in blocking mode.
    pub(crate) async fn connect(ty: Type, addr: SockAddr) -> io::Result<Socket> {
        let sock = Socket::new(addr.domain(), ty, true)?;
        match Op::new(Connect::new(sock.fd.clone(), addr)).await {
            Ok(()) => {}
            // A kernel whose io_uring honours O_NONBLOCK: wait, then ask.
            Err(e) if would_block(&e) => {
                sock.ready(Interest::Write).await?;
                if let Some(e) = sock.sock().take_error()? {
                    return Err(e);
                }
                sock.sock().peer_addr()?;
            }
            Err(e) => return Err(e),
        }
        sock.sock().set_nonblocking(false)?;
        Ok(sock)
    }

    // ----- blocking -----

    pub(crate) fn blocking_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(res) = self.fd.leftover().take_blocking([as_uninit(buf)]) {
            return res.map(|(n, _)| n);
        }
        retry(|| self.sock().recv(as_uninit(buf)))
    }

    pub(crate) fn blocking_recv_vectored(
        &self,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> io::Result<usize> {
        let parts = bufs.iter_mut().map(|b| as_uninit(b));
        if let Some(res) = self.fd.leftover().take_blocking(parts) {
            return res.map(|(n, _)| n);
        }
        let len = bufs.len().min(libc::c_int::MAX as usize) as libc::c_int;
        retry(|| {
            // SAFETY: on Unix `IoSliceMut` is ABI-compatible with `iovec`
            // (documented by std); the slices are valid for writes.
            let ret = unsafe { libc::readv(self.raw(), bufs.as_ptr().cast(), len) };
            if ret < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(ret as usize)
            }
        })
    }

    pub(crate) fn blocking_send(&self, buf: &[u8]) -> io::Result<usize> {
        retry(|| self.sock().send_with_flags(buf, SEND_FLAGS))
    }

    pub(crate) fn blocking_send_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        retry(|| self.sock().send_vectored_with_flags(bufs, SEND_FLAGS))
    }

    pub(crate) fn blocking_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SockAddr)> {
        if let Some(res) = self.fd.leftover().take_blocking([as_uninit(buf)]) {
            let (n, from) = res?;
            return Ok((n, self.sender(from)?));
        }
        retry(|| self.sock().recv_from(as_uninit(buf)))
    }

    pub(crate) fn blocking_send_to(&self, buf: &[u8], addr: &SockAddr) -> io::Result<usize> {
        retry(|| self.sock().send_to_with_flags(buf, addr, SEND_FLAGS))
    }

    /// Accepts on the (nonblocking) listener, waiting with `poll(2)`.
    pub(crate) fn blocking_accept(&self) -> io::Result<(Socket, SockAddr)> {
        loop {
            match self.try_accept() {
                Err(e) if would_block(&e) => wait_fd(self.raw(), libc::POLLIN)?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                res => return res,
            }
        }
    }

    /// Connects a new socket of `ty` on the calling thread (blocking).
    pub(crate) fn blocking_connect(ty: Type, addr: &SockAddr) -> io::Result<Socket> {
        let sock = Socket::new(addr.domain(), ty, false)?;
        retry(|| sock.sock().connect(addr))?;
        Ok(sock)
    }

    // ----- nonblocking -----

    pub(crate) fn try_recv(&self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        self.sock().recv_with_flags(buf, libc::MSG_DONTWAIT)
    }

    /// A stream socket's `try_recv`: what dropped reads left comes first
    /// (`WouldBlock` while their ops are out).
    pub(crate) fn try_read(&self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        match self.fd.leftover().try_take([&mut *buf]) {
            Some(res) => res.map(|(n, _)| n),
            None => self.try_recv(buf),
        }
    }

    pub(crate) fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.sock()
            .send_with_flags(buf, libc::MSG_DONTWAIT | SEND_FLAGS)
    }

    pub(crate) fn try_send_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.sock()
            .send_vectored_with_flags(bufs, libc::MSG_DONTWAIT | SEND_FLAGS)
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `self.fd` keeps the descriptor open for the borrow.
        unsafe { BorrowedFd::borrow_raw(self.raw()) }
    }
}

/// The capacity of `buf` from `offset` on, for a copy into it.
fn spare<B: IoBufMut>(buf: &mut B, offset: usize) -> &mut [MaybeUninit<u8>] {
    let offset = offset.min(buf.bytes_total());
    let len = buf.bytes_total() - offset;
    // SAFETY: an `IoBufMut` points at `bytes_total` writable bytes that stay
    // put while it is borrowed; `offset + len <= bytes_total`. Seen as
    // `MaybeUninit`, only initialized bytes can be written into them.
    unsafe { std::slice::from_raw_parts_mut(buf.stable_mut_ptr().add(offset).cast(), len) }
}

/// Views initialized bytes as possibly-uninitialized ones, for socket2's
/// receive calls (which only write).
pub(crate) fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and the callee only
    // writes initialized bytes, so `buf` stays initialized.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}

/// Retries `f` while it is interrupted by a signal.
fn retry<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            r => return r,
        }
    }
}

/// Blocks the calling thread until `fd` is ready for `events`.
fn wait_fd(fd: RawFd, events: libc::c_short) -> io::Result<()> {
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    if unsafe { libc::poll(&mut pfd, 1, -1) } < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}
