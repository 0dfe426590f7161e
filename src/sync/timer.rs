//! STAND-IN (issue 5) for `crate::time::{sleep_until, Instant}`.
//!
//! The lead is writing `crate::time::sleep_until(deadline) -> Sleep`, served
//! by the zio worker's timer or, off-runtime, a process-wide fallback timer
//! thread. Until it lands, this file is that fallback alone: one lazily
//! started thread with a heap of `(deadline, waker)`. Everything in
//! `zio::sync` reaches timers only through [`sleep_until`] and [`Instant`]
//! re-exported from `sync/timeout.rs`, so swapping is one `use` line there.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};

use atomic_waker::AtomicWaker;

pub(crate) use std::time::Instant;

struct Entry {
    fired: AtomicBool,
    cancelled: AtomicBool,
    waker: AtomicWaker,
}

struct Queued {
    deadline: Instant,
    seq: u64,
    entry: Arc<Entry>,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

#[derive(Default)]
struct Heap {
    heap: BinaryHeap<Reverse<Queued>>,
    seq: u64,
}

struct Timer {
    heap: Mutex<Heap>,
    cv: Condvar,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let t: &'static Timer = Box::leak(Box::new(Timer {
            heap: Mutex::new(Heap::default()),
            cv: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("zio-sync-timer".into())
            .spawn(move || t.run())
            .expect("failed to spawn the zio sync timer thread");
        t
    })
}

impl Timer {
    fn run(&self) {
        let mut heap = self.heap.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = Instant::now();
            while let Some(Reverse(top)) = heap.heap.peek() {
                if top.entry.cancelled.load(Ordering::Relaxed) {
                    heap.heap.pop();
                } else if top.deadline <= now {
                    let Reverse(q) = heap.heap.pop().expect("peeked");
                    q.entry.fired.store(true, Ordering::Release);
                    q.entry.waker.wake();
                } else {
                    break;
                }
            }
            heap = match heap.heap.peek() {
                None => self.cv.wait(heap).unwrap_or_else(PoisonError::into_inner),
                Some(Reverse(top)) => {
                    let wait = top.deadline.saturating_duration_since(now);
                    self.cv
                        .wait_timeout(heap, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    fn insert(&self, deadline: Instant, entry: Arc<Entry>) {
        let mut heap = self.heap.lock().unwrap_or_else(PoisonError::into_inner);
        heap.seq += 1;
        let seq = heap.seq;
        let earliest = heap
            .heap
            .peek()
            .is_none_or(|Reverse(top)| deadline < top.deadline);
        heap.heap.push(Reverse(Queued {
            deadline,
            seq,
            entry,
        }));
        drop(heap);
        if earliest {
            self.cv.notify_one();
        }
    }
}

/// A future that completes at (never before) its deadline.
pub(crate) struct Sleep {
    deadline: Instant,
    entry: Option<Arc<Entry>>,
    _pin: PhantomPinned,
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// Completes at `deadline`.
pub(crate) fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        entry: None,
        _pin: PhantomPinned,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: no field is structurally pinned; we never move `self`.
        let this = unsafe { self.get_unchecked_mut() };
        if Instant::now() >= this.deadline {
            return Poll::Ready(());
        }
        let entry = match &this.entry {
            Some(e) => e,
            None => {
                let e = Arc::new(Entry {
                    fired: AtomicBool::new(false),
                    cancelled: AtomicBool::new(false),
                    waker: AtomicWaker::new(),
                });
                e.waker.register(cx.waker());
                timer().insert(this.deadline, e.clone());
                this.entry.insert(e)
            }
        };
        entry.waker.register(cx.waker());
        if entry.fired.load(Ordering::Acquire) || Instant::now() >= this.deadline {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(e) = &self.entry {
            e.cancelled.store(true, Ordering::Relaxed);
        }
    }
}
