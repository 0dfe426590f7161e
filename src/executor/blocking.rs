//! The blocking pool: runs `spawn_blocking` jobs on at most `max_threads`
//! threads. The queue in front of them is unbounded, so submitting never
//! fails or blocks; idle threads exit after `keep_alive`.
//!
//! A job is an `async-task` runnable whose future calls the closure once,
//! so it is joined, aborted (before it starts) and cancelled at shutdown
//! like any task.
//!
//! Waking and spawning threads is what a job costs most, so the pool does
//! it only for a job no thread is already coming for: every queued job is
//! covered by a thread on its way to the queue (signalled while idle, just
//! spawned, or claimed while spinning), else the submitter recruits one.
//! Busy threads do not count (their job may block for long). A thread that
//! finishes a job and finds the queue empty spins on it briefly before it
//! parks, so a steady stream of jobs is served without a wake-up per job.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::backoff::Backoff;
use super::config::BlockingConfig;
use super::join::JoinHandle;
use super::task::{spawn_raw, Runnable};

#[derive(Debug)]
pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    /// Signalled when a job is queued for an idle thread, or at shutdown.
    job_ready: Condvar,
    /// Signalled when a thread exits.
    thread_exited: Condvar,
    /// `state.jobs.len()`, written under the lock, read without it by
    /// spinning threads.
    queued: AtomicUsize,
    /// Spinning threads no submitter has claimed yet. A thread adds itself
    /// without the lock; claims and withdrawals happen under the lock.
    spinning: AtomicUsize,
    config: BlockingConfig,
}

#[derive(Debug, Default)]
struct State {
    jobs: VecDeque<Runnable>,
    threads: usize,
    idle: usize,
    /// Idle threads already signalled for a queued job.
    notified: usize,
    /// Threads spawned that have not started running yet.
    starting: usize,
    shutdown: bool,
    /// Highest number of threads ever alive at once (for tests and stats).
    peak: usize,
}

