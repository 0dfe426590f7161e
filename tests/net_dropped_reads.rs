//! Owned-buffer reads dropped while their receive is out lose nothing:
//! what the receive took goes to the socket's next read, by whatever way
//! that read is made (`read`, `read_exact`, `readv`, `readable` +
//! `try_read`, `AsyncRead`, a blocking `std::io::Read`), and an error it
//! took is reported by the next read. A datagram socket's dropped receive
//! keeps its whole datagram, with its sender, for the next receive.
//!
//! Most cases make the worst moment happen every time: the read is polled
//! once, the peer writes, and the read is left unpolled while its driver
//! completes the receive; then it is dropped. The last case drops reads at
//! random moments of a long stream and checks every byte, in order.
//!
//! Each case runs in three places: a current-thread runtime, a task of a
//! multi-thread runtime, and `futures::executor::block_on` (no zio runtime:
//! the fallback driver). CI runs this file with `ZIO_BACKEND=uring` and
//! `ZIO_BACKEND=epoll`.

mod common;

use std::future::Future;
use std::io::{Read, Write as _};
use std::pin::{pin, Pin};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use zio::net::{UdpSocket, UnixDatagram, UnixStream};

type Case = fn() -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs `case` in each place, under a watchdog.
fn everywhere(name: &'static str, case: Case) {
    common::watchdog(name, move || {
        common::current_rt().block_on(case());
        let rt = common::multi_rt(2);
        rt.block_on(async { zio::spawn(case()).await.unwrap() });
        futures::executor::block_on(case());
    });
}

/// Long enough for any driver to complete a receive of bytes that are
/// already there.
async fn settle() {
    zio::time::sleep(Duration::from_millis(30)).await;
}

/// Polls `read` once (its receive goes out), lets `peer_acts` run, lets
/// the driver complete the receive unobserved, then drops the read.
async fn drop_after<F: Future>(read: F, peer_acts: impl FnOnce()) {
    let mut read = pin!(read);
    assert!(futures::poll!(read.as_mut()).is_pending());
    peer_acts();
    settle().await;
}

/// Bounds a read that must find bytes that are already there.
async fn soon<T>(what: &str, f: impl Future<Output = T>) -> T {
    zio::time::timeout(Duration::from_secs(10), f)
        .await
        .unwrap_or_else(|_| panic!("{what}: the kept bytes never came"))
}

fn tcp_read_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let (stream, peer) = common::tcp_with_std_peer();
        drop_after(stream.read(Vec::with_capacity(8)), || {
            (&peer).write_all(b"abc").unwrap()
        })
        .await;
        let (n, buf) = soon("read", stream.read(Vec::with_capacity(8))).await;
        assert_eq!(&buf[..n.unwrap()], b"abc");
    })
}

#[test]
fn a_read_dropped_after_its_receive_completed_hands_its_bytes_on() {
    everywhere("tcp_read", tcp_read_case);
}

fn unix_read_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let stream = UnixStream::from_std(a).unwrap();
        drop_after(stream.read(Vec::with_capacity(8)), || {
            (&b).write_all(b"abc").unwrap()
        })
        .await;
        // A smaller buffer takes the kept bytes in two reads.
        let (n, first) = soon("read", stream.read(Vec::with_capacity(2))).await;
        assert_eq!(&first[..n.unwrap()], b"ab");
        let (n, rest) = soon("read", stream.read(Vec::with_capacity(8))).await;
        assert_eq!(&rest[..n.unwrap()], b"c");
    })
}

#[test]
fn a_unix_stream_keeps_a_dropped_reads_bytes_too() {
    everywhere("unix_read", unix_read_case);
}

fn read_exact_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let (stream, peer) = common::tcp_with_std_peer();
        {
            let mut read = pin!(stream.read_exact(Vec::with_capacity(6)));
            assert!(futures::poll!(read.as_mut()).is_pending());
            (&peer).write_all(b"abc").unwrap();
            settle().await;
            // The first half arrived and was taken; the read is out again.
            assert!(futures::poll!(read.as_mut()).is_pending());
            settle().await;
        }
        (&peer).write_all(b"def").unwrap();
        let (res, buf) = soon("read_exact", stream.read_exact(Vec::with_capacity(6))).await;
        res.unwrap();
        assert_eq!(buf, b"abcdef");
    })
}

