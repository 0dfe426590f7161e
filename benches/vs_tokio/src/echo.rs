//! TCP echo over loopback (issue 3): `conns` clients and the server, all
//! tasks on the runtime under test. Each client sends a message, reads the
//! echo and checks every byte, `msgs` times; the server echoes each read
//! back. One iteration includes binding, connecting and accepting.

use std::future::Future;

use crate::harness::{Harness, Throughput, Workload};
use crate::rt::Rt;

/// Registers every echo workload with `h`.
pub fn register(h: &mut Harness) {
    let c = h.cfg.clone();
    let conns: &[usize] = if c.quick { &[1, 64] } else { &[1, 64, 512] };
    for &size in &[64, 4096] {
        for &conns in conns {
            // Messages per connection: enough that connection setup is a
            // small part of the iteration, few enough to keep it ~10 ms.
            let msgs = match conns {
                1 => c.size(2_000, 200),
                64 => c.size(64, 8),
                _ => c.size(16, 4),
            };
            h.bench(Echo { conns, size, msgs });
        }
    }
}

/// The byte `j` of message `i` of connection `c`: differs between
/// connections and messages, so a misrouted or stale echo is caught.
fn pattern(c: usize, i: usize, j: usize) -> u8 {
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

impl Workload for Echo {
    fn name(&self) -> String {
        format!("echo/{}conn×{}B×{}", self.conns, self.size, self.msgs)
    }

    fn ops(&self) -> u64 {
        (self.conns * self.msgs) as u64
    }

    fn expected(&self) -> u64 {
        self.ops()
    }

    fn throughput(&self) -> Throughput {
        Throughput::Messages
    }

    fn io(&self) -> bool {
        true
    }

    fn body<R: Rt>(&self) -> impl Future<Output = u64> + Send + 'static {
        let (conns, size, msgs) = (self.conns, self.size, self.msgs);
        async move {
            let (listener, addr) = R::bind_loopback().await;
            let server = R::spawn(async move {
                let mut echoers = Vec::with_capacity(conns);
                for _ in 0..conns {
                    let s = R::accept(&listener).await;
                    echoers.push(R::spawn(serve::<R>(s, size)));
                }
                let mut bytes = 0;
                for e in echoers {
                    bytes += e.await;
                }
                bytes
            });
            let clients: Vec<_> = (0..conns)
                .map(|c| {
                    R::spawn(async move {
                        let mut s = R::connect(addr).await;
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
                    })
                })
                .collect();
            let mut done = 0;
            for c in clients {
                done += c.await;
            }
            let bytes = server.await;
            assert_eq!(
                bytes,
                done * size as u64,
                "echo: server echoed a wrong count"
            );
            done
        }
    }
}
