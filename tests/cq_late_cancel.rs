//! A cancel that reaches the op's driver after the op completed and its
//! owner already took the result back (the cell idle, its data gone, or
//! already carrying the next op) is ignored: the driver keeps serving, and
//! every op completes exactly once, with its result or `Interrupted`.
//!
//! The race needs the cancels to cross threads: the queue lives on a plain
//! thread (its ops run on the fallback driver, which turns by itself) or in
//! a task of a multi-thread runtime (file reads may run on an idle
//! sibling's ring). Each round starts a batch, cancels all of it about when
//! it completes, and takes the completions as soon as they are published,
//! while the driver is still working through the cancel requests. CI runs
//! this file with `ZIO_BACKEND=uring` and `ZIO_BACKEND=epoll`; on epoll the
//! file reads run on the blocking pool, which a cancel leaves alone.

mod common;

use std::io::{ErrorKind, Write as _};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use zio::cq::{Completion, CompletionQueue, Op, Output};

/// Ops per batch.
const BATCH: u64 = 64;

/// How long a bounded wait for something that must happen may take.
const PATIENCE: Duration = Duration::from_secs(20);

/// Asserts `c` either did its work (a timeout that passed, a full read of
/// the file's ones) or was cancelled.
fn assert_done_or_cancelled(c: &Completion<Vec<u8>>) {
    match c.output() {
        Output::Timeout(Ok(())) => {}
        Output::Read(Ok(n), buf) => {
            assert_eq!(*n, 4096);
            assert!(buf.iter().all(|&b| b == 1));
        }
        Output::Timeout(Err(e)) | Output::Read(Err(e), _) => {
            assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}")
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// A file of 4 KiB of ones, to read from.
fn file() -> std::fs::File {
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&[1; 4096]).unwrap();
    f
}

/// Submits a batch (timeouts of 50 µs, and file reads when `fd` is given),
/// waits `before_cancel`, then cancels every op. Returns the tokens'
/// bitmap to tick off.
fn start_batch(cq: &mut CompletionQueue, fd: Option<RawFd>, before_cancel: Duration) -> u64 {
    for token in 0..BATCH {
        let op = match fd {
            Some(fd) if token % 2 == 1 => Op::read_at(fd, vec![0; 4096], 0),
            _ => Op::timeout(Duration::from_micros(50)),
        };
        cq.submit(op, token).unwrap();
    }
    let start = Instant::now();
    while start.elapsed() < before_cancel {
        std::hint::spin_loop();
    }
    cq.cancel_all();
    u64::MAX
}

/// Ticks `c`'s token off `left`, checking it comes once.
fn tick(left: &mut u64, c: &Completion<Vec<u8>>) {
    let bit = 1 << c.token();
    assert_ne!(*left & bit, 0, "token {} completed twice", c.token());
    *left &= !bit;
    assert_done_or_cancelled(c);
}

#[test]
fn late_cancels_from_a_plain_thread_are_ignored() {
    common::watchdog("late_cancels_from_a_plain_thread_are_ignored", || {
        std::thread::spawn(|| {
            let file = file();
            let mut cq: CompletionQueue = CompletionQueue::with_capacity(BATCH as usize);
            for round in 0..2_000u64 {
                let fd = (round % 2 == 1).then(|| file.as_raw_fd());
                let mut left = start_batch(&mut cq, fd, Duration::from_micros(40 + round % 30));
                // Take each completion the moment it is published: no
                // waiting in zio, which would let the driver finish first.
                let deadline = Instant::now() + PATIENCE;
                while left != 0 {
                    match cq.try_next() {
                        Some(c) => tick(&mut left, &c),
                        None => assert!(Instant::now() < deadline, "round {round}: ops lost"),
                    }
                }
            }
            // The driver that took the late cancels still serves.
            cq.submit(Op::nop(), 7).unwrap();
            let c = cq.timed_wait_blocking(PATIENCE).expect("nop completes");
            assert_eq!(c.token(), 7);
            assert!(cq.is_empty());
        })
        .join()
        .unwrap();
    });
}

#[test]
fn late_cancels_on_a_multi_thread_runtime_are_ignored() {
    common::watchdog("late_cancels_on_a_multi_thread_runtime_are_ignored", || {
        common::multi_rt(2).block_on(async {
            zio::spawn(async {
                let file = file();
                let mut cq: CompletionQueue = CompletionQueue::with_capacity(BATCH as usize);
                for round in 0..500u64 {
                    let before_cancel = Duration::from_micros(round % 60);
                    let mut left = start_batch(&mut cq, Some(file.as_raw_fd()), before_cancel);
                    while left != 0 {
                        let c = cq.wait().await.expect("the ops complete");
                        tick(&mut left, &c);
                    }
                }
                assert!(cq.is_empty());
            })
            .await
            .unwrap();
        });
    });
}
