//! Graceful shutdown: the listener closes at once (new connections are
//! refused), requests in flight complete, idle connections do not hold
//! the shutdown up, and the deadline closes what is left.

mod common;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use common::{client, empty, run, Protocol, ResBody, TestServer};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use zio::sync::Semaphore;

/// A service whose requests report that they started (a permit on
/// `started`) and then wait for a permit on `release`.
#[derive(Clone)]
struct Gate {
    started: Arc<Semaphore>,
    release: Arc<Semaphore>,
}

impl Gate {
    fn new() -> Gate {
        Gate {
            started: Arc::new(Semaphore::new(0)),
            release: Arc::new(Semaphore::new(0)),
        }
    }

    fn service(&self) -> impl zio_hyper::ServerService {
        let gate = self.clone();
        service_fn(move |_: Request<Incoming>| {
            let gate = gate.clone();
            async move {
                gate.started.add_permits(1);
                gate.release.acquire().await.unwrap().forget();
                let body: ResBody = Full::new(Bytes::from_static(b"slow done"))
                    .map_err(|e| match e {})
                    .boxed();
                Ok::<_, Infallible>(Response::new(body))
            }
        })
    }

    async fn wait_started(&self) {
        self.started.acquire().await.unwrap().forget();
    }
}

/// Connects until the connection is refused (the listener is closed).
/// A connection that reached the backlog just before the close is reset:
/// try again.
async fn wait_until_refused(addr: std::net::SocketAddr) {
    loop {
        match zio::net::TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("connect: expected `connection refused`, got {e}"),
            Ok(_) => zio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

async fn in_flight_request_completes(protocol: Protocol) {
    let gate = Gate::new();
    let server = zio_hyper::Server::new().shutdown_timeout(Duration::from_secs(120));
    let server = TestServer::start(server, gate.service()).await;
    let (addr, url) = (server.addr, server.url("/slow"));
    let in_flight = zio::spawn(async move { client(protocol).get(url).await });
    gate.wait_started().await;

    let shutting_down = server.begin_shutdown();
    wait_until_refused(addr).await;
    assert!(
        !shutting_down.is_finished(),
        "the shutdown must wait for the request in flight"
    );

    gate.release.add_permits(1);
    let response = in_flight
        .await
        .unwrap()
        .expect("the request in flight completes");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "slow done"
    );
    shutting_down.await.unwrap();
}

#[test]
fn in_flight_request_completes_http1() {
    run("in_flight_request_completes_http1", || {
        in_flight_request_completes(Protocol::Http1)
    });
}

#[test]
fn in_flight_request_completes_http2() {
    run("in_flight_request_completes_http2", || {
        in_flight_request_completes(Protocol::Http2)
    });
}

/// An idle kept-alive connection closes at once: the shutdown ends long
/// before its (two-minute) deadline, within the watchdog's minute.
async fn idle_connections_close(protocol: Protocol) {
    let server = zio_hyper::Server::new().shutdown_timeout(Duration::from_secs(120));
    let server = TestServer::start(server, service_fn(common::routes)).await;
    let client = client(protocol);
    let response = client
        .request(Request::get(server.url("/hello")).body(empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "Hello, World!"
    );
    server.stop().await;
}

#[test]
fn idle_connections_close_http1() {
    run("idle_connections_close_http1", || {
        idle_connections_close(Protocol::Http1)
    });
}

#[test]
fn idle_connections_close_http2() {
    run("idle_connections_close_http2", || {
        idle_connections_close(Protocol::Http2)
    });
}

/// A request that never completes is cut off at the deadline.
async fn deadline_closes_the_rest(protocol: Protocol) {
    let gate = Gate::new();
    let server = zio_hyper::Server::new().shutdown_timeout(Duration::from_millis(100));
    let server = TestServer::start(server, gate.service()).await;
    let url = server.url("/never");
    let in_flight = zio::spawn(async move { client(protocol).get(url).await });
    gate.wait_started().await;
    server.stop().await;
    let outcome = in_flight.await.unwrap();
    assert!(outcome.is_err(), "the request was cut off: {outcome:?}");
    // The abandoned service future is dropped (an HTTP/2 stream's task
    // sees its stream reset and ends on its own schedule).
    while Arc::strong_count(&gate.release) > 1 {
        zio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[test]
fn deadline_closes_the_rest_http1() {
    run("deadline_closes_the_rest_http1", || {
        deadline_closes_the_rest(Protocol::Http1)
    });
}

#[test]
fn deadline_closes_the_rest_http2() {
    run("deadline_closes_the_rest_http2", || {
        deadline_closes_the_rest(Protocol::Http2)
    });
}
