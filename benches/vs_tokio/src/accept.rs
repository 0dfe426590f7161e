//! Accepting connections over loopback (issue 3), two rows:
//!
//! - `accept`: churn. `clients` client tasks connect one connection after
//!   another, `conns` in all; one server task accepts each and closes it
//!   at once; a client waits for that close (end of stream) before it
//!   connects again. The time per connection is what a server pays to take
//!   a short-lived connection in and drop it, with the clients' connects
//!   and reads on the same runtime.
//! - `accept_burst`: `conns` connections are made (and wait in the
//!   listener's backlog) before the span starts; one task then accepts and
//!   closes them all: the accept path alone.

use std::future::Future;
use std::net::SocketAddr;

use crate::harness::{Config, Harness};
use crate::rt::Rt;
use crate::span::Span;
use crate::workload::{sum, Throughput, Workload};

/// The accept churn workloads of a run configured by `c`.
pub fn churns(c: &Config) -> Vec<AcceptChurn> {
    let conns = c.size(2_000, 200);
    [1, 16].map(|clients| AcceptChurn { conns, clients }).into()
}

/// The accept burst workload.
pub fn burst() -> AcceptBurst {
    // Within the benchmark listeners' backlog (`io::BACKLOG`).
    AcceptBurst { conns: 512 }
}

/// Registers the accept workloads with `h`.
pub fn register(h: &mut Harness) {
    for churn in churns(&h.cfg.clone()) {
        h.bench(churn);
    }
    h.bench(burst());
}

/// `conns` connections made by `clients` concurrent clients, each accepted
/// and closed by one server task.
#[derive(Debug)]
pub struct AcceptChurn {
    /// Connections per iteration.
    pub conns: usize,
    /// Client tasks connecting at once.
    pub clients: usize,
}

/// One client: `n` connections in a row, each kept until the server
/// closed it.
async fn client<R: Rt>(addr: SocketAddr, n: usize) -> u64 {
    let mut buf = Vec::with_capacity(16);
    for _ in 0..n {
        let mut s = R::connect(addr).await;
        buf = R::read(&mut s, buf).await;
        assert!(buf.is_empty(), "accept: the server sent bytes");
    }
    n as u64
}

impl Workload for AcceptChurn {
    fn name(&self) -> String {
        format!("accept/{}conn×{}client", self.conns, self.clients)
    }

    fn ops(&self) -> u64 {
        self.conns as u64
    }

    fn throughput(&self) -> Throughput {
        Throughput::Requests
    }

    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static {
        let (conns, clients) = (self.conns, self.clients);
        async move {
            let (listener, addr) = R::bind_loopback().await;
            span.start();
            let server = R::spawn(async move {
                for _ in 0..conns {
                    drop(R::accept(&listener).await);
                }
                conns as u64
            });
            let each: Vec<_> = (0..clients)
                .map(|c| {
                    let n = conns / clients + usize::from(c < conns % clients);
                    R::spawn(client::<R>(addr, n))
                })
                .collect();
            let made = sum(each).await;
            assert_eq!(server.await, made, "accept: accepted count differs");
            made
        }
    }
}

/// `conns` connections waiting in the backlog, accepted and closed by one
/// task.
#[derive(Debug)]
pub struct AcceptBurst {
    /// Connections per iteration.
    pub conns: usize,
}

impl Workload for AcceptBurst {
    fn name(&self) -> String {
        format!("accept_burst/{}conn", self.conns)
    }

    fn ops(&self) -> u64 {
        self.conns as u64
    }

    fn throughput(&self) -> Throughput {
        Throughput::Requests
    }

    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static {
        let conns = self.conns;
        async move {
            let (listener, addr) = R::bind_loopback().await;
            let connecting: Vec<_> = (0..conns).map(|_| R::spawn(R::connect(addr))).collect();
            let mut clients = Vec::with_capacity(conns);
            for c in connecting {
                clients.push(c.await);
            }
            span.start();
            for _ in 0..conns {
                drop(R::accept(&listener).await);
            }
            span.stop();
            drop(clients);
            conns as u64
        }
    }
}
