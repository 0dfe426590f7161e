//! No descriptor leaks with listeners dropped while connections wait:
//! thousands of connections, half of them accepted (some by `accept`
//! futures dropped mid-flight), the rest still in the kernel's backlog
//! when the listener goes. Then an accept that fails for lack of
//! descriptors (`EMFILE`) reports it as an `io::Error`, and the listener
//! works again once descriptors are free.
//!
//! One test per binary: descriptor counts and limits are process-wide.

mod common;

use std::io::Read;
use std::os::fd::AsRawFd;
use std::time::Duration;

use common::{current_rt, multi_rt, wait_until, watchdog_for};
use futures::FutureExt;
use zio::net::TcpListener;
use zio::runtime::Runtime;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// One round: 300 clients, 150 accepted, the listener dropped with the
/// rest waiting; every client sees its connection end.
fn round(rt: &Runtime) {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let clients = std::thread::spawn(move || {
        (0..300)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect::<Vec<_>>()
    });
    let listener = std::sync::Arc::new(listener);
    let l = listener.clone();
    rt.block_on(rt.spawn(async move {
        let listener = l;
        let mut accepted = 0;
        while accepted < 150 {
            // Every other accept is dropped after one poll.
            if accepted % 2 == 0 {
                if let Some(res) = listener.accept().now_or_never() {
                    drop(res.unwrap());
                    accepted += 1;
                }
            }
            drop(listener.accept().await.unwrap());
            accepted += 1;
        }
        zio::time::sleep(Duration::from_millis(20)).await;
    }))
    .unwrap();
    // Every client has connected (the kernel completes the handshake into
    // the backlog) before the listener goes: a client still connecting
    // after that would be refused, which is not what this test is about.
    let clients = clients.join().unwrap();
    drop(listener);
    for mut c in clients {
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut rest = Vec::new();
        match c.read_to_end(&mut rest) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("unexpected end {other:?}"),
        }
    }
}

/// The lowest descriptor number not in use.
fn lowest_free_fd() -> u64 {
    let probe = std::fs::File::open("/dev/null").unwrap();
    probe.as_raw_fd() as u64
}

fn set_fd_limit(soft: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: reads the limit into a live struct.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let old = lim.rlim_cur;
    lim.rlim_cur = soft;
    // SAFETY: sets the soft limit from a live struct (below the hard one).
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    old
}

/// With no descriptor left, `accept` fails with `EMFILE` (or `ENFILE`);
/// once one is free the waiting connection is accepted.
fn accept_error(rt: &Runtime) {
    rt.block_on(rt.spawn(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // One connection first, so the listener has been used.
        let c = std::net::TcpStream::connect(addr).unwrap();
        drop(listener.accept().await.unwrap());
        drop(c);
        let client =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        let old = set_fd_limit(lowest_free_fd());
        client.connect(&addr.into()).unwrap();
        let err = listener.accept().await.map(drop).unwrap_err();
        set_fd_limit(old);
        assert!(
            matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)),
            "expected EMFILE, got {err:?}"
        );
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap().as_socket().unwrap());
    }))
    .unwrap();
}

#[test]
fn listeners_dropped_with_connections_waiting_leak_no_fd() {
    watchdog_for("fds", Duration::from_secs(240), || {
        let rts = [current_rt(), multi_rt(2)];
        // Warm-up: rings, eventfds.
        for rt in &rts {
            round(rt);
        }
        std::thread::sleep(Duration::from_millis(100));
        let before = open_fds();
        for _ in 0..5 {
            for rt in &rts {
                round(rt);
            }
        }
        // Cancelled ops finish asynchronously: give the drivers a moment.
        wait_until("descriptors back to the baseline", || open_fds() == before);

        for rt in &rts {
            accept_error(rt);
        }
    });
}
