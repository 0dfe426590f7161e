//! Streams each request's body back as the response body, chunk by chunk,
//! without buffering it.
//!
//! ```text
//! cargo run --release -p zio-hyper --example echo -- 127.0.0.1:3000
//! curl --data-binary @some-file http://127.0.0.1:3000/ | cmp - some-file
//! ```

mod common;

use std::convert::Infallible;
use std::process::ExitCode;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use zio::net::TcpListener;

/// The request body is the response body: hyper streams it through.
async fn echo(request: Request<Incoming>) -> Result<Response<Incoming>, Infallible> {
    Ok(Response::new(request.into_body()))
}

#[zio::main]
async fn main() -> ExitCode {
    match run(&common::listen_addr("127.0.0.1:3000")).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(addr: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr} — try: curl --data-binary 'hi there' http://{addr}/");
    let signal = common::shutdown_signal()?;
    zio_hyper::Server::new()
        .serve_with_shutdown(listener, service_fn(echo), signal)
        .await;
    Ok(())
}
