//! A CompletionQueue used inside a current-thread runtime's `block_on` and
//! waited for outside it. Its ops live on that runtime's driver, which
//! turns only inside the runtime's `block_on`: the rule documented on
//! `CompletionQueue` ("Where the ops run"). `block_on` takes one last turn
//! before it returns, so an op that could complete by then (a nop) has;
//! an op whose data comes later (a read of a pipe written after) is not
//! seen by a wait outside (nothing drives that driver, so this is
//! deterministic on both backends), and completes as soon as the runtime
//! runs again. CI runs this file with `ZIO_BACKEND=uring` and
//! `ZIO_BACKEND=epoll`.

mod common;
use common::cq::pipe;
use common::*;

use std::os::fd::AsRawFd;
use std::time::Duration;

use zio::cq::{CompletionQueue, Op, Output};

#[test]
fn ops_of_a_current_thread_runtime_complete_while_it_runs() {
    watchdog("cq_current_thread", || {
        let rt = current_rt();
        let (r, w) = pipe();
        let mut cq: CompletionQueue = CompletionQueue::with_capacity(2);
        rt.block_on(async {
            cq.submit(Op::read(r.as_raw_fd(), Vec::with_capacity(8)), 1)
                .unwrap();
            cq.submit(Op::nop(), 2).unwrap();
        });
        // SAFETY: writes from a live buffer to our pipe.
        let wrote = unsafe { libc::write(w.as_raw_fd(), b"x".as_ptr().cast(), 1) };
        assert_eq!(wrote, 1);
        // Outside the runtime: its driver does not turn, so the read
        // (whose byte is there now) cannot complete; the nop completed in
        // `block_on`'s last turn. Should the runtime learn to keep a driver
        // with ops in flight turning after `block_on` returns, this is
        // where the test says so.
        let nop = cq.timed_wait_blocking(Duration::from_millis(100));
        assert_eq!(
            nop.map(|c| c.token()),
            Some(2),
            "the nop, before block_on returned"
        );
        let outside = cq.timed_wait_blocking(Duration::from_millis(100));
        assert!(
            outside.is_none(),
            "completed outside the runtime: {outside:?}"
        );
        assert_eq!(cq.len(), 1);
        let mut tokens: Vec<u64> = rt.block_on(async {
            let mut tokens = vec![2];
            while let Some(c) = cq.wait().await {
                if let Output::Read(n, buf) = c.output() {
                    assert_eq!((*n.as_ref().unwrap(), &buf[..]), (1, &b"x"[..]));
                }
                tokens.push(c.token());
            }
            tokens
        });
        tokens.sort_unstable();
        assert_eq!(tokens, [1, 2], "both completed once the runtime ran again");
    });
}
