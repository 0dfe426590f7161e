//! The raw io_uring baseline of the file rows: the same reads at the same
//! queue depth, driven by hand with the `io-uring` crate on one thread (no
//! runtime, no tasks, no wakers) — the physical limit the runtimes are
//! shown against.

use std::os::fd::AsRawFd;
use std::path::Path;

use io_uring::{opcode, types, IoUring};

use crate::files::check;
use crate::span::{Sample, Span};

/// The reads of one baseline: `reads` reads of `size` bytes, `depth` in
/// flight, the `i`-th at offset `offset(i)`.
#[derive(Debug, Clone, Copy)]
pub struct Reads<F> {
    /// Bytes per read.
    pub size: usize,
    /// Reads in flight.
    pub depth: usize,
    /// Reads per round.
    pub reads: usize,
    /// The offset of the `i`-th read.
    pub offset: F,
}

/// Queues read `i` into `slot`.
fn push(ring: &mut IoUring, fd: types::Fd, buf: &mut [u8], slot: usize, pos: u64) {
    let sqe = opcode::Read::new(fd, buf.as_mut_ptr(), buf.len() as u32)
        .offset(pos)
        .build()
        .user_data(slot as u64);
    // SAFETY: the buffer lives in the caller's `bufs`, untouched until its
    // completion is reaped; the ring has room for `depth` entries.
    unsafe { ring.submission().push(&sqe).expect("submission queue full") };
}

/// One round. Panics on a short or wrong read.
fn once<F: Fn(usize) -> u64>(ring: &mut IoUring, file: &std::fs::File, r: &Reads<F>) -> Sample {
    let fd = types::Fd(file.as_raw_fd());
    let mut bufs: Vec<Vec<u8>> = (0..r.depth).map(|_| vec![0u8; r.size]).collect();
    let mut pos = vec![0u64; r.depth];
    let mut done = Vec::with_capacity(r.depth);
    let span = Span::new();
    let (mut issued, mut completed) = (0, 0);
    for slot in 0..r.depth.min(r.reads) {
        pos[slot] = (r.offset)(issued);
        push(ring, fd, &mut bufs[slot], slot, pos[slot]);
        issued += 1;
    }
    while completed < r.reads {
        ring.submit_and_wait(1).expect("io_uring_enter");
        done.clear();
        done.extend(
            ring.completion()
                .map(|c| (c.user_data() as usize, c.result())),
        );
        for &(slot, res) in &done {
            assert_eq!(
                res, r.size as i32,
                "raw io_uring read at {}: {res}",
                pos[slot]
            );
            check(&bufs[slot], pos[slot], r.size);
            completed += 1;
            if issued < r.reads {
                pos[slot] = (r.offset)(issued);
                push(ring, fd, &mut bufs[slot], slot, pos[slot]);
                issued += 1;
            }
        }
    }
    span.stop();
    span.sample(r.reads as u64)
}

/// `rounds` rounds of `r` on the file at `path` after `warmup`; `None` if
/// io_uring is not available here (the baseline is then left out).
pub fn baseline<F: Fn(usize) -> u64>(
    path: &Path,
    r: &Reads<F>,
    warmup: usize,
    rounds: usize,
) -> Option<Vec<Sample>> {
    let mut ring = match IoUring::new((2 * r.depth) as u32) {
        Ok(ring) => ring,
        Err(e) => {
            eprintln!("raw io_uring baseline skipped: {e}");
            return None;
        }
    };
    let file = std::fs::File::open(path).expect("open file");
    for _ in 0..warmup {
        once(&mut ring, &file, r);
    }
    Some((0..rounds).map(|_| once(&mut ring, &file, r)).collect())
}
