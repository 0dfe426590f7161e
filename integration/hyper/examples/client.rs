//! Fetches a URL with zio-hyper's client and prints the status, the
//! headers (to stderr) and the body (to stdout).
//!
//! ```text
//! cargo run --release -p zio-hyper --example client -- http://127.0.0.1:3000/
//! cargo run --release -p zio-hyper --example client -- --http2 http://127.0.0.1:3000/
//! ```
//!
//! `--http2` speaks HTTP/2 with prior knowledge (h2c). Plain `http://` only.

use std::io::Write;
use std::process::ExitCode;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::Uri;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[zio::main]
async fn main() -> ExitCode {
    let http2 = std::env::args().any(|arg| arg == "--http2");
    let Some(url) = std::env::args().skip(1).find(|arg| !arg.starts_with("--")) else {
        eprintln!("usage: client [--http2] http://HOST[:PORT]/PATH");
        return ExitCode::from(2);
    };
    match fetch(&url, http2).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("client: {url}: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn fetch(url: &str, http2: bool) -> Result<(), Error> {
    let uri: Uri = url.parse()?;
    let client = zio_hyper::client_builder()
        .http2_only(http2)
        .build::<_, Empty<Bytes>>(zio_hyper::ZioConnector::new());
    let mut response = client.get(uri).await?;
    eprintln!("{:?} {}", response.version(), response.status());
    for (name, value) in response.headers() {
        eprintln!("{name}: {}", value.to_str().unwrap_or("<binary>"));
    }
    let mut stdout = std::io::stdout().lock();
    while let Some(frame) = response.body_mut().frame().await {
        if let Some(chunk) = frame?.data_ref() {
            stdout.write_all(chunk)?;
        }
    }
    stdout.flush()?;
    Ok(())
}
