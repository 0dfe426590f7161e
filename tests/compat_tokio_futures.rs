//! zio's stream sockets through the poll-based traits: tokio's
//! `AsyncRead`/`AsyncWrite` (`tokio::io::copy`, `Framed<_, LinesCodec>`,
//! hyper through `TokioIo`) and futures-io's (`futures::io::copy`);
//! cancel safety of a pending `poll_read`; write errors reported by the
//! write that caused them.

mod common;
use common::tcp_pair;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::{Framed, LinesCodec};
use zio::net::{TcpListener, TcpStream, UnixStream};

fn rt() -> zio::runtime::Runtime {
    zio::runtime::Runtime::new().unwrap()
}

#[test]
fn framed_lines_codec() {
    rt().block_on(async {
        let (client, server) = tcp_pair().await;
        let echo = zio::spawn(async move {
            let mut framed = Framed::new(server, LinesCodec::new());
            while let Some(line) = framed.next().await {
                let line = line.unwrap();
                framed.send(line.to_uppercase()).await.unwrap();
            }
        });
        let mut framed = Framed::new(client, LinesCodec::new());
        for word in ["alpha", "beta", "gamma"] {
            framed.send(word).await.unwrap();
            assert_eq!(framed.next().await.unwrap().unwrap(), word.to_uppercase());
        }
        drop(framed);
        echo.await.unwrap();
    });
}

#[test]
fn tokio_io_copy_through_split_halves() {
    const LEN: usize = 4 << 20;
    rt().block_on(async {
        let (mut client, server) = tcp_pair().await;
        let echo = zio::spawn(async move {
            let (mut r, mut w) = server.into_split();
            let n = tokio::io::copy(&mut r, &mut w).await.unwrap();
            w.shutdown().await.unwrap();
            n
        });
        let data: Vec<u8> = (0..LEN).map(|i| (i % 253) as u8).collect();
        let (mut cr, mut cw) = tokio::io::split(&mut client);
        let send = async {
            cw.write_all(&data).await.unwrap();
            cw.shutdown().await.unwrap();
        };
        let mut back = Vec::new();
        let recv = async { cr.read_to_end(&mut back).await.unwrap() };
        let ((), n) = futures::join!(send, recv);
        assert_eq!(n, LEN);
        assert!(back == data);
        assert_eq!(echo.await.unwrap(), LEN as u64);
    });
}

#[test]
fn futures_io_copy() {
    futures::executor::block_on(async {
        use futures::io::AsyncWriteExt as _;
        let (mut a, b) = UnixStream::pair().unwrap();
        let (mut c, mut d) = UnixStream::pair().unwrap();
        let payload = vec![9u8; 1 << 20];
        let writer = async {
            futures::io::AsyncWriteExt::write_all(&mut a, &payload)
                .await
                .unwrap();
            futures::io::AsyncWriteExt::close(&mut a).await.unwrap();
        };
        let mut b = b;
        let copier = async {
            let n = futures::io::copy(&mut b, &mut c).await.unwrap();
            c.close().await.unwrap();
            n
        };
        let mut got = Vec::new();
        let reader = async {
            futures::io::AsyncReadExt::read_to_end(&mut d, &mut got)
                .await
                .unwrap()
        };
        let ((), n, m) = futures::join!(writer, copier, reader);
        assert_eq!((n as usize, m), (payload.len(), payload.len()));
        assert!(got == payload);
    });
}

#[test]
fn dropped_pending_poll_read_loses_no_bytes() {
    rt().block_on(async {
        let (mut client, mut server) = tcp_pair().await;
        let mut buf = [0u8; 16];
        for _ in 0..10 {
            let r = zio::time::timeout(
                Duration::from_millis(2),
                AsyncReadExt::read(&mut server, &mut buf[..]),
            )
            .await;
            assert!(r.is_err());
        }
        AsyncWriteExt::write_all(&mut client, b"every byte")
            .await
            .unwrap();
        let mut got = [0u8; 10];
        AsyncReadExt::read_exact(&mut server, &mut got)
            .await
            .unwrap();
        assert_eq!(&got, b"every byte");
    });
}