#[test]
fn a_read_exact_dropped_midway_keeps_what_it_read() {
    everywhere("read_exact", read_exact_case);
}

fn readv_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let (stream, peer) = common::tcp_with_std_peer();
        let bufs = vec![Vec::with_capacity(2), Vec::with_capacity(8)];
        drop_after(stream.readv(bufs), || (&peer).write_all(b"abcde").unwrap()).await;
        let bufs = vec![Vec::with_capacity(3), Vec::with_capacity(8)];
        let (n, bufs) = soon("readv", stream.readv(bufs)).await;
        assert_eq!(n.unwrap(), 5);
        assert_eq!((&bufs[0][..], &bufs[1][..]), (&b"abc"[..], &b"de"[..]));
    })
}

#[test]
fn a_dropped_readv_hands_its_bytes_to_the_next_readv() {
    everywhere("readv", readv_case);
}

fn error_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let (stream, peer) = common::tcp_with_std_peer();
        drop_after(stream.read(Vec::with_capacity(8)), || {
            socket2::SockRef::from(&peer)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(peer);
        })
        .await;
        let (res, _) = soon("read", stream.read(Vec::with_capacity(8))).await;
        let e = res.expect_err("the reset must be reported");
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);
    })
}

#[test]
fn a_reset_taken_by_a_dropped_read_is_reported_by_the_next() {
    everywhere("reset", error_case);
}

fn readiness_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        use tokio::io::AsyncReadExt;
        let (mut stream, peer) = common::tcp_with_std_peer();
        drop_after(stream.read(Vec::with_capacity(8)), || {
            (&peer).write_all(b"xy").unwrap()
        })
        .await;
        // The socket itself is empty: `readable` must see the kept bytes.
        soon("readable", stream.readable()).await.unwrap();
        let mut one = [0u8; 1];
        assert_eq!(stream.try_read(&mut one).unwrap(), 1);
        assert_eq!(&one, b"x");
        let n = soon("poll_read", AsyncReadExt::read(&mut stream, &mut one)).await;
        assert_eq!((n.unwrap(), &one), (1, b"y"));
    })
}

#[test]
fn readable_try_read_and_async_read_see_kept_bytes() {
    everywhere("readiness", readiness_case);
}

fn blocking_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let (stream, peer) = common::tcp_with_std_peer();
        {
            let mut read = pin!(stream.read(Vec::with_capacity(8)));
            assert!(futures::poll!(read.as_mut()).is_pending());
            (&peer).write_all(b"z").unwrap();
        }
        // The dropped read's receive may still be out, on this thread's
        // own driver: the blocking read waits for it without stalling that
        // driver, then gets the byte from wherever it is.
        let mut buf = [0u8; 8];
        let n = Read::read(&mut &stream, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"z");
    })
}

#[test]
fn a_blocking_read_waits_for_a_dropped_reads_receive() {
    everywhere("blocking", blocking_case);
}

