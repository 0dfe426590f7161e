//! I/O with every owned buffer type zio implements `IoBuf`/`IoBufMut`
//! for (`src/io/buf.rs`): `Vec<u8>`, `Box<[u8]>`, `&'static [u8]`,
//! `&'static str`, `&'static [u8; N]`, `[u8; N]`, and with the `bytes`
//! feature `bytes::Bytes` and `bytes::BytesMut`.
//!
//! What the docs promise, checked through a `TcpStream` and a
//! `zio::fs::File`:
//!
//! - a write sends the buffer's initialized bytes (`bytes_init`: a `Vec`'s
//!   or `BytesMut`'s length, never its spare capacity; a sliced `Bytes`'s
//!   own window) and hands the buffer back unchanged;
//! - a read fills the buffer from its start up to its capacity
//!   (`bytes_total`) and returns the count `n`: `buf[..n]` holds the bytes;
//!   a `Vec`'s or `BytesMut`'s length grows to `n` if it was shorter and is
//!   otherwise left alone; a `Box<[u8]>` or array keeps its length and the
//!   bytes past `n` are untouched;
//! - `read_exact` fills the whole capacity (a `Vec`'s length becomes its
//!   capacity);
//! - a buffer of capacity 0 reads `Ok(0)` and consumes nothing.
//!
//! Written for every backend: nothing here depends on io_uring, so the
//! suite also runs under `ZIO_BACKEND=epoll`.

mod common;
use common::{current_rt, tcp_pair, watchdog};

use std::net::Shutdown;

use zio::io::IoBuf;
use zio::net::TcpStream;

/// `len` bytes of a pattern that differs with `seed` and position.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ seed.wrapping_mul(37))
        .collect()
}

/// A `'static` slice of the pattern (leaked, as a test may).
fn leaked(len: usize, seed: u8) -> &'static [u8] {
    Box::leak(pattern(len, seed).into_boxed_slice())
}

/// Writes `buf` through `from` with `write_all` while `to` reads exactly
/// `expect.len()` bytes; checks they are `expect` and that the buffer
/// comes back with the same bytes and lengths it went out with.
async fn send<B: IoBuf + AsRef<[u8]>>(
    what: &str,
    from: &TcpStream,
    to: &TcpStream,
    buf: B,
    expect: &[u8],
) -> B {
    let (init, total) = (buf.bytes_init(), buf.bytes_total());
    let before = buf.as_ref().to_vec();
    assert_eq!(init, expect.len(), "{what}: bytes_init is what is sent");
    let ((w, back), (r, got)) = futures::join!(
        from.write_all(buf),
        to.read_exact(Vec::with_capacity(expect.len()))
    );
    w.unwrap_or_else(|e| panic!("{what}: write_all: {e}"));
    r.unwrap_or_else(|e| panic!("{what}: read_exact: {e}"));
    assert!(got == expect, "{what}: the peer got other bytes");
    assert_eq!(
        (back.bytes_init(), back.bytes_total()),
        (init, total),
        "{what}: the buffer comes back with its lengths"
    );
    assert!(
        back.as_ref() == before,
        "{what}: the buffer comes back unchanged"
    );
    back
}

/// After the writer shut down: the reader sees EOF, so nothing beyond the
/// expected bytes (no spare capacity) was ever sent.
async fn expect_eof(from: &TcpStream, to: &TcpStream) {
    from.shutdown(Shutdown::Write).unwrap();
    let (n, extra) = to.read(Vec::with_capacity(64)).await;
    assert_eq!(n.unwrap(), 0, "extra bytes on the stream: {extra:?}");
}

