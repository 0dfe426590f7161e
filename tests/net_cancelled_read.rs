//! A `TcpStream::read` dropped while pending, then bytes from the peer
//! (sent at once, from the same thread), then another read: the next read
//! gets the bytes, 200 tries per place, everywhere: on a current-thread
//! runtime, on a multi-thread runtime (where the dropped read's op may run
//! on another worker's driver) and with no zio runtime (the fallback
//! driver runs it). If the dropped read's receive took the byte before its
//! cancel landed, the byte must come back through the socket's leftover.
//! `net_dropped_reads.rs` drops reads at random moments of a stream.
//!
//! CI runs this file with `ZIO_BACKEND=uring` and `ZIO_BACKEND=epoll`.

mod common;

use std::io::Write as _;
use std::pin::pin;
use std::time::Duration;

const TRIES: usize = 200;

/// One try: returns the bytes the read after the dropped one got.
async fn once() -> Vec<u8> {
    let (stream, peer) = common::tcp_with_std_peer();
    {
        let read = pin!(stream.read(Vec::with_capacity(8)));
        assert!(futures::poll!(read).is_pending());
    }
    (&peer).write_all(b"x").unwrap();
    let again = stream.read(Vec::with_capacity(8));
    let later = zio::time::timeout(Duration::from_secs(10), again).await;
    let (n, buf) = later.expect("the byte never came");
    n.unwrap();
    buf
}

/// Runs the tries with `block_on`, which polls them in some place.
fn tries(place: &str, block_on: impl Fn() -> Vec<u8>) {
    for _ in 0..TRIES {
        assert_eq!(block_on(), b"x", "{place}");
    }
}

#[test]
fn a_dropped_read_loses_no_later_bytes() {
    common::watchdog("dropped_read", || {
        let ct = common::current_rt();
        tries("current-thread runtime", || ct.block_on(once()));
        let rt = common::multi_rt(2);
        tries("multi-thread runtime", || {
            rt.block_on(async { zio::spawn(once()).await.unwrap() })
        });
        tries("no zio runtime", || futures::executor::block_on(once()));
    });
}