/// A short read arms the readiness poll at once (the next read waits on it
/// without a syscall): data already there by the next read, data that
/// comes later, and the peer's close all still arrive, in order.
#[test]
fn reads_after_a_short_read_see_every_byte_and_eof() {
    common::watchdog("short_read", || {
        rt().block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            let mut buf = [0u8; 64];
            AsyncWriteExt::write_all(&mut client, b"first")
                .await
                .unwrap();
            assert_eq!(AsyncReadExt::read(&mut server, &mut buf).await.unwrap(), 5);
            // Written before the next read polls the early-armed poll.
            AsyncWriteExt::write_all(&mut client, b"second")
                .await
                .unwrap();
            zio::time::sleep(Duration::from_millis(5)).await;
            assert_eq!(AsyncReadExt::read(&mut server, &mut buf).await.unwrap(), 6);
            assert_eq!(&buf[..6], b"second");
            // Written while the next read waits.
            let late = zio::spawn(async move {
                zio::time::sleep(Duration::from_millis(20)).await;
                AsyncWriteExt::write_all(&mut client, b"third")
                    .await
                    .unwrap();
                client
            });
            assert_eq!(AsyncReadExt::read(&mut server, &mut buf).await.unwrap(), 5);
            assert_eq!(&buf[..5], b"third");
            drop(late.await.unwrap());
            assert_eq!(AsyncReadExt::read(&mut server, &mut buf).await.unwrap(), 0);
        })
    });
}

/// A short write (the send buffer filled up) arms the write poll at once;
/// `write_all` of far more than the buffers hold still delivers every
/// byte once the reader drains them.
#[test]
fn writes_after_a_short_write_deliver_every_byte() {
    const LEN: usize = 8 << 20;
    common::watchdog("short_write", || {
        rt().block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
            let writer = zio::spawn(async move {
                AsyncWriteExt::write_all(&mut client, &data).await.unwrap();
                data
            });
            // Let the writer fill both socket buffers before reading.
            zio::time::sleep(Duration::from_millis(20)).await;
            let mut got = vec![0u8; LEN];
            AsyncReadExt::read_exact(&mut server, &mut got)
                .await
                .unwrap();
            assert!(got == writer.await.unwrap());
        })
    });
}

#[test]
fn write_error_comes_from_the_failing_write() {
    rt().block_on(async {
        let (mut client, server) = tcp_pair().await;
        server.set_linger(Some(Duration::ZERO)).unwrap();
        drop(server);
        zio::time::sleep(Duration::from_millis(20)).await;
        // The very first write after the reset fails: nothing is buffered
        // in userspace to report it later.
        let e = AsyncWriteExt::write(&mut client, b"x").await.unwrap_err();
        assert!(matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ));
    });
}

#[test]
fn hyper_http1_client_and_server_on_zio_sockets() {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use hyper_util::rt::TokioIo;

    rt().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let service = hyper::service::service_fn(
                |req: hyper::Request<hyper::body::Incoming>| async move {
                    let body = req.into_body().collect().await?.to_bytes();
                    let mut reply = b"echo: ".to_vec();
                    reply.extend_from_slice(&body);
                    Ok::<_, hyper::Error>(hyper::Response::new(Full::new(Bytes::from(reply))))
                },
            );
            hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
                .unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        let conn = zio::spawn(async move { conn.await.unwrap() });
        for i in 0..3 {
            let req = hyper::Request::post("/")
                .header("host", "localhost")
                .body(Full::new(Bytes::from(format!("hello {i}"))))
                .unwrap();
            sender.ready().await.unwrap();
            let resp = sender.send_request(req).await.unwrap();
            assert_eq!(resp.status(), 200);
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, format!("echo: hello {i}").as_bytes());
        }
        drop(sender);
        conn.await.unwrap();
        server.await.unwrap();
    });
}

#[test]
fn tokio_runtime_drives_compat_traits() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let (mut client, server) = tcp_pair().await;
            let echo = tokio::spawn(async move {
                let (mut r, mut w) = server.into_split();
                tokio::io::copy(&mut r, &mut w).await.unwrap()
            });
            // The inherent owned-buffer methods shadow the extension traits in
            // method syntax: call the traits by name.
            AsyncWriteExt::write_all(&mut client, b"via tokio")
                .await
                .unwrap();
            let mut got = [0u8; 9];
            AsyncReadExt::read_exact(&mut client, &mut got)
                .await
                .unwrap();
            assert_eq!(&got, b"via tokio");
            AsyncWriteExt::shutdown(&mut client).await.unwrap();
            assert_eq!(echo.await.unwrap(), 9);
        });
}
