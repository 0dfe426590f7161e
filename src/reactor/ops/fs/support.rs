//! Which fs opcodes the kernel has, and running an op either way.
//!
//! The opcodes are probed once per process (`IORING_REGISTER_PROBE` on a
//! one-entry ring that is closed right after). An op whose opcode the kernel
//! lacks (`IORING_OP_FTRUNCATE` is 6.9+, `UNLINKAT`/`RENAMEAT` 5.11+,
//! `MKDIRAT`/`SYMLINKAT`/`LINKAT` 5.15+) runs as its plain syscall on the
//! blocking pool. The probe is exact where the other way of detecting it —
//! an `-EINVAL` completion — is ambiguous: `ftruncate` on a file not open
//! for writing fails with `EINVAL` too. Where no ring can be created at all
//! (io_uring disabled or filtered), every op takes the blocking pool, which
//! is also what the epoll backend would do with them.

use std::sync::OnceLock;

use crate::reactor::{Op, OpCode};

/// An fs op: an [`OpCode`] with the io_uring opcode it submits.
pub(crate) trait FsOp: OpCode<Output: Send> {
    /// `IORING_OP_*` of the op's SQE.
    const CODE: u8;
}

/// Bitset of the opcodes the kernel supports, `None` without io_uring.
fn probe() -> Option<[u64; 4]> {
    static PROBE: OnceLock<Option<[u64; 4]>> = OnceLock::new();
    *PROBE.get_or_init(|| {
        let ring = match io_uring::IoUring::new(1) {
            Ok(ring) => ring,
            Err(e) => {
                tracing::debug!("zio::fs: no io_uring ({e}); file ops run on the blocking pool");
                return None;
            }
        };
        let mut probe = io_uring::Probe::new();
        if let Err(e) = ring.submitter().register_probe(&mut probe) {
            tracing::debug!("zio::fs: cannot probe io_uring opcodes ({e})");
            return None;
        }
        let mut bits = [0u64; 4];
        for code in 0..=u8::MAX {
            if probe.is_supported(code) {
                bits[usize::from(code / 64)] |= 1 << (code % 64);
            }
        }
        Some(bits)
    })
}

/// Whether io_uring on this kernel has opcode `code`.
fn is_supported(code: u8) -> bool {
    probe().is_some_and(|bits| bits[usize::from(code / 64)] & (1 << (code % 64)) != 0)
}

/// Runs `op`: through the current driver (io_uring ring, or the epoll
/// backend) when the kernel has its opcode, else as its syscall on the
/// blocking pool.
///
/// # Panics
///
/// If the blocking pool drops the job unrun, which happens only when its
/// runtime shuts down (and then the task awaiting here is being dropped too).
pub(crate) async fn run<T: FsOp>(op: T) -> T::Output {
    if is_supported(T::CODE) {
        return Op::new(op).await;
    }
    let mut op = op;
    let job = crate::spawn_blocking(move || {
        let res = op.syscall();
        op.complete(res, 0)
    });
    match job.await {
        Ok(out) => out,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => panic!("zio::fs: the blocking pool dropped a file operation (runtime shut down)"),
    }
}

#[cfg(test)]
mod tests {
    use io_uring::opcode;

    #[test]
    fn probe_is_consistent() {
        let ftruncate = super::is_supported(opcode::Ftruncate::CODE);
        println!(
            "io_uring probe: {}; IORING_OP_FTRUNCATE supported: {ftruncate}",
            if super::probe().is_some() {
                "ok"
            } else {
                "unavailable"
            }
        );
        if super::probe().is_some() {
            // Older than any kernel zio runs io_uring on.
            assert!(super::is_supported(opcode::Read::CODE));
            assert!(super::is_supported(opcode::OpenAt::CODE));
        }
        // Not an opcode.
        assert!(!super::is_supported(u8::MAX));
    }
}