impl BlockingPool {
    pub(crate) fn new(config: BlockingConfig) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                job_ready: Condvar::new(),
                thread_exited: Condvar::new(),
                queued: AtomicUsize::new(0),
                spinning: AtomicUsize::new(0),
                config,
            }),
        }
    }

    /// The process-wide pool used where no zio runtime runs.
    pub(crate) fn global() -> &'static BlockingPool {
        static GLOBAL: OnceLock<BlockingPool> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            BlockingPool::new(BlockingConfig {
                thread_name: Arc::new(|| "zio-global-blocking".to_string()),
                ..BlockingConfig::default()
            })
        })
    }

    /// Runs `f` on a pool thread.
    pub(crate) fn spawn<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let inner = self.inner.clone();
        let mut f = Some(f);
        let future = std::future::poll_fn(move |_| {
            let f = f.take().expect("a blocking job runs once");
            std::task::Poll::Ready(f())
        });
        // SAFETY: the future and its output are Send.
        let (runnable, handle) = unsafe { spawn_raw(future, move |r, _| inner.schedule(r), None) };
        runnable.schedule();
        handle
    }

    /// Highest number of pool threads alive at once so far.
    #[cfg(test)]
    pub(crate) fn peak_threads(&self) -> usize {
        self.inner.lock().peak
    }

    /// Stops the pool: queued jobs that have not started are cancelled;
    /// waits up to `timeout` (forever with `None`) for running ones.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.inner.lock();
        state.shutdown = true;
        let jobs = std::mem::take(&mut state.jobs);
        self.inner.queued.store(0, Ordering::Relaxed);
        self.inner.job_ready.notify_all();
        drop(state);
        drop(jobs);
        let mut state = self.inner.lock();
        while state.threads > 0 {
            state = match deadline {
                None => self
                    .inner
                    .thread_exited
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let Some(left) = d.checked_duration_since(Instant::now()) else {
                        break;
                    };
                    self.inner
                        .thread_exited
                        .wait_timeout(state, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `job` and makes sure a thread comes for it (see the module
    /// docs): the threads on their way take one job each, so a job within
    /// their number needs nothing more; else a spinning thread is claimed,
    /// an idle one signalled, or a new one spawned, cheapest first. The
    /// signal goes out after the lock is released, so that the woken
    /// thread does not run straight into it.
    fn schedule(self: &Arc<Self>, job: Runnable) {
        let mut state = self.lock();
        if state.shutdown {
            drop(state);
            drop(job);
            return;
        }
        state.jobs.push_back(job);
        self.queued.store(state.jobs.len(), Ordering::Relaxed);
        if state.jobs.len() <= state.notified + state.starting || self.take_spinner() {
            return;
        }
        if state.idle > state.notified {
            state.notified += 1;
            drop(state);
            self.job_ready.notify_one();
        } else if state.threads < self.config.max_threads {
            state.threads += 1;
            state.starting += 1;
            state.peak = state.peak.max(state.threads);
            drop(state);
            self.spawn_thread();
        }
    }

    fn spawn_thread(self: &Arc<Self>) {
        let inner = self.clone();
        let mut builder = std::thread::Builder::new().name((self.config.thread_name)());
        if let Some(size) = self.config.stack_size {
            builder = builder.stack_size(size);
        }
        if let Err(e) = builder.spawn(move || inner.run()) {
            tracing::error!("zio: cannot spawn a blocking-pool thread: {e}");
            let mut state = self.lock();
            state.threads -= 1;
            state.starting -= 1;
            // Queued jobs wait for a running thread; with none left they
            // are picked up by the next spawn that succeeds.
        }
    }

    fn run(self: Arc<Self>) {
        // Counted as arrived before the hook runs: a hook that panics must
        // not leave submitters counting on a thread that never comes.
        self.lock().starting -= 1;
        if let Some(f) = &self.config.on_thread_start {
            f();
        }
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                self.queued.store(state.jobs.len(), Ordering::Relaxed);
                drop(state);
                job.run();
                state = if self.queued.load(Ordering::Relaxed) == 0 {
                    self.spin_then_lock()
                } else {
                    self.lock()
                };
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            let (next, timeout) = self
                .job_ready
                .wait_timeout(state, self.config.keep_alive)
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            state.idle -= 1;
            if state.notified > 0 {
                state.notified -= 1;
            } else if timeout.timed_out() && state.jobs.is_empty() {
                break;
            }
        }
        drop(state);
        // The hook runs before the thread counts as gone, so a shutdown that
        // waited for the pool has seen every `on_thread_stop`.
        if let Some(f) = &self.config.on_thread_stop {
            f();
        }
        self.lock().threads -= 1;
        self.thread_exited.notify_all();
    }

    /// With nothing queued after a job: watches `queued` for a short while
    /// before taking the lock, as one of at most [`MAX_SPINNERS`] spinning
    /// threads, so that a job submitted meanwhile needs no wake-up.
    ///
    /// The thread withdraws from `spinning` under the lock it returns, and
    /// its caller looks at the queue next: a submitter that claimed it had
    /// pushed its job before, under that lock; one that comes after the
    /// withdrawal sees one spinner fewer and recruits another thread.
    fn spin_then_lock(&self) -> MutexGuard<'_, State> {
        let joined = self
            .spinning
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < MAX_SPINNERS).then_some(n + 1)
            })
            .is_ok();
        if !joined {
            return self.lock();
        }
        SPIN_ON_QUEUE.run(|| (self.queued.load(Ordering::Relaxed) > 0).then_some(()));
        let state = self.lock();
        // Fails if a submitter claimed this thread: either way the caller
        // looks at the queue next.
        self.take_spinner();
        state
    }

    /// Takes one unclaimed spinner off the count, if any: a submitter
    /// claims it for its job, a spinner that stops withdraws itself. Only
    /// under the lock (which orders it with the queue); `Relaxed` is enough.
    fn take_spinner(&self) -> bool {
        self.spinning
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// Most threads spinning on the queue at once. One serves a stream of
/// jobs from any number of submitters (it spins again after each job);
/// more burn cores the submitters need (two were slower on two cores).
const MAX_SPINNERS: usize = 1;
/// The spin on `queued`: 16 looks; after the first 7 the thread busy-waits
/// `2^step` times (some µs in all), after the rest it yields the CPU (well
/// under a µs each when no other thread wants it).
const SPIN_ON_QUEUE: Backoff = Backoff {
    steps: 16,
    spin_steps: 7,
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn concurrency_never_exceeds_max_and_all_jobs_return() {
        let pool = BlockingPool::new(BlockingConfig {
            max_threads: 4,
            ..BlockingConfig::default()
        });
        let running = Arc::new(AtomicUsize::new(0));
        let max_seen = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..400)
            .map(|i| {
                let (running, max_seen) = (running.clone(), max_seen.clone());
                pool.spawn(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    max_seen.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_micros(200));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i * 2
                })
            })
            .collect();
        let results: Vec<usize> = handles
            .into_iter()
            .map(|h| crate::block_on(h).unwrap())
            .collect();
        assert_eq!(results, (0..400).map(|i| i * 2).collect::<Vec<_>>());
        assert!(max_seen.load(Ordering::SeqCst) <= 4);
        assert!(pool.peak_threads() <= 4);
        pool.shutdown(None);
    }

    /// Runs `n` jobs that each wait until all `n` have started, so they
    /// only finish if every one of them got a thread of its own; returns
    /// whether they did (false after a generous deadlock deadline).
    fn all_get_a_thread(pool: &BlockingPool, n: usize) -> bool {
        let started = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..n {
            let (started, tx) = (started.clone(), tx.clone());
            drop(pool.spawn(move || {
                started.fetch_add(1, Ordering::SeqCst);
                let deadline = Instant::now() + Duration::from_secs(10);
                while started.load(Ordering::SeqCst) < n && Instant::now() < deadline {
                    std::thread::yield_now();
                }
                let _ = tx.send(started.load(Ordering::SeqCst) == n);
            }));
        }
        let wait = Duration::from_secs(20);
        (0..n).all(|_| rx.recv_timeout(wait).unwrap_or(false))
    }

    /// Jobs that need each other are never left queued behind a thread
    /// that is only about to arrive: whether the pool's threads are fresh,
    /// spinning after a job or parked, each job still gets one.
    #[test]
    fn jobs_that_wait_for_each_other_all_get_threads() {
        let pool = BlockingPool::new(BlockingConfig {
            max_threads: 4,
            ..BlockingConfig::default()
        });
        for round in 0..200 {
            assert!(all_get_a_thread(&pool, 1 + round % 4), "round {round}");
            if round % 50 == 49 {
                // Let the threads park.
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        assert!(pool.peak_threads() <= 4);
        pool.shutdown(None);
    }

    /// A stream of jobs from several submitters, each waiting for its job
    /// before the next (the case spinning serves), loses none.
    #[test]
    fn streams_of_jobs_from_several_submitters_all_run() {
        let pool = Arc::new(BlockingPool::new(BlockingConfig {
            max_threads: 2,
            ..BlockingConfig::default()
        }));
        let submitters: Vec<_> = (0..4)
            .map(|t| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    (0..500).all(|i| crate::block_on(pool.spawn(move || t * i)).unwrap() == t * i)
                })
            })
            .collect();
        for s in submitters {
            assert!(s.join().unwrap());
        }
        pool.shutdown(None);
    }

    #[test]
    fn idle_threads_exit_after_keep_alive() {
        let pool = BlockingPool::new(BlockingConfig {
            max_threads: 2,
            keep_alive: Duration::from_millis(20),
            ..BlockingConfig::default()
        });
        crate::block_on(pool.spawn(|| ())).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while pool.inner.lock().threads > 0 {
            assert!(Instant::now() < deadline, "idle thread did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
        crate::block_on(pool.spawn(|| ())).unwrap();
    }
}
