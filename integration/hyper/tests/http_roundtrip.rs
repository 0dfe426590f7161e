//! hyper's client against zio-hyper's server, both on zio: HTTP/1.1 and
//! HTTP/2, large streaming bodies, chunked encoding, keep-alive reuse,
//! many sequential and concurrent requests.

mod common;

use std::sync::atomic::Ordering;

use common::{client, crc_of, routes, run, PatternBody, Protocol, ReqBody, TestServer};
use http_body_util::BodyExt;
use hyper::service::service_fn;
use hyper::{Request, Version};

const TEN_MIB: usize = 10 << 20;

fn expected_version(protocol: Protocol) -> Version {
    match protocol {
        Protocol::Http1 => Version::HTTP_11,
        Protocol::Http2 => Version::HTTP_2,
    }
}

fn header(response: &hyper::Response<hyper::body::Incoming>, name: &str) -> String {
    let value = response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"));
    value.to_str().unwrap().to_owned()
}

async fn hello(protocol: Protocol) {
    let server = TestServer::start(zio_hyper::Server::new(), service_fn(routes)).await;
    let response = client(protocol).get(server.url("/hello")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), expected_version(protocol));
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "Hello, World!");
    server.stop().await;
}

#[test]
fn hello_http1() {
    run("hello_http1", || hello(Protocol::Http1));
}

#[test]
fn hello_http2() {
    run("hello_http2", || hello(Protocol::Http2));
}

/// Uploads 10 MiB and downloads 10 MiB in one request, both streamed and
/// checksummed.
async fn ten_mib_both_ways(protocol: Protocol) {
    let server = TestServer::start(zio_hyper::Server::new(), service_fn(routes)).await;
    let request = Request::post(server.url("/transfer"))
        .header("x-seed", "7")
        .header("x-len", TEN_MIB.to_string())
        .body(PatternBody::new(3, TEN_MIB).boxed())
        .unwrap();
    let response = client(protocol).request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "x-upload-len"), TEN_MIB.to_string());
    assert_eq!(
        header(&response, "x-upload-crc"),
        PatternBody::crc(3, TEN_MIB).to_string()
    );
    let (len, crc) = crc_of(response.into_body()).await;
    assert_eq!((len, crc), (TEN_MIB, PatternBody::crc(7, TEN_MIB)));
    server.stop().await;
}

#[test]
fn ten_mib_both_ways_http1() {
    run("ten_mib_both_ways_http1", || {
        ten_mib_both_ways(Protocol::Http1)
    });
}

#[test]
fn ten_mib_both_ways_http2() {
    run("ten_mib_both_ways_http2", || {
        ten_mib_both_ways(Protocol::Http2)
    });
}

#[test]
fn echo_streams_10_mib_back_http1() {
    run("echo_streams_10_mib_back_http1", || async {
        let server = TestServer::start(zio_hyper::Server::new(), service_fn(routes)).await;
        let request = Request::post(server.url("/echo"))
            .body(PatternBody::new(11, TEN_MIB).boxed())
            .unwrap();
        let response = client(Protocol::Http1).request(request).await.unwrap();
        assert_eq!(
            crc_of(response.into_body()).await,
            (TEN_MIB, PatternBody::crc(11, TEN_MIB))
        );
        server.stop().await;
    });
}

/// Bodies of unknown length go out chunked on HTTP/1.1, both ways.
#[test]
fn chunked_encoding_both_ways() {
    run("chunked_encoding_both_ways", || async {
        let server = TestServer::start(zio_hyper::Server::new(), service_fn(routes)).await;
        let len = 300_000;
        let request = Request::post(server.url("/transfer"))
            .header("x-seed", "5")
            .header("x-len", len.to_string())
            .body(PatternBody::new(9, len).boxed())
            .unwrap();
        let response = client(Protocol::Http1).request(request).await.unwrap();
        assert_eq!(header(&response, "x-upload-te"), "chunked");
        assert_eq!(
            header(&response, "x-upload-crc"),
            PatternBody::crc(9, len).to_string()
        );
        assert_eq!(header(&response, "transfer-encoding"), "chunked");
        assert_eq!(
            crc_of(response.into_body()).await,
            (len, PatternBody::crc(5, len))
        );
        server.stop().await;
    });
}

/// A chunked request written by hand, with chunk extensions and a
/// trailer, echoed back.
#[test]
fn chunked_request_on_the_wire() {
    run("chunked_request_on_the_wire", || async {
        let server = TestServer::start(zio_hyper::Server::new(), service_fn(routes)).await;
        let stream = zio::net::TcpStream::connect(server.addr).await.unwrap();
        let request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                       5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n";
        let (written, _) = stream.write_all(request.as_bytes().to_vec()).await;
        written.unwrap();
        let response = String::from_utf8(read_to_end(&stream).await).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(
            response
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "{response}"
        );
        assert!(
            response.ends_with("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"),
            "{response}"
        );
        server.stop().await;
    });
}

