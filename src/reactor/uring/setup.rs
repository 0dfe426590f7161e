//! Ring construction: ask for the best flags the kernel offers, fall back
//! step by step, and turn a refusal into an error that names its cause.

use std::fmt;
use std::io;

use io_uring::IoUring;

/// Sizes of a ring.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RingConfig {
    /// Submission queue entries (rounded up to a power of two by the kernel).
    pub(crate) sq_entries: u32,
    /// Completion queue entries; `None` lets the kernel pick (2 × SQ).
    pub(crate) cq_entries: Option<u32>,
}

impl Default for RingConfig {
    fn default() -> RingConfig {
        RingConfig {
            sq_entries: 256,
            cq_entries: Some(4096),
        }
    }
}

/// io_uring could not be set up; says why in words a user can act on.
#[derive(Debug)]
pub(crate) struct SetupError {
    pub(crate) error: io::Error,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self.error.raw_os_error() {
            Some(libc::EPERM) => {
                "io_uring is not permitted here (a seccomp filter, as in many container \
                 runtimes, or sysctl kernel.io_uring_disabled)"
            }
            Some(libc::ENOSYS) => "this kernel has no io_uring (Linux 5.10 or newer is needed)",
            Some(libc::ENOMEM) => {
                "not enough locked memory for the ring: raise RLIMIT_MEMLOCK (ulimit -l) \
                 or use a kernel >= 5.12, which accounts rings to the memory cgroup"
            }
            Some(libc::EINVAL) => "this kernel does not support the ring parameters zio needs",
            _ => "io_uring setup failed",
        };
        write!(f, "{hint}: {}", self.error)
    }
}

impl std::error::Error for SetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<SetupError> for io::Error {
    fn from(e: SetupError) -> io::Error {
        io::Error::new(e.error.kind(), e.to_string())
    }
}

/// Flag sets to try, best first. A pinned ring is only ever entered by the
/// thread that created it, which lets it use `SINGLE_ISSUER` and
/// `DEFER_TASKRUN` (completions are posted only when that thread asks).
fn candidates(pinned: bool) -> &'static [u8] {
    const SINGLE_ISSUER: u8 = 1;
    const DEFER_TASKRUN: u8 = 2;
    const COOP_TASKRUN: u8 = 4;
    if pinned {
        &[
            SINGLE_ISSUER | DEFER_TASKRUN,
            SINGLE_ISSUER | COOP_TASKRUN,
            COOP_TASKRUN,
            0,
        ]
    } else {
        &[COOP_TASKRUN, 0]
    }
}

pub(crate) fn build(config: &RingConfig, pinned: bool) -> Result<IoUring, SetupError> {
    let mut last = None;
    for &flags in candidates(pinned) {
        let mut builder = IoUring::builder();
        if let Some(cq) = config.cq_entries {
            builder.setup_cqsize(cq.max(config.sq_entries));
        }
        builder.setup_clamp();
        if flags & 1 != 0 {
            builder.setup_single_issuer();
        }
        if flags & 2 != 0 {
            // TASKRUN_FLAG tells us when deferred completions wait, so a
            // non-blocking poll can skip the syscall when none do.
            builder.setup_defer_taskrun().setup_taskrun_flag();
        }
        if flags & 4 != 0 {
            builder.setup_coop_taskrun().setup_taskrun_flag();
        }
        match builder.build(config.sq_entries) {
            // Without NODROP (kernels before 5.5) an overflowing CQ loses
            // completions, and with them the ops' buffers: refuse.
            Ok(ring) if !ring.params().is_feature_nodrop() => {
                return Err(SetupError {
                    error: io::Error::from_raw_os_error(libc::ENOSYS),
                })
            }
            Ok(ring) => return Ok(ring),
            // Unknown flags: try the next, more modest set.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => last = Some(e),
            Err(error) => return Err(SetupError { error }),
        }
    }
    Err(SetupError {
        error: last.unwrap_or_else(|| io::Error::from_raw_os_error(libc::EINVAL)),
    })
}