#[test]
fn tcp_write_all_with_every_iobuf() {
    watchdog("tcp write", || {
        current_rt().block_on(async {
            let (client, server) = tcp_pair().await;

            // Vec: its length is sent, not its spare capacity; small and
            // big (many short sends, each continuing where the last
            // stopped).
            let mut v = Vec::with_capacity(100);
            v.extend_from_slice(b"vec with spare capacity");
            send("Vec", &client, &server, v, b"vec with spare capacity").await;
            let big = pattern(3 << 20, 1);
            send("big Vec", &client, &server, big.clone(), &big).await;
            send("empty Vec", &client, &server, Vec::with_capacity(8), b"").await;

            // Box<[u8]>.
            let b: Box<[u8]> = pattern(1 << 20, 2).into_boxed_slice();
            send("Box<[u8]>", &client, &server, b.clone(), &b).await;

            // &'static [u8], &'static str, &'static [u8; N], [u8; N].
            let s: &'static [u8] = b"static slice";
            send("&'static [u8]", &client, &server, s, b"static slice").await;
            let s = leaked(1 << 20, 3);
            send("big &'static [u8]", &client, &server, s, s).await;
            send("&'static str", &client, &server, "a str", b"a str").await;
            send(
                "&'static [u8; N]",
                &client,
                &server,
                b"array ref",
                b"array ref",
            )
            .await;
            let arr: [u8; 4096] = pattern(4096, 4).try_into().unwrap();
            let back = send("[u8; N]", &client, &server, arr, &arr).await;
            assert_eq!(back, arr);

            expect_eof(&client, &server).await;
        })
    });
}

#[cfg(feature = "bytes")]
#[test]
fn tcp_write_all_with_bytes_types() {
    use bytes::{Buf, BufMut, Bytes, BytesMut};
    watchdog("tcp write bytes", || {
        current_rt().block_on(async {
            let (client, server) = tcp_pair().await;

            // Bytes: static, owned (big), and a slice of a bigger one (only
            // its window goes out).
            send(
                "static Bytes",
                &client,
                &server,
                Bytes::from_static(b"bytes"),
                b"bytes",
            )
            .await;
            let big = pattern(2 << 20, 5);
            send(
                "big Bytes",
                &client,
                &server,
                Bytes::from(big.clone()),
                &big,
            )
            .await;
            let whole = Bytes::from(pattern(1000, 6));
            let window = whole.slice(100..700);
            send("sliced Bytes", &client, &server, window, &whole[100..700]).await;

            // BytesMut: its length goes out, not its spare capacity; also
            // one whose start was advanced past.
            let mut m = BytesMut::with_capacity(256);
            m.put_slice(b"bytes mut");
            assert!(m.bytes_total() >= 256);
            send("BytesMut", &client, &server, m, b"bytes mut").await;
            let mut m = BytesMut::from(&b"skip this:keep this"[..]);
            m.advance(10);
            send("advanced BytesMut", &client, &server, m, b"keep this").await;
            let big = pattern(1 << 20, 7);
            let m = BytesMut::from(&big[..]);
            send("big BytesMut", &client, &server, m, &big).await;

            expect_eof(&client, &server).await;
        })
    });
}

