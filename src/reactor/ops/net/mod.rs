//! Ops of `net`: one file per operation.
//!
//! Every op holds a `SharedFd` clone of its socket, so the socket closes
//! only after the last op on it completed (a cancelled one included).
//!
//! # Socket modes (measured on Linux 6.18)
//!
//! io_uring arms its internal poll for `ACCEPT`, `CONNECT`, `RECV`,
//! `RECVMSG`, `SEND` and `SENDMSG` whether or not the socket has
//! `O_NONBLOCK`: none of them returned `-EAGAIN` (or `-EINPROGRESS`) to
//! userspace on a nonblocking socket; each waited in the kernel. Older
//! kernels have honoured `O_NONBLOCK` for some ops, so zio does not rely on
//! either behaviour:
//!
//! - Connected stream and datagram sockets stay in **blocking** mode. The
//!   io_uring ops wait in the kernel; the nonblocking paths (the epoll
//!   backend's [`OpCode::syscall`](crate::reactor::OpCode::syscall), the
//!   poll-based compat traits) pass `MSG_DONTWAIT`, which works whatever
//!   the file's mode; blocking calls on plain threads are then ordinary
//!   blocking syscalls.
//! - Listeners are **nonblocking** (`accept4` has no per-call flag), and a
//!   socket is nonblocking while it connects (neither has `connect`). The
//!   callers treat an `EAGAIN`/`EINPROGRESS` from the kernel as "wait for
//!   readiness with a poll op and retry", so they also work on kernels
//!   where io_uring reports them.

mod accept;
mod connect;
mod poll_add;
mod recv;
mod recvmsg;
mod send;
mod sendmsg;
mod shutdown;

pub(crate) use accept::Accept;
pub(crate) use connect::Connect;
pub(crate) use poll_add::PollAdd;
pub(crate) use recv::Recv;
pub(crate) use recvmsg::RecvMsg;
pub(crate) use send::Send;
pub(crate) use sendmsg::SendMsg;
pub(crate) use shutdown::Shutdown;
