//! `Runtime` and its `Builder`.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use super::config::{BlockingConfig, Callback, Config, ThreadNameFn};
use super::context::{self, EnterGuard};
use super::handle::Handle;
use super::join::JoinHandle;
use super::scheduler::{Flavor, Shared};
use super::worker::{MainWaker, Worker};
use crate::reactor::{self, Completions, Driver, RingConfig};

/// The zio runtime: worker threads (or the calling thread), their rings and
/// timers, and a blocking pool.
///
/// Dropping a runtime cancels its tasks (each task's future is dropped),
/// cancels their in-flight ops and joins its threads.
///
/// # Examples
///
/// ```
/// use zio::runtime::Runtime;
///
/// let rt = Runtime::new().unwrap();
/// let out = rt.block_on(async {
///     let a = zio::spawn(async { 1 });
///     let b = zio::spawn(async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(out, 3);
/// ```
pub struct Runtime {
    handle: Handle,
    /// A current-thread runtime's driver between `block_on` calls.
    core: Mutex<Option<Driver>>,
}

impl Runtime {
    /// A multi-thread runtime with one worker per available core.
    ///
    /// # Errors
    ///
    /// Fails if io_uring cannot be set up (the message names the cause) or
    /// threads cannot be spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().build()
    }

    /// The runtime's handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let _h: zio::runtime::Handle = rt.handle().clone();
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a task onto the runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let h = rt.spawn(async { "done" });
    /// assert_eq!(rt.block_on(h).unwrap(), "done");
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `f` on the runtime's blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let h = rt.spawn_blocking(|| 1);
    /// assert_eq!(rt.block_on(h).unwrap(), 1);
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// Enters the runtime on the calling thread; see [`Handle::enter`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// let _g = rt.enter();
    /// drop(zio::spawn(async {}));
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Runs `future` to completion on the calling thread, with the runtime
    /// entered. On a current-thread runtime the calling thread also runs
    /// the runtime's tasks, I/O and timers meanwhile.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// assert_eq!(rt.block_on(async { zio::spawn(async { 9 }).await.unwrap() }), 9);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _enter = self.enter();
        if self.handle.shared.flavor == Flavor::MultiThread {
            return super::block_on(future);
        }
        let Some(driver) = self.core.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            // Another thread drives the runtime right now; its tasks run
            // there, and this future's I/O goes to the fallback driver.
            return super::block_on(future);
        };
        let shared = self.handle.shared.clone();
        reactor::install(driver);
        let _restore = CoreGuard { core: &self.core };
        // Dropped before `_restore`: while the driver is still installed,
        // so that ops the future leaves behind (the losing read of a
        // `timeout` or `select!`) are cancelled on it and reaped by it.
        let future = pin!(future);
        let waker = MainWaker::new(shared.slot(0).driver.clone());
        let mut worker = Worker::new(shared, 0);
        worker
            .run_until(Some((future, &waker)))
            .expect("a runtime cannot shut down while it is borrowed by block_on")
    }

    /// Shuts the runtime down, waiting at most `timeout` for its threads
    /// (workers and blocking pool) to finish. Threads still busy then (a
    /// blocking job that does not return) are left to finish on their own.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(std::time::Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts the runtime down without waiting for its threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Runtime::new().unwrap();
    /// rt.shutdown_background();
    /// ```
    pub fn shutdown_background(self) {
        self.shutdown(Some(Duration::ZERO));
    }

    fn shutdown(&self, timeout: Option<Duration>) {
        let deadline = timeout.map(|t| Instant::now() + t);
        let shared = &self.handle.shared;
        if shared.is_shutdown() {
            return;
        }
        shared.begin_shutdown();
        // Stand-ins may still be registering: take the list until it stays
        // empty.
        loop {
            let threads =
                std::mem::take(&mut *shared.threads.lock().unwrap_or_else(|e| e.into_inner()));
            if threads.is_empty() {
                break;
            }
            for t in threads {
                // Dropped from one of its own tasks: that thread cannot wait
                // for itself; it finishes when the task returns.
                if t.thread().id() == std::thread::current().id() {
                    continue;
                }
                if wait_finished(&t, deadline) {
                    let _ = t.join();
                }
            }
        }
        // Tasks still in the global queue (spawned from outside, or handed
        // off) are cancelled here: dropping a runnable drops its future.
        while let Ok(r) = shared.injector.pop() {
            drop(r);
        }
        for slot in shared.all_slots() {
            if let Some(spare) = &slot.spare {
                let driver = spare
                    .driver
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                drop(driver);
            }
        }
        if let Some(mut driver) = self.core.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let mut worker = Worker::new(shared.clone(), 0);
            worker.drain();
            let mut out = Completions::default();
            driver.shutdown(&mut out);
            out.run();
        }
        // Tasks that sit in no queue (waiting on a channel, a foreign
        // timer...) are reached through the registry: woken after the
        // shutdown flag is set, they join the cancelled ones, dropped here.
        for waker in shared.registry().take_all() {
            waker.wake();
        }
        shared.cancelled.finish();
        shared
            .blocking
            .shutdown(deadline.map(|d| d.saturating_duration_since(Instant::now())));
    }
}

