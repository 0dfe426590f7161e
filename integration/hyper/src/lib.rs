//! hyper on zio.
//!
//! - [`ZioExecutor`], [`ZioTimer`] and [`ZioIo`]: hyper's runtime traits
//!   (`hyper::rt::{Executor, Timer, Read, Write}`) on zio's tasks, timers
//!   and stream sockets. `ZioIo` reads into hyper's uninitialized buffers
//!   and writes vectored, straight on zio's readiness interface
//!   ([`zio::io::PollRead`], [`zio::io::PollWrite`]): no copy, no detour
//!   through tokio's traits.
//! - A server: [`serve`] or the [`Server`] builder. HTTP/1.1 and HTTP/2
//!   (h2c with prior knowledge) on one port, told apart by the HTTP/2
//!   preface; keep-alive, a header-read timeout that is always set, a
//!   connection limit, graceful shutdown with a deadline, accept errors
//!   (such as `EMFILE`) logged and retried.
//! - A client: [`client`] and [`client_builder`], hyper-util's pooling
//!   `Client` on zio with the [`ZioConnector`], for HTTP/1.1 and HTTP/2.
//!
//! # Examples
//!
//! A server and a client in one program:
//!
//! ```
//! use http_body_util::{BodyExt, Full};
//! use hyper::body::{Bytes, Incoming};
//! use hyper::{Request, Response};
//!
//! async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
//!     Ok(Response::new(Full::new(Bytes::from("Hello, World!"))))
//! }
//!
//! # zio::runtime::Runtime::new().unwrap().block_on(async {
//! let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("http://{}/", listener.local_addr()?);
//! zio::spawn(zio_hyper::serve(listener, hyper::service::service_fn(hello)));
//!
//! let client = zio_hyper::client::<Full<Bytes>>();
//! let response = client.get(url.parse()?).await?;
//! let body = response.into_body().collect().await?.to_bytes();
//! assert_eq!(body, "Hello, World!");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod client;
mod executor;
mod io;
mod server;
mod timer;

pub use client::{client, client_builder, ZioConnector};
pub use executor::ZioExecutor;
pub use io::ZioIo;
pub use server::{serve, Listener, Server, ServerService};
pub use timer::ZioTimer;

/// The error type hyper's bounds ask services and bodies to convert into.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
