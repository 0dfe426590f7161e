//! Host names are resolved off the caller's thread: under strace, the
//! resolver's read of `/etc/hosts` for `lookup_host`, `TcpListener::bind`,
//! `TcpStream::connect`, `UdpSocket::bind` and `UdpSocket::connect` with
//! host names happens on another thread than the current-thread runtime's
//! (which marks itself with a failed `openat` of a marker path first). And
//! names resolve where no zio runtime runs: from `futures::executor` and
//! from a tokio runtime. strace comes from apt (`.ci/run`).

mod common;

use std::net::SocketAddr;

use zio::net::{lookup_host, TcpListener, TcpStream, UdpSocket};

/// A path that does not exist: its `openat` marks the runtime's thread in
/// the strace log.
const MARKER: &str = "/nonexistent/zio-runtime-thread-marker";

/// The thread id of each line of an `strace -f` log mentioning `what`.
fn threads_mentioning<'a>(log: &'a str, what: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|l| l.contains(what))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn host_names_are_resolved_off_the_runtime_thread() {
    let backend = std::env::var("ZIO_BACKEND").ok();
    let Some(log) =
        common::strace::run_child("resolve", &["-e", "trace=openat"], backend.as_deref())
    else {
        return;
    };
    let runtime = threads_mentioning(&log, MARKER);
    assert_eq!(runtime.len(), 1, "one marker: {runtime:?}");
    let resolvers = threads_mentioning(&log, "/etc/hosts");
    assert!(!resolvers.is_empty(), "the resolver read /etc/hosts");
    assert!(
        !resolvers.contains(&runtime[0]),
        "the runtime's thread {} resolved a name itself: {resolvers:?}",
        runtime[0]
    );
}

/// Every async call that takes a host name, on a current-thread runtime.
async fn resolve_everything() {
    let found: Vec<SocketAddr> = lookup_host("localhost:80").await.unwrap().collect();
    assert!(found.iter().all(|a| a.port() == 80 && a.ip().is_loopback()));
    let listener = TcpListener::bind("localhost:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let stream = TcpStream::connect(("localhost", port)).await.unwrap();
    assert_eq!(stream.peer_addr().unwrap().port(), port);
    let a = UdpSocket::bind("localhost:0").await.unwrap();
    let b = UdpSocket::bind(("localhost", 0)).await.unwrap();
    let b_port = b.local_addr().unwrap().port();
    a.connect(format!("localhost:{b_port}")).await.unwrap();
    a.send(b"hi".to_vec()).await.0.unwrap();
    let (n, buf) = b.recv(Vec::with_capacity(8)).await;
    assert_eq!(&buf[..n.unwrap()], b"hi");
}

/// The child side: does nothing unless this process is a child.
#[test]
fn child_entry() {
    let Some(scenario) = common::strace::child_scenario() else {
        return;
    };
    assert_eq!(scenario, "resolve");
    let rt = zio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert!(std::fs::File::open(MARKER).is_err());
        resolve_everything().await;
    });
    println!("child scenario passed");
}

#[test]
fn host_names_resolve_where_no_zio_runtime_runs() {
    common::watchdog("resolve_outside", || {
        let from_futures: Vec<SocketAddr> =
            futures::executor::block_on(async { lookup_host(("localhost", 7)).await })
                .unwrap()
                .collect();
        assert!(!from_futures.is_empty() && from_futures.iter().all(|a| a.port() == 7));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("localhost:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let stream = TcpStream::connect(format!("localhost:{port}"))
                .await
                .unwrap();
            assert_eq!(stream.peer_addr().unwrap().port(), port);
        });
    });
}
