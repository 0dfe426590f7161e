//! The same `zio::net::TcpStream` code from a plain thread (blocking std
//! traits), from a tokio runtime and from `futures::executor::block_on`
//! (async ops served by zio's fallback driver), and from a zio runtime;
//! plus a tokio current-thread runtime running client and server on its
//! one thread, which must not deadlock.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use zio::net::{TcpListener, TcpStream, UdpSocket, UnixStream};

/// The async exchange every executor runs.
async fn exchange(listener: &TcpListener) {
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    client.write_all(b"ping".to_vec()).await.0.unwrap();
    let (r, b) = server.read_exact(Vec::with_capacity(4)).await;
    r.unwrap();
    assert_eq!(b, b"ping");
    server.write_all(b"pong".to_vec()).await.0.unwrap();
    let (r, b) = client.read_exact(Vec::with_capacity(4)).await;
    r.unwrap();
    assert_eq!(b, b"pong");
}

#[test]
fn plain_thread_blocking() {
    std::thread::spawn(|| {
        let listener = TcpListener::blocking_bind("127.0.0.1:0").unwrap();
        let client = TcpStream::blocking_connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.blocking_accept().unwrap();
        // Inherent async `write_all`/`read_exact` shadow the std traits in
        // method syntax: call the traits by name.
        Write::write_all(&mut &client, b"ping").unwrap();
        let mut buf = [0u8; 4];
        Read::read_exact(&mut &server, &mut buf).unwrap();
        assert_eq!(&buf, b"ping");
        drop(client);
        let mut rest = Vec::new();
        Read::read_to_end(&mut &server, &mut rest).unwrap();
        assert!(rest.is_empty());

        let a = UdpSocket::blocking_bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::blocking_bind("127.0.0.1:0").unwrap();
        a.blocking_send_to(b"dgram", b.local_addr().unwrap())
            .unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = b.blocking_recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"dgram"[..], a.local_addr().unwrap()));

        let (x, y) = UnixStream::pair().unwrap();
        let mut x = x;
        Write::write_all(&mut x, b"unix").unwrap();
        let mut buf = [0u8; 4];
        let mut y = y;
        Read::read_exact(&mut y, &mut buf).unwrap();
        assert_eq!(&buf, b"unix");
    })
    .join()
    .unwrap();
}

#[test]
fn futures_block_on() {
    futures::executor::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        exchange(&listener).await;
    });
}

#[test]
fn tokio_multi_thread_runtime() {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        exchange(&listener).await;
    });
}

#[test]
fn zio_runtime() {
    zio::runtime::Runtime::new().unwrap().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        exchange(&listener).await;
    });
}

#[test]
fn tokio_current_thread_client_and_server_do_not_deadlock() {
    // A blocked tokio thread would never fire the timeout below: the
    // watchdog thread turns that hang into a failure.
    common::watchdog("tokio_current_thread_deadlock", || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = tokio::spawn(async move {
                for _ in 0..10 {
                    let (s, _) = listener.accept().await.unwrap();
                    tokio::spawn(async move {
                        loop {
                            let (n, b) = s.read(Vec::with_capacity(1024)).await;
                            if n.unwrap() == 0 {
                                break;
                            }
                            s.write_all(b).await.0.unwrap();
                        }
                    });
                }
            });
            let work = async {
                let mut clients = Vec::new();
                for i in 0..10u8 {
                    clients.push(tokio::spawn(async move {
                        let c = TcpStream::connect(addr).await.unwrap();
                        for _ in 0..10 {
                            c.write_all(vec![i; 100]).await.0.unwrap();
                            let (r, b) = c.read_exact(Vec::with_capacity(100)).await;
                            r.unwrap();
                            assert_eq!(b, vec![i; 100]);
                        }
                    }));
                }
                for c in clients {
                    c.await.unwrap();
                }
                server.await.unwrap();
            };
            tokio::time::timeout(Duration::from_secs(20), work)
                .await
                .expect("deadlock: a tokio current-thread runtime was blocked");
        });
    });
}
