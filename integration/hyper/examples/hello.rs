//! Serves "Hello, World!" over HTTP/1.1 and HTTP/2 (h2c) on zio.
//!
//! ```text
//! cargo run --release -p zio-hyper --example hello            # 127.0.0.1:3000
//! cargo run --release -p zio-hyper --example hello -- 127.0.0.1:8080
//! cargo run --release -p zio-hyper --example hello -- --self-test
//! ```
//!
//! The address comes from the first argument, else `$ZIO_HYPER_ADDR`.
//! `--self-test` serves on a free port, queries itself with `curl` over
//! HTTP/1.1 and HTTP/2, prints what it got and exits 0 if both answered
//! "Hello, World!", 1 otherwise. Ctrl-C stops the server gracefully.

mod common;

use std::convert::Infallible;
use std::process::{Command, ExitCode};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use zio::net::TcpListener;

const GREETING: &str = "Hello, World!";

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        GREETING.as_bytes(),
    ))))
}

#[zio::main]
async fn main() -> ExitCode {
    let self_test = std::env::args().any(|arg| arg == "--self-test");
    let default_addr = if self_test {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    };
    match run(&common::listen_addr(default_addr), self_test).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hello: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(addr: &str, self_test: bool) -> std::io::Result<ExitCode> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr} — try: curl http://{addr}/");
    let server = zio_hyper::Server::new().shutdown_timeout(Duration::from_secs(5));
    if !self_test {
        println!("HTTP/2: curl --http2-prior-knowledge http://{addr}/ — Ctrl-C stops");
        let signal = common::shutdown_signal()?;
        server
            .serve_with_shutdown(listener, service_fn(hello), signal)
            .await;
        return Ok(ExitCode::SUCCESS);
    }
    let (stop, stopped) = zio::sync::oneshot::channel::<()>();
    let serving = zio::spawn(
        server.serve_with_shutdown(listener, service_fn(hello), async {
            let _ = stopped.await;
        }),
    );
    let url = format!("http://{addr}/");
    let passed = zio::spawn_blocking(move || query_with_curl(&url))
        .await
        .unwrap_or(false);
    let _ = stop.send(());
    let _ = serving.await;
    println!("self-test {}", if passed { "passed" } else { "FAILED" });
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs curl over HTTP/1.1 and HTTP/2 against `url`; whether both got the
/// greeting with a 200 over the protocol asked for.
fn query_with_curl(url: &str) -> bool {
    let mut passed = true;
    for (flag, version) in [("--http1.1", "1.1"), ("--http2-prior-knowledge", "2")] {
        println!("$ curl {flag} {url}");
        let output = Command::new("curl")
            .args([
                "-sS",
                "--max-time",
                "10",
                flag,
                "-w",
                "\n%{http_version} %{response_code}",
                url,
            ])
            .output();
        let output = match output {
            Ok(output) => output,
            Err(e) => {
                println!("could not run curl ({e}); install it: apt-get install curl");
                return false;
            }
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        print!("{}", String::from_utf8_lossy(&output.stderr));
        println!("{stdout}");
        let expected = format!("{GREETING}\n{version} 200");
        passed &= output.status.success() && stdout == expected;
    }
    passed
}
