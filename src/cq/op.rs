//! [`Op`]: what can be submitted to a [`CompletionQueue`], and how each
//! kind maps to the reactor's op of the same name.
//!
//! An `Op` is a recipe: the descriptor it names and what else its kind
//! carries. `submit` turns it into a [`Started`] op: the reactor op, built
//! on the descriptor it will really use, and what keeps that descriptor's
//! file open until the op's final completion (see [`Op`] for the rule).
//!
//! [`CompletionQueue`]: super::CompletionQueue

use std::ffi::CString;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::time::Duration;

use io_uring::opcode;
use io_uring::squeue::Entry;
use socket2::SockAddr;

use super::Output;
use crate::fs::{cstr, Metadata};
use crate::io::IoBufMut;
use crate::reactor::ops::{fs, net, Nop, Read, Readv, Timeout, Write, Writev};
use crate::reactor::{has_opcode, EpollPlan, Interest as RInterest, OpCode};

/// Readiness a [`Op::poll`] waits for.
///
/// # Examples
///
/// ```
/// use zio::cq::{Interest, Op};
/// let op: Op = Op::poll(0, Interest::Readable);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interest {
    /// `POLLIN`: data to read, a connection to accept, or end of file.
    Readable,
    /// `POLLOUT`: room to write.
    Writable,
}

/// One operation to [`submit`](super::CompletionQueue::submit): plain data
/// that owns its buffers until the operation completes, when the
/// [`Completion`](super::Completion) hands them back.
///
/// `B` is the queue's buffer type (any [`IoBufMut`]: `Vec<u8>`,
/// `Box<[u8]>`, `[u8; N]`, `BytesMut`). A read fills a buffer from its
/// start up to its capacity; a write sends its initialized bytes.
///
/// Ops name files by raw descriptor number (`file.as_raw_fd()`), as
/// io_uring does. An op acts on the file its number names when it is
/// submitted, and holds that file itself until it completes:
///
/// - On the io_uring backend, an op submitted on a zio runtime's thread
///   goes into that thread's ring, and the kernel takes its own reference
///   to the file when the ring submits the op to it: the next time the
///   thread's driver turns, which it does before it parks, so at the
///   latest when a [`wait`](super::CompletionQueue::wait) (or
///   [`wait_blocking`](super::CompletionQueue::wait_blocking)) of the
///   queue has to block.
/// - Everywhere else (the epoll backend; a queue used where no zio
///   runtime runs, whose ops the fallback driver serves; a file op a
///   multi-thread runtime's worker hands to an idle worker, see
///   [`CompletionQueue`](super::CompletionQueue)), `submit`
///   duplicates the descriptor (`F_DUPFD_CLOEXEC`) and the op runs on the
///   duplicate, which is closed once the op has completed. Each such op in
///   flight holds one descriptor (count it against `RLIMIT_NOFILE`); if
///   the duplicate cannot be made, the op completes with that error
///   (`EMFILE`, or `EBADF` for a number that names no file).
///
/// So closing the descriptor, or submitting [`Op::close`] for it, while
/// ops on it are in flight does not disturb them: they go on with their
/// file, and a file that reuses the number is never touched by them. The
/// one window is on io_uring, between `submit` and that turn of the
/// driver: a descriptor closed then, and its number reused by another
/// file, leaves the op only the number, which then names the new file.
/// Keeping the descriptor open until the op completes avoids the question.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zio::cq::Op;
/// let ops: Vec<Op> = vec![
///     Op::nop(),
///     Op::timeout(Duration::from_millis(1)),
///     Op::read_at(0, Vec::with_capacity(4096), 0),
/// ];
/// assert_eq!(ops.len(), 3);
/// ```
pub struct Op<B = Vec<u8>> {
    /// The descriptor the op acts on, as the caller named it; `None` for
    /// the kinds that name none (or own theirs, as `close`).
    fd: Option<RawFd>,
    spec: Spec<B>,
}

impl<B> std::fmt::Debug for Op<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Op").field(&self.spec.name()).finish()
    }
}

