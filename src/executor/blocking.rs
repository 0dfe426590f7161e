//! The blocking pool: runs `spawn_blocking` jobs on at most `max_threads`
//! threads. The queue in front of them is unbounded, so submitting never
//! fails or blocks; idle threads exit after `keep_alive`.
//!
//! A job is an `async-task` runnable whose future calls the closure once,
//! so it is joined, aborted (before it starts) and cancelled at shutdown
//! like any task.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

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
    config: BlockingConfig,
}

#[derive(Debug, Default)]
struct State {
    jobs: VecDeque<Runnable>,
    threads: usize,
    idle: usize,
    /// Idle threads already signalled for a queued job.
    notified: usize,
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

    fn schedule(self: &Arc<Self>, job: Runnable) {
        let mut state = self.lock();
        if state.shutdown {
            drop(state);
            drop(job);
            return;
        }
        state.jobs.push_back(job);
        if state.idle > state.notified {
            state.notified += 1;
            self.job_ready.notify_one();
        } else if state.threads < self.config.max_threads {
            state.threads += 1;
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
            // Queued jobs wait for a running thread; with none left they
            // are picked up by the next spawn that succeeds.
        }
    }

    fn run(self: Arc<Self>) {
        if let Some(f) = &self.config.on_thread_start {
            f();
        }
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                drop(state);
                job.run();
                state = self.lock();
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
}

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