/// Shuts a driver down on its own thread and wakes what it completed.
fn shut_down_driver(driver: Option<Driver>) {
    if let Some(mut driver) = driver {
        let mut out = Completions::default();
        driver.shutdown(&mut out);
        drop(driver);
        out.run();
    }
}

/// Runs the runtime's thread hooks around `body`.
fn with_thread_hooks(shared: &Shared, body: impl FnOnce()) {
    if let Some(f) = &shared.config.on_thread_start {
        f();
    }
    body();
    if let Some(f) = &shared.config.on_thread_stop {
        f();
    }
}

/// Drives slot `index` with `driver` on the calling thread, with the
/// runtime entered, until the runtime shuts down (or a stand-in retires);
/// then runs `after` (drain or hand off the worker, put the driver away),
/// still with the runtime entered.
fn drive_slot(shared: &Arc<Shared>, index: usize, driver: Driver, after: impl FnOnce(&mut Worker)) {
    reactor::install(driver);
    let _enter = context::enter(Handle {
        shared: shared.clone(),
    });
    let mut worker = Worker::new(shared.clone(), index);
    worker.run_until::<std::future::Pending<()>>(None);
    after(&mut worker);
}

/// Runs a stand-in worker on spare slot `index` until it is retired and
/// has nothing left in flight (or the runtime shuts down).
pub(crate) fn run_standin(shared: Arc<Shared>, index: usize) {
    with_thread_hooks(&shared, || standin_body(&shared, index));
}

fn standin_body(shared: &Arc<Shared>, index: usize) {
    let slot = shared.slot(index);
    let spare = slot.spare.as_ref().expect("stand-ins run spare slots");
    let parked = spare
        .driver
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let driver = match parked {
        Some(d) => Ok(d),
        None => Driver::new(slot.driver.clone(), &shared.config.ring, false),
    };
    match driver {
        Ok(driver) => drive_slot(shared, index, driver, |worker| {
            if shared.is_shutdown() {
                worker.drain();
                shut_down_driver(reactor::uninstall());
            } else {
                worker.hand_off();
                let mut driver = reactor::uninstall();
                // Nobody drives a parked spare driver.
                if let Some(d) = &mut driver {
                    d.hand_timers_to_fallback();
                }
                *spare.driver.lock().unwrap_or_else(|e| e.into_inner()) = driver;
            }
        }),
        Err(e) => tracing::warn!("zio: a stand-in worker cannot start its driver: {e}"),
    }
    shared.idle.leave();
    spare.release();
}