/// What each kind of [`Op`] carries besides the descriptor it names.
enum Spec<B> {
    Nop,
    Timeout(Duration),
    /// Buffer, offset.
    Read(B, u64),
    Write(B, u64),
    Readv(Vec<B>, u64),
    Writev(Vec<B>, u64),
    Recv(B),
    Send(B),
    RecvFrom(B),
    SendTo(B, SocketAddr),
    Accept,
    Connect(SocketAddr),
    Close(OwnedFd),
    /// Path, `open(2)` flags, mode.
    Open(CString, i32, u32),
    /// `fdatasync` rather than `fsync`.
    Fsync(bool),
    Statx(CString),
    Shutdown(Shutdown),
    Poll(RInterest),
    /// New length.
    Ftruncate(u64),
    /// From, to.
    Rename(CString, CString),
    /// Path; a directory (`rmdir`) rather than a file.
    Unlink(CString, bool),
    /// Path, mode.
    Mkdir(CString, u32),
    /// Target, link.
    Symlink(CString, CString),
    /// Original, link.
    Link(CString, CString),
}

impl<B: IoBufMut> Spec<B> {
    /// The reactor op of this kind, acting on `fd` (ignored by the kinds
    /// that name no descriptor).
    fn into_kind(self, fd: RawFd) -> Kind<B> {
        match self {
            Spec::Nop => Kind::Nop(Nop),
            Spec::Timeout(after) => Kind::Timeout(Timeout::new(after)),
            Spec::Read(buf, offset) => Kind::Read(Read::new(fd, buf, offset)),
            Spec::Write(buf, offset) => Kind::Write(Write::new(fd, buf, offset)),
            Spec::Readv(bufs, offset) => Kind::Readv(Readv::new(fd, bufs, offset)),
            Spec::Writev(bufs, offset) => Kind::Writev(Writev::new(fd, bufs, offset)),
            Spec::Recv(buf) => Kind::Recv(net::Recv::new(fd, buf, 0)),
            Spec::Send(buf) => Kind::Send(net::Send::new(fd, buf, 0)),
            Spec::RecvFrom(buf) => Kind::RecvFrom(net::RecvMsg::new(fd, vec![buf])),
            Spec::SendTo(buf, addr) => {
                Kind::SendTo(net::SendMsg::new(fd, vec![buf], Some(SockAddr::from(addr))))
            }
            Spec::Accept => Kind::Accept(net::Accept::new(fd)),
            Spec::Connect(addr) => Kind::Connect(net::Connect::new(fd, SockAddr::from(addr))),
            Spec::Close(owned) => Kind::Close(fs::Close::new(owned)),
            Spec::Open(path, flags, mode) => Kind::Open(fs::OpenAt::new(path, flags, mode)),
            Spec::Fsync(datasync) => Kind::Fsync(fs::Fsync::new(fd, datasync)),
            Spec::Statx(path) => Kind::Statx(fs::Statx::path(path, true)),
            Spec::Shutdown(how) => Kind::Shutdown(net::Shutdown::new(fd, how)),
            Spec::Poll(interest) => Kind::Poll(net::PollAdd::new(fd, interest)),
            Spec::Ftruncate(len) => Kind::Ftruncate(fs::Ftruncate::new(fd, len)),
            Spec::Rename(from, to) => Kind::Rename(fs::RenameAt::new(from, to)),
            Spec::Unlink(path, dir) => Kind::Unlink(fs::UnlinkAt::new(path, dir)),
            Spec::Mkdir(path, mode) => Kind::Mkdir(fs::MkDirAt::new(path, mode)),
            Spec::Symlink(target, link) => Kind::Symlink(fs::SymlinkAt::new(target, link)),
            Spec::Link(original, link) => Kind::Link(fs::LinkAt::new(original, link)),
        }
    }
}

