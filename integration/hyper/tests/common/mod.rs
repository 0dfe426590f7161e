//! Helpers shared by zio-hyper's integration tests: a watchdog that turns
//! a hang into a failure, a test server, bodies with checksums, and the
//! example binaries and command-line tools run as processes. Each test
//! crate includes this with `mod common;` and uses what it needs.
#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use zio::net::TcpListener;
use zio::sync::oneshot;
use zio::task::JoinHandle;

/// The zio crate's own test helpers, its watchdog among them: one source
/// for both test suites.
#[path = "../../../../tests/common/mod.rs"]
mod zio_common;

pub use zio_common::watchdog_for as watchdog;

/// Runs `test` on a two-worker zio runtime under a 60 s watchdog.
pub fn run<F>(name: &'static str, test: impl FnOnce() -> F + Send + 'static)
where
    F: std::future::Future<Output = ()>,
{
    watchdog(name, Duration::from_secs(60), move || {
        zio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("build the zio runtime")
            .block_on(test())
    })
}

/// A zio-hyper server on 127.0.0.1, stopped gracefully by [`stop`](Self::stop).
pub struct TestServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    serving: JoinHandle<()>,
}

impl TestServer {
    /// Serves `service` on a free port with `server`'s settings.
    pub async fn start(
        server: zio_hyper::Server,
        service: impl zio_hyper::ServerService,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        TestServer::start_on(server, listener, addr, service)
    }

    /// Serves `service` on `listener`, whose address is `addr`.
    pub fn start_on(
        server: zio_hyper::Server,
        listener: impl zio_hyper::Listener,
        addr: SocketAddr,
        service: impl zio_hyper::ServerService,
    ) -> TestServer {
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = zio::spawn(server.serve_with_shutdown(listener, service, async {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            stop,
            serving,
        }
    }

    /// `http://ADDR/path`.
    pub fn url(&self, path: &str) -> hyper::Uri {
        format!("http://{}{path}", self.addr).parse().unwrap()
    }

    /// Starts the graceful shutdown; the handle completes when it is done.
    pub fn begin_shutdown(self) -> JoinHandle<()> {
        let _ = self.stop.send(());
        self.serving
    }

    /// Shuts down gracefully and waits for the end.
    pub async fn stop(self) {
        self.begin_shutdown()
            .await
            .expect("the server task panicked");
    }
}

/// A deterministic body of `len` bytes (a pseudo-random 64 KiB block
/// repeated), streamed in 64 KiB frames with no length announced, so
/// HTTP/1 sends it chunked.
pub struct PatternBody {
    block: Bytes,
    remaining: usize,
}

const BLOCK: usize = 64 * 1024;

impl PatternBody {
    pub fn new(seed: u32, len: usize) -> PatternBody {
        let mut state = seed | 1;
        let block = (0..BLOCK)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect::<Vec<u8>>();
        PatternBody {
            block: Bytes::from(block),
            remaining: len,
        }
    }

    /// The CRC-32 of the whole body.
    pub fn crc(seed: u32, len: usize) -> u32 {
        let body = PatternBody::new(seed, len);
        let mut hasher = crc32fast::Hasher::new();
        let mut left = len;
        while left > 0 {
            let n = left.min(BLOCK);
            hasher.update(&body.block[..n]);
            left -= n;
        }
        hasher.finalize()
    }
}

impl Body for PatternBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = self.remaining.min(BLOCK);
        self.remaining -= n;
        Poll::Ready(Some(Ok(Frame::data(self.block.slice(..n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// Reads `body` to its end; its length and CRC-32.
pub async fn crc_of<B>(mut body: B) -> (usize, u32)
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Debug,
{
    use http_body_util::BodyExt;
    let mut hasher = crc32fast::Hasher::new();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame.expect("body frame").data_ref() {
            hasher.update(data);
            len += data.len();
        }
    }
    (len, hasher.finalize())
}

/// Panics, naming the Debian package, if `binary` is not installed.
pub fn require_tool(binary: &str, apt_package: &str) {
    let found = Command::new(binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "`{binary}` is not installed: `apt-get install {apt_package}` (CI's .ci/run installs it)"
    );
}

/// Runs `command` to its end, killing it and panicking after `limit`.
pub fn run_tool(command: &mut Command, limit: Duration) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {command:?}: {e}"));
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => output.expect("wait for the tool"),
        Err(_) => {
            // SAFETY: kill(2) takes plain integers and touches no memory
            // of ours; `pid` is our child, not yet reaped (its waiter
            // thread still blocks in `wait`).
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("HANG: {command:?} did not finish within {limit:?}");
        }
    }
}

/// The path of an example binary. `cargo test` builds the package's
/// examples beside the test binaries' `deps/` folder.
pub fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps")
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "example `{name}` is not built at {}: run `cargo test -p zio-hyper` (which builds the \
         examples) or `cargo build -p zio-hyper --examples` first",
        path.display()
    );
    path
}

/// A running example server, killed when dropped.
pub struct Example {
    child: Child,
    pub addr: SocketAddr,
}

impl Example {
    /// Starts `name` on a free port and waits for its "listening on" line.
    pub fn start(name: &str) -> Example {
        let mut child = Command::new(example_path(name))
            .arg("127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start example `{name}`: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = tx.send(line);
            // Keep the pipe open: the example may print more.
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("HANG: example `{name}` printed nothing within 30 s");
            }
        };
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| {
                panic!("example `{name}` printed {line:?}, not `listening on http://ADDR`")
            });
        Example { child, addr }
    }

