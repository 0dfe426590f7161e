//! Helpers of the CompletionQueue tests: run a test body where a queue
//! lives (a current-thread runtime, a multi-thread runtime, a plain
//! thread) and wait for completions the way that place waits.

use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use zio::cq::{Completion, CompletionQueue};

/// How the test body waits for completions.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// `wait` / `timed_wait`, blocked on with `zio::block_on`.
    Async,
    /// `wait_blocking` / `timed_wait_blocking`.
    Blocking,
}

/// Waits for the next completion.
pub fn next(cq: &mut CompletionQueue, mode: Mode) -> Option<Completion<Vec<u8>>> {
    match mode {
        Mode::Async => zio::block_on(cq.wait()),
        Mode::Blocking => cq.wait_blocking(),
    }
}

/// Waits for the next completion for at most `limit`.
pub fn next_within(
    cq: &mut CompletionQueue,
    mode: Mode,
    limit: Duration,
) -> Option<Completion<Vec<u8>>> {
    match mode {
        Mode::Async => zio::block_on(cq.timed_wait(limit)),
        Mode::Blocking => cq.timed_wait_blocking(limit),
    }
}

/// Runs `f` on a current-thread runtime, a multi-thread runtime (inside a
/// task) and a plain thread (served by the fallback driver), under a
/// watchdog.
pub fn everywhere(name: &'static str, f: fn(Mode)) {
    super::watchdog(name, move || {
        super::current_rt().block_on(async move { f(Mode::Async) });
        super::multi_rt(2)
            .block_on(async move { zio::spawn(async move { f(Mode::Async) }).await.unwrap() });
        std::thread::spawn(move || f(Mode::Blocking))
            .join()
            .unwrap();
    });
}

/// A pipe in blocking mode: `(read end, write end)`.
pub fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both fds are fresh and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}