fn udp_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let a = UdpSocket::blocking_bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::blocking_bind("127.0.0.1:0").unwrap();
        let to = b.local_addr().unwrap();
        drop_after(b.recv_from(Vec::with_capacity(16)), || {
            a.blocking_send_to(b"first", to).unwrap();
        })
        .await;
        a.blocking_send_to(b"second", to).unwrap();
        for want in [&b"first"[..], b"second"] {
            let (res, buf) = soon("recv_from", b.recv_from(Vec::with_capacity(16))).await;
            let (n, from) = res.unwrap();
            assert_eq!((&buf[..n], from), (want, a.local_addr().unwrap()));
        }
        // `recv` is for connected sockets and learns no sender: on one that
        // is not, the kept datagram is not lost, and `recv_from` reports it
        // from the unspecified address.
        let c = UdpSocket::blocking_bind("127.0.0.1:0").unwrap();
        drop_after(b.recv(Vec::with_capacity(16)), || {
            c.blocking_send_to(b"third", to).unwrap();
        })
        .await;
        let (res, buf) = soon("recv_from", b.recv_from(Vec::with_capacity(16))).await;
        let (n, from) = res.unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"third"[..], "0.0.0.0:0".parse().unwrap())
        );
        b.blocking_connect(a.local_addr().unwrap()).unwrap();
        drop_after(b.recv(Vec::with_capacity(16)), || {
            a.blocking_send_to(b"fourth", to).unwrap();
        })
        .await;
        let mut buf = [0u8; 16];
        let (n, from) = b.blocking_recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"fourth"[..], a.local_addr().unwrap()));
    })
}

#[test]
fn a_dropped_udp_receive_keeps_its_datagram_and_sender() {
    everywhere("udp", udp_case);
}

fn unix_datagram_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let (a, b) = UnixDatagram::pair().unwrap();
        drop_after(b.recv(Vec::with_capacity(16)), || {
            a.blocking_send(b"").unwrap();
            a.blocking_send(b"after the empty one").unwrap();
        })
        .await;
        // The kept datagram is the empty one; the next is still in the
        // socket. A smaller buffer cuts it, as the kernel would.
        let (n, _) = soon("recv", b.recv(Vec::with_capacity(16))).await;
        assert_eq!(n.unwrap(), 0);
        let mut buf = [0u8; 5];
        assert_eq!(b.blocking_recv(&mut buf).unwrap(), 5);
        assert_eq!(&buf, b"after");
        // A socket that is not connected: `recv` learns no sender, and the
        // kept datagram comes to `recv_from` from an unnamed address.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bound");
        let bound = UnixDatagram::bind(&path).unwrap();
        let sender = UnixDatagram::bind(dir.path().join("sender")).unwrap();
        drop_after(bound.recv(Vec::with_capacity(8)), || {
            sender.blocking_send_to(b"hi", &path).unwrap();
        })
        .await;
        let (res, buf) = soon("recv_from", bound.recv_from(Vec::with_capacity(8))).await;
        let (n, from) = res.unwrap();
        assert_eq!(&buf[..n], b"hi");
        assert!(from.is_unnamed(), "{from:?}");
    })
}

#[test]
fn a_dropped_unix_datagram_receive_keeps_even_an_empty_datagram() {
    everywhere("unix_datagram", unix_datagram_case);
}

/// Bytes of the stream in `random_drops`.
const STREAM: usize = 256 * 1024;

fn random_case() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        use tokio::io::AsyncReadExt;
        let (mut stream, peer) = common::tcp_with_std_peer();
        let writer = std::thread::spawn(move || {
            let mut rng = rand::rng();
            let data: Vec<u8> = (0..STREAM).map(|i| (i % 251) as u8).collect();
            let mut at = 0;
            while at < STREAM {
                let n = rng.random_range(1..4096).min(STREAM - at);
                (&peer).write_all(&data[at..at + n]).unwrap();
                at += n;
                if rng.random_bool(0.3) {
                    std::thread::sleep(Duration::from_micros(rng.random_range(0..300)));
                }
            }
        });
        let mut got = Vec::with_capacity(STREAM);
        let seed: u64 = rand::random();
        println!("random drops: seed {seed}");
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        while got.len() < STREAM {
            let limit = Duration::from_micros(rng.random_range(0..200));
            let size = rng.random_range(1..3000);
            let bytes = match rng.random_range(0..3) {
                0 => match zio::time::timeout(limit, stream.read(Vec::with_capacity(size))).await {
                    Ok((n, buf)) => buf[..n.unwrap()].to_vec(),
                    Err(_) => continue,
                },
                1 => {
                    let bufs = vec![Vec::with_capacity(size), Vec::with_capacity(7)];
                    match zio::time::timeout(limit, stream.readv(bufs)).await {
                        Ok((n, bufs)) => {
                            let n = n.unwrap();
                            bufs.concat()[..n].to_vec()
                        }
                        Err(_) => continue,
                    }
                }
                _ => {
                    let mut buf = vec![0u8; size];
                    let read = AsyncReadExt::read(&mut stream, &mut buf);
                    match zio::time::timeout(limit, read).await {
                        Ok(n) => buf[..n.unwrap()].to_vec(),
                        Err(_) => continue,
                    }
                }
            };
            assert!(!bytes.is_empty(), "early end of stream at {}", got.len());
            got.extend_from_slice(&bytes);
        }
        writer.join().unwrap();
        for (i, b) in got.iter().enumerate() {
            assert_eq!(*b, (i % 251) as u8, "byte {i} of the stream");
        }
    })
}

