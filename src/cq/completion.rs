//! What comes back out of a [`CompletionQueue`]: [`Completion`],
//! [`Output`], [`OpId`]; and [`SubmitError`], what `submit` refuses.
//!
//! [`CompletionQueue`]: super::CompletionQueue

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;

use super::Op;
use crate::fs::Metadata;
use crate::reactor::Key;

/// Names one submitted op, for [`cancel`](super::CompletionQueue::cancel).
///
/// Unique among the ops of one queue that have not been returned yet; an
/// id of an op already returned names nothing (cancelling it does nothing).
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// use zio::cq::{CompletionQueue, Op};
/// let mut cq: CompletionQueue = CompletionQueue::with_capacity(2);
/// let a = cq.submit(Op::nop(), 1).unwrap();
/// let b = cq.submit(Op::nop(), 2).unwrap();
/// assert_ne!(a, b);
/// # });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpId(pub(super) Key);

impl fmt::Debug for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpId({}#{})", self.0.index, self.0.generation)
    }
}

/// What one op produced, by kind of op, with the buffers it owned.
///
/// A cancelled op reports an error of kind [`io::ErrorKind::Interrupted`]
/// (unless it completed before the cancel reached it). Byte counts are
/// those of one syscall: a read or write may be short.
#[derive(Debug)]
#[non_exhaustive]
pub enum Output<B> {
    /// [`Op::nop`].
    Nop(io::Result<()>),
    /// [`Op::timeout`]: `Ok(())` once the time has passed.
    Timeout(io::Result<()>),
    /// [`Op::read`], [`Op::read_at`]: bytes read (`0`: end of file), and
    /// the buffer with that many bytes initialized.
    Read(io::Result<usize>, B),
    /// [`Op::write`], [`Op::write_at`]: bytes written, and the buffer.
    Write(io::Result<usize>, B),
    /// [`Op::readv`], [`Op::readv_at`]: bytes read into the buffers, in
    /// order.
    Readv(io::Result<usize>, Vec<B>),
    /// [`Op::writev`], [`Op::writev_at`]: bytes written from the buffers.
    Writev(io::Result<usize>, Vec<B>),
    /// [`Op::recv`]: bytes received (`0`: the peer shut down its side).
    Recv(io::Result<usize>, B),
    /// [`Op::send`]: bytes sent.
    Send(io::Result<usize>, B),
    /// [`Op::recv_from`]: bytes received and the sender (`None` if it is
    /// not an IP socket).
    RecvFrom(io::Result<(usize, Option<SocketAddr>)>, B),
    /// [`Op::send_to`]: bytes sent.
    SendTo(io::Result<usize>, B),
    /// [`Op::accept`]: the connection and the peer's address.
    Accept(io::Result<(OwnedFd, Option<SocketAddr>)>),
    /// [`Op::connect`].
    Connect(io::Result<()>),
    /// [`Op::close`].
    Close(io::Result<()>),
    /// [`Op::open`]: the opened file.
    Open(io::Result<OwnedFd>),
    /// [`Op::fsync`], [`Op::fdatasync`].
    Fsync(io::Result<()>),
    /// [`Op::statx`].
    Statx(io::Result<Metadata>),
    /// [`Op::shutdown`].
    Shutdown(io::Result<()>),
    /// [`Op::poll`]: the `poll(2)` `revents` bits (`libc::POLLIN`, ...).
    Poll(io::Result<u32>),
    /// [`Op::ftruncate`].
    Ftruncate(io::Result<()>),
    /// [`Op::rename`].
    Rename(io::Result<()>),
    /// [`Op::unlink`], [`Op::rmdir`].
    Unlink(io::Result<()>),
    /// [`Op::mkdir`].
    Mkdir(io::Result<()>),
    /// [`Op::symlink`].
    Symlink(io::Result<()>),
    /// [`Op::link`].
    Link(io::Result<()>),
}