impl<B> Spec<B> {
    fn name(&self) -> &'static str {
        match self {
            Spec::Nop => "nop",
            Spec::Timeout(_) => "timeout",
            Spec::Read(..) => "read",
            Spec::Write(..) => "write",
            Spec::Readv(..) => "readv",
            Spec::Writev(..) => "writev",
            Spec::Recv(_) => "recv",
            Spec::Send(_) => "send",
            Spec::RecvFrom(_) => "recv_from",
            Spec::SendTo(..) => "send_to",
            Spec::Accept => "accept",
            Spec::Connect(_) => "connect",
            Spec::Close(_) => "close",
            Spec::Open(..) => "open",
            Spec::Fsync(_) => "fsync",
            Spec::Statx(_) => "statx",
            Spec::Shutdown(_) => "shutdown",
            Spec::Poll(_) => "poll",
            Spec::Ftruncate(_) => "ftruncate",
            Spec::Rename(..) => "rename",
            Spec::Unlink(_, false) => "unlink",
            Spec::Unlink(_, true) => "rmdir",
            Spec::Mkdir(..) => "mkdir",
            Spec::Symlink(..) => "symlink",
            Spec::Link(..) => "link",
        }
    }

    /// Whether the io_uring of this kernel has the opcode of a kind that
    /// names a descriptor and may be missing (the reactor ops name it in
    /// `probed_opcode`; the kinds that name no descriptor need no answer
    /// here). The driver runs a missing one as its syscall on the blocking
    /// pool, where the kernel does not hold the file for it.
    fn ring_has(&self) -> bool {
        match self {
            Spec::Shutdown(_) => has_opcode(opcode::Shutdown::CODE),
            Spec::Ftruncate(_) => has_opcode(opcode::Ftruncate::CODE),
            _ => true,
        }
    }
}

/// A submitted [`Op`]: the reactor op, and what keeps its file open until
/// the op's final completion (the pool drops the whole op only then).
pub(super) struct Started<B> {
    kind: Kind<B>,
    hold: Hold,
}

/// Who holds the file a started op acts on.
enum Hold {
    /// The kernel (an op that goes straight into the calling thread's
    /// io_uring ring), or nobody (an op that names no descriptor).
    Kernel,
    /// The queue: the op runs on this duplicate of the caller's
    /// descriptor, closed when the op is dropped after its completion.
    Duplicate(OwnedFd),
    /// Duplicating failed with this errno; the op, given descriptor `-1`,
    /// completes with it.
    Failed(i32),
}

impl Hold {
    /// The descriptor the op runs on, given the one the caller `named`.
    fn fd(&self, named: RawFd) -> RawFd {
        match self {
            Hold::Kernel => named,
            Hold::Duplicate(dup) => dup.as_raw_fd(),
            Hold::Failed(_) => -1,
        }
    }
}

/// A close-on-exec duplicate of `fd`, or the errno of the failure.
fn duplicate(fd: RawFd) -> Result<OwnedFd, i32> {
    // SAFETY: `F_DUPFD_CLOEXEC` touches no memory of ours; a number that
    // names no open file fails with `EBADF`.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if new < 0 {
        return Err(io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EBADF));
    }
    // SAFETY: `new` was just opened by the call above and nothing else
    // owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

impl<B> Op<B> {
    /// Whether the kernel does this op's work as it takes it (a file's data
    /// at an offset, a file's metadata, a path) rather than waiting for an
    /// event: the ops the epoll backend runs on the blocking pool, and
    /// those a queue on a multi-thread runtime may hand to an idle worker.
    pub(super) fn is_file_work(&self) -> bool {
        match &self.spec {
            Spec::Read(_, offset)
            | Spec::Write(_, offset)
            | Spec::Readv(_, offset)
            | Spec::Writev(_, offset) => *offset != AT_POSITION,
            Spec::Open(..)
            | Spec::Fsync(_)
            | Spec::Statx(_)
            | Spec::Ftruncate(_)
            | Spec::Rename(..)
            | Spec::Unlink(..)
            | Spec::Mkdir(..)
            | Spec::Symlink(..)
            | Spec::Link(..) => true,
            _ => false,
        }
    }
}

