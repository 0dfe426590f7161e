//! A CompletionQueue shared by two tasks: one waits in `poll_next`, the
//! other submits. An op that completes as it is submitted (a nop; on epoll
//! it finishes inside the submit) must wake the waiting task, on every
//! backend and scheduler flavor.

mod common;
use common::*;

use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zio::cq::{CompletionQueue, Op};
use zio::runtime::Runtime;

fn waiter_is_woken_by_another_tasks_submit(rt: &Runtime) {
    let token = rt.block_on(async {
        let cq: Arc<Mutex<CompletionQueue>> =
            Arc::new(Mutex::new(CompletionQueue::with_capacity(4)));
        // Keeps the queue non-empty, so the waiter waits instead of getting
        // `None`; far longer than the watchdog allows.
        cq.lock()
            .unwrap()
            .submit(Op::timeout(Duration::from_secs(3600)), 1)
            .unwrap();
        let waiting = cq.clone();
        let waiter = zio::spawn(async move {
            poll_fn(|cx| waiting.lock().unwrap().poll_next(cx))
                .await
                .map(|c| c.token())
        });
        // Let the waiter register its waker first.
        for _ in 0..10 {
            zio::task::yield_now().await;
        }
        cq.lock().unwrap().submit(Op::nop(), 7).unwrap();
        let token = waiter.await.unwrap();
        cq.lock().unwrap().cancel_all();
        token
    });
    assert_eq!(token, Some(7), "the waiter saw the nop's completion");
}

#[test]
fn cq_waiter_woken_current_thread() {
    watchdog("cq_waiter_woken_current_thread", || {
        waiter_is_woken_by_another_tasks_submit(&current_rt())
    });
}

#[test]
fn cq_waiter_woken_multi_thread() {
    watchdog("cq_waiter_woken_multi_thread", || {
        waiter_is_woken_by_another_tasks_submit(&multi_rt(2))
    });
}
