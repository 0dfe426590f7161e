//! Listener accepts under load, on whichever backend `ZIO_BACKEND` picks,
//! on both runtime flavors: every connection is handed out once, with its
//! peer's address; an `accept` future dropped mid-flight loses no
//! connection; a dropped listener ends the connections waiting on it; and
//! the listener keeps working from other runtimes, other executors and
//! plain threads.

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{current_rt, multi_rt, watchdog_for};
use futures::FutureExt;
use zio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use zio::runtime::Runtime;

const LIMIT: Duration = Duration::from_secs(120);

/// Both runtime flavors, named.
fn runtimes() -> Vec<(&'static str, Runtime)> {
    vec![
        ("current_thread", current_rt()),
        ("multi_thread", multi_rt(2)),
    ]
}

/// Runs `f` as a task of `rt` (on a multi-thread runtime, on a worker
/// with its own ring; `block_on`'s thread has none there).
fn run<T: Send + 'static>(
    rt: &Runtime,
    f: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    rt.block_on(rt.spawn(f)).unwrap()
}

/// Connects `n` clients from a plain thread, each sending its number, and
/// returns them with their local addresses.
fn connect_clients(addr: SocketAddr, n: u32) -> Vec<(std::net::TcpStream, SocketAddr)> {
    (0..n)
        .map(|i| {
            let mut c = std::net::TcpStream::connect(addr).unwrap();
            c.write_all(&i.to_le_bytes()).unwrap();
            let local = c.local_addr().unwrap();
            (c, local)
        })
        .collect()
}

/// Accepts `n` connections; checks each one's number and peer address
/// against the clients' (each number once).
async fn accept_and_check(listener: &TcpListener, n: u32, locals: &[SocketAddr]) {
    let mut seen = vec![false; n as usize];
    for _ in 0..n {
        let (s, peer) = listener.accept().await.unwrap();
        let (r, buf) = s.read_exact(Vec::with_capacity(4)).await;
        r.unwrap();
        let i = u32::from_le_bytes(buf[..4].try_into().unwrap()) as usize;
        assert!(!seen[i], "connection {i} accepted twice");
        seen[i] = true;
        assert_eq!(peer, locals[i], "connection {i}: wrong peer address");
    }
}

/// Bursts of connections, arriving while `accept` runs and while nobody
/// accepts: each connection is accepted exactly once.
#[test]
fn bursts_are_accepted_once_each_with_their_peer_address() {
    watchdog_for("bursts", LIMIT, || {
        for (name, rt) in runtimes() {
            run(&rt, async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                for burst in 0..4 {
                    let clients = std::thread::spawn(move || connect_clients(addr, 300));
                    if burst % 2 == 1 {
                        // Let the burst land before anyone accepts.
                        zio::time::sleep(Duration::from_millis(100)).await;
                    }
                    let clients = clients.join().unwrap();
                    let locals: Vec<_> = clients.iter().map(|c| c.1).collect();
                    accept_and_check(&listener, 300, &locals).await;
                }
            });
            eprintln!("{name}: ok");
        }
    });
}

/// `accept` futures dropped before they complete (by a timeout, or after
/// one poll) while connections keep arriving: every connection is still
/// accepted by a later `accept`, none is closed on the way.
#[test]
fn dropped_accept_futures_lose_no_connection() {
    watchdog_for("dropped accepts", LIMIT, || {
        for (name, rt) in runtimes() {
            let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
            let addr = listener.local_addr().unwrap();
            let clients: Vec<_> = (0..4)
                .map(|t| {
                    std::thread::spawn(move || {
                        for i in 0..100 {
                            let mut c = std::net::TcpStream::connect(addr).unwrap();
                            c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                            let mut got = Vec::new();
                            c.read_to_end(&mut got).unwrap();
                            assert_eq!(got, b"A", "client {t}/{i}: connection closed unaccepted");
                        }
                    })
                })
                .collect();
            run(&rt, async move {
                let mut accepted = 0;
                let mut round = 0u64;
                while accepted < 400 {
                    round += 1;
                    let got = match round % 3 {
                        0 => listener.accept().now_or_never(),
                        1 => zio::time::timeout(
                            Duration::from_micros(round % 200),
                            listener.accept(),
                        )
                        .await
                        .ok(),
                        _ => Some(listener.accept().await),
                    };
                    if let Some(res) = got {
                        let (s, _) = res.unwrap();
                        s.write_all(b"A".to_vec()).await.0.unwrap();
                        accepted += 1;
                    }
                }
            });
            for c in clients {
                c.join().unwrap();
            }
            eprintln!("{name}: ok");
        }
    });
}