impl<B: IoBufMut> Op<B> {
    /// The reactor op for `submit`. `on_ring`: the op goes straight into
    /// the calling thread's io_uring ring, where the kernel takes hold of
    /// the file; elsewhere it runs on a duplicate of the descriptor, so
    /// that closing the caller's descriptor, and a file that reuses its
    /// number, cannot redirect it (see [`Op`]).
    pub(super) fn start(self, on_ring: bool) -> Started<B> {
        let on_ring = on_ring && self.spec.ring_has();
        let hold = match self.fd {
            Some(fd) if !on_ring => duplicate(fd).map_or_else(Hold::Failed, Hold::Duplicate),
            _ => Hold::Kernel,
        };
        let fd = hold.fd(self.fd.unwrap_or(-1));
        Started {
            kind: self.spec.into_kind(fd),
            hold,
        }
    }
}

/// The reactor op behind each kind of [`Op`].
enum Kind<B> {
    Nop(Nop),
    Timeout(Timeout),
    Read(Read<B>),
    Write(Write<B>),
    Readv(Readv<B>),
    Writev(Writev<B>),
    Recv(net::Recv<B, RawFd>),
    Send(net::Send<B, RawFd>),
    RecvFrom(net::RecvMsg<B, RawFd>),
    SendTo(net::SendMsg<B, RawFd>),
    Accept(net::Accept<RawFd>),
    Connect(net::Connect<RawFd>),
    Close(fs::Close),
    Open(fs::OpenAt),
    Fsync(fs::Fsync<RawFd>),
    Statx(fs::Statx),
    Shutdown(net::Shutdown),
    Poll(net::PollAdd<RawFd>),
    Ftruncate(fs::Ftruncate<RawFd>),
    Rename(fs::RenameAt),
    Unlink(fs::UnlinkAt),
    Mkdir(fs::MkDirAt),
    Symlink(fs::SymlinkAt),
    Link(fs::LinkAt),
}

/// Runs `$body` with `$op` bound to the reactor op of whatever kind `$kind` is.
macro_rules! each_kind {
    ($kind:expr, $op:ident => $body:expr) => {
        match $kind {
            Kind::Nop($op) => $body,
            Kind::Timeout($op) => $body,
            Kind::Read($op) => $body,
            Kind::Write($op) => $body,
            Kind::Readv($op) => $body,
            Kind::Writev($op) => $body,
            Kind::Recv($op) => $body,
            Kind::Send($op) => $body,
            Kind::RecvFrom($op) => $body,
            Kind::SendTo($op) => $body,
            Kind::Accept($op) => $body,
            Kind::Connect($op) => $body,
            Kind::Close($op) => $body,
            Kind::Open($op) => $body,
            Kind::Fsync($op) => $body,
            Kind::Statx($op) => $body,
            Kind::Shutdown($op) => $body,
            Kind::Poll($op) => $body,
            Kind::Ftruncate($op) => $body,
            Kind::Rename($op) => $body,
            Kind::Unlink($op) => $body,
            Kind::Mkdir($op) => $body,
            Kind::Symlink($op) => $body,
            Kind::Link($op) => $body,
        }
    };
}

/// A cancelled op reports `ECANCELED`; the queue reports it as
/// [`io::ErrorKind::Interrupted`], whatever the backend.
fn cancelled_as_interrupted<T>(result: io::Result<T>) -> io::Result<T> {
    result.map_err(|e| match e.raw_os_error() {
        Some(libc::ECANCELED) => io::ErrorKind::Interrupted.into(),
        _ => e,
    })
}

/// The first buffer of a vectored op that carried one (`recv_from`, `send_to`).
fn only<B>(mut bufs: Vec<B>) -> B {
    bufs.pop().expect("the op carried one buffer")
}

impl<B: IoBufMut> OpCode for Kind<B> {
    type Output = Output<B>;

    fn uring_entry(&mut self) -> Entry {
        each_kind!(self, op => op.uring_entry())
    }