/// Reads into `Vec<u8>`, `Box<[u8]>` and `[u8; N]` (all `IoBufMut`).
#[test]
fn tcp_read_into_every_iobufmut() {
    watchdog("tcp read", || {
        current_rt().block_on(async {
            let (client, server) = tcp_pair().await;
            let put = |data: &'static [u8]| {
                let server = &server;
                async move { server.write_all(data).await.0.unwrap() }
            };

            // Vec, empty: `read` sets the length to the count.
            put(b"0123456789").await;
            client.readable().await.unwrap();
            let (n, v) = client.read(Vec::with_capacity(64)).await;
            let n = n.unwrap();
            assert!((1..=10).contains(&n), "{n}");
            assert_eq!(v.len(), n, "a Vec's length grows to n");
            assert_eq!(&v[..], &b"0123456789"[..n]);
            let (r, rest) = client.read_exact(Vec::with_capacity(10 - n)).await;
            r.unwrap();
            assert_eq!(rest, &b"0123456789"[n..]);

            // Vec with content: filled from the start, not appended; the
            // length is not shortened.
            let mut v = Vec::with_capacity(32);
            v.extend_from_slice(b"XXXXXXXX");
            put(b"abc").await;
            client.readable().await.unwrap();
            let (n, v) = client.read(v).await;
            let n = n.unwrap();
            assert!((1..=3).contains(&n), "{n}");
            assert_eq!(v.len(), 8, "n < len: the length stays");
            assert_eq!(&v[..n], &b"abc"[..n], "read from the start");
            assert!(v[n..].iter().all(|&b| b == b'X'), "{v:?}");
            let (r, rest) = client.read_exact(Vec::with_capacity(3 - n)).await;
            r.unwrap();
            assert_eq!(rest, &b"abc"[n..]);

            // Vec with content, `read_exact`: the whole capacity, from the
            // start; the length becomes the capacity.
            let mut v = Vec::with_capacity(48);
            v.extend_from_slice(b"XXXX");
            let cap = v.capacity();
            let data = leaked(cap, 8);
            put(data).await;
            let (r, v) = client.read_exact(v).await;
            r.unwrap();
            assert_eq!((v.len(), &v[..]), (cap, data));

            // Big Vec, `read_exact` while the peer writes.
            let big = leaked(3 << 20, 9);
            let (w, (r, v)) = futures::join!(
                server.write_all(big),
                client.read_exact(Vec::with_capacity(big.len()))
            );
            w.0.unwrap();
            r.unwrap();
            assert!(v == big, "3 MiB into a Vec differ");

            // Box<[u8]>: from the start; its length and the bytes past n
            // stay.
            let b: Box<[u8]> = vec![0xEE; 16].into_boxed_slice();
            put(b"boxed").await;
            client.readable().await.unwrap();
            let (n, b) = client.read(b).await;
            let n = n.unwrap();
            assert!((1..=5).contains(&n), "{n}");
            assert_eq!(b.len(), 16);
            assert_eq!(&b[..n], &b"boxed"[..n]);
            assert!(b[n..].iter().all(|&x| x == 0xEE), "{b:?}");
            let (r, rest) = client.read_exact(vec![0u8; 5 - n].into_boxed_slice()).await;
            r.unwrap();
            assert_eq!(&rest[..], &b"boxed"[n..]);
            let data = leaked(1 << 20, 10);
            let (w, (r, b)) = futures::join!(
                server.write_all(data),
                client.read_exact(vec![0u8; data.len()].into_boxed_slice())
            );
            w.0.unwrap();
            r.unwrap();
            assert!(&b[..] == data, "1 MiB into a Box<[u8]> differ");

            // [u8; N]: as Box<[u8]>.
            put(b"arr").await;
            client.readable().await.unwrap();
            let (n, a) = client.read([0xEEu8; 16]).await;
            let n = n.unwrap();
            assert!((1..=3).contains(&n), "{n}");
            assert_eq!(&a[..n], &b"arr"[..n]);
            assert!(a[n..].iter().all(|&x| x == 0xEE), "{a:?}");
            if n < 3 {
                let (r, rest) = client.read_exact(vec![0u8; 3 - n]).await;
                r.unwrap();
                assert_eq!(rest, &b"arr"[n..]);
            }
            let data = leaked(4096, 11);
            put(data).await;
            let (r, a) = client.read_exact([0u8; 4096]).await;
            r.unwrap();
            assert_eq!(&a[..], data);

            // Capacity 0: `Ok(0)`, and the waiting bytes stay for the next
            // read.
            put(b"kept").await;
            client.readable().await.unwrap();
            let (n, v) = client.read(Vec::new()).await;
            assert_eq!((n.unwrap(), v.len()), (0, 0));
            let (n, _) = client.read([0u8; 0]).await;
            assert_eq!(n.unwrap(), 0);
            let (r, v) = client.read_exact(Vec::with_capacity(4)).await;
            r.unwrap();
            assert_eq!(v, b"kept");

            // End of stream: `Ok(0)`; `read_exact` says UnexpectedEof and
            // hands back what arrived.
            put(b"tail").await;
            server.shutdown(Shutdown::Write).unwrap();
            let (r, v) = client.read_exact(Vec::with_capacity(8)).await;
            assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
            assert_eq!(v, b"tail");
            let (n, v) = client.read(Vec::with_capacity(8)).await;
            assert_eq!((n.unwrap(), v.len()), (0, 0));
        })
    });
}

