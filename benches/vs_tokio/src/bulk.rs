//! Loopback bulk transfer: one connection, a client task writing large
//! chunks as fast as it can, a server task reading and counting them — the
//! row shown against `iperf3` over the same loopback (see `iperf`). The
//! connection is made before the span starts.

use std::future::Future;

use crate::echo::connect_all;
use crate::harness::Harness;
use crate::rt::Rt;
use crate::span::Span;
use crate::workload::{Throughput, Workload};

/// Bytes per write (and per operation): iperf3 is run with the same.
pub const CHUNK: usize = 256 << 10;

/// Name prefix of the row.
pub const NAME: &str = "tcp_bulk";

/// Registers the bulk workload with `h`.
pub fn register(h: &mut Harness) {
    let chunks = h.cfg.size(1024, 128);
    h.bench(Bulk { chunks });
}

/// The byte at offset `o` of the stream: periodic in [`CHUNK`] (so the
/// client writes one buffer over and over) but not in smaller powers of
/// two, so a lost or duplicated read shows.
fn pattern(o: usize) -> u8 {
    ((o % CHUNK) % 251) as u8
}

/// `chunks` writes of [`CHUNK`] bytes through one loopback connection.
#[derive(Debug)]
pub struct Bulk {
    /// Writes per iteration.
    pub chunks: usize,
}

/// The server side: reads until end of stream, checking the first and
/// last byte of every read; returns the bytes read.
async fn sink<R: Rt>(mut s: R::Stream) -> u64 {
    let mut buf = Vec::with_capacity(CHUNK);
    let mut at = 0;
    loop {
        buf = R::read(&mut s, buf).await;
        let Some(&last) = buf.last() else {
            return at as u64;
        };
        assert_eq!(buf[0], pattern(at), "bulk: wrong byte at {at}");
        at += buf.len();
        assert_eq!(last, pattern(at - 1), "bulk: wrong byte at {}", at - 1);
    }
}

impl Workload for Bulk {
    fn name(&self) -> String {
        format!("{NAME}/1conn×{}KiB×{}", CHUNK >> 10, self.chunks)
    }

    fn ops(&self) -> u64 {
        self.chunks as u64
    }

    fn throughput(&self) -> Throughput {
        Throughput::Bytes(CHUNK as u64)
    }

    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static {
        let chunks = self.chunks;
        async move {
            let (mut clients, mut servers) = connect_all::<R>(1).await;
            let (mut client, server) = (clients.remove(0), servers.remove(0));
            span.start();
            let reader = R::spawn(sink::<R>(server));
            let mut buf: Vec<u8> = (0..CHUNK).map(pattern).collect();
            for _ in 0..chunks {
                buf = R::write_all(&mut client, buf).await;
            }
            drop(client);
            let bytes = reader.await;
            assert_eq!(bytes, (chunks * CHUNK) as u64, "bulk: wrong byte count");
            bytes / CHUNK as u64
        }
    }
}