/// Waits until `t` finished or `deadline` passed; true if finished.
fn wait_finished(t: &std::thread::JoinHandle<()>, deadline: Option<Instant>) -> bool {
    while !t.is_finished() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Puts a current-thread runtime's driver back when `block_on` ends,
/// also when it unwinds.
struct CoreGuard<'a> {
    core: &'a Mutex<Option<Driver>>,
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        // Nobody drives the driver until the next `block_on` (also when
        // the future panicked).
        reactor::reap_now();
        if let Some(driver) = reactor::uninstall() {
            *self.core.lock().unwrap_or_else(|e| e.into_inner()) = Some(driver);
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}

/// Builds a [`Runtime`] with custom settings. The same chain as tokio's.
///
/// # Examples
///
/// ```
/// let rt = zio::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .enable_all()
///     .build()
///     .unwrap();
/// rt.block_on(async {});
/// ```
pub struct Builder {
    flavor: Flavor,
    worker_threads: Option<usize>,
    thread_name: ThreadNameFn,
    stack_size: Option<usize>,
    on_thread_start: Option<Callback>,
    on_thread_stop: Option<Callback>,
    blocking: BlockingConfig,
    event_interval: u32,
    ring: RingConfig,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("blocking", &self.blocking)
            .field("event_interval", &self.event_interval)
            .field("ring", &self.ring)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// A builder for a runtime that runs tasks on the thread calling
    /// [`Runtime::block_on`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder::new(Flavor::CurrentThread)
    }

    /// A builder for a runtime with worker threads (one per core unless
    /// [`worker_threads`](Self::worker_threads) says otherwise).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Builder::new_multi_thread().build().unwrap();
    /// rt.block_on(async {});
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new(Flavor::MultiThread)
    }

    fn new(flavor: Flavor) -> Builder {
        Builder {
            flavor,
            worker_threads: None,
            thread_name: Arc::new(|| "zio-worker".to_string()),
            stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            blocking: BlockingConfig::default(),
            event_interval: 61,
            ring: RingConfig::default(),
        }
    }

    /// Accepted for compatibility with tokio: I/O and timers are always on.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_current_thread().enable_all();
    /// ```
    pub fn enable_all(&mut self) -> &mut Builder {
        self
    }

    /// Accepted for compatibility with tokio: I/O is always on.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_current_thread().enable_io();
    /// ```
    pub fn enable_io(&mut self) -> &mut Builder {
        self
    }

    /// Accepted for compatibility with tokio: timers are always on.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_current_thread().enable_time();
    /// ```
    pub fn enable_time(&mut self) -> &mut Builder {
        self
    }

    /// Number of worker threads of a multi-thread runtime.
    ///
    /// # Panics
    ///
    /// Panics if `n` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread().worker_threads(4);
    /// ```
    #[track_caller]
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        assert!(n > 0, "worker_threads must be greater than 0");
        self.worker_threads = Some(n);
        self
    }

    /// Most threads the blocking pool may run at once (default 512).
    ///
    /// On a multi-thread runtime it also bounds the stand-in threads: each
    /// thread of the runtime blocked in a blocking section
    /// ([`block_in_place`](crate::task::block_in_place), `zio::block_on` or
    /// a `blocking_*` call inside a task) has a stand-in run the runtime's
    /// tasks in its place, and at most `max(n, worker_threads)` stand in at
    /// once (a stand-in's task may block too). A section past that goes
    /// without one, and the runtime runs one worker short until a section
    /// ends.
    ///
    /// # Panics
    ///
    /// Panics if `n` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread().max_blocking_threads(4);
    /// ```
    #[track_caller]
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        assert!(n > 0, "max_blocking_threads must be greater than 0");
        self.blocking.max_threads = n;
        self
    }

    /// Name of the runtime's threads.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread().thread_name("app");
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name: String = name.into();
        self.thread_name_fn(move || name.clone())
    }

    /// A function naming the runtime's threads.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static N: AtomicUsize = AtomicUsize::new(0);
    /// zio::runtime::Builder::new_multi_thread()
    ///     .thread_name_fn(|| format!("app-{}", N.fetch_add(1, Ordering::Relaxed)));
    /// ```
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        let f: ThreadNameFn = Arc::new(f);
        self.thread_name = f.clone();
        self.blocking.thread_name = f;
        self
    }

    /// Stack size of the runtime's threads.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread().thread_stack_size(4 << 20);
    /// ```
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.stack_size = Some(bytes);
        self.blocking.stack_size = Some(bytes);
        self
    }

    /// How long an idle blocking-pool thread waits for work before it exits
    /// (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread()
    ///     .thread_keep_alive(std::time::Duration::from_secs(1));
    /// ```
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Builder {
        self.blocking.keep_alive = duration;
        self
    }

    /// Called on each runtime thread (workers and blocking pool) when it
    /// starts.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread().on_thread_start(|| println!("start"));
    /// ```
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        let f: Callback = Arc::new(f);
        self.on_thread_start = Some(f.clone());
        self.blocking.on_thread_start = Some(f);
        self
    }

    /// Called on each runtime thread (workers and blocking pool) before it
    /// exits.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread().on_thread_stop(|| println!("stop"));
    /// ```
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        let f: Callback = Arc::new(f);
        self.on_thread_stop = Some(f.clone());
        self.blocking.on_thread_stop = Some(f);
        self
    }

    /// Tasks a worker runs between two looks at its ring, timers and the
    /// global queue (default 61, as tokio).
    ///
    /// # Panics
    ///
    /// Panics if `n` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread().event_interval(31);
    /// ```
    #[track_caller]
    pub fn event_interval(&mut self, n: u32) -> &mut Builder {
        assert!(n > 0, "event_interval must be greater than 0");
        self.event_interval = n;
        self
    }

    /// Sizes of each worker's io_uring: submission and completion queue
    /// entries (defaults 256 and 4096). Small rings work (submissions wait
    /// for room), large ones batch more.
    ///
    /// # Panics
    ///
    /// Panics if either is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// zio::runtime::Builder::new_multi_thread().uring_entries(1024, 8192);
    /// ```
    #[track_caller]
    pub fn uring_entries(&mut self, sq: u32, cq: u32) -> &mut Builder {
        assert!(sq > 0 && cq > 0, "ring sizes must be greater than 0");
        self.ring = RingConfig {
            sq_entries: sq,
            cq_entries: Some(cq),
        };
        self
    }

    /// Builds the runtime.
    ///
    /// # Errors
    ///
    /// Fails if io_uring cannot be set up (the message names the cause:
    /// seccomp, `kernel.io_uring_disabled`, an old kernel, `RLIMIT_MEMLOCK`)
    /// or a thread cannot be spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = zio::runtime::Builder::new_current_thread().enable_all().build();
    /// assert!(rt.is_ok());
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        let workers = match self.flavor {
            Flavor::CurrentThread => 1,
            Flavor::MultiThread => self
                .worker_threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        };
        let config = Config {
            thread_name: self.thread_name.clone(),
            stack_size: self.stack_size,
            on_thread_start: self.on_thread_start.clone(),
            on_thread_stop: self.on_thread_stop.clone(),
            ring: self.ring,
            event_interval: self.event_interval,
            blocking: self.blocking.clone(),
        };
        let shared = Arc::new(Shared::new(self.flavor, workers, config)?);
        let handle = Handle { shared };
        let rt = Runtime {
            handle,
            core: Mutex::new(None),
        };
        match self.flavor {
            Flavor::CurrentThread => {
                let shared = &rt.handle.shared;
                let driver =
                    Driver::new(shared.slot(0).driver.clone(), &shared.config.ring, false)?;
                let _ = shared.io_backend.set(driver.io_backend());
                *rt.core.lock().unwrap_or_else(|e| e.into_inner()) = Some(driver);
            }
            Flavor::MultiThread => start_workers(&rt)?,
        }
        Ok(rt)
    }
}

/// Spawns the worker threads and waits until each has its ring.
fn start_workers(rt: &Runtime) -> io::Result<()> {
    let shared = &rt.handle.shared;
    let (ready_tx, ready_rx) = mpsc::channel::<io::Result<()>>();
    for index in 0..shared.workers {
        let handle = rt.handle.clone();
        let ready = ready_tx.clone();
        shared.spawn_thread(move || run_worker(handle, index, ready))?;
    }
    drop(ready_tx);
    for _ in 0..shared.workers {
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(io::Error::other("a zio worker thread died while starting")),
        }
    }
    Ok(())
}

fn run_worker(handle: Handle, index: usize, ready: mpsc::Sender<io::Result<()>>) {
    let shared = handle.shared;
    with_thread_hooks(&shared, || {
        let ring = &shared.config.ring;
        match Driver::new(shared.slot(index).driver.clone(), ring, true) {
            Ok(driver) => {
                let _ = shared.io_backend.set(driver.io_backend());
                let _ = ready.send(Ok(()));
                drop(ready);
                drive_slot(&shared, index, driver, |worker| {
                    worker.drain();
                    shut_down_driver(reactor::uninstall());
                });
            }
            Err(e) => {
                let _ = ready.send(Err(e));
            }
        }
    });
}