async fn read_to_end(stream: &zio::net::TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let (n, buf) = stream.read(vec![0; 16 * 1024]).await;
        let n = n.unwrap();
        if n == 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n]);
    }
}

/// Checks one `/hello` answer.
async fn assert_hello<E: std::fmt::Display>(
    response: Result<hyper::Response<hyper::body::Incoming>, E>,
    i: usize,
) {
    let response = response.unwrap_or_else(|e| panic!("request {i}: {e}"));
    assert_eq!(response.status(), 200, "request {i}");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "Hello, World!", "request {i}");
}

fn get_hello() -> Request<ReqBody> {
    Request::get("/hello")
        .header("host", "x")
        .body(common::empty())
        .unwrap()
}

/// 1,000 requests one after the other on one kept-alive connection
/// (hyper's single-connection client, over a client-side `ZioIo`).
async fn sequential_on_one_connection(protocol: Protocol) {
    use hyper::client::conn::{http1, http2};
    let (listener, addr, accepted) = common::CountingListener::bind().await;
    let server = TestServer::start_on(zio_hyper::Server::new(), listener, addr, service_fn(routes));
    let io = zio_hyper::ZioIo::new(zio::net::TcpStream::connect(addr).await.unwrap());
    match protocol {
        Protocol::Http1 => {
            let (mut sender, connection) = http1::handshake(io).await.unwrap();
            zio::spawn(connection);
            for i in 0..1000 {
                sender.ready().await.unwrap();
                assert_hello(sender.send_request(get_hello()).await, i).await;
            }
        }
        Protocol::Http2 => {
            let executor = zio_hyper::ZioExecutor::new();
            let (mut sender, connection) = http2::handshake(executor, io).await.unwrap();
            zio::spawn(connection);
            for i in 0..1000 {
                sender.ready().await.unwrap();
                assert_hello(sender.send_request(get_hello()).await, i).await;
            }
        }
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "one connection for all");
    server.stop().await;
}

#[test]
fn sequential_1000_on_one_connection_http1() {
    run("sequential_1000_on_one_connection_http1", || {
        sequential_on_one_connection(Protocol::Http1)
    });
}

#[test]
fn sequential_1000_on_one_connection_http2() {
    run("sequential_1000_on_one_connection_http2", || {
        sequential_on_one_connection(Protocol::Http2)
    });
}

/// The pooling client reuses its kept-alive connections: 200 sequential
/// requests take a few connections at most (the pool may open a second
/// one while the first is on its way back to it), not 200.
#[test]
fn pooled_client_reuses_connections() {
    run("pooled_client_reuses_connections", || async {
        let (listener, addr, accepted) = common::CountingListener::bind().await;
        let server =
            TestServer::start_on(zio_hyper::Server::new(), listener, addr, service_fn(routes));
        let client = client(Protocol::Http1);
        for i in 0..200 {
            assert_hello(client.get(server.url("/hello")).await, i).await;
        }
        let connections = accepted.load(Ordering::SeqCst);
        assert!(
            (1..=3).contains(&connections),
            "{connections} connections for 200 requests"
        );
        server.stop().await;
    });
}

/// 200 requests at once, each echoing its own body (after one request
/// that opens the first connection, which HTTP/2 then multiplexes on).
async fn concurrent(protocol: Protocol) {
    let (listener, addr, accepted) = common::CountingListener::bind().await;
    let server = TestServer::start_on(zio_hyper::Server::new(), listener, addr, service_fn(routes));
    let client = client(protocol);
    let first = client.get(server.url("/hello")).await.unwrap();
    first.into_body().collect().await.unwrap();
    let mut requests = zio::task::JoinSet::new();
    for i in 0..200 {
        let (client, url) = (client.clone(), server.url("/echo"));
        requests.spawn(async move {
            let body: ReqBody = http_body_util::Full::new(format!("request {i}").into()).boxed();
            let response = client
                .request(Request::post(url).body(body).unwrap())
                .await
                .unwrap();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, format!("request {i}"));
        });
    }
    assert_eq!(requests.join_all().await.len(), 200);
    let connections = accepted.load(Ordering::SeqCst);
    match protocol {
        Protocol::Http1 => assert!(
            (1..=200).contains(&connections),
            "{connections} connections"
        ),
        Protocol::Http2 => assert_eq!(connections, 1, "HTTP/2 multiplexes on one connection"),
    }
    server.stop().await;
}

#[test]
fn concurrent_200_http1() {
    run("concurrent_200_http1", || concurrent(Protocol::Http1));
}

#[test]
fn concurrent_200_http2() {
    run("concurrent_200_http2", || concurrent(Protocol::Http2));
}
