//! Reactor tests: ops through the ring, buffer ownership when futures are
//! dropped mid-flight, ops that outlive their task's worker, tiny rings,
//! shutdown with ops in flight.
//!
//! Buffer ownership is proven directly (no sanitizer sees the kernel write
//! into freed memory): every buffer is a canary that counts its drops and
//! asserts, when dropped, that the driver had already processed its
//! completion.

use std::future::{poll_fn, Future};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::{Duration, Instant};

use io_uring::{opcode, squeue::Entry, types::Fd};

use super::live_ops;
use super::op::{cqe_result, EpollPlan, Interest, Op, OpCode};
use super::ops::{Nop, Read, Timeout, Write};
use crate::runtime::{Builder, Runtime};

/// Tests that count live ops process-wide run one at a time.
pub(super) fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", io::Error::last_os_error());
    // SAFETY: both fds are fresh and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Runs `f` on a thread and fails the test if it takes longer than `limit`.
pub(super) fn watchdog<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("watchdog: the test did not finish within {limit:?}"))
}

pub(super) fn wait_for_no_live_ops() {
    let deadline = Instant::now() + Duration::from_secs(30);
    while live_ops() != 0 {
        assert!(Instant::now() < deadline, "{} ops still live", live_ops());
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn nop_timeout_read_write_on_a_worker_and_off_runtime() {
    let check = || async {
        Op::new(Nop).await.unwrap();
        let start = Instant::now();
        Op::new(Timeout::new(Duration::from_millis(5)))
            .await
            .unwrap();
        assert!(start.elapsed() >= Duration::from_millis(5));
        let (r, w) = pipe();
        let (res, buf) = Op::new(Write::new(w.as_raw_fd(), b"hello".to_vec(), u64::MAX)).await;
        assert_eq!(res.unwrap(), 5);
        assert_eq!(buf, b"hello");
        let (res, buf) = Op::new(Read::new(r.as_raw_fd(), Vec::with_capacity(16), u64::MAX)).await;
        assert_eq!(res.unwrap(), 5);
        assert_eq!(buf, b"hello");
        let (res, _) = Op::new(Read::new(-1, Vec::with_capacity(1), u64::MAX)).await;
        assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    };
    Runtime::new().unwrap().block_on(async move {
        crate::spawn(check()).await.unwrap();
    });
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(check());
    // No runtime: the fallback driver serves the ops.
    crate::block_on(check());
}

/// An op whose opcode the kernel's io_uring lacks (`u8::MAX` names none):
/// the driver must run its syscall on the blocking pool, never submit it.
struct MissingOpcode {
    ran_on: Arc<Mutex<Option<std::thread::ThreadId>>>,
}

impl OpCode for MissingOpcode {
    type Output = io::Result<u32>;

    fn uring_entry(&mut self) -> Entry {
        panic!("an op whose opcode the ring lacks was submitted to it")
    }

    fn probed_opcode(&self) -> Option<u8> {
        Some(u8::MAX)
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Blocking
    }

    fn syscall(&mut self) -> i32 {
        *self.ran_on.lock().unwrap() = Some(std::thread::current().id());
        7
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<u32> {
        cqe_result(res)
    }
}

#[test]
fn an_op_whose_opcode_the_ring_lacks_runs_on_the_blocking_pool() {
    let check = || async {
        let ran_on = Arc::new(Mutex::new(None));
        let op = MissingOpcode {
            ran_on: ran_on.clone(),
        };
        assert_eq!(Op::new(op).await.unwrap(), 7);
        let ran_on = ran_on.lock().unwrap().expect("the syscall ran");
        assert_ne!(ran_on, std::thread::current().id());
        // Dropped while its syscall may be running: it completes anyway.
        let dropped = MissingOpcode {
            ran_on: Arc::new(Mutex::new(None)),
        };
        drop(submit(Op::new(dropped)).await);
        Op::new(Nop).await.unwrap();
    };
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(check());
    crate::block_on(check());
}

/// Counts drops and checks each happens after the op's completion.
pub(super) static CANARY_DROPS: AtomicUsize = AtomicUsize::new(0);

struct Canary {
    buf: Vec<u8>,
    completed: Arc<AtomicBool>,
}

impl Drop for Canary {
    fn drop(&mut self) {
        assert!(
            self.completed.load(Ordering::Acquire),
            "a buffer was released before the kernel completed its op"
        );
        CANARY_DROPS.fetch_add(1, Ordering::AcqRel);
    }
}

/// A read into a canary; marks it completed when the CQE is processed,
/// whether or not the future is still there.
pub(super) struct CanaryRead {
    fd: RawFd,
    canary: Canary,
}

impl OpCode for CanaryRead {
    type Output = io::Result<usize>;

    fn uring_entry(&mut self) -> Entry {
        let buf = &mut self.canary.buf;
        opcode::Read::new(Fd(self.fd), buf.as_mut_ptr(), buf.capacity() as u32).build()
    }

    fn epoll_plan(&self) -> EpollPlan {
        EpollPlan::Ready {
            fd: self.fd,
            file: super::fd::FileId::Private,
            interest: Interest::Read,
        }
    }

    fn syscall(&mut self) -> i32 {
        if !super::op::ready_now(self.fd, Interest::Read) {
            return -libc::EAGAIN;
        }
        let buf = &mut self.canary.buf;
        // SAFETY: reads into the canary's capacity, owned by the op.
        let ret = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.capacity()) };
        super::op::syscall_result(ret)
    }

    fn complete(self, res: i32, _flags: u32) -> io::Result<usize> {
        self.canary.completed.store(true, Ordering::Release);
        cqe_result(res).map(|n| n as usize)
    }

    fn complete_orphan(&mut self, _res: i32) -> Option<std::task::Waker> {
        self.canary.completed.store(true, Ordering::Release);
        None
    }
}

impl CanaryRead {
    pub(super) fn new(fd: RawFd) -> CanaryRead {
        CanaryRead {
            fd,
            canary: Canary {
                buf: Vec::with_capacity(64),
                completed: Arc::new(AtomicBool::new(false)),
            },
        }
    }
}

fn canary_read(fd: RawFd) -> Op<CanaryRead> {
    Op::new(CanaryRead::new(fd))
}

/// Polls `op` once (submitting it) and returns it, still in flight.
async fn submit<T: OpCode>(mut op: Op<T>) -> Op<T> {
    poll_fn(|cx| {
        assert!(Pin::new(&mut op).poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    op
}

#[test]
fn dropped_ops_release_each_buffer_once_after_completion() {
    let _serial = serial();
    watchdog(Duration::from_secs(120), || {
        let before = CANARY_DROPS.load(Ordering::Acquire);
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        const ROUNDS: usize = 100;
        const PER_ROUND: usize = 1000;
        rt.block_on(async {
            let mut tasks = Vec::new();
            for round in 0..ROUNDS {
                tasks.push(crate::spawn(async move {
                    let (r, w) = pipe();
                    let mut ops = Vec::with_capacity(PER_ROUND);
                    for _ in 0..PER_ROUND {
                        ops.push(submit(canary_read(r.as_raw_fd())).await);
                    }
                    // Let some reads complete with data while others are
                    // being cancelled: the kernel writes into those buffers.
                    let data = vec![round as u8; 64 * 10];
                    // SAFETY: writes from a live buffer to our pipe.
                    unsafe { libc::write(w.as_raw_fd(), data.as_ptr().cast(), data.len()) };
                    drop(ops);
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        });
        drop(rt);
        wait_for_no_live_ops();
        assert_eq!(
            CANARY_DROPS.load(Ordering::Acquire) - before,
            ROUNDS * PER_ROUND,
            "every buffer is released exactly once"
        );
    });
}

#[test]
fn ops_polled_and_dropped_on_another_thread_than_their_home() {
    let _serial = serial();
    watchdog(Duration::from_secs(60), || {
        let home = Builder::new_current_thread().build().unwrap();
        let other = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let (r, w) = pipe();
        let rfd = r.as_raw_fd();
        // Submitted on `home`'s driver, completed while polled elsewhere.
        for _ in 0..100 {
            let op = home.block_on(submit(canary_read(rfd)));
            let completed = other.spawn(op);
            // SAFETY: writes one byte from a live buffer to our pipe.
            unsafe { libc::write(w.as_raw_fd(), b"x".as_ptr().cast(), 1) };
            // The home driver reaps the CQE only when it runs: drive it.
            let n = home.block_on(async { completed.await.unwrap().unwrap() });
            assert_eq!(n, 1);
        }
        // Submitted on `home`, dropped on a worker of `other`: the cancel
        // travels to the home driver's inbox.
        let before = CANARY_DROPS.load(Ordering::Acquire);
        for _ in 0..100 {
            let op = home.block_on(submit(canary_read(rfd)));
            other.block_on(async move { crate::spawn(async move { drop(op) }).await.unwrap() });
        }
        home.block_on(async {
            let deadline = Instant::now() + Duration::from_secs(30);
            while live_ops() != 0 {
                assert!(Instant::now() < deadline);
                crate::time::sleep(Duration::from_millis(1)).await;
            }
        });
        assert_eq!(CANARY_DROPS.load(Ordering::Acquire) - before, 100);
        drop((r, w));
    });
}

#[test]
fn runtime_shutdown_with_ten_thousand_ops_in_flight() {
    let _serial = serial();
    watchdog(Duration::from_secs(60), || {
        let before = CANARY_DROPS.load(Ordering::Acquire);
        let (r, _w) = pipe();
        let rfd = r.as_raw_fd();
        for flavor_multi in [true, false] {
            let rt = if flavor_multi {
                Builder::new_multi_thread()
                    .worker_threads(2)
                    .build()
                    .unwrap()
            } else {
                Builder::new_current_thread().build().unwrap()
            };
            rt.block_on(async {
                let started = Arc::new(AtomicUsize::new(0));
                for _ in 0..5_000 {
                    let started = started.clone();
                    crate::spawn(async move {
                        let op = canary_read(rfd);
                        started.fetch_add(1, Ordering::AcqRel);
                        let _ = op.await;
                    });
                }
                while started.load(Ordering::Acquire) < 5_000 {
                    crate::task::yield_now().await;
                }
                crate::task::yield_now().await;
            });
            drop(rt);
        }
        wait_for_no_live_ops();
        assert_eq!(CANARY_DROPS.load(Ordering::Acquire) - before, 10_000);
    });
}

#[test]
fn tiny_ring_completes_ten_thousand_ops() {
    let _serial = serial();
    watchdog(Duration::from_secs(60), || {
        for flavor_multi in [true, false] {
            let mut b = if flavor_multi {
                Builder::new_multi_thread()
            } else {
                Builder::new_current_thread()
            };
            let rt = b.uring_entries(2, 4).build().unwrap();
            let done = rt.block_on(async {
                let mut tasks = Vec::new();
                for i in 0..10_000u32 {
                    tasks.push(crate::spawn(async move {
                        if i % 2 == 0 {
                            Op::new(Nop).await.unwrap();
                        } else {
                            Op::new(Timeout::new(Duration::from_micros(u64::from(i % 50))))
                                .await
                                .unwrap();
                        }
                        1usize
                    }));
                }
                let mut done = 0;
                for t in tasks {
                    done += t.await.unwrap();
                }
                done
            });
            assert_eq!(done, 10_000);
        }
        wait_for_no_live_ops();
    });
}
