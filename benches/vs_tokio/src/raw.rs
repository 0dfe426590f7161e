//! The raw `async-task` baseline: `spawn_many` on the smallest possible
//! single-thread executor (a thread-local `VecDeque` of runnables), the
//! floor for zio's spawn+join cost (target: zio within 3× of it).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use async_task::{Runnable, Task};

use crate::span::{Sample, Span};
use crate::workload::sum;

thread_local! {
    /// The run queue of this thread's raw executor.
    static QUEUE: RefCell<VecDeque<Runnable>> = const { RefCell::new(VecDeque::new()) };
}

/// Spawns `f` on this thread's raw executor.
fn spawn<F>(f: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let schedule = |r| QUEUE.with(|q| q.borrow_mut().push_back(r));
    let (runnable, task) = async_task::spawn(f, schedule);
    runnable.schedule();
    task
}

/// Runs `root` and everything it spawns until `root` completes.
fn block_on<F>(root: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut task = pin!(spawn(root));
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        let next = QUEUE.with(|q| q.borrow_mut().pop_front());
        match next {
            Some(r) => {
                r.run();
            }
            None => match task.as_mut().poll(&mut cx) {
                Poll::Ready(out) => return out,
                Poll::Pending => panic!("raw executor: root task stalled"),
            },
        }
    }
}

/// One `spawn_many` iteration: a root task spawns `tasks` trivial tasks and
/// awaits them. Panics if a task went missing.
fn spawn_many_once(tasks: usize) -> Sample {
    let span = Span::new();
    let done = block_on(async move {
        let handles: Vec<_> = (0..tasks).map(|_| spawn(async { 1u64 })).collect();
        sum(handles).await
    });
    span.stop();
    assert_eq!(done, tasks as u64, "raw async-task spawn_many: wrong count");
    span.sample(done)
}

/// Times `rounds` iterations of raw `spawn_many` after `warmup` untimed ones.
pub fn spawn_many(tasks: usize, warmup: usize, rounds: usize) -> Vec<Sample> {
    for _ in 0..warmup {
        spawn_many_once(tasks);
    }
    (0..rounds).map(|_| spawn_many_once(tasks)).collect()
}
