//! What channels hold in memory. An unbounded channel gives memory back
//! after a burst: once the receiver has drained a burst of 1,000,000
//! values, the channel holds a small fraction of the peak (before, its two
//! swapping buffers each kept the peak capacity for the channel's life).
//! A bounded channel of huge capacity allocates nothing for it up front.
//! A counting global allocator measures the live bytes, per test binary:
//! hence this file of its own, and one test running the checks in turn.

mod common;
use common::*;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use zio::sync::mpsc;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator; only counts on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BURST: u64 = 1_000_000;
/// What the channel may keep once drained: well under one burst's 8 MB.
const KEPT_AT_MOST: isize = 1 << 20;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

#[test]
fn channel_memory() {
    watchdog("channel_memory", || {
        a_huge_capacity_allocates_nothing_up_front();
        a_drained_burst_gives_its_memory_back();
    });
}

/// Bursts sent while the receiver waits, then drained; twice, and once with
/// a concurrent sender thread (the receiver takes the queue in swaps).
fn a_drained_burst_gives_its_memory_back() {
    {
        let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
        let before = live();
        for round in 0..2 {
            for i in 0..BURST {
                tx.send(i).unwrap();
            }
            assert!(live() - before > 8 * BURST as isize, "the burst is queued");
            for i in 0..BURST {
                assert_eq!(rx.try_recv(), Ok(i));
            }
            assert!(rx.try_recv().is_err(), "drained");
            let kept = live() - before;
            assert!(kept < KEPT_AT_MOST, "round {round}: {kept} bytes kept");
        }
        let sender = std::thread::spawn(move || {
            for i in 0..BURST {
                tx.send(i).unwrap();
            }
        });
        for i in 0..BURST {
            assert_eq!(rx.blocking_recv(), Some(i));
        }
        sender.join().unwrap();
        assert_eq!(rx.blocking_recv(), None, "the sender is gone");
        let kept = live() - before;
        assert!(
            kept < KEPT_AT_MOST,
            "after the threaded burst: {kept} bytes kept"
        );
    }
}

/// A capacity far beyond what is ever queued (a bounded channel used as
/// "unbounded") allocates nothing in proportion to it: only a small
/// capacity gets all its slots up front.
fn a_huge_capacity_allocates_nothing_up_front() {
    let before = live();
    let (tx, mut rx) = mpsc::channel::<[u64; 8]>(1 << 40);
    let held = live() - before;
    // A first buffer of at most 1,024 values (64 KiB here), nothing more.
    assert!(held < 128 * 1024, "{held} bytes for an empty channel");
    tx.try_send([7; 8]).unwrap();
    assert_eq!(rx.try_recv(), Ok([7; 8]));
}
