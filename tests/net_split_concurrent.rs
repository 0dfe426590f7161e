//! The owned halves of `TcpStream` and `UnixStream` (`into_split`) used
//! from two tasks at the same time, and the futures-io traits on
//! `TcpStream` and its halves.
//!
//! - A read pending on the read half (no data yet) does not hold up a
//!   write through the write half: one task reads while another writes
//!   4 MiB in 64 KiB chunks, a peer echoes it, and the reader checks every
//!   byte in order. The writer waits until the reader's first read is
//!   pending before it sends anything, and the socket buffers are kept
//!   small, so the 4 MiB cannot sit in the kernel: the writer finishes only
//!   if the reader drains while it writes. Then the halves reunite into a
//!   working stream. Through the owned-buffer API and through the
//!   futures-io traits, on a current-thread and a 2-worker runtime.
//! - futures-io (`futures::io::AsyncReadExt`/`AsyncWriteExt`) on every TCP
//!   type that implements it (`TcpStream`, `OwnedReadHalf`,
//!   `OwnedWriteHalf`): `futures::io::copy` through them both ways on a zio
//!   runtime and under `futures::executor::block_on`, and `read_exact`,
//!   `write_all`, `write_vectored`, `flush` and `close` round trips.
//!
//! Written for every backend: nothing here depends on io_uring, so the
//! suite also runs under `ZIO_BACKEND=epoll`.

mod common;
use common::{current_rt, multi_rt, tcp_pair, watchdog};

use std::future::Future;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::pin::pin;
use std::sync::Arc;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use rand::RngCore;
use zio::net::{unix_split, OwnedReadHalf, OwnedWriteHalf, TcpStream, UnixStream};

const TOTAL: usize = 4 << 20;
const CHUNK: usize = 64 << 10;
/// Asked of every socket buffer in the concurrent tests: far below TOTAL.
const SMALL_BUF: usize = 32 << 10;

/// The bytes the concurrent tests send: seeded random, so a reordered or
/// repeated chunk cannot match.
fn payload() -> Arc<Vec<u8>> {
    let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(0x5e11);
    let mut data = vec![0u8; TOTAL];
    rng.fill_bytes(&mut data);
    Arc::new(data)
}

/// Shrinks the socket's send and receive buffers.
fn small_buffers(fd: &impl AsFd) {
    let sock = socket2::SockRef::from(fd);
    sock.set_send_buffer_size(SMALL_BUF).unwrap();
    sock.set_recv_buffer_size(SMALL_BUF).unwrap();
}

/// Runs `fut`; the first time a poll of it returns `Pending`, sends `true`
/// on `pending` (`false` if it was ready at once).
async fn report_pending<F: Future>(fut: F, pending: zio::sync::oneshot::Sender<bool>) -> F::Output {
    let mut fut = pin!(fut);
    let mut pending = Some(pending);
    std::future::poll_fn(|cx| {
        let res = fut.as_mut().poll(cx);
        if let Some(tx) = pending.take() {
            let _ = tx.send(res.is_pending());
        }
        res
    })
    .await
}

/// The owned-buffer reads of zio's stream types and read halves (inherent
/// methods, one trait so one test body serves them all).
trait OwnedRead: Send + Sync + 'static {
    fn read_owned(&self, buf: Vec<u8>)
        -> impl Future<Output = (io::Result<usize>, Vec<u8>)> + Send;
}

/// The owned-buffer `write_all` of zio's stream types and write halves.
trait OwnedWrite: Send + Sync + 'static {
    fn write_all_owned(
        &self,
        buf: Vec<u8>,
    ) -> impl Future<Output = (io::Result<()>, Vec<u8>)> + Send;
}

macro_rules! owned_io {
    (read: $($r:ty),*; write: $($w:ty),*) => {
        $(impl OwnedRead for $r {
            fn read_owned(
                &self,
                buf: Vec<u8>,
            ) -> impl Future<Output = (io::Result<usize>, Vec<u8>)> + Send {
                self.read(buf)
            }
        })*
        $(impl OwnedWrite for $w {
            fn write_all_owned(
                &self,
                buf: Vec<u8>,
            ) -> impl Future<Output = (io::Result<()>, Vec<u8>)> + Send {
                self.write_all(buf)
            }
        })*
    };
}

owned_io!(
    read: TcpStream, OwnedReadHalf, UnixStream, unix_split::OwnedReadHalf;
    write: TcpStream, OwnedWriteHalf, UnixStream, unix_split::OwnedWriteHalf
);

/// Echoes what `peer` reads until end of stream, then drops (closes) it;
/// returns the byte count.
async fn echo<S: OwnedRead + OwnedWrite>(peer: S) -> usize {
    let mut total = 0;
    let mut buf = Vec::with_capacity(CHUNK);
    loop {
        buf.clear();
        let (n, b) = peer.read_owned(buf).await;
        let n = n.unwrap();
        if n == 0 {
            return total;
        }
        total += n;
        let (r, b) = peer.write_all_owned(b).await;
        r.unwrap();
        buf = b;
    }
}

