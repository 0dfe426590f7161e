//! The tokio-context shim (`zio::compat::TokioContext`, feature
//! `tokio-context`): futures that call `tokio::spawn`, `tokio::time` and
//! `tokio::net` run inside zio; reqwest fetches from a hyper server served
//! on zio sockets.
#![cfg(feature = "tokio-context")]

mod common;
use common::*;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zio::compat::{TokioContext, TokioContextExt};

#[test]
fn tokio_spawn_and_sleep_inside_zio() {
    watchdog("tokio_spawn_and_sleep_inside_zio", || {
        for rt in [current_rt(), multi_rt(2)] {
            let v = rt.block_on(
                async {
                    let start = Instant::now();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    assert!(start.elapsed() >= Duration::from_millis(5));
                    let t = tokio::spawn(async {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        std::thread::current().name().map(str::to_owned)
                    });
                    t.await.unwrap()
                }
                .tokio_context(),
            );
            assert_eq!(v.as_deref(), Some("zio-tokio-context"));
        }
    });
}

/// tokio's own sockets, created and used inside zio tasks, talk to zio's.
#[test]
fn tokio_net_inside_zio_talks_to_zio_net() {
    watchdog("tokio_net_inside_zio_talks_to_zio_net", || {
        let rt = multi_rt(2);
        rt.block_on(async {
            let zl = zio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = zl.local_addr().unwrap();
            let server = zio::spawn(async move {
                let (mut s, _) = zl.accept().await.unwrap();
                // UFCS: zio's own owned-buffer `read_exact`/`write_all`
                // would take these names otherwise.
                let mut buf = [0u8; 5];
                AsyncReadExt::read_exact(&mut s, &mut buf).await.unwrap();
                AsyncWriteExt::write_all(&mut s, &buf).await.unwrap();
            });
            let echoed = zio::spawn(
                async move {
                    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
                    c.write_all(b"hello").await.unwrap();
                    let mut buf = [0u8; 5];
                    c.read_exact(&mut buf).await.unwrap();
                    buf
                }
                .tokio_context(),
            )
            .await
            .unwrap();
            server.await.unwrap();
            assert_eq!(&echoed, b"hello");
        });
    });
}

/// Inside a tokio runtime already, the wrapper keeps that runtime's
/// context instead of entering its own.
#[test]
fn an_outer_tokio_runtime_stays_current() {
    watchdog("an_outer_tokio_runtime_stays_current", || {
        let outer = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("outer-tokio")
            .enable_all()
            .build()
            .unwrap();
        let name = outer.block_on(TokioContext::new(async {
            tokio::spawn(async { std::thread::current().name().map(str::to_owned) })
                .await
                .unwrap()
        }));
        assert_eq!(name.as_deref(), Some("outer-tokio"));
    });
}

/// Dropping a pending wrapped future drops the tokio resources it holds
/// (inside the context), and the shim keeps working afterwards.
#[test]
fn dropping_a_pending_wrapper_is_clean() {
    watchdog("dropping_a_pending_wrapper_is_clean", || {
        let rt = current_rt();
        rt.block_on(async {
            let slow = async {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let _ = l.accept().await;
            }
            .tokio_context();
            let r = zio::time::timeout(Duration::from_millis(20), slow).await;
            assert!(r.is_err(), "accept with no client cannot finish");
            let v = async { tokio::spawn(async { 3 }).await.unwrap() }
                .tokio_context()
                .await;
            assert_eq!(v, 3);
        });
    });
}

/// A hyper HTTP/1.1 server on zio sockets, answering "hello from zio".
async fn serve_hello(listener: zio::net::TcpListener) {
    use hyper::service::service_fn;
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        zio::spawn(async move {
            let svc = service_fn(|_req| async {
                Ok::<_, std::convert::Infallible>(hyper::Response::new(http_body_util::Full::new(
                    bytes::Bytes::from_static(b"hello from zio"),
                )))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// reqwest (tokio-based, rustls build) fetches from a server served by zio,
/// inside a `#[zio::main]`-style runtime.
#[test]
fn reqwest_fetches_from_a_zio_server() {
    watchdog("reqwest_fetches_from_a_zio_server", || {
        let rt = multi_rt(2);
        rt.block_on(async {
            let listener = zio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/", listener.local_addr().unwrap());
            let server = zio::spawn(serve_hello(listener));
            let body = async move {
                let client = reqwest::Client::new();
                let mut bodies = Vec::new();
                for _ in 0..3 {
                    let resp = client.get(&url).send().await.unwrap();
                    assert_eq!(resp.status(), 200);
                    bodies.push(resp.text().await.unwrap());
                }
                bodies
            }
            .tokio_context()
            .await;
            assert_eq!(body, vec!["hello from zio"; 3]);
            server.abort();
        });
    });
}
