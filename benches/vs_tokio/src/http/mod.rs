//! HTTP hello (issue 7): a hyper "Hello, World!" server on the runtime
//! under test, driven by `wrk` (HTTP/1.1) or `h2load` (HTTP/2) for a fixed
//! time; the row's operations are the requests answered, its CPU time the
//! server process's (the generator is another process).
//!
//! The server is written once over [`Rt`]: hyper sees the runtime's TCP
//! stream the way a user of that runtime serves hyper ([`IoRt::hyper_io`]:
//! `hyper_util::rt::TokioIo` for tokio, zio-hyper's `ZioIo` for zio) and
//! spawns HTTP/2 streams with [`Exec`]. The load generators ([`loadgen`])
//! need only an address.
//!
//! [`IoRt::hyper_io`]: crate::io::IoRt::hyper_io

mod answer;
pub mod loadgen;
pub mod raw;

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};

use crate::harness::{Config, Harness};
use crate::rt::Rt;
use crate::span::Span;
use crate::workload::{sum, Throughput, Workload};
use loadgen::{Load, Tool};

/// The response body.
const HELLO: &[u8] = b"Hello, World!";

/// The loads of the HTTP/1.1 and HTTP/2 rows.
pub fn loads() -> [Load; 2] {
    let secs = 1;
    [
        Load {
            tool: Tool::Wrk,
            conns: 64,
            streams: 1,
            secs,
        },
        Load {
            tool: Tool::H2load,
            conns: 16,
            streams: 16,
            secs,
        },
    ]
}

/// Registers the HTTP/1.1 and HTTP/2 rows whose load generator is
/// installed; returns a note for each one that is not.
pub fn register(h: &mut Harness) -> Vec<String> {
    let mut notes = Vec::new();
    for load in loads() {
        if load.available() {
            h.bench(Hello { load });
        } else {
            notes.push(format!(
                "{:?} is not installed: its HTTP row is left out (apt-get install wrk nghttp2-client)",
                load.tool
            ));
        }
    }
    notes
}

/// hyper's executor for HTTP/2 streams: a detached task on the runtime.
#[derive(Debug)]
pub struct Exec<R>(PhantomData<fn() -> R>);

impl<R> Clone for Exec<R> {
    fn clone(&self) -> Exec<R> {
        Exec(PhantomData)
    }
}

impl<R: Rt, F> hyper::rt::Executor<F> for Exec<R>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        drop(R::spawn(fut));
    }
}

/// Serves one connection until the client closes it; returns the requests
/// it answered. Connection errors (a generator resetting at the end of
/// its run) end the connection, nothing else.
async fn serve<R: Rt>(s: R::Stream, tool: Tool) -> u64 {
    let answered = Arc::new(AtomicU64::new(0));
    let counter = answered.clone();
    let svc = service_fn(move |_req: Request<hyper::body::Incoming>| {
        counter.fetch_add(1, Ordering::Relaxed);
        async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(HELLO)))) }
    });
    let io = R::hyper_io(s);
    let _ = match tool {
        Tool::Wrk => {
            hyper::server::conn::http1::Builder::new()
                .serve_connection(io, svc)
                .await
        }
        Tool::H2load => {
            hyper::server::conn::http2::Builder::new(Exec::<R>(PhantomData))
                .serve_connection(io, svc)
                .await
        }
    };
    answered.load(Ordering::Relaxed)
}

/// Accepts and serves connections until `stop` is set (and one more
/// connection wakes it); returns the requests answered once every
/// connection has closed.
async fn server<R: Rt>(listener: R::Listener, tool: Tool, stop: Arc<AtomicBool>) -> u64 {
    let mut conns = Vec::new();
    loop {
        let s = R::accept(&listener).await;
        if stop.load(Ordering::Acquire) {
            return sum(conns).await;
        }
        conns.push(R::spawn(serve::<R>(s, tool)));
    }
}

/// A hello server on the runtime under test, loaded by `load`.
#[derive(Debug)]
pub struct Hello {
    /// The load generator run per iteration.
    pub load: Load,
}

impl Workload for Hello {
    fn name(&self) -> String {
        let l = &self.load;
        match l.tool {
            Tool::Wrk => format!("http1_hello/wrk-c{}", l.conns),
            Tool::H2load => format!("http2_hello/h2load-c{}-m{}", l.conns, l.streams),
        }
    }

    /// Not known in advance (the requests done in the load's time vary):
    /// [`Workload::check`] takes any positive count instead.
    fn ops(&self) -> u64 {
        1
    }

    /// Any positive count (failures panic in the body).
    fn check(&self, got: u64) {
        assert!(got > 0, "{}: no request answered", Workload::name(self));
    }

    fn throughput(&self) -> Throughput {
        Throughput::Requests
    }

    /// Fewer, longer rounds: each is a load run of `secs` seconds.
    fn rounds(&self, cfg: &Config) -> (usize, usize) {
        if cfg.quick {
            (0, 1)
        } else {
            (1, 5)
        }
    }

    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static {
        let load = self.load.clone();
        async move {
            let (listener, addr) = R::bind_loopback().await;
            let stop = Arc::new(AtomicBool::new(false));
            let server = R::spawn(server::<R>(listener, load.tool, stop.clone()));
            span.start();
            let outcome = R::spawn_blocking(move || load.run(addr)).await;
            span.stop();
            span.set_tail(outcome.p99);
            stop.store(true, Ordering::Release);
            wake::<R>(addr).await;
            let answered = server.await;
            assert_eq!(outcome.failed, 0, "HTTP load: {outcome:?}");
            assert!(
                answered >= outcome.ok,
                "HTTP: the generator saw {} answers, the server sent {answered}",
                outcome.ok
            );
            outcome.ok
        }
    }
}

/// One connection to `addr`, closed at once: wakes the accept loop.
async fn wake<R: Rt>(addr: SocketAddr) {
    drop(R::connect(addr).await);
}