    fn probed_opcode(&self) -> Option<u8> {
        each_kind!(self, op => op.probed_opcode())
    }

    fn epoll_plan(&self) -> EpollPlan {
        each_kind!(self, op => op.epoll_plan())
    }

    fn syscall(&mut self) -> i32 {
        each_kind!(self, op => op.syscall())
    }

    fn complete_orphan(&mut self, res: i32) -> Option<std::task::Waker> {
        each_kind!(self, op => op.complete_orphan(res))
    }

    fn complete(self, res: i32, flags: u32) -> Output<B> {
        use cancelled_as_interrupted as c;
        match self {
            Kind::Nop(op) => Output::Nop(c(op.complete(res, flags))),
            Kind::Timeout(op) => Output::Timeout(c(op.complete(res, flags))),
            Kind::Read(op) => {
                let (r, buf) = op.complete(res, flags);
                Output::Read(c(r), buf)
            }
            Kind::Write(op) => {
                let (r, buf) = op.complete(res, flags);
                Output::Write(c(r), buf)
            }
            Kind::Readv(op) => {
                let (r, bufs) = op.complete(res, flags);
                Output::Readv(c(r), bufs)
            }
            Kind::Writev(op) => {
                let (r, bufs) = op.complete(res, flags);
                Output::Writev(c(r), bufs)
            }
            Kind::Recv(op) => {
                let (r, buf) = op.complete(res, flags);
                Output::Recv(c(r), buf)
            }
            Kind::Send(op) => {
                let (r, buf) = op.complete(res, flags);
                Output::Send(c(r), buf)
            }
            Kind::RecvFrom(op) => {
                let (r, bufs) = op.complete(res, flags);
                let r = r.map(|(n, addr)| (n, addr.as_socket()));
                Output::RecvFrom(c(r), only(bufs))
            }
            Kind::SendTo(op) => {
                let (r, bufs) = op.complete(res, flags);
                Output::SendTo(c(r), only(bufs))
            }
            Kind::Accept(op) => {
                let r = op
                    .complete(res, flags)
                    .map(|(fd, addr)| (fd, addr.as_socket()));
                Output::Accept(c(r))
            }
            Kind::Connect(op) => Output::Connect(c(op.complete(res, flags))),
            Kind::Close(op) => Output::Close(c(op.complete(res, flags))),
            Kind::Open(op) => Output::Open(c(op.complete(res, flags))),
            Kind::Fsync(op) => Output::Fsync(c(op.complete(res, flags))),
            Kind::Statx(op) => Output::Statx(c(op.complete(res, flags).map(Metadata::from_statx))),
            Kind::Shutdown(op) => Output::Shutdown(c(op.complete(res, flags))),
            Kind::Poll(op) => Output::Poll(c(op.complete(res, flags))),
            Kind::Ftruncate(op) => Output::Ftruncate(c(op.complete(res, flags))),
            Kind::Rename(op) => Output::Rename(c(op.complete(res, flags))),
            Kind::Unlink(op) => Output::Unlink(c(op.complete(res, flags))),
            Kind::Mkdir(op) => Output::Mkdir(c(op.complete(res, flags))),
            Kind::Symlink(op) => Output::Symlink(c(op.complete(res, flags))),
            Kind::Link(op) => Output::Link(c(op.complete(res, flags))),
        }
    }
}

impl<B: IoBufMut> OpCode for Started<B> {
    type Output = Output<B>;

    fn uring_entry(&mut self) -> Entry {
        self.kind.uring_entry()
    }

    fn probed_opcode(&self) -> Option<u8> {
        self.kind.probed_opcode()
    }

    fn epoll_plan(&self) -> EpollPlan {
        self.kind.epoll_plan()
    }

    fn syscall(&mut self) -> i32 {
        self.kind.syscall()
    }

    fn complete_orphan(&mut self, res: i32) -> Option<std::task::Waker> {
        self.kind.complete_orphan(res)
    }