/// A listener dropped with connections waiting in its backlog: each of
/// those clients sees the connection end (EOF or a reset); the accepted
/// ones got their byte.
#[test]
fn dropping_the_listener_ends_waiting_connections() {
    watchdog_for("listener drop", LIMIT, || {
        for (name, rt) in runtimes() {
            let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
            let addr = listener.local_addr().unwrap();
            let connected = Arc::new(AtomicUsize::new(0));
            let counter = connected.clone();
            let clients = std::thread::spawn(move || {
                let mut cs = Vec::new();
                for _ in 0..300 {
                    let c = std::net::TcpStream::connect(addr).unwrap();
                    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                    cs.push(c);
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                let (mut served, mut ended) = (0, 0);
                for mut c in cs {
                    let mut got = Vec::new();
                    match c.read_to_end(&mut got) {
                        Ok(_) if got == b"A" => served += 1,
                        Ok(_) if got.is_empty() => ended += 1,
                        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => ended += 1,
                        other => panic!("client: unexpected end {other:?} after {got:?}"),
                    }
                }
                (served, ended)
            });
            run(&rt, async move {
                for _ in 0..100 {
                    let (s, _) = listener.accept().await.unwrap();
                    s.write_all(b"A".to_vec()).await.0.unwrap();
                }
                // Let the rest arrive.
                while connected.load(Ordering::SeqCst) < 300 {
                    zio::time::sleep(Duration::from_millis(5)).await;
                }
                zio::time::sleep(Duration::from_millis(50)).await;
                drop(listener);
            });
            assert_eq!(clients.join().unwrap(), (100, 200), "{name}");
            eprintln!("{name}: ok");
        }
    });
}

/// Accepts one connection made by a fresh client, on the calling context.
async fn accept_one(listener: &TcpListener) {
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || std::net::TcpStream::connect(addr).unwrap());
    let (s, peer) = listener.accept().await.unwrap();
    assert_eq!(peer, client.join().unwrap().local_addr().unwrap());
    drop(s);
}

/// One listener, used by a multi-thread runtime's worker, then while that
/// runtime idles by a current-thread runtime, `futures::executor::block_on`
/// (the fallback driver), a tokio runtime and a plain thread's
/// `blocking_accept`; then after that runtime is gone, by another.
#[test]
fn a_listener_accepts_from_every_context() {
    watchdog_for("contexts", LIMIT, || {
        let first = multi_rt(2);
        let listener = Arc::new(first.block_on(TcpListener::bind("127.0.0.1:0")).unwrap());
        let l = listener.clone();
        run(&first, async move { accept_one(&l).await });

        current_rt().block_on(accept_one(&listener));
        futures::executor::block_on(accept_one(&listener));
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(accept_one(&listener));
        for _ in 0..3 {
            let addr = listener.local_addr().unwrap();
            let client = std::thread::spawn(move || std::net::TcpStream::connect(addr).unwrap());
            let (_, peer) = listener.blocking_accept().unwrap();
            assert_eq!(peer, client.join().unwrap().local_addr().unwrap());
        }
        // A plain thread waiting before the connection arrives.
        let l = listener.clone();
        let waiter = std::thread::spawn(move || l.blocking_accept().unwrap().1);
        std::thread::sleep(Duration::from_millis(50));
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        assert_eq!(waiter.join().unwrap(), client.local_addr().unwrap());

        drop(first);
        let again = multi_rt(2);
        let l = listener.clone();
        run(&again, async move { accept_one(&l).await });
        current_rt().block_on(accept_one(&listener));
    });
}

/// The same for a Unix listener: bursts accepted once each, and a drop
/// with connections waiting ends them.
#[test]
fn unix_listener_bursts_and_drop() {
    watchdog_for("unix", LIMIT, || {
        for (name, rt) in runtimes() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("l.sock");
            let listener = UnixListener::bind(&path).unwrap();
            let p = path.clone();
            let clients = std::thread::spawn(move || {
                (0..300u32)
                    .map(|i| {
                        let mut c = std::os::unix::net::UnixStream::connect(&p).unwrap();
                        c.write_all(&i.to_le_bytes()).unwrap();
                        c
                    })
                    .collect::<Vec<_>>()
            });
            let listener = Arc::new(listener);
            let l = listener.clone();
            run(&rt, async move {
                let mut seen = vec![false; 300];
                for _ in 0..200 {
                    let (s, _) = l.accept().await.unwrap();
                    let (r, buf) = s.read_exact(Vec::with_capacity(4)).await;
                    r.unwrap();
                    let i = u32::from_le_bytes(buf[..4].try_into().unwrap()) as usize;
                    assert!(!seen[i], "connection {i} accepted twice");
                    seen[i] = true;
                }
            });
            let clients = clients.join().unwrap();
            drop(listener);
            for c in clients {
                let mut c = c;
                c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                let mut got = Vec::new();
                match c.read_to_end(&mut got) {
                    Ok(0) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
                    other => panic!("{name}: unexpected end {other:?}"),
                }
            }
            // A fresh async round trip still works on a new listener.
            let path = dir.path().join("m.sock");
            run(&rt, async move {
                let l = UnixListener::bind(&path).unwrap();
                let c = UnixStream::connect(&path).await.unwrap();
                let (s, _) = l.accept().await.unwrap();
                c.write_all(b"x".to_vec()).await.0.unwrap();
                assert_eq!(s.read_exact(Vec::with_capacity(1)).await.1, b"x");
            });
            eprintln!("{name}: ok");
        }
    });
}

/// An accepted TcpStream is an ordinary stream: it reads, writes and
/// sees EOF.
#[test]
fn accepted_connections_are_ordinary_streams() {
    watchdog_for("streams", LIMIT, || {
        for (_, rt) in runtimes() {
            run(&rt, async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let client = TcpStream::connect(listener.local_addr().unwrap())
                    .await
                    .unwrap();
                let (server, _) = listener.accept().await.unwrap();
                client.write_all(b"ping".to_vec()).await.0.unwrap();
                assert_eq!(server.read_exact(Vec::with_capacity(4)).await.1, b"ping");
                drop(client);
                let (r, buf) = server.read(Vec::with_capacity(4)).await;
                assert_eq!((r.unwrap(), buf.len()), (0, 0));
            });
        }
    });
}