#[cfg(feature = "bytes")]
#[test]
fn tcp_read_into_bytes_mut() {
    use bytes::{BufMut, BytesMut};
    watchdog("tcp read bytes", || {
        current_rt().block_on(async {
            let (client, server) = tcp_pair().await;

            // Empty: the length becomes the count.
            server.write_all(b"0123456789").await.0.unwrap();
            client.readable().await.unwrap();
            let (n, m) = client.read(BytesMut::with_capacity(64)).await;
            let n = n.unwrap();
            assert!((1..=10).contains(&n), "{n}");
            assert_eq!(&m[..], &b"0123456789"[..n]);
            let (r, rest) = client.read_exact(BytesMut::with_capacity(10 - n)).await;
            r.unwrap();
            assert_eq!(&rest[..], &b"0123456789"[n..]);

            // With content: from the start; a longer length stays.
            let mut m = BytesMut::with_capacity(32);
            m.put_slice(b"XXXXXXXX");
            server.write_all(b"abc").await.0.unwrap();
            client.readable().await.unwrap();
            let (n, m) = client.read(m).await;
            let n = n.unwrap();
            assert!((1..=3).contains(&n), "{n}");
            assert_eq!(m.len(), 8);
            assert_eq!(&m[..n], &b"abc"[..n]);
            assert!(m[n..].iter().all(|&b| b == b'X'), "{m:?}");
            if n < 3 {
                let (r, rest) = client.read_exact(BytesMut::with_capacity(3 - n)).await;
                r.unwrap();
                assert_eq!(&rest[..], &b"abc"[n..]);
            }

            // `read_exact`: the whole capacity, from the start.
            let mut m = BytesMut::with_capacity(40);
            m.put_slice(b"XX");
            let cap = m.capacity();
            let data = leaked(cap, 12);
            server.write_all(data).await.0.unwrap();
            let (r, m) = client.read_exact(m).await;
            r.unwrap();
            assert_eq!((m.len(), &m[..]), (cap, data));

            // Big, while the peer writes.
            let big = leaked(2 << 20, 13);
            let (w, (r, m)) = futures::join!(
                server.write_all(big),
                client.read_exact(BytesMut::with_capacity(big.len()))
            );
            w.0.unwrap();
            r.unwrap();
            assert!(&m[..] == big, "2 MiB into a BytesMut differ");

            // Frozen, it writes back out as `Bytes`.
            let frozen = m.freeze();
            let (w, (r, back)) = futures::join!(
                client.write_all(frozen),
                server.read_exact(Vec::with_capacity(big.len()))
            );
            w.0.unwrap();
            r.unwrap();
            assert!(back == big, "the frozen BytesMut sent other bytes");
        })
    });
}

/// A file open for reading and writing, in a fresh temporary directory.
async fn temp_file() -> (tempfile::TempDir, std::path::PathBuf, zio::fs::File) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bufs");
    let file = zio::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .await
        .unwrap();
    (dir, path, file)
}

/// `write_at` of `buf` at `pos`: writes its initialized bytes, all of
/// them (a small write to a regular file), and hands it back unchanged.
async fn put_at<B: IoBuf + AsRef<[u8]>>(
    what: &str,
    file: &zio::fs::File,
    buf: B,
    pos: u64,
) -> usize {
    let (init, total) = (buf.bytes_init(), buf.bytes_total());
    let before = buf.as_ref().to_vec();
    let (n, back) = file.write_at(buf, pos).await;
    let n = n.unwrap_or_else(|e| panic!("{what}: write_at: {e}"));
    assert_eq!(n, init, "{what}: write_at writes bytes_init bytes");
    assert_eq!(
        (back.bytes_init(), back.bytes_total()),
        (init, total),
        "{what}"
    );
    assert!(
        back.as_ref() == before,
        "{what}: the buffer comes back unchanged"
    );
    n
}