impl<B> Output<B> {
    /// The op's error, if it failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::cq::Output;
    /// let out: Output<Vec<u8>> = Output::Nop(Err(std::io::ErrorKind::Interrupted.into()));
    /// assert_eq!(out.error().unwrap().kind(), std::io::ErrorKind::Interrupted);
    /// ```
    pub fn error(&self) -> Option<&io::Error> {
        fn err<T>(r: &io::Result<T>) -> Option<&io::Error> {
            r.as_ref().err()
        }
        match self {
            Output::Nop(r)
            | Output::Timeout(r)
            | Output::Connect(r)
            | Output::Close(r)
            | Output::Fsync(r)
            | Output::Shutdown(r)
            | Output::Ftruncate(r)
            | Output::Rename(r)
            | Output::Unlink(r)
            | Output::Mkdir(r)
            | Output::Symlink(r)
            | Output::Link(r) => err(r),
            Output::Read(r, _)
            | Output::Write(r, _)
            | Output::Recv(r, _)
            | Output::Send(r, _)
            | Output::SendTo(r, _)
            | Output::Readv(r, _)
            | Output::Writev(r, _) => err(r),
            Output::RecvFrom(r, _) => err(r),
            Output::Accept(r) => err(r),
            Output::Open(r) => err(r),
            Output::Statx(r) => err(r),
            Output::Poll(r) => err(r),
        }
    }
}

/// One finished op: the caller's token, the op's id and its [`Output`].
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// use zio::cq::{CompletionQueue, Op, Output};
/// let mut cq: CompletionQueue = CompletionQueue::with_capacity(1);
/// cq.submit(Op::nop(), 7).unwrap();
/// let c = cq.wait().await.unwrap();
/// assert_eq!(c.token(), 7);
/// assert!(matches!(c.into_output(), Output::Nop(Ok(()))));
/// # });
/// ```
#[derive(Debug)]
pub struct Completion<B> {
    pub(super) token: u64,
    pub(super) id: OpId,
    pub(super) output: Output<B>,
}

impl<B> Completion<B> {
    /// The token given to [`submit`](super::CompletionQueue::submit).
    ///
    /// # Examples
    ///
    /// See [`Completion`].
    pub fn token(&self) -> u64 {
        self.token
    }

    /// The id `submit` returned for this op.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let mut cq: zio::cq::CompletionQueue = zio::cq::CompletionQueue::with_capacity(1);
    /// let id = cq.submit(zio::cq::Op::nop(), 0).unwrap();
    /// assert_eq!(cq.wait().await.unwrap().id(), id);
    /// # });
    /// ```
    pub fn id(&self) -> OpId {
        self.id
    }

    /// What the op produced.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let mut cq: zio::cq::CompletionQueue = zio::cq::CompletionQueue::with_capacity(1);
    /// cq.submit(zio::cq::Op::nop(), 0).unwrap();
    /// assert!(cq.wait().await.unwrap().output().error().is_none());
    /// # });
    /// ```
    pub fn output(&self) -> &Output<B> {
        &self.output
    }

    /// What the op produced, with its buffers.
    ///
    /// # Examples
    ///
    /// See [`Completion`].
    pub fn into_output(self) -> Output<B> {
        self.output
    }
}

/// Why [`submit`](super::CompletionQueue::submit) refused an op; carries
/// the op back.
///
/// # Examples
///
/// ```
/// use zio::cq::{CompletionQueue, Op, SubmitError};
/// # zio::block_on(async {
/// let mut cq: CompletionQueue = CompletionQueue::with_capacity(1);
/// cq.submit(Op::timeout(std::time::Duration::from_secs(60)), 0).unwrap();
/// let err = cq.submit(Op::nop(), 1).unwrap_err();
/// assert!(matches!(err, SubmitError::Full(_)));
/// let _op: Op = err.into_op();
/// # });
/// ```
pub enum SubmitError<B> {
    /// As many ops as the queue's capacity are in flight or waiting to be
    /// returned; take some completions first.
    Full(Op<B>),
    /// The queue was [`close`](super::CompletionQueue::close)d.
    Closed(Op<B>),
}

impl<B> SubmitError<B> {
    /// The op that was not submitted.
    ///
    /// # Examples
    ///
    /// See [`SubmitError`].
    pub fn into_op(self) -> Op<B> {
        match self {
            SubmitError::Full(op) | SubmitError::Closed(op) => op,
        }
    }
}

impl<B> fmt::Debug for SubmitError<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Full(op) => f.debug_tuple("Full").field(op).finish(),
            SubmitError::Closed(op) => f.debug_tuple("Closed").field(op).finish(),
        }
    }
}

impl<B> fmt::Display for SubmitError<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubmitError::Full(_) => {
                "completion queue is full: take completions before submitting more"
            }
            SubmitError::Closed(_) => "completion queue is closed",
        })
    }
}

impl<B> std::error::Error for SubmitError<B> {}
