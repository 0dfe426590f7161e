//! The raw io_uring baseline for `file_rand_4k`: the same random 4 KiB
//! reads at the same queue depth, driven by hand with the `io-uring` crate
//! on one thread (no runtime, no tasks, no wakers): the physical limit
//! the runtimes are measured against.

use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use io_uring::{opcode, types, IoUring};

use crate::files::{check, next, seed, PAGE};

/// One round: `reads` random 4 KiB reads of the file at `path` (of
/// `file_size` bytes), `depth` in flight. Panics on a short or wrong read.
fn once(
    ring: &mut IoUring,
    file: &std::fs::File,
    file_size: u64,
    depth: usize,
    reads: usize,
) -> Duration {
    let pages = file_size / PAGE as u64;
    let fd = types::Fd(file.as_raw_fd());
    let mut bufs: Vec<Vec<u8>> = (0..depth).map(|_| vec![0u8; PAGE]).collect();
    let mut pos = vec![0u64; depth];
    let mut rng = seed(usize::MAX);
    let mut done_cqes = Vec::with_capacity(depth);
    let start = Instant::now();
    let mut issued = 0;
    let mut completed = 0;
    let mut push = |ring: &mut IoUring, slot: usize, bufs: &mut [Vec<u8>], pos: &mut [u64]| {
        pos[slot] = (next(&mut rng) % pages) * PAGE as u64;
        let sqe = opcode::Read::new(fd, bufs[slot].as_mut_ptr(), PAGE as u32)
            .offset(pos[slot])
            .build()
            .user_data(slot as u64);
        // SAFETY: the buffer lives in `bufs`, untouched until its
        // completion is reaped below.
        unsafe { ring.submission().push(&sqe).expect("submission queue full") };
    };
    for slot in 0..depth.min(reads) {
        push(ring, slot, &mut bufs, &mut pos);
        issued += 1;
    }
    while completed < reads {
        ring.submit_and_wait(1).expect("io_uring_enter");
        done_cqes.clear();
        done_cqes.extend(
            ring.completion()
                .map(|c| (c.user_data() as usize, c.result())),
        );
        for &(slot, res) in &done_cqes {
            assert_eq!(
                res, PAGE as i32,
                "raw io_uring read at {}: result {res}",
                pos[slot]
            );
            check(&bufs[slot], pos[slot], PAGE);
            completed += 1;
            if issued < reads {
                push(ring, slot, &mut bufs, &mut pos);
                issued += 1;
            }
        }
    }
    start.elapsed()
}

/// Times `rounds` rounds after `warmup`; `None` if io_uring is not
/// available here (the row is then left out).
pub fn rand_4k(
    path: &Path,
    file_size: u64,
    depth: usize,
    reads: usize,
    warmup: usize,
    rounds: usize,
) -> Option<Vec<Duration>> {
    let mut ring = match IoUring::new((2 * depth) as u32) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("raw io_uring baseline skipped: {e}");
            return None;
        }
    };
    let file = std::fs::File::open(path).expect("open file");
    for _ in 0..warmup {
        once(&mut ring, &file, file_size, depth, reads);
    }
    Some(
        (0..rounds)
            .map(|_| once(&mut ring, &file, file_size, depth, reads))
            .collect(),
    )
}