#[test]
fn reads_dropped_at_random_moments_lose_and_reorder_nothing() {
    everywhere("random", random_case);
}

#[test]
fn a_read_dropped_in_a_finished_block_on_does_not_hold_up_other_threads() {
    common::watchdog("idle_runtime", || {
        // The dropped read's op lives on a current-thread runtime that
        // nobody drives once `block_on` has returned; the reads after it
        // happen elsewhere, on a plain thread and on another runtime.
        let rt = common::current_rt();
        let (stream, peer) = common::tcp_with_std_peer();
        rt.block_on(async {
            let mut read = pin!(stream.read(Vec::with_capacity(8)));
            assert!(futures::poll!(read.as_mut()).is_pending());
        });
        (&peer).write_all(b"1").unwrap();
        let mut buf = [0u8; 8];
        let n = std::thread::scope(|s| s.spawn(|| Read::read(&mut &stream, &mut buf)).join());
        assert_eq!(&buf[..n.unwrap().unwrap()], b"1");
        rt.block_on(async {
            let mut read = pin!(stream.read(Vec::with_capacity(8)));
            assert!(futures::poll!(read.as_mut()).is_pending());
        });
        (&peer).write_all(b"2").unwrap();
        let other = common::multi_rt(1);
        let (n, buf) = other.block_on(async { stream.read(Vec::with_capacity(8)).await });
        assert_eq!(&buf[..n.unwrap()], b"2");
        // The losing read of a `timeout` that is `block_on`'s own future is
        // dropped with that future, after its last poll.
        let read = stream.read(Vec::with_capacity(8));
        let lost = rt.block_on(zio::time::timeout(Duration::from_millis(20), read));
        assert!(lost.is_err());
        (&peer).write_all(b"3").unwrap();
        let mut buf = [0u8; 8];
        let n = std::thread::scope(|s| s.spawn(|| Read::read(&mut &stream, &mut buf)).join());
        assert_eq!(&buf[..n.unwrap().unwrap()], b"3");
    });
}

#[test]
fn a_worker_in_block_in_place_holds_up_no_read_of_a_socket_it_dropped() {
    common::watchdog("block_in_place", || {
        common::multi_rt(2).block_on(async {
            let task = zio::spawn(async {
                let (stream, peer) = common::tcp_with_std_peer();
                let stream = std::sync::Arc::new(stream);
                {
                    let mut read = pin!(stream.read(Vec::with_capacity(8)));
                    assert!(futures::poll!(read.as_mut()).is_pending());
                }
                // Another task reads the socket while this worker blocks,
                // waiting for that read: the dropped read's op is on this
                // worker's ring.
                let (tx, rx) = std::sync::mpsc::channel();
                let reader = stream.clone();
                zio::spawn(async move {
                    let (n, buf) = reader.read(Vec::with_capacity(8)).await;
                    tx.send(buf[..n.unwrap()].to_vec()).unwrap();
                });
                (&peer).write_all(b"z").unwrap();
                zio::task::block_in_place(|| rx.recv().unwrap())
            });
            assert_eq!(task.await.unwrap(), b"z");
        });
    });
}
