//! TCP echo over loopback (issue 3): `conns` clients and the server, all
//! tasks on the runtime under test. Each client sends a message, reads the
//! echo and checks every byte, `msgs` times; the server echoes each read
//! back. Only the echo phase is timed: the connections are made (connected
//! and accepted) before the span starts.

use std::future::Future;

use crate::harness::{Config, Harness};
use crate::rt::Rt;
use crate::span::Span;
use crate::workload::{sum, Throughput, Workload};

/// Every echo workload of a run configured by `c`.
pub fn workloads(c: &Config) -> Vec<Echo> {
    let mut all = Vec::new();
    for size in [64, 4096] {
        for conns in [1, 64, 512] {
            // Messages per connection: iterations of ~10 ms.
            let msgs = match conns {
                1 => c.size(2_000, 200),
                64 => c.size(64, 8),
                _ => c.size(16, 2),
            };
            all.push(Echo { conns, size, msgs });
        }
    }
    all
}

/// Registers every echo workload with `h`.
pub fn register(h: &mut Harness) {
    for e in workloads(&h.cfg.clone()) {
        h.bench(e);
    }
}

/// The byte `j` of message `i` of connection `c`: differs between
/// connections and messages, so a misrouted or stale echo is caught.
pub fn pattern(c: usize, i: usize, j: usize) -> u8 {
    (c.wrapping_mul(131) ^ i.wrapping_mul(31) ^ j) as u8
}

/// `conns` connections × `msgs` round trips of `size`-byte messages.
#[derive(Debug)]
pub struct Echo {
    /// Concurrent connections (client tasks; as many server tasks).
    pub conns: usize,
    /// Message size in bytes.
    pub size: usize,
    /// Round trips per connection.
    pub msgs: usize,
}

/// The server side of one connection: echo until end of stream; returns
/// the bytes echoed.
async fn serve<R: Rt>(mut s: R::Stream, size: usize) -> u64 {
    let mut buf = Vec::with_capacity(size);
    let mut total = 0;
    loop {
        buf = R::read(&mut s, buf).await;
        if buf.is_empty() {
            return total;
        }
        total += buf.len() as u64;
        buf = R::write_all(&mut s, buf).await;
    }
}

/// Connects `conns` clients to a fresh listener; returns the client and
/// the accepted server streams once every connection is made.
pub async fn connect_all<R: Rt>(conns: usize) -> (Vec<R::Stream>, Vec<R::Stream>) {
    let (listener, addr) = R::bind_loopback().await;
    let acceptor = R::spawn(async move {
        let mut accepted = Vec::with_capacity(conns);
        for _ in 0..conns {
            accepted.push(R::accept(&listener).await);
        }
        accepted
    });
    let connecting: Vec<_> = (0..conns).map(|_| R::spawn(R::connect(addr))).collect();
    let mut clients = Vec::with_capacity(conns);
    for c in connecting {
        clients.push(c.await);
    }
    (clients, acceptor.await)
}

/// Client `c`: `msgs` messages of `size` bytes, each echo checked.
async fn client<R: Rt>(mut s: R::Stream, c: usize, size: usize, msgs: usize) -> u64 {
    let mut msg = Vec::with_capacity(size);
    let mut echo = Vec::with_capacity(size);
    for i in 0..msgs {
        msg.clear();
        msg.extend((0..size).map(|j| pattern(c, i, j)));
        msg = R::write_all(&mut s, msg).await;
        echo = R::read_exact(&mut s, echo).await;
        assert!(
            echo == msg,
            "echo: connection {c} message {i}: echoed bytes differ"
        );
    }
    msgs as u64
}

impl Workload for Echo {
    fn name(&self) -> String {
        format!("echo/{}conn×{}B×{}", self.conns, self.size, self.msgs)
    }

    fn ops(&self) -> u64 {
        (self.conns * self.msgs) as u64
    }

    fn throughput(&self) -> Throughput {
        Throughput::Messages
    }

    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static {
        let (conns, size, msgs) = (self.conns, self.size, self.msgs);
        async move {
            let (clients, servers) = connect_all::<R>(conns).await;
            span.start();
            let echoers: Vec<_> = servers
                .into_iter()
                .map(|s| R::spawn(serve::<R>(s, size)))
                .collect();
            let clients: Vec<_> = clients
                .into_iter()
                .enumerate()
                .map(|(c, s)| R::spawn(client::<R>(s, c, size, msgs)))
                .collect();
            let done = sum(clients).await;
            let bytes = sum(echoers).await;
            assert_eq!(
                bytes,
                done * size as u64,
                "echo: server echoed a wrong count"
            );
            done
        }
    }
}
