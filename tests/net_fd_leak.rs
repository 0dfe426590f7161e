//! No descriptor leaks: count `/proc/self/fd` before and after 10,000
//! connections, a third of them with accepts or connects cancelled
//! mid-flight (dropped after one poll, racing incoming connections). A
//! connect op that completes after its cancel leaves its socket with the
//! driver, which closes it. `TcpListener::accept` waits for readiness and
//! then calls `accept4` itself, so a dropped accept never holds a
//! connection: it stays in the backlog and closes with the listener. The
//! accept *op* that completes after its cancel, whose fd the driver must
//! close, is the completion queue's: `tests/cq_more_ops.rs`.
//!
//! One test per binary: the count is process-wide. The baseline is taken
//! after a warm-up that starts everything lazily created (the runtime's
//! rings and eventfds, zio's fallback driver), so no slack is allowed.

use std::time::{Duration, Instant};

use futures::FutureExt;
use zio::net::{TcpListener, TcpStream};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

async fn one_connection(listener: &TcpListener) {
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = futures::join!(TcpStream::connect(addr), listener.accept());
    let (client, (server, _)) = (client.unwrap(), accepted.unwrap());
    client.write_all(b"x".to_vec()).await.0.unwrap();
    let (r, _) = server.read_exact(Vec::with_capacity(1)).await;
    r.unwrap();
}

#[test]
fn ten_thousand_connections_leak_no_fd() {
    let rt = zio::runtime::Runtime::new().unwrap();
    // Warm-up: the runtime's drivers, and the fallback driver.
    rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        for _ in 0..10 {
            one_connection(&l).await;
        }
    });
    futures::executor::block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        one_connection(&l).await;
    });
    std::thread::sleep(Duration::from_millis(100));
    let before = open_fds();

    rt.block_on(async {
        let listener = std::sync::Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
        let mut tasks = Vec::new();
        // 100 tasks × 100 connections = 10,000.
        for t in 0..100 {
            let listener = listener.clone();
            tasks.push(zio::spawn(async move {
                let chaos = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let chaos_addr = chaos.local_addr().unwrap();
                let mut clients = Vec::new();
                for i in 0..100 {
                    match (t + i) % 3 {
                        0 | 1 if i % 2 == 0 => one_connection(&listener).await,
                        0 => {
                            // An accept dropped after one poll while a
                            // connection is arriving.
                            let connect = TcpStream::connect(chaos_addr);
                            let (c, _) = futures::join!(connect, async {
                                let _ = chaos.accept().now_or_never();
                            });
                            clients.push(c.unwrap());
                        }
                        1 => {
                            // A connect dropped after one poll.
                            let _ = TcpStream::connect(chaos_addr).now_or_never();
                        }
                        _ => {
                            // A connect cut short by a tiny timeout.
                            let r = zio::time::timeout(
                                Duration::from_micros(1),
                                TcpStream::connect(chaos_addr),
                            )
                            .await;
                            if let Ok(c) = r {
                                clients.push(c.unwrap());
                            }
                        }
                    }
                }
                drop(clients);
                drop(chaos);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });

    // Cancelled ops complete asynchronously; give the drivers a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut after = open_fds();
    while after != before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        after = open_fds();
    }
    assert_eq!(after, before, "descriptors leaked");
    drop(rt);
}