    fn complete(self, res: i32, flags: u32) -> Output<B> {
        let res = match self.hold {
            Hold::Failed(errno) => -errno,
            Hold::Kernel | Hold::Duplicate(_) => res,
        };
        // The duplicate, if any, closes after the op has completed.
        self.kind.complete(res, flags)
    }
}

/// `u64::MAX` as an offset: "at the file position".
const AT_POSITION: u64 = u64::MAX;

impl<B: IoBufMut> Op<B> {
    fn new(fd: RawFd, spec: Spec<B>) -> Op<B> {
        Op { fd: Some(fd), spec }
    }

    fn without_fd(spec: Spec<B>) -> Op<B> {
        Op { fd: None, spec }
    }

    /// Does nothing; completes with [`Output::Nop`]`(Ok(()))`. Measures the
    /// queue's own cost, or wakes a waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::nop();
    /// ```
    pub fn nop() -> Op<B> {
        Op::without_fd(Spec::Nop)
    }

    /// Completes after `after` with [`Output::Timeout`]`(Ok(()))` (or an
    /// `Interrupted` error if cancelled first). Never completes early.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::timeout(std::time::Duration::from_millis(10));
    /// ```
    pub fn timeout(after: Duration) -> Op<B> {
        Op::without_fd(Spec::Timeout(after))
    }

    /// Reads into `buf` at the descriptor's file position (a pipe, socket,
    /// terminal, or a file read sequentially); [`Output::Read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::read(0, Vec::with_capacity(1024));
    /// ```
    pub fn read(fd: RawFd, buf: B) -> Op<B> {
        Op::read_at(fd, buf, AT_POSITION)
    }

    /// Reads into `buf` from byte `offset` of a file; [`Output::Read`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::read_at(3, vec![0u8; 4096].into_boxed_slice(), 8192);
    /// ```
    pub fn read_at(fd: RawFd, buf: B, offset: u64) -> Op<B> {
        Op::new(fd, Spec::Read(buf, offset))
    }

    /// Writes `buf`'s initialized bytes at the file position;
    /// [`Output::Write`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::write(1, b"hello\n".to_vec());
    /// ```
    pub fn write(fd: RawFd, buf: B) -> Op<B> {
        Op::write_at(fd, buf, AT_POSITION)
    }

    /// Writes `buf`'s initialized bytes at byte `offset` of a file;
    /// [`Output::Write`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::write_at(3, vec![7u8; 512], 0);
    /// ```
    pub fn write_at(fd: RawFd, buf: B, offset: u64) -> Op<B> {
        Op::new(fd, Spec::Write(buf, offset))
    }

    /// Reads into each of `bufs` in turn at the file position;
    /// [`Output::Readv`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::readv(0, vec![Vec::with_capacity(16), Vec::with_capacity(16)]);
    /// ```
    pub fn readv(fd: RawFd, bufs: Vec<B>) -> Op<B> {
        Op::readv_at(fd, bufs, AT_POSITION)
    }

    /// Reads into each of `bufs` in turn from byte `offset` of a file;
    /// [`Output::Readv`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::readv_at(3, vec![Vec::with_capacity(16); 2], 0);
    /// ```
    pub fn readv_at(fd: RawFd, bufs: Vec<B>, offset: u64) -> Op<B> {
        Op::new(fd, Spec::Readv(bufs, offset))
    }

    /// Writes the initialized bytes of each of `bufs` in turn at the file
    /// position; [`Output::Writev`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::writev(1, vec![b"a".to_vec(), b"b".to_vec()]);
    /// ```
    pub fn writev(fd: RawFd, bufs: Vec<B>) -> Op<B> {
        Op::writev_at(fd, bufs, AT_POSITION)
    }

    /// Writes the initialized bytes of each of `bufs` in turn at byte
    /// `offset` of a file; [`Output::Writev`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::writev_at(3, vec![b"a".to_vec(), b"b".to_vec()], 10);
    /// ```
    pub fn writev_at(fd: RawFd, bufs: Vec<B>, offset: u64) -> Op<B> {
        Op::new(fd, Spec::Writev(bufs, offset))
    }

