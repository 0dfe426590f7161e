//! The runtime trait every workload is written against, and its impls for
//! zio and tokio (each in a multi-thread and a current-thread flavor).
//!
//! zio's I/O backend is not a builder option: it is the process's (zio
//! reads `ZIO_BACKEND` once), so zio on epoll runs in a child process (see
//! `child`).

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::io::IoRt;
use crate::sync::kit::NativeSync;

/// Worker threads of the multi-thread flavors.
pub const WORKERS: usize = 2;

/// The scheduler flavor a runtime was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Everything runs on the thread calling `block_on`.
    CurrentThread,
    /// Worker threads (`WORKERS` of them); `block_on` runs on the caller.
    MultiThread,
    /// No runtime: plain OS threads (the thread-to-thread sync row).
    Threads,
}

impl Flavor {
    /// The two runtime flavors, in report order.
    pub const RUNTIME: [Flavor; 2] = [Flavor::CurrentThread, Flavor::MultiThread];

    /// The short tag used in the report and the child protocol.
    pub fn tag(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "ct",
            Flavor::MultiThread => "mt",
            Flavor::Threads => "threads",
        }
    }

    /// The flavor of a [`Flavor::tag`].
    pub fn from_tag(tag: &str) -> Option<Flavor> {
        [Flavor::CurrentThread, Flavor::MultiThread, Flavor::Threads]
            .into_iter()
            .find(|f| f.tag() == tag)
    }
}

/// What a workload may use of a runtime. Workloads are generic over it, so
/// zio and tokio run the same code. Task-side operations are associated
/// functions: like `tokio::spawn`, they find the runtime from the context.
/// The I/O operations (TCP, files) are in the supertrait [`IoRt`], whose
/// impls differ because the two crates' I/O APIs do.
pub trait Rt: IoRt + NativeSync + 'static {
    /// The handle returned by [`Rt::spawn`]; resolves to the task's output
    /// (a task that panicked or was cancelled panics the joiner).
    type Join<T: Send + 'static>: Future<Output = T> + Send + Unpin + 'static;

    /// The runtime's `JoinSet`: tasks joined in the order they finish.
    type JoinSet<T: Send + 'static>: TaskSet<T>;

    /// Runs `f` to completion on this runtime, blocking the caller.
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// Spawns a task on the current runtime.
    fn spawn<F>(f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Runs `f` on the runtime's blocking pool.
    fn spawn_blocking<F, T>(f: F) -> Self::Join<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;

    /// Yields once to the scheduler.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// Sleeps for `d`.
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send;

    /// Runs `f` with a deadline `d` from now: `None` if it elapsed first.
    fn timeout<F>(d: Duration, f: F) -> impl Future<Output = Option<F::Output>> + Send
    where
        F: Future + Send;
}

/// A set of tasks joined in the order they finish (`JoinSet`, whose API
/// zio shares with tokio); a task that panicked panics the joiner.
pub trait TaskSet<T>: Send + 'static {
    /// An empty set.
    fn new() -> Self;

    /// Spawns `f` into the set, on the current runtime.
    fn spawn<F>(&mut self, f: F)
    where
        F: Future<Output = T> + Send + 'static;

    /// The output of the next task to finish; `None` once the set is empty.
    fn join_next(&mut self) -> impl Future<Output = Option<T>> + Send;
}

/// A join handle whose `Result` is unwrapped: a failed task fails the bench.
#[derive(Debug)]
pub struct Joined<H>(H);

impl<H, T, E> Future for Joined<H>
where
    H: Future<Output = Result<T, E>> + Unpin,
    E: Debug,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.expect("benchmark task failed"))
    }
}

/// Defines a runtime type for a crate with tokio's API: the same code for
/// zio and tokio, the crate name being the only difference (which is the
/// point of zio's API).
macro_rules! runtime_impl {
    ($(#[$doc:meta])* $ty:ident, $krate:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $ty {
            rt: $krate::runtime::Runtime,
        }

        impl $ty {
            /// Builds a runtime of the given flavor, with all drivers enabled.
            ///
            /// # Panics
            ///
            /// For [`Flavor::Threads`] (not a runtime), or if the build fails.
            pub fn new(flavor: Flavor) -> $ty {
                let rt = match flavor {
                    Flavor::MultiThread => $krate::runtime::Builder::new_multi_thread()
                        .worker_threads(WORKERS)
                        .enable_all()
                        .build(),
                    Flavor::CurrentThread => $krate::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build(),
                    Flavor::Threads => panic!("Flavor::Threads is not a runtime flavor"),
                };
                $ty {
                    rt: rt.expect(concat!("build ", stringify!($krate), " runtime")),
                }
            }
        }

        impl<T: Send + 'static> TaskSet<T> for $krate::task::JoinSet<T> {
            fn new() -> Self {
                $krate::task::JoinSet::new()
            }

            fn spawn<F>(&mut self, f: F)
            where
                F: Future<Output = T> + Send + 'static,
            {
                $krate::task::JoinSet::spawn(self, f);
            }

            async fn join_next(&mut self) -> Option<T> {
                let r = $krate::task::JoinSet::join_next(self).await?;
                Some(r.expect("benchmark task failed"))
            }
        }

        impl Rt for $ty {
            type Join<T: Send + 'static> = Joined<$krate::task::JoinHandle<T>>;
            type JoinSet<T: Send + 'static> = $krate::task::JoinSet<T>;

            fn block_on<F: Future>(&self, f: F) -> F::Output {
                self.rt.block_on(f)
            }

            fn spawn<F>(f: F) -> Self::Join<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                Joined($krate::spawn(f))
            }

            fn spawn_blocking<F, T>(f: F) -> Self::Join<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                Joined($krate::task::spawn_blocking(f))
            }

            fn yield_now() -> impl Future<Output = ()> + Send {
                $krate::task::yield_now()
            }

            fn sleep(d: Duration) -> impl Future<Output = ()> + Send {
                $krate::time::sleep(d)
            }

            async fn timeout<F>(d: Duration, f: F) -> Option<F::Output>
            where
                F: Future + Send,
            {
                $krate::time::timeout(d, f).await.ok()
            }
        }
    };
}

runtime_impl!(
    /// zio, built with `zio::runtime::Builder`.
    Zio,
    zio
);
runtime_impl!(
    /// tokio, built with `tokio::runtime::Builder`.
    Tokio,
    tokio
);

impl Zio {
    /// The kernel interface this zio runtime does its I/O through.
    pub fn io_backend(&self) -> zio::runtime::IoBackend {
        self.rt.handle().io_backend()
    }
}