/// A read into a `Vec`'s spare capacity, however the type does it.
trait ChunkRead: Send + 'static {
    fn read_chunk(
        &mut self,
        buf: Vec<u8>,
    ) -> impl Future<Output = (io::Result<usize>, Vec<u8>)> + Send + '_;
}

/// A `write_all` of a slice, however the type does it.
trait ChunkWrite: Send + 'static {
    fn write_chunk<'a>(
        &'a mut self,
        chunk: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
}

/// Through the owned-buffer API (zio's inherent methods).
struct Owned<T>(T);

impl<R: OwnedRead> ChunkRead for Owned<R> {
    fn read_chunk(
        &mut self,
        buf: Vec<u8>,
    ) -> impl Future<Output = (io::Result<usize>, Vec<u8>)> + Send + '_ {
        self.0.read_owned(buf)
    }
}

impl<W: OwnedWrite> ChunkWrite for Owned<W> {
    async fn write_chunk(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.0.write_all_owned(chunk.to_vec()).await.0
    }
}

/// Through the futures-io traits.
struct Futures<T>(T);

impl<R: futures::io::AsyncRead + Unpin + Send + 'static> ChunkRead for Futures<R> {
    async fn read_chunk(&mut self, mut buf: Vec<u8>) -> (io::Result<usize>, Vec<u8>) {
        buf.resize(buf.capacity(), 0);
        let res = AsyncReadExt::read(&mut self.0, &mut buf).await;
        buf.truncate(*res.as_ref().unwrap_or(&0));
        (res, buf)
    }
}

impl<W: futures::io::AsyncWrite + Unpin + Send + 'static> ChunkWrite for Futures<W> {
    async fn write_chunk(&mut self, chunk: &[u8]) -> io::Result<()> {
        AsyncWriteExt::write_all(&mut self.0, chunk).await?;
        AsyncWriteExt::flush(&mut self.0).await
    }
}

