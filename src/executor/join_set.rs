//! `JoinSet`: a set of tasks joined in the order they complete.
//!
//! Each member is polled with a waker of its own that, when the task
//! completes (or is woken for any reason), puts the member on a ready list
//! and wakes whoever waits on the set. `join_next` polls only the members on
//! that list, so it returns tasks in completion order and costs O(1) per
//! wake, not O(members).

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use atomic_waker::AtomicWaker;
use slab::Slab;

use super::handle::Handle;
use super::join::{AbortHandle, JoinError, JoinHandle};

/// A collection of tasks spawned on a runtime, joined in completion order.
/// Dropping the set aborts every task still in it.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut set = zio::task::JoinSet::new();
/// for i in 0..5 {
///     set.spawn(async move { i * 10 });
/// }
/// let mut total = 0;
/// while let Some(res) = set.join_next().await {
///     total += res.unwrap();
/// }
/// assert_eq!(total, 100);
/// # });
/// ```
pub struct JoinSet<T> {
    members: Slab<Member<T>>,
    ready: Arc<ReadyList>,
}

struct Member<T> {
    handle: JoinHandle<T>,
    waker: Arc<MemberWaker>,
    /// The output, if the task was already done when it joined the set.
    done: Option<Result<T, JoinError>>,
}

struct ReadyList {
    keys: Mutex<VecDeque<usize>>,
    waker: AtomicWaker,
}

struct MemberWaker {
    key: usize,
    queued: AtomicBool,
    list: Arc<ReadyList>,
}

impl Wake for MemberWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.list
                .keys
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back(self.key);
            self.list.waker.wake();
        }
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: zio::task::JoinSet<()> = zio::task::JoinSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            members: Slab::new(),
            ready: Arc::new(ReadyList {
                keys: Mutex::new(VecDeque::new()),
                waker: AtomicWaker::new(),
            }),
        }
    }

    /// Number of tasks in the set (running or finished but not joined).
    ///
    /// # Examples
    ///
    /// ```
    /// let set: zio::task::JoinSet<()> = zio::task::JoinSet::new();
    /// assert_eq!(set.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the set is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: zio::task::JoinSet<u8> = zio::task::JoinSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    fn insert(&mut self, mut handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let entry = self.members.vacant_entry();
        let waker = Arc::new(MemberWaker {
            key: entry.key(),
            queued: AtomicBool::new(false),
            list: self.ready.clone(),
        });
        // Register the member's waker now, so the ready list records
        // completions in the order they happen, also before the first
        // `join_next`.
        let task_waker = Waker::from(waker.clone());
        let done = match Pin::new(&mut handle).poll(&mut Context::from_waker(&task_waker)) {
            Poll::Ready(out) => {
                waker.wake_by_ref();
                Some(out)
            }
            Poll::Pending => None,
        };
        entry.insert(Member {
            handle,
            waker,
            done,
        });
        abort
    }

    /// Polls for the next task to complete. `Ready(None)` when the set is
    /// empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// let r = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
    /// assert_eq!(r.unwrap().unwrap(), 1);
    /// # });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.members.is_empty() {
            return Poll::Ready(None);
        }
        self.ready.waker.register(cx.waker());
        loop {
            let key = self
                .ready
                .keys
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop_front();
            let Some(key) = key else {
                return Poll::Pending;
            };
            let Some(member) = self.members.get_mut(key) else {
                continue;
            };
            member.waker.queued.store(false, Ordering::Release);
            if let Some(out) = member.done.take() {
                self.members.remove(key);
                return Poll::Ready(Some(out));
            }
            let waker = Waker::from(member.waker.clone());
            if let Poll::Ready(out) =
                Pin::new(&mut member.handle).poll(&mut Context::from_waker(&waker))
            {
                self.members.remove(key);
                return Poll::Ready(Some(out));
            }
        }
    }

    /// Waits for the next task to complete and returns its output; `None`
    /// when the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a task whose output was not returned stays in the set.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn(async { 2 });
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), 2);
    /// assert!(set.join_next().await.is_none());
    /// # });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// The output of a task that already completed, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut set: zio::task::JoinSet<()> = zio::task::JoinSet::new();
    /// assert!(set.try_join_next().is_none());
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        let waker = Waker::noop();
        match self.poll_join_next(&mut Context::from_waker(waker)) {
            Poll::Ready(out) => out,
            Poll::Pending => None,
        }
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    ///
    /// If a task panicked, the panic is resumed here; if one was aborted,
    /// this panics. Use [`join_next`](Self::join_next) to handle errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// set.spawn(async { 1 });
    /// assert_eq!(set.join_all().await.iter().sum::<i32>(), 2);
    /// # });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(v) => out.push(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("JoinSet::join_all: {e}"),
            }
        }
        out
    }

    /// Aborts every task in the set; they stay in it until joined.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn(std::future::pending::<()>());
    /// set.abort_all();
    /// assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort_all(&mut self) {
        for (_, m) in self.members.iter() {
            m.handle.abort();
        }
    }

    /// Removes every task from the set without aborting it.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn(async {});
    /// set.detach_all();
    /// assert!(set.is_empty());
    /// # });
    /// ```
    pub fn detach_all(&mut self) {
        self.members.clear();
        self.ready
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Aborts every task and waits until all have finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn(std::future::pending::<()>());
    /// set.shutdown().await;
    /// assert!(set.is_empty());
    /// # });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns a task on the current runtime into the set.
    ///
    /// # Panics
    ///
    /// Panics where no zio runtime is entered, like [`crate::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// assert_eq!(set.len(), 1);
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(future))
    }

    /// Spawns a task on the given runtime into the set.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn_on(async { 1 }, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 1);
    /// ```
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Runs `f` on the blocking pool, into the set.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = zio::task::JoinSet::new();
    /// set.spawn_blocking(|| 4);
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), 4);
    /// # });
    /// ```
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(crate::spawn_blocking(f))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a `!Send` task on the calling worker into the set; see
    /// [`spawn_local`](crate::task::spawn_local).
    ///
    /// # Panics
    ///
    /// As [`spawn_local`](crate::task::spawn_local).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = zio::task::JoinSet::new();
    ///     let rc = std::rc::Rc::new(1);
    ///     set.spawn_local(async move { *rc });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn::spawn_local(future))
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
