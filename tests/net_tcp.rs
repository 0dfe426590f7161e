//! TCP through zio's owned-buffer API on a zio runtime: echo under load,
//! bulk transfer with a checksum, half-close, faults (reset, refused,
//! short writes, a peer that stops reading), dropped futures.
//!
//! Written for every backend: nothing here depends on io_uring, so the
//! suite also runs under `ZIO_BACKEND=epoll`.

mod common;
use common::tcp_pair;

use std::io::{self, Read};
use std::net::Shutdown;
use std::time::Duration;

use rand::RngCore;
use zio::net::{TcpListener, TcpStream};

fn rt() -> zio::runtime::Runtime {
    zio::runtime::Runtime::new().unwrap()
}

#[test]
fn echo_500_concurrent_connections() {
    rt().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zio::spawn(async move {
            for _ in 0..500 {
                let (s, _) = listener.accept().await.unwrap();
                zio::spawn(async move {
                    let mut buf = Vec::with_capacity(4096);
                    loop {
                        buf.clear();
                        let (n, b) = s.read(buf).await;
                        buf = b;
                        match n.unwrap() {
                            0 => break,
                            _ => {
                                let (r, b) = s.write_all(buf).await;
                                r.unwrap();
                                buf = b;
                            }
                        }
                    }
                });
            }
        });
        let mut clients = Vec::new();
        for i in 0..500u32 {
            clients.push(zio::spawn(async move {
                let s = TcpStream::connect(addr).await.unwrap();
                for round in 0..4u32 {
                    let msg = format!("conn {i} round {round}").into_bytes();
                    let (r, msg) = s.write_all(msg).await;
                    r.unwrap();
                    let (r, back) = s.read_exact(Vec::with_capacity(msg.len())).await;
                    r.unwrap();
                    assert_eq!(back, msg);
                }
            }));
        }
        for c in clients {
            c.await.unwrap();
        }
        server.await.unwrap();
    });
}

/// 1 GiB through one loopback connection, CRC32 on both ends.
#[test]
fn bulk_transfer_with_checksum() {
    const TOTAL: usize = 1 << 30;
    const CHUNK: usize = 256 << 10;
    rt().block_on(async {
        let (client, server) = tcp_pair().await;
        let writer = zio::spawn(async move {
            let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(7);
            let mut hasher = crc32fast::Hasher::new();
            let mut sent = 0;
            let mut buf = vec![0u8; CHUNK];
            while sent < TOTAL {
                rng.fill_bytes(&mut buf);
                hasher.update(&buf);
                let (r, b) = client.write_all(buf).await;
                r.unwrap();
                buf = b;
                sent += CHUNK;
            }
            client.shutdown(Shutdown::Write).unwrap();
            hasher.finalize()
        });
        let mut hasher = crc32fast::Hasher::new();
        let mut got = 0;
        let mut buf = Vec::with_capacity(CHUNK);
        loop {
            buf.clear();
            let (n, b) = server.read(buf).await;
            buf = b;
            let n = n.unwrap();
            if n == 0 {
                break;
            }
            hasher.update(&buf);
            got += n;
        }
        assert_eq!(got, TOTAL);
        assert_eq!(hasher.finalize(), writer.await.unwrap());
    });
}

#[test]
fn half_close() {
    rt().block_on(async {
        let (client, server) = tcp_pair().await;
        client.write_all(b"request".to_vec()).await.0.unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        // The server reads to EOF, then still answers on its write side.
        let mut all = Vec::new();
        loop {
            let (n, b) = server.read(Vec::with_capacity(64)).await;
            if n.unwrap() == 0 {
                break;
            }
            all.extend_from_slice(&b);
        }
        assert_eq!(all, b"request");
        server.write_all(b"response".to_vec()).await.0.unwrap();
        drop(server);
        let (r, b) = client.read_exact(Vec::with_capacity(8)).await;
        r.unwrap();
        assert_eq!(b, b"response");
        let (n, _) = client.read(Vec::with_capacity(8)).await;
        assert_eq!(n.unwrap(), 0);
    });
}

