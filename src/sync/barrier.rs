//! [`Barrier`]: `n` tasks or threads wait until all of them have arrived.

use crate::loom::sync::Mutex;
use crate::sync::blocking;
use crate::sync::notify::Notify;

/// Lets `n` tasks (on any executors) or threads meet: each `wait` blocks
/// until `n` of them have called it, then all proceed and the barrier
/// resets for the next round. Exactly one waiter per round is the leader.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zio::sync::Barrier;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let threads: Vec<_> = (0..2)
///     .map(|_| {
///         let b = barrier.clone();
///         std::thread::spawn(move || b.blocking_wait().is_leader())
///     })
///     .collect();
/// let me = futures::executor::block_on(barrier.wait()).is_leader();
/// let leaders = threads.into_iter().map(|t| t.join().unwrap()).filter(|&l| l).count();
/// assert_eq!(leaders + me as usize, 1);
/// ```
#[derive(Debug)]
pub struct Barrier {
    n: usize,
    state: Mutex<State>,
    notify: Notify,
}

#[derive(Debug)]
struct State {
    arrived: usize,
    generation: u64,
}

/// What [`Barrier::wait`] returns.
///
/// # Examples
///
/// ```
/// let b = zio::sync::Barrier::new(1);
/// assert!(b.blocking_wait().is_leader());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this waiter completed the round (exactly one per round).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = zio::sync::Barrier::new(1);
    /// assert!(futures::executor::block_on(b.wait()).is_leader());
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` waiters (`n == 0` behaves like 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let _b = zio::sync::Barrier::new(4);
    /// ```
    pub fn new(n: usize) -> Self {
        Barrier {
            n: n.max(1),
            state: Mutex::new(State {
                arrived: 0,
                generation: 0,
            }),
            notify: Notify::new(),
        }
    }

    /// Waits until `n` waiters have arrived.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the arrival is counted when the future is first
    /// polled; dropping it afterwards still counts it for this round.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = zio::sync::Barrier::new(1);
    /// futures::executor::block_on(b.wait());
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        let notified = {
            let mut st = self.state.lock();
            st.arrived += 1;
            if st.arrived == self.n {
                st.arrived = 0;
                st.generation += 1;
                drop(st);
                self.notify.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Created under the lock, before the leader's `notify_waiters`:
            // that call is guaranteed to reach it.
            self.notify.notified()
        };
        notified.await;
        BarrierWaitResult(false)
    }

    /// Blocks the current thread until `n` waiters have arrived.
    ///
    /// On a plain thread this parks the thread. On a zio worker thread the
    /// worker first hands its queued tasks to the other workers (like
    /// `block_in_place`). Inside a tokio runtime it blocks that runtime
    /// thread; in a tokio `current_thread` runtime, waiting for tasks of the
    /// same runtime deadlocks, so use `wait().await` there. It never panics
    /// because of the context it runs in.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = zio::sync::Barrier::new(1);
    /// assert!(b.blocking_wait().is_leader());
    /// ```
    pub fn blocking_wait(&self) -> BarrierWaitResult {
        blocking::block_on(self.wait())
    }
}