    /// `http://ADDR/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit.
    pub fn interrupt(mut self) -> ExitStatus {
        // SAFETY: kill(2) takes plain integers and touches no memory of
        // ours; `self.child` is not reaped until `try_wait` sees it exit.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the example") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "HANG: the example ignored SIGINT for 20 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `curl` with `args`; its stdout, after checking it succeeded.
pub fn curl(args: &[&str]) -> String {
    require_tool("curl", "curl");
    let output = run_tool(
        Command::new("curl")
            .args(["-sS", "--max-time", "20"])
            .args(args),
        Duration::from_secs(30),
    );
    assert!(
        output.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("curl printed UTF-8")
}

/// Request bodies of the tests' clients.
pub type ReqBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;
/// Response bodies of [`routes`].
pub type ResBody = http_body_util::combinators::BoxBody<Bytes, hyper::Error>;

/// The protocol a test's client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Http1,
    Http2,
}

/// A pooling zio-hyper client speaking `protocol` (HTTP/2: h2c).
pub fn client(
    protocol: Protocol,
) -> hyper_util::client::legacy::Client<zio_hyper::ZioConnector, ReqBody> {
    zio_hyper::client_builder()
        .http2_only(protocol == Protocol::Http2)
        .build(zio_hyper::ZioConnector::new())
}

/// An empty request body.
pub fn empty() -> ReqBody {
    use http_body_util::BodyExt;
    http_body_util::Empty::new().boxed()
}

/// The tests' service:
/// - `/hello`: "Hello, World!";
/// - `/echo`: streams the request body back;
/// - `/transfer`: reads the request body (streaming, checksummed), then
///   answers with a [`PatternBody`] of `x-len` bytes from seed `x-seed`,
///   reporting the upload in `x-upload-len`, `x-upload-crc` and
///   `x-upload-te` (the request's transfer-encoding).
pub async fn routes(
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<ResBody>, Infallible> {
    use http_body_util::{BodyExt, Full};
    let response = match request.uri().path() {
        "/hello" => hyper::Response::new(
            Full::new(Bytes::from_static(b"Hello, World!"))
                .map_err(|e| match e {})
                .boxed(),
        ),
        "/echo" => hyper::Response::new(request.into_body().boxed()),
        "/transfer" => transfer(request).await,
        _ => hyper::Response::builder()
            .status(404)
            .body(http_body_util::Empty::new().map_err(|e| match e {}).boxed())
            .unwrap(),
    };
    Ok(response)
}

async fn transfer(request: hyper::Request<hyper::body::Incoming>) -> hyper::Response<ResBody> {
    use http_body_util::BodyExt;
    let header = |name: &str| -> usize {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let (seed, len) = (header("x-seed") as u32, header("x-len"));
    let te = request
        .headers()
        .get(hyper::header::TRANSFER_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").to_owned())
        .unwrap_or_else(|| "none".to_owned());
    let (up_len, up_crc) = crc_of(request.into_body()).await;
    hyper::Response::builder()
        .header("x-upload-len", up_len)
        .header("x-upload-crc", up_crc)
        .header("x-upload-te", te)
        .body(PatternBody::new(seed, len).map_err(|e| match e {}).boxed())
        .unwrap()
}

/// Counts the connections it accepts.
pub struct CountingListener {
    inner: TcpListener,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CountingListener {
    /// Binds 127.0.0.1:0; the listener, its address and its counter.
    pub async fn bind() -> (
        CountingListener,
        SocketAddr,
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) {
        let inner = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = inner.local_addr().unwrap();
        let accepted = std::sync::Arc::default();
        (
            CountingListener {
                inner,
                accepted: std::sync::Arc::clone(&accepted),
            },
            addr,
            accepted,
        )
    }
}

impl zio_hyper::Listener for CountingListener {
    type Io = zio::net::TcpStream;

    async fn accept(&mut self) -> std::io::Result<zio::net::TcpStream> {
        let stream = zio_hyper::Listener::accept(&mut self.inner).await?;
        self.accepted
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(stream)
    }
}
