//! `SharedFd`: a file descriptor shared by an I/O object and its ops.
//!
//! An op holds a clone for as long as it is in flight (the driver keeps the
//! op's cell, and with it the clone, until the final completion). So the
//! descriptor is closed only after every op on it has completed: it can
//! never be closed while an SQE naming it waits in the ring, and its number
//! can never be reused by another file under an op's feet.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::leftover::Leftover;

#[derive(Clone, Debug)]
pub(crate) struct SharedFd(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    fd: OwnedFd,
    /// Unique in the process: tells this descriptor from an earlier one
    /// with the same number (see [`FileId`]).
    id: u64,
    /// What dropped reads of the socket took, for its next read.
    leftover: Leftover,
}

impl SharedFd {
    pub(crate) fn new(fd: OwnedFd) -> SharedFd {
        // Only uniqueness matters: no other memory is ordered by it.
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        SharedFd(Arc::new(Inner {
            fd,
            id,
            leftover: Leftover::new(),
        }))
    }

    /// What dropped reads of the socket took (see `leftover.rs`).
    pub(crate) fn leftover(&self) -> &Leftover {
        &self.0.leftover
    }

    /// Takes the descriptor back if no op holds it any more.
    pub(crate) fn try_unwrap(self) -> Result<OwnedFd, SharedFd> {
        Arc::try_unwrap(self.0)
            .map(|inner| inner.fd)
            .map_err(SharedFd)
    }
}

impl AsRawFd for SharedFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.fd.as_raw_fd()
    }
}

/// Which open descriptor an op's fd number stands for, as the epoll
/// backend needs to know: it keeps a file registered under its number
/// across ops, and must notice when the number names another file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileId {
    /// A [`SharedFd`]: the same id is the same descriptor, which no op
    /// outlives, so its number means this file for as long as any op
    /// with this id is in flight.
    Shared(u64),
    /// A descriptor the op alone holds (the completion queue's duplicate),
    /// closed after the op: registered for that one op only.
    Private,
}

/// The descriptor an op acts on.
pub(crate) trait OpFd: AsRawFd {
    fn file(&self) -> FileId;

    /// Where a dropped read's bytes go, if the descriptor keeps them.
    fn leftover(&self) -> Option<&Leftover> {
        None
    }
}

impl OpFd for SharedFd {
    fn file(&self) -> FileId {
        FileId::Shared(self.0.id)
    }

    fn leftover(&self) -> Option<&Leftover> {
        Some(SharedFd::leftover(self))
    }
}

/// A bare number: the completion queue's ops, which run on a duplicate of
/// their own (`cq/op.rs`), and tests.
impl OpFd for RawFd {
    fn file(&self) -> FileId {
        FileId::Private
    }
}