#[test]
fn peer_reset_is_an_error_not_a_panic() {
    rt().block_on(async {
        let (client, server) = tcp_pair().await;
        server.set_linger(Some(Duration::ZERO)).unwrap();
        drop(server);
        zio::time::sleep(Duration::from_millis(20)).await;
        let (n, _) = client.read(Vec::with_capacity(16)).await;
        assert_eq!(n.unwrap_err().kind(), io::ErrorKind::ConnectionReset);

        let (client, server) = tcp_pair().await;
        server.set_linger(Some(Duration::ZERO)).unwrap();
        drop(server);
        zio::time::sleep(Duration::from_millis(20)).await;
        let mut err = None;
        for _ in 0..3 {
            if let Err(e) = client.write_all(vec![1u8; 1024]).await.0 {
                err = Some(e);
                break;
            }
        }
        let kind = err.expect("writing to a reset peer fails").kind();
        assert!(
            matches!(
                kind,
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
            "{kind:?}"
        );
    });
}

#[test]
fn connect_to_closed_port_is_refused() {
    rt().block_on(async {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let e = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
        let e = TcpStream::blocking_connect(addr).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn tiny_send_buffer_write_all_loses_nothing() {
    const LEN: usize = 4 << 20;
    rt().block_on(async {
        let (client, server) = tcp_pair().await;
        socket2::SockRef::from(&client)
            .set_send_buffer_size(4096)
            .unwrap();
        let data: Vec<u8> = (0..LEN).map(|i| (i * 7 % 251) as u8).collect();
        let expect = data.clone();
        let writer = zio::spawn(async move {
            let (r, _) = client.write_all(data).await;
            r.unwrap();
        });
        let (r, got) = server.read_exact(Vec::with_capacity(LEN)).await;
        r.unwrap();
        assert!(got == expect, "bytes differ");
        writer.await.unwrap();
    });
}

#[test]
fn peer_that_stops_reading_times_out_cleanly() {
    rt().block_on(async {
        let (client, _server) = tcp_pair().await;
        let res = zio::time::timeout(
            Duration::from_millis(200),
            client.write_all(vec![0u8; 64 << 20]),
        )
        .await;
        assert!(res.is_err(), "64 MiB cannot fit in the socket buffers");
        // The stream is still usable.
        client.write(b"x".to_vec()).await.0.ok();
    });
}

#[test]
fn dropped_pending_read_and_accept_lose_nothing() {
    rt().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        // A pending accept, dropped.
        let r = zio::time::timeout(Duration::from_millis(20), listener.accept()).await;
        assert!(r.is_err());
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        // A pending read, dropped, several times.
        for _ in 0..5 {
            let r = zio::time::timeout(
                Duration::from_millis(5),
                server.read(Vec::with_capacity(16)),
            )
            .await;
            assert!(r.is_err());
        }
        client.write_all(b"all of it".to_vec()).await.0.unwrap();
        let (r, b) = server.read_exact(Vec::with_capacity(9)).await;
        r.unwrap();
        assert_eq!(b, b"all of it");
    });
}

/// A plain `close` does not end a recv in flight under io_uring; zio
/// cancels it when its future is dropped, so the socket really closes.
#[test]
fn dropping_stream_with_cancelled_recv_sends_fin() {
    rt().block_on(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        let r = zio::time::timeout(
            Duration::from_millis(20),
            stream.read(Vec::with_capacity(8)),
        )
        .await;
        assert!(r.is_err());
        drop(stream);
        peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(peer.read(&mut buf).unwrap(), 0, "the peer sees EOF");
    });
}

/// The same through the tokio `AsyncRead` impl: its readiness wait (a
/// poll armed in the ring, kept by the stream after the read future is
/// gone) must not keep the socket open once the stream is dropped.
#[test]
fn dropping_stream_with_pending_poll_read_sends_fin() {
    use tokio::io::AsyncReadExt;
    rt().block_on(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut stream = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        let mut into = [0u8; 8];
        let r = zio::time::timeout(
            Duration::from_millis(20),
            AsyncReadExt::read(&mut stream, &mut into),
        )
        .await;
        assert!(r.is_err(), "nothing to read yet");
        drop(stream);
        peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(peer.read(&mut buf).unwrap(), 0, "the peer sees EOF");
    });
}

#[test]
fn readv_writev_and_split_halves() {
    rt().block_on(async {
        let (client, server) = tcp_pair().await;
        let (r, _) = client.writev(vec![b"abc".to_vec(), b"defg".to_vec()]).await;
        assert_eq!(r.unwrap(), 7);
        let (r, bufs) = server
            .readv(vec![Vec::with_capacity(3), Vec::with_capacity(4)])
            .await;
        let n = r.unwrap();
        let joined: Vec<u8> = bufs.concat();
        assert_eq!(&joined[..], &b"abcdefg"[..n]);

        let (rd, wr) = server.into_split();
        let echo = zio::spawn(async move {
            let (r, b) = rd.read_exact(Vec::with_capacity(5)).await;
            r.unwrap();
            (rd, b)
        });
        client.write_all(b"hello".to_vec()).await.0.unwrap();
        let (rd, b) = echo.await.unwrap();
        wr.write_all(b).await.0.unwrap();
        let (r, b) = client.read_exact(Vec::with_capacity(5)).await;
        r.unwrap();
        assert_eq!(b, b"hello");
        let server = rd.reunite(wr).unwrap();
        assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    });
}

#[test]
fn host_names_resolve() {
    rt().block_on(async {
        let listener = TcpListener::bind("localhost:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let s = TcpStream::connect(("localhost", port)).await.unwrap();
        assert_eq!(s.peer_addr().unwrap().port(), port);
        let addrs: Vec<_> = zio::net::lookup_host(format!("localhost:{port}"))
            .await
            .unwrap()
            .collect();
        assert!(!addrs.is_empty());
    });
}