    /// Receives from a connected socket into `buf`; [`Output::Recv`] with
    /// `Ok(0)` at end of stream.
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::recv(3, Vec::with_capacity(1500));
    /// ```
    pub fn recv(fd: RawFd, buf: B) -> Op<B> {
        Op::new(fd, Spec::Recv(buf))
    }

    /// Sends `buf`'s initialized bytes on a connected socket (never raising
    /// `SIGPIPE`: a gone peer is an `EPIPE` error); [`Output::Send`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::send(3, b"ping".to_vec());
    /// ```
    pub fn send(fd: RawFd, buf: B) -> Op<B> {
        Op::new(fd, Spec::Send(buf))
    }

    /// Receives one datagram into `buf`, with the sender's address
    /// (`None` for a peer that is not an IP socket); [`Output::RecvFrom`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::recv_from(3, Vec::with_capacity(1500));
    /// ```
    pub fn recv_from(fd: RawFd, buf: B) -> Op<B> {
        Op::new(fd, Spec::RecvFrom(buf))
    }

    /// Sends `buf`'s initialized bytes as one datagram to `addr`;
    /// [`Output::SendTo`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op = zio::cq::Op::send_to(3, b"hi".to_vec(), "127.0.0.1:9".parse().unwrap());
    /// ```
    pub fn send_to(fd: RawFd, buf: B, addr: SocketAddr) -> Op<B> {
        Op::new(fd, Spec::SendTo(buf, addr))
    }

    /// Accepts one connection on a listening socket; [`Output::Accept`]
    /// with the new socket (close-on-exec, blocking mode) and the peer's
    /// address. A nonblocking listener may report `WouldBlock` on some
    /// kernels and on the epoll backend: wait with [`Op::poll`] and retry.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::accept(3);
    /// ```
    pub fn accept(fd: RawFd) -> Op<B> {
        Op::new(fd, Spec::Accept)
    }

    /// Connects a socket to `addr`; [`Output::Connect`]. Put the socket in
    /// nonblocking mode first if the epoll backend may run the op: a
    /// connect in progress then completes when the socket is writable.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::connect(3, "127.0.0.1:80".parse().unwrap());
    /// ```
    pub fn connect(fd: RawFd, addr: SocketAddr) -> Op<B> {
        Op::new(fd, Spec::Connect(addr))
    }

    /// Closes `fd`; [`Output::Close`].
    ///
    /// # Examples
    ///
    /// ```
    /// let file = std::fs::File::open("/dev/null").unwrap();
    /// let op: zio::cq::Op = zio::cq::Op::close(file.into());
    /// ```
    pub fn close(fd: OwnedFd) -> Op<B> {
        Op::without_fd(Spec::Close(fd))
    }

