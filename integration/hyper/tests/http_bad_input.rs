//! Bad clients: a malformed request line, a 100 KiB header, half a request
//! then gone, a silent connection, a broken HTTP/2 preface, failing
//! accepts, more clients than the connection limit. Each gets an answer
//! or a closed connection, and the server keeps serving the others.

mod common;

use std::io;
use std::time::Duration;

use common::{run, TestServer};
use hyper::service::service_fn;
use zio::net::{TcpListener, TcpStream};

const GOOD_REQUEST: &str = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/// Writes `request` (if any) and reads until the server closes; what it sent.
async fn exchange(stream: &TcpStream, request: &[u8]) -> String {
    if !request.is_empty() {
        let (written, _) = stream.write_all(request.to_vec()).await;
        written.unwrap();
    }
    let mut all = Vec::new();
    loop {
        let (n, buf) = stream.read(vec![0; 16 * 1024]).await;
        match n {
            Ok(0) => return String::from_utf8_lossy(&all).into_owned(),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            // A reset after an error response also ends the exchange.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                return String::from_utf8_lossy(&all).into_owned()
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// A fresh connection with a good request still gets "Hello, World!".
async fn still_serving(server: &TestServer) {
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let response = exchange(&stream, GOOD_REQUEST.as_bytes()).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("Hello, World!"), "{response}");
}

async fn start(server: zio_hyper::Server) -> TestServer {
    TestServer::start(server, service_fn(common::routes)).await
}

#[test]
fn malformed_request_line_gets_400() {
    run("malformed_request_line_gets_400", || async {
        let server = start(zio_hyper::Server::new()).await;
        let stream = TcpStream::connect(server.addr).await.unwrap();
        let response = exchange(
            &stream,
            b"GET /hello HTTP/1.1 extra words\r\nHost: x\r\n\r\n",
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 400"), "{response:?}");
        still_serving(&server).await;
        server.stop().await;
    });
}

#[test]
fn garbage_gets_400() {
    run("garbage_gets_400", || async {
        let server = start(zio_hyper::Server::new()).await;
        let stream = TcpStream::connect(server.addr).await.unwrap();
        let response = exchange(
            &stream,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
        )
        .await;
        assert!(
            response.is_empty() || response.starts_with("HTTP/1.1 400"),
            "{response:?}"
        );
        still_serving(&server).await;
        server.stop().await;
    });
}

#[test]
fn header_of_100_kib_gets_431() {
    run("header_of_100_kib_gets_431", || async {
        let server = start(zio_hyper::Server::new()).await;
        let stream = TcpStream::connect(server.addr).await.unwrap();
        let request = format!(
            "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(100 * 1024)
        );
        let response = exchange(&stream, request.as_bytes()).await;
        assert!(response.starts_with("HTTP/1.1 431"), "{response:?}");
        still_serving(&server).await;
        server.stop().await;
    });
}

#[test]
fn half_a_request_then_gone() {
    run("half_a_request_then_gone", || async {
        let server = start(zio_hyper::Server::new()).await;
        for half in [
            "GET /hel",
            "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
        ] {
            let stream = TcpStream::connect(server.addr).await.unwrap();
            let (written, _) = stream.write_all(half.as_bytes().to_vec()).await;
            written.unwrap();
            drop(stream);
            still_serving(&server).await;
        }
        server.stop().await;
    });
}

/// Clients that stop mid-head, never send a byte, or keep an idle
/// connection after a request, are disconnected by the header-read
/// timeout; others are served meanwhile.
#[test]
fn slow_clients_are_disconnected() {
    run("slow_clients_are_disconnected", || async {
        let server =
            start(zio_hyper::Server::new().header_read_timeout(Duration::from_secs(1))).await;
        let half = TcpStream::connect(server.addr).await.unwrap();
        let silent = TcpStream::connect(server.addr).await.unwrap();
        let h2_silent = TcpStream::connect(server.addr).await.unwrap();
        still_serving(&server).await;
        let response = exchange(&half, b"GET /hello HTTP/1.1\r\nHost:").await;
        assert!(
            response.is_empty() || response.starts_with("HTTP/1.1 408"),
            "{response:?}"
        );
        assert_eq!(exchange(&silent, b"").await, "");
        assert_eq!(exchange(&h2_silent, b"PRI * HTTP/2.0\r\n").await, "");
        let idle = TcpStream::connect(server.addr).await.unwrap();
        let keep_alive = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
        let response = exchange(&idle, keep_alive).await;
        assert!(response.ends_with("Hello, World!"), "{response:?}");
        still_serving(&server).await;
        server.stop().await;
    });
}

#[test]
fn broken_http2_is_closed() {
    run("broken_http2_is_closed", || async {
        let server = start(zio_hyper::Server::new()).await;
        let stream = TcpStream::connect(server.addr).await.unwrap();
        let response = exchange(
            &stream,
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nthis is not a frame",
        )
        .await;
        assert!(!response.starts_with("HTTP/1.1 200"), "{response:?}");
        still_serving(&server).await;
        server.stop().await;
    });
}

/// Fails its first accepts with `EMFILE` and `ECONNABORTED`.
struct FailingListener {
    inner: TcpListener,
    failures: Vec<io::Error>,
}

impl zio_hyper::Listener for FailingListener {
    type Io = TcpStream;

    async fn accept(&mut self) -> io::Result<TcpStream> {
        match self.failures.pop() {
            Some(e) => Err(e),
            None => zio_hyper::Listener::accept(&mut self.inner).await,
        }
    }
}

#[test]
fn accept_errors_are_not_fatal() {
    run("accept_errors_are_not_fatal", || async {
        let inner = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = inner.local_addr().unwrap();
        let failures = vec![
            io::Error::from_raw_os_error(libc::ECONNABORTED),
            io::Error::from_raw_os_error(libc::EMFILE),
            io::Error::from_raw_os_error(libc::ENFILE),
        ];
        let listener = FailingListener { inner, failures };
        let server = TestServer::start_on(
            zio_hyper::Server::new(),
            listener,
            addr,
            service_fn(common::routes),
        );
        still_serving(&server).await;
        server.stop().await;
    });
}

/// With a limit of one connection, a second client waits in the backlog
/// until the first leaves.
#[test]
fn connection_limit() {
    run("connection_limit", || async {
        let server = start(zio_hyper::Server::new().max_connections(1)).await;
        let first = TcpStream::connect(server.addr).await.unwrap();
        let keep_alive = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
        let (written, _) = first.write_all(keep_alive.as_bytes().to_vec()).await;
        written.unwrap();
        let (n, _) = first.read(vec![0; 1024]).await;
        assert!(n.unwrap() > 0);

        let waiting = zio::spawn({
            let server_addr = server.addr;
            async move {
                let second = TcpStream::connect(server_addr).await.unwrap();
                exchange(&second, GOOD_REQUEST.as_bytes()).await
            }
        });
        zio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !waiting.is_finished(),
            "the second client was served beyond the limit"
        );
        drop(first);
        let response = waiting.await.unwrap();
        assert!(response.ends_with("Hello, World!"), "{response}");
        server.stop().await;
    });
}