#[test]
fn file_write_at_with_every_iobuf() {
    watchdog("file write", || {
        current_rt().block_on(async {
            let (_dir, path, file) = temp_file().await;
            let mut pos = 0u64;
            // Vec: its length is written, not its spare capacity.
            let mut v = Vec::with_capacity(64);
            v.extend_from_slice(b"vec;");
            pos += put_at("Vec", &file, v, pos).await as u64;
            let b: Box<[u8]> = b"boxed;".to_vec().into_boxed_slice();
            pos += put_at("Box<[u8]>", &file, b, pos).await as u64;
            let s: &'static [u8] = b"static;";
            pos += put_at("&'static [u8]", &file, s, pos).await as u64;
            pos += put_at("&'static str", &file, "str;", pos).await as u64;
            pos += put_at("&'static [u8; N]", &file, b"array ref;", pos).await as u64;
            pos += put_at("[u8; N]", &file, *b"array;", pos).await as u64;
            let mut expect = b"vec;boxed;static;str;array ref;array;".to_vec();
            assert_eq!(pos, expect.len() as u64);
            assert_eq!(std::fs::read(&path).unwrap(), expect);

            // A big Vec, and a write over bytes already there.
            let big = pattern(1 << 20, 16);
            pos += put_at("big Vec", &file, big.clone(), pos).await as u64;
            expect.extend_from_slice(&big);
            put_at("[u8; N] over", &file, *b"VEC", 0).await;
            expect[..3].copy_from_slice(b"VEC");
            assert_eq!(pos, expect.len() as u64);
            assert!(
                std::fs::read(&path).unwrap() == expect,
                "file contents differ"
            );

            // At an offset past the end: a hole of zeros before it.
            let end = expect.len() as u64;
            put_at("[u8; N] past the end", &file, *b"far", end + 5).await;
            expect.extend_from_slice(&[0; 5]);
            expect.extend_from_slice(b"far");
            let got = std::fs::read(&path).unwrap();
            assert_eq!(got.len(), expect.len());
            assert!(got == expect, "file contents differ");
        })
    });
}

#[cfg(feature = "bytes")]
#[test]
fn file_write_at_with_bytes_types() {
    use bytes::{Buf, BufMut, Bytes, BytesMut};
    watchdog("file write bytes", || {
        current_rt().block_on(async {
            let (_dir, path, file) = temp_file().await;
            let mut pos = 0;
            pos += put_at("Bytes", &file, Bytes::from_static(b"bytes;"), pos).await as u64;
            let whole = Bytes::from_static(b"0123456789");
            pos += put_at("sliced Bytes", &file, whole.slice(2..5), pos).await as u64;
            let mut m = BytesMut::with_capacity(128);
            m.put_slice(b";mut;");
            pos += put_at("BytesMut", &file, m, pos).await as u64;
            let mut m = BytesMut::from(&b"dropme:kept"[..]);
            m.advance(7);
            pos += put_at("advanced BytesMut", &file, m, pos).await as u64;
            assert_eq!(pos, 18);
            assert_eq!(std::fs::read(&path).unwrap(), b"bytes;234;mut;kept");
        })
    });
}

