//! `SharedFd`: a file descriptor shared by an I/O object and its ops.
//!
//! An op holds a clone for as long as it is in flight (the driver keeps the
//! op's cell, and with it the clone, until the final completion). So the
//! descriptor is closed only after every op on it has completed: it can
//! never be closed while an SQE naming it waits in the ring, and its number
//! can never be reused by another file under an op's feet.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub(crate) struct SharedFd(Arc<OwnedFd>);

impl SharedFd {
    pub(crate) fn new(fd: OwnedFd) -> SharedFd {
        SharedFd(Arc::new(fd))
    }

    /// Takes the descriptor back if no op holds it any more.
    pub(crate) fn try_unwrap(self) -> Result<OwnedFd, SharedFd> {
        Arc::try_unwrap(self.0).map_err(SharedFd)
    }
}

impl AsRawFd for SharedFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}
