//! Which io_uring opcodes the kernel has.
//!
//! Probed once per process (`IORING_REGISTER_PROBE` on a one-entry ring
//! that is closed right after). An op whose opcode may be missing says so
//! ([`OpCode::probed_opcode`](crate::reactor::OpCode::probed_opcode)); where
//! the kernel lacks it, the driver runs the op's syscall on the blocking
//! pool instead, as the epoll backend does with file ops. The probe is
//! exact where the other way of detecting it — an `-EINVAL` completion —
//! is ambiguous: `ftruncate` on a file not open for writing fails with
//! `EINVAL` too.

use std::sync::OnceLock;

/// Bitset of the opcodes the kernel supports, `None` if it cannot be
/// probed (then no ring can be made either, and no op asks).
fn probe() -> Option<[u64; 4]> {
    static PROBE: OnceLock<Option<[u64; 4]>> = OnceLock::new();
    *PROBE.get_or_init(|| {
        let ring = io_uring::IoUring::new(1)
            .map_err(|e| tracing::debug!("zio: no io_uring to probe ({e})"))
            .ok()?;
        let mut probe = io_uring::Probe::new();
        if let Err(e) = ring.submitter().register_probe(&mut probe) {
            tracing::debug!("zio: cannot probe io_uring opcodes ({e})");
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
pub(crate) fn has_opcode(code: u8) -> bool {
    probe().is_some_and(|bits| bits[usize::from(code / 64)] & (1 << (code % 64)) != 0)
}

#[cfg(test)]
mod tests {
    use io_uring::opcode;

    #[test]
    fn probe_is_consistent() {
        println!(
            "io_uring probe: {}; IORING_OP_FTRUNCATE supported: {}",
            if super::probe().is_some() {
                "ok"
            } else {
                "unavailable"
            },
            super::has_opcode(opcode::Ftruncate::CODE)
        );
        if super::probe().is_some() {
            // Older than any kernel zio runs io_uring on.
            assert!(super::has_opcode(opcode::Read::CODE));
            assert!(super::has_opcode(opcode::OpenAt::CODE));
        }
        // Not an opcode.
        assert!(!super::has_opcode(u8::MAX));
    }
}