#[test]
fn file_read_at_into_every_iobufmut() {
    watchdog("file read", || {
        current_rt().block_on(async {
            let (_dir, path, file) = temp_file().await;
            let data = pattern(10_000, 14);
            std::fs::write(&path, &data).unwrap();
            let len = data.len() as u64;

            // Vec, empty: n is the capacity (the file has more), and the
            // length becomes n.
            let (n, v) = file.read_at(Vec::with_capacity(100), 50).await;
            let n = n.unwrap();
            assert_eq!((n, v.len()), (v.capacity(), n));
            assert_eq!(&v[..], &data[50..50 + n]);

            // Vec with content, near the end: the 3 bytes left land at its
            // start; the longer length stays.
            let mut v = Vec::with_capacity(32);
            v.extend_from_slice(b"XXXXXXXX");
            let (n, v) = file.read_at(v, len - 3).await;
            assert_eq!(n.unwrap(), 3);
            assert_eq!(&v[..3], &data[data.len() - 3..]);
            assert_eq!(&v[3..], b"XXXXX");

            // Vec at and past the end: `Ok(0)`, unchanged.
            for pos in [len, len + 100] {
                let (n, v) = file.read_at(b"keep".to_vec(), pos).await;
                assert_eq!((n.unwrap(), &v[..]), (0, &b"keep"[..]));
            }

            // Vec, `read_exact_at`: the whole capacity from the start.
            let mut v = Vec::with_capacity(64);
            v.extend_from_slice(b"XX");
            let cap = v.capacity();
            let (r, v) = file.read_exact_at(v, 1000).await;
            r.unwrap();
            assert_eq!((v.len(), &v[..]), (cap, &data[1000..1000 + cap]));

            // Box<[u8]>: from the start, its length stays; near the end the
            // bytes past n are untouched.
            let (n, b) = file.read_at(vec![0xEE; 16].into_boxed_slice(), 7).await;
            assert_eq!(n.unwrap(), 16);
            assert_eq!(&b[..], &data[7..23]);
            let (n, b) = file
                .read_at(vec![0xEE; 16].into_boxed_slice(), len - 4)
                .await;
            assert_eq!(n.unwrap(), 4);
            assert_eq!(&b[..4], &data[data.len() - 4..]);
            assert!(b[4..].iter().all(|&x| x == 0xEE), "{b:?}");
            let (r, b) = file
                .read_exact_at(vec![0u8; 5000].into_boxed_slice(), 3000)
                .await;
            r.unwrap();
            assert_eq!(&b[..], &data[3000..8000]);

            // [u8; N]: as Box<[u8]>.
            let (n, a) = file.read_at([0xEEu8; 16], 9).await;
            assert_eq!(n.unwrap(), 16);
            assert_eq!(&a[..], &data[9..25]);
            let (n, a) = file.read_at([0xEEu8; 16], len - 2).await;
            assert_eq!(n.unwrap(), 2);
            assert_eq!(&a[..2], &data[data.len() - 2..]);
            assert!(a[2..].iter().all(|&x| x == 0xEE), "{a:?}");
            let (r, a) = file.read_exact_at([0u8; 4096], 4096).await;
            r.unwrap();
            assert_eq!(&a[..], &data[4096..8192]);

            // `read_exact_at` past what is there: UnexpectedEof, with what
            // was read at the buffer's start.
            let (r, v) = file.read_exact_at(Vec::with_capacity(10), len - 6).await;
            assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
            assert_eq!(&v[..], &data[data.len() - 6..]);

            // Capacity 0: `Ok(0)`.
            let (n, v) = file.read_at(Vec::new(), 0).await;
            assert_eq!((n.unwrap(), v.len()), (0, 0));
        })
    });
}

#[cfg(feature = "bytes")]
#[test]
fn file_read_at_into_bytes_mut() {
    use bytes::{BufMut, BytesMut};
    watchdog("file read bytes", || {
        current_rt().block_on(async {
            let (_dir, path, file) = temp_file().await;
            let data = pattern(5000, 15);
            std::fs::write(&path, &data).unwrap();
            let len = data.len() as u64;

            let (n, m) = file.read_at(BytesMut::with_capacity(100), 10).await;
            let n = n.unwrap();
            assert_eq!((n, m.len()), (m.capacity(), n));
            assert_eq!(&m[..], &data[10..10 + n]);

            let mut m = BytesMut::with_capacity(32);
            m.put_slice(b"XXXXXXXX");
            let (n, m) = file.read_at(m, len - 3).await;
            assert_eq!(n.unwrap(), 3);
            assert_eq!(&m[..3], &data[data.len() - 3..]);
            assert_eq!(&m[3..], b"XXXXX");

            let mut m = BytesMut::with_capacity(64);
            m.put_slice(b"XX");
            let cap = m.capacity();
            let (r, m) = file.read_exact_at(m, 2000).await;
            r.unwrap();
            assert_eq!((m.len(), &m[..]), (cap, &data[2000..2000 + cap]));

            let (n, m) = file.read_at(BytesMut::with_capacity(8), len).await;
            assert_eq!((n.unwrap(), m.len()), (0, 0));
        })
    });
}
