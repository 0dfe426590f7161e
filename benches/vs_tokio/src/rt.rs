//! The runtime trait every workload is written against, and its impls for
//! zio and tokio (each in a multi-thread and a current-thread flavor).

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::io::IoRt;

/// Worker threads of the multi-thread flavors.
pub const WORKERS: usize = 2;

/// The scheduler flavor a runtime was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Worker threads (`WORKERS` of them); `block_on` runs on the caller.
    MultiThread,
    /// Everything runs on the thread calling `block_on`.
    CurrentThread,
}

impl Flavor {
    /// The label used in the report.
    pub fn label(self) -> String {
        match self {
            Flavor::MultiThread => format!("multi_thread({WORKERS})"),
            Flavor::CurrentThread => "current_thread".to_string(),
        }
    }
}

/// What a workload may use of a runtime. Workloads are generic over it, so
/// zio and tokio run the same code. Task-side operations are associated
/// functions: like `tokio::spawn`, they find the runtime from the context.
/// The I/O operations (TCP, files) are in the supertrait [`IoRt`], whose
/// impls differ because the two crates' I/O APIs do.
pub trait Rt: IoRt + 'static {
    /// The handle returned by [`Rt::spawn`]; resolves to the task's output
    /// (a task that panicked or was cancelled panics the joiner).
    type Join<T: Send + 'static>: Future<Output = T> + Send + Unpin + 'static;

    /// The runtime's name in the report ("zio", "tokio").
    fn name(&self) -> &'static str;

    /// The flavor this runtime was built with.
    fn flavor(&self) -> Flavor;

    /// Runs `f` to completion on this runtime, blocking the caller.
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// Spawns a task on the current runtime.
    fn spawn<F>(f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Yields once to the scheduler.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// Sleeps for `d`.
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send;

    /// Runs `f` with a deadline `d` from now: `None` if it elapsed first.
    fn timeout<F>(d: Duration, f: F) -> impl Future<Output = Option<F::Output>> + Send
    where
        F: Future + Send;
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
            flavor: Flavor,
        }

        impl $ty {
            /// Builds a runtime of the given flavor, with all drivers enabled.
            pub fn new(flavor: Flavor) -> $ty {
                let rt = match flavor {
                    Flavor::MultiThread => $krate::runtime::Builder::new_multi_thread()
                        .worker_threads(WORKERS)
                        .enable_all()
                        .build(),
                    Flavor::CurrentThread => $krate::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build(),
                };
                $ty {
                    rt: rt.expect(concat!("build ", stringify!($krate), " runtime")),
                    flavor,
                }
            }
        }

        impl Rt for $ty {
            type Join<T: Send + 'static> = Joined<$krate::task::JoinHandle<T>>;

            fn name(&self) -> &'static str {
                stringify!($krate)
            }

            fn flavor(&self) -> Flavor {
                self.flavor
            }

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