    /// Opens `path` (relative to the current directory) with the
    /// `open(2)` `flags` (`libc::O_RDONLY`, ...; `O_CLOEXEC` is always
    /// added) and, when it creates a file, `mode`; [`Output::Open`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `path` contains a NUL byte.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::open("/etc/hostname", libc::O_RDONLY, 0)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn open(path: impl AsRef<Path>, flags: i32, mode: u32) -> io::Result<Op<B>> {
        let path = cstr(path.as_ref())?;
        Ok(Op::without_fd(Spec::Open(
            path,
            flags | libc::O_CLOEXEC,
            mode,
        )))
    }

    /// Flushes a file's data and metadata to its device; [`Output::Fsync`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::fsync(3);
    /// ```
    pub fn fsync(fd: RawFd) -> Op<B> {
        Op::new(fd, Spec::Fsync(false))
    }

    /// Flushes a file's data (and only the metadata needed to read it
    /// back); [`Output::Fsync`].
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::fdatasync(3);
    /// ```
    pub fn fdatasync(fd: RawFd) -> Op<B> {
        Op::new(fd, Spec::Fsync(true))
    }

    /// The metadata of `path`, following symlinks; [`Output::Statx`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `path` contains a NUL byte.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::statx("/")?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn statx(path: impl AsRef<Path>) -> io::Result<Op<B>> {
        let path = cstr(path.as_ref())?;
        Ok(Op::without_fd(Spec::Statx(path)))
    }

    /// Shuts down the reading, writing or both halves of a socket;
    /// [`Output::Shutdown`]. (io_uring has it from Linux 5.11; before, it
    /// runs as the syscall on the blocking pool.)
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::shutdown(3, std::net::Shutdown::Write);
    /// ```
    pub fn shutdown(fd: RawFd, how: Shutdown) -> Op<B> {
        Op::new(fd, Spec::Shutdown(how))
    }

    /// Waits until `fd` is ready for `interest` (or has an error or a
    /// hang-up, which are always reported); [`Output::Poll`] with the
    /// `poll(2)` `revents` bits.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::cq::{Interest, Op};
    /// let op: Op = Op::poll(3, Interest::Writable);
    /// ```
    pub fn poll(fd: RawFd, interest: Interest) -> Op<B> {
        let interest = match interest {
            Interest::Readable => RInterest::Read,
            Interest::Writable => RInterest::Write,
        };
        Op::new(fd, Spec::Poll(interest))
    }

    /// Truncates or extends a file to `len` bytes (`ftruncate(2)`; io_uring
    /// has it from Linux 6.9, before that it runs as the syscall on the
    /// blocking pool); [`Output::Ftruncate`]. A `len` past `i64::MAX`
    /// fails with `InvalidInput`.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::ftruncate(3, 4096);
    /// ```
    pub fn ftruncate(fd: RawFd, len: u64) -> Op<B> {
        Op::new(fd, Spec::Ftruncate(len))
    }

    /// Renames `from` to `to`, replacing `to` if it exists
    /// (`rename(2)`); [`Output::Rename`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if a path contains a NUL byte.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::rename("a.tmp", "a")?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<Op<B>> {
        let spec = Spec::Rename(cstr(from.as_ref())?, cstr(to.as_ref())?);
        Ok(Op::without_fd(spec))
    }

    /// Removes a file, or a symlink itself (`unlink(2)`);
    /// [`Output::Unlink`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `path` contains a NUL byte.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::unlink("a.tmp")?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn unlink(path: impl AsRef<Path>) -> io::Result<Op<B>> {
        Ok(Op::without_fd(Spec::Unlink(cstr(path.as_ref())?, false)))
    }

    /// Removes an empty directory (`rmdir(2)`); [`Output::Unlink`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `path` contains a NUL byte.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::rmdir("empty")?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn rmdir(path: impl AsRef<Path>) -> io::Result<Op<B>> {
        Ok(Op::without_fd(Spec::Unlink(cstr(path.as_ref())?, true)))
    }

    /// Creates a directory with permission bits `mode` (less the umask;
    /// `mkdir(2)`); [`Output::Mkdir`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `path` contains a NUL byte.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::mkdir("out", 0o755)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn mkdir(path: impl AsRef<Path>, mode: u32) -> io::Result<Op<B>> {
        Ok(Op::without_fd(Spec::Mkdir(cstr(path.as_ref())?, mode)))
    }

    /// Creates the symlink `link` pointing at `target` (`symlink(2)`);
    /// [`Output::Symlink`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if a path contains a NUL byte.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::symlink("data-v2", "data")?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<Op<B>> {
        let spec = Spec::Symlink(cstr(target.as_ref())?, cstr(link.as_ref())?);
        Ok(Op::without_fd(spec))
    }

    /// Creates the hard link `link` to the file `original` (`link(2)`;
    /// a symlink `original` is not followed); [`Output::Link`].
    ///
    /// # Errors
    ///
    /// `InvalidInput` if a path contains a NUL byte.
    ///
    /// # Examples
    ///
    /// ```
    /// let op: zio::cq::Op = zio::cq::Op::link("a", "b")?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<Op<B>> {
        let spec = Spec::Link(cstr(original.as_ref())?, cstr(link.as_ref())?);
        Ok(Op::without_fd(spec))
    }
}
