//! CompletionQueue allocates nothing per operation: a counting global
//! allocator sees zero allocations across 10,000 submit/wait cycles on the
//! io_uring backend (the global allocator is per test binary, hence this
//! file of its own).

mod common;
use common::*;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use zio::cq::{CompletionQueue, Op, Output};
use zio::runtime::IoBackend;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BATCH: usize = 8;

/// One cycle: a batch of nops, timeouts and file reads submitted, then
/// waited for; the read buffers come back and go out again.
async fn cycle(cq: &mut CompletionQueue, fd: i32, bufs: &mut Vec<Vec<u8>>) {
    for i in 0..BATCH {
        let op = match i % 4 {
            0 => Op::nop(),
            1 => Op::timeout(Duration::ZERO),
            _ => Op::read_at(fd, bufs.pop().expect("buffer"), (i * 512) as u64),
        };
        cq.submit(op, i as u64).expect("capacity");
    }
    while let Some(c) = cq.wait().await {
        match c.into_output() {
            Output::Read(n, buf) => {
                assert_eq!(n.expect("read"), 512);
                bufs.push(buf);
            }
            out => assert!(out.error().is_none()),
        }
    }
}

#[test]
fn ten_thousand_submit_wait_cycles_allocate_nothing() {
    watchdog("cq_alloc", || {
        let rt = current_rt();
        if rt.handle().io_backend() != IoBackend::IoUring {
            eprintln!("skipped: the allocation count is checked on io_uring");
            return;
        }
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[1u8; 512 * BATCH]).unwrap();
        let fd = file.as_raw_fd();
        let allocations = rt.block_on(async move {
            let mut bufs: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(512)).collect();
            // Grow the runtime's own scratch space (run queues, wake lists)
            // to its high-water mark with a queue of the same shape.
            let mut warm_up = CompletionQueue::with_capacity(BATCH);
            cycle(&mut warm_up, fd, &mut bufs).await;
            drop(warm_up);
            let mut cq = CompletionQueue::with_capacity(BATCH);
            COUNTING.store(true, Ordering::SeqCst);
            for _ in 0..10_000 {
                cycle(&mut cq, fd, &mut bufs).await;
            }
            COUNTING.store(false, Ordering::SeqCst);
            ALLOCATIONS.load(Ordering::SeqCst)
        });
        drop(file);
        assert_eq!(allocations, 0, "allocations in 10,000 submit/wait cycles");
    });
}