/// One task reads through `rd` while another writes the payload through
/// `wr` in chunks; the other end of the stream echoes. The writer starts
/// only once the reader's first read is pending. The reader checks every
/// byte, in order. Returns the halves.
async fn concurrent<R: ChunkRead, W: ChunkWrite>(mut rd: R, mut wr: W) -> (R, W) {
    let data = payload();
    let (pending_tx, pending_rx) = zio::sync::oneshot::channel();
    let reader = zio::spawn({
        let data = data.clone();
        async move {
            let mut got = 0;
            let mut buf = Vec::with_capacity(CHUNK);
            let mut pending = Some(pending_tx);
            while got < TOTAL {
                buf.clear();
                let (n, b) = match pending.take() {
                    Some(tx) => report_pending(rd.read_chunk(buf), tx).await,
                    None => rd.read_chunk(buf).await,
                };
                buf = b;
                let n = n.unwrap();
                assert!(n > 0, "end of stream after {got} of {TOTAL} bytes");
                assert!(n <= TOTAL - got, "more bytes than were sent");
                assert!(
                    buf[..n] == data[got..got + n],
                    "bytes {got}..{} differ from what was sent",
                    got + n
                );
                got += n;
            }
            rd
        }
    });
    let writer = zio::spawn(async move {
        let was_pending = pending_rx.await.expect("the reader stopped before reading");
        assert!(was_pending, "the first read completed with nothing sent");
        for chunk in data.chunks(CHUNK) {
            wr.write_chunk(chunk).await.unwrap();
        }
        wr
    });
    // Whichever fails first is reported (the other would wait forever).
    match futures::future::try_join(reader, writer).await {
        Ok(halves) => halves,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

#[derive(Clone, Copy)]
enum Api {
    Owned,
    Futures,
}

/// The body of both cases, for any stream type with `into_split` and
/// `reunite`: echo on `server`, split `client` and run the halves at once
/// through `api`, then reunite the halves and check the stream still works
/// and ends cleanly.
macro_rules! split_case {
    ($client:expr, $server:expr, $api:expr) => {{
        let echo = zio::spawn(echo($server));
        let (rd, wr) = $client.into_split();
        let (rd, wr) = match $api {
            Api::Owned => {
                let (rd, wr) = concurrent(Owned(rd), Owned(wr)).await;
                (rd.0, wr.0)
            }
            Api::Futures => {
                let (rd, wr) = concurrent(Futures(rd), Futures(wr)).await;
                (rd.0, wr.0)
            }
        };
        let client = rd.reunite(wr).expect("halves of one stream");
        // The reunited stream still talks to the echo.
        let (r, _) = client.write_all(b"after".to_vec()).await;
        r.unwrap();
        let (r, back) = client.read_exact(Vec::with_capacity(5)).await;
        r.unwrap();
        assert_eq!(back, b"after");
        client.shutdown(Shutdown::Write).unwrap();
        assert_eq!(
            echo.await.unwrap(),
            TOTAL + 5,
            "the echo saw every byte once"
        );
        let (n, _) = client.read(Vec::with_capacity(8)).await;
        assert_eq!(n.unwrap(), 0, "nothing after the echo, then EOF");
    }};
}

/// The TCP case, on a loopback connection.
async fn tcp_case(api: Api) {
    let (client, server) = tcp_pair().await;
    small_buffers(&client);
    small_buffers(&server);
    split_case!(client, server, api)
}

/// The Unix case, on a socket pair.
async fn unix_case(api: Api) {
    let (a, b) = UnixStream::pair().unwrap();
    // Unix stream sockets account queued bytes to the sender's buffer.
    small_buffers(&a);
    small_buffers(&b);
    split_case!(a, b, api)
}

/// A test of `$case` with `$api` on a current-thread runtime and one on a
/// 2-worker runtime.
macro_rules! on_both_runtimes {
    ($current:ident, $multi:ident, $case:ident, $api:expr) => {
        #[test]
        fn $current() {
            watchdog(stringify!($current), || current_rt().block_on($case($api)));
        }

        #[test]
        fn $multi() {
            watchdog(stringify!($multi), || multi_rt(2).block_on($case($api)));
        }
    };
}

on_both_runtimes!(
    tcp_split_owned_api_concurrent_current_thread,
    tcp_split_owned_api_concurrent_multi_thread,
    tcp_case,
    Api::Owned
);
on_both_runtimes!(
    tcp_split_futures_io_concurrent_current_thread,
    tcp_split_futures_io_concurrent_multi_thread,
    tcp_case,
    Api::Futures
);
on_both_runtimes!(
    unix_split_owned_api_concurrent_current_thread,
    unix_split_owned_api_concurrent_multi_thread,
    unix_case,
    Api::Owned
);
on_both_runtimes!(
    unix_split_futures_io_concurrent_current_thread,
    unix_split_futures_io_concurrent_multi_thread,
    unix_case,
    Api::Futures
);

// ----- futures-io on the TCP types -----

/// Compile-time: the futures-io traits on every TCP type that has them.
#[test]
fn tcp_types_implement_futures_io() {
    fn read_write<T: futures::io::AsyncRead + futures::io::AsyncWrite + Unpin + Send>() {}
    fn read<T: futures::io::AsyncRead + Unpin + Send>() {}
    fn write<T: futures::io::AsyncWrite + Unpin + Send>() {}
    read_write::<TcpStream>();
    read::<OwnedReadHalf>();
    write::<OwnedWriteHalf>();
}

/// `futures::io::copy` both ways: the server echoes by copying its read
/// half into its write half (then `close`s it); the client's `TcpStream`,
/// split by futures' own `AsyncReadExt::split`, copies 1 MiB in from a
/// cursor while reading the echo to the end. No zio task is spawned, so
/// it also runs under a foreign executor.
async fn futures_copy_echo() {
    const LEN: usize = 1 << 20;
    let (client, server) = tcp_pair().await;
    let data: Vec<u8> = (0..LEN).map(|i| (i * 131 % 251) as u8).collect();

    let (mut sr, mut sw) = server.into_split();
    let server_side = async {
        let n = futures::io::copy(&mut sr, &mut sw).await.unwrap();
        AsyncWriteExt::close(&mut sw).await.unwrap();
        n
    };

    let (mut cr, mut cw) = AsyncReadExt::split(client);
    let client_write = async {
        let mut src = futures::io::Cursor::new(data.clone());
        let n = futures::io::copy(&mut src, &mut cw).await.unwrap();
        AsyncWriteExt::close(&mut cw).await.unwrap();
        n
    };
    let client_read = async {
        let mut back = Vec::new();
        let n = AsyncReadExt::read_to_end(&mut cr, &mut back).await.unwrap();
        assert_eq!(n, back.len());
        back
    };

    let (echoed, written, back) = futures::join!(server_side, client_write, client_read);
    assert_eq!(written, LEN as u64, "copy into the client stream");
    assert_eq!(
        echoed, LEN as u64,
        "copy from the read half into the write half"
    );
    assert!(back == data, "the echo differs from what was sent");

    // Closed in both directions: more reads see EOF.
    let mut one = [0u8; 1];
    assert_eq!(AsyncReadExt::read(&mut sr, &mut one).await.unwrap(), 0);
    assert_eq!(AsyncReadExt::read(&mut cr, &mut one).await.unwrap(), 0);
    // Both pairs of halves are still whole (no peer address now: the
    // connection has closed both ways).
    sr.reunite(sw).expect("the server's halves reunite");
    cr.reunite(cw)
        .expect("futures' halves of the client reunite");
}

#[test]
fn futures_io_copy_current_thread() {
    watchdog("copy current", || {
        current_rt().block_on(futures_copy_echo())
    });
}

#[test]
fn futures_io_copy_multi_thread() {
    watchdog("copy multi", || multi_rt(2).block_on(futures_copy_echo()));
}

#[test]
fn futures_io_copy_under_futures_block_on() {
    watchdog("copy block_on", || {
        futures::executor::block_on(futures_copy_echo())
    });
}

/// `read_exact`, `write_all`, `write_vectored`, `flush` and `close` of the
/// futures-io traits, on `TcpStream` and on its halves. The calls are
/// spelled `AsyncWriteExt::write_all(&mut s, ..)`: `s.write_all(..)` would
/// be zio's inherent owned-buffer method.
async fn futures_round_trips() {
    let (mut client, mut server) = tcp_pair().await;

    // Whole streams.
    AsyncWriteExt::write_all(&mut client, b"ping")
        .await
        .unwrap();
    AsyncWriteExt::flush(&mut client).await.unwrap();
    let mut buf = [0u8; 4];
    AsyncReadExt::read_exact(&mut server, &mut buf)
        .await
        .unwrap();
    assert_eq!(&buf, b"ping");
    let parts = [IoSlice::new(b"po"), IoSlice::new(b"ng!")];
    let n = AsyncWriteExt::write_vectored(&mut server, &parts)
        .await
        .unwrap();
    assert!((1..=5).contains(&n), "{n}");
    AsyncWriteExt::write_all(&mut server, &b"pong!"[n..])
        .await
        .unwrap();
    let mut buf = [0u8; 5];
    AsyncReadExt::read_exact(&mut client, &mut buf)
        .await
        .unwrap();
    assert_eq!(&buf, b"pong!");

    // A big write_all and read_exact, run concurrently.
    let big: Vec<u8> = (0..(3 << 20)).map(|i: usize| (i % 253) as u8).collect();
    let mut got = vec![0u8; big.len()];
    let (w, r) = futures::join!(
        AsyncWriteExt::write_all(&mut client, &big),
        AsyncReadExt::read_exact(&mut server, &mut got)
    );
    w.unwrap();
    r.unwrap();
    assert!(got == big, "3 MiB through write_all/read_exact differ");

    // The halves.
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    AsyncWriteExt::write_all(&mut cw, b"to server")
        .await
        .unwrap();
    let mut buf = [0u8; 9];
    AsyncReadExt::read_exact(&mut sr, &mut buf).await.unwrap();
    assert_eq!(&buf, b"to server");
    AsyncWriteExt::write_all(&mut sw, b"to client")
        .await
        .unwrap();
    AsyncWriteExt::flush(&mut sw).await.unwrap();
    AsyncReadExt::read_exact(&mut cr, &mut buf).await.unwrap();
    assert_eq!(&buf, b"to client");
    let parts = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
    let n = AsyncWriteExt::write_vectored(&mut cw, &parts)
        .await
        .unwrap();
    AsyncWriteExt::write_all(&mut cw, &b"abcd"[n..])
        .await
        .unwrap();
    let mut buf = [0u8; 4];
    AsyncReadExt::read_exact(&mut sr, &mut buf).await.unwrap();
    assert_eq!(&buf, b"abcd");

    // `close` on the client's write half: the server reads EOF, and the
    // other direction still works.
    AsyncWriteExt::close(&mut cw).await.unwrap();
    let mut rest = Vec::new();
    AsyncReadExt::read_to_end(&mut sr, &mut rest).await.unwrap();
    assert!(rest.is_empty(), "{rest:?}");
    let mut buf = [0u8; 1];
    let e = AsyncReadExt::read_exact(&mut sr, &mut buf)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    AsyncWriteExt::write_all(&mut sw, b"still open")
        .await
        .unwrap();
    let mut buf = [0u8; 10];
    AsyncReadExt::read_exact(&mut cr, &mut buf).await.unwrap();
    assert_eq!(&buf, b"still open");

    // Reunited, the server stream's own `close` ends the other direction.
    let mut server = sr.reunite(sw).unwrap();
    AsyncWriteExt::close(&mut server).await.unwrap();
    let mut one = [0u8; 1];
    assert_eq!(AsyncReadExt::read(&mut cr, &mut one).await.unwrap(), 0);
}

#[test]
fn futures_io_round_trips_current_thread() {
    watchdog("round trips current", || {
        current_rt().block_on(futures_round_trips())
    });
}

#[test]
fn futures_io_round_trips_multi_thread() {
    watchdog("round trips multi", || {
        multi_rt(2).block_on(futures_round_trips())
    });
}
