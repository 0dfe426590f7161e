//! The epoll backend keeps a socket registered, edge-triggered, across
//! waits: a wait costs no `epoll_ctl`. Counted with strace on a child
//! forced to epoll (the behaviour is epoll's; this file does the same
//! under either `ZIO_BACKEND` of CI): 1,000 echo round trips on each
//! runtime flavor, every one of them a wait on the owned-buffer path (the
//! client) and on the readiness path of tokio's traits (the server), then
//! a half-close that the waiting server must see as end of stream.

mod common;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ROUND_TRIPS: usize = 1_000;

#[test]
fn waits_make_no_epoll_ctl() {
    let args = ["-e", "trace=epoll_ctl"];
    let Some(log) = common::strace::run_child("round_trips", &args, Some("epoll")) else {
        return;
    };
    let calls = log.lines().filter(|l| l.contains("epoll_ctl(")).count();
    // Registrations only: each driver's eventfd and each socket once per
    // driver that waited on it. A registration per wait would be over
    // 4 * ROUND_TRIPS.
    assert!(
        calls < 50,
        "{calls} epoll_ctl calls for {} waits:\n{log}",
        4 * ROUND_TRIPS
    );
}

/// The child side: does nothing unless this process is a child.
#[test]
fn child_entry() {
    let Some(scenario) = common::strace::child_scenario() else {
        return;
    };
    assert_eq!(scenario, "round_trips");
    for rt in [common::current_rt(), common::multi_rt(2)] {
        assert_eq!(rt.handle().io_backend(), zio::runtime::IoBackend::Epoll);
        rt.block_on(round_trips());
    }
    println!("child scenario passed");
}

/// The server echoes through tokio's `AsyncRead`/`AsyncWrite` and reports
/// what it echoed once it read end of stream; the client sends each
/// message only after the previous echo, so every read waits.
async fn round_trips() {
    let (client, mut server) = common::tcp_pair().await;
    let echo = zio::spawn(async move {
        let mut buf = [0u8; 64];
        let mut echoed = 0;
        loop {
            let n = AsyncReadExt::read(&mut server, &mut buf).await.unwrap();
            if n == 0 {
                return echoed;
            }
            AsyncWriteExt::write_all(&mut server, &buf[..n])
                .await
                .unwrap();
            echoed += n;
        }
    });
    for i in 0..ROUND_TRIPS as u32 {
        let msg = i.to_le_bytes().to_vec();
        client.write_all(msg.clone()).await.0.unwrap();
        let (r, back) = client.read_exact(Vec::with_capacity(4)).await;
        r.unwrap();
        assert_eq!(back, msg);
    }
    client.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(echo.await.unwrap(), 4 * ROUND_TRIPS);
}
