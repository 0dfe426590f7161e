//! `zio::fs::File` through the poll-based traits: tokio's
//! `AsyncRead`/`AsyncWrite`/`AsyncSeek`/`AsyncBufRead` and futures-io's,
//! under a tokio runtime, `futures::executor::block_on` (fallback driver)
//! and a zio runtime; cancel safety of a pending read; write errors
//! reported by the write that caused them; mixing with the other APIs.

use std::io::{self, SeekFrom};
use std::path::Path;

use futures::FutureExt;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use zio::fs::File;

/// Tokio's four traits, all a `File` is seen through in the workouts (the
/// inherent `read`, `write`, `seek`... would win method resolution).
trait TokioFile:
    tokio::io::AsyncRead
    + tokio::io::AsyncWrite
    + tokio::io::AsyncSeek
    + tokio::io::AsyncBufRead
    + Unpin
    + Send
{
}
impl<T> TokioFile for T where
    T: tokio::io::AsyncRead
        + tokio::io::AsyncWrite
        + tokio::io::AsyncSeek
        + tokio::io::AsyncBufRead
        + Unpin
        + Send
{
}

fn tk(f: File) -> impl TokioFile {
    f
}

/// The same for futures-io.
trait FuturesFile:
    futures::io::AsyncRead
    + futures::io::AsyncWrite
    + futures::io::AsyncSeek
    + futures::io::AsyncBufRead
    + Unpin
    + Send
{
}
impl<T> FuturesFile for T where
    T: futures::io::AsyncRead
        + futures::io::AsyncWrite
        + futures::io::AsyncSeek
        + futures::io::AsyncBufRead
        + Unpin
        + Send
{
}

fn fu(f: File) -> impl FuturesFile {
    f
}

fn data(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

async fn rw(path: &Path) -> io::Result<File> {
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .await
}

/// The tokio-trait workout, run under every executor below.
async fn tokio_workout(dir: &Path) -> io::Result<()> {
    // tokio::io::copy from a zio File to a zio File, a few MiB.
    let src_path = dir.join("src");
    let content = data(3 << 20 | 12345, 7);
    std::fs::write(&src_path, &content)?;
    let mut src = tk(File::open(&src_path).await?);
    let mut dst = tk(rw(&dir.join("dst")).await?);
    let n = tokio::io::copy(&mut src, &mut dst).await?;
    assert_eq!(n, content.len() as u64);
    dst.flush().await?;
    let back = std::fs::read(dir.join("dst"))?;
    assert_eq!(crc32fast::hash(&back), crc32fast::hash(&content));
    assert_eq!(back.len(), content.len());

    // read_to_end after a seek back.
    assert_eq!(dst.seek(SeekFrom::Start(0)).await?, 0);
    let mut all = Vec::new();
    dst.read_to_end(&mut all).await?;
    assert!(all == content);

    // write_all + flush, then read back.
    let mut f = tk(rw(&dir.join("w")).await?);
    f.write_all(b"hello, ").await?;
    f.write_all(b"world\n").await?;
    f.flush().await?;
    assert_eq!(std::fs::read(dir.join("w"))?, b"hello, world\n");
    f.rewind().await?;
    let mut s = String::new();
    f.read_to_string(&mut s).await?;
    assert_eq!(s, "hello, world\n");

    // Seeks from start/current/end interleaved with reads and writes.
    let mut f = tk(rw(&dir.join("seek")).await?);
    f.write_all(b"0123456789").await?;
    assert_eq!(f.stream_position().await?, 10);
    assert_eq!(f.seek(SeekFrom::Start(2)).await?, 2);
    let mut two = [0u8; 2];
    f.read_exact(&mut two).await?;
    assert_eq!(&two, b"23");
    // The read-ahead holds the rest, the cursor is where the caller is.
    assert_eq!(f.stream_position().await?, 4);
    assert_eq!(f.seek(SeekFrom::Current(1)).await?, 5);
    f.read_exact(&mut two).await?;
    assert_eq!(&two, b"56");
    f.write_all(b"ab").await?; // at 7
    assert_eq!(f.seek(SeekFrom::End(-3)).await?, 7);
    let mut rest = Vec::new();
    f.read_to_end(&mut rest).await?;
    assert_eq!(rest, b"ab9");
    assert_eq!(f.seek(SeekFrom::End(2)).await?, 12);
    f.write_all(b"Z").await?;
    assert_eq!(f.seek(SeekFrom::Current(-13)).await?, 0);
    let mut all = Vec::new();
    f.read_to_end(&mut all).await?;
    assert_eq!(all, b"0123456ab9\0\0Z");
    let err = f.seek(SeekFrom::Current(-100)).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    // Writing after reading part of the read-ahead writes at the cursor.
    f.seek(SeekFrom::Start(0)).await?;
    f.read_exact(&mut two).await?;
    f.write_all(b"XY").await?;
    f.read_exact(&mut two).await?;
    assert_eq!(&two, b"45");
    assert_eq!(std::fs::read(dir.join("seek"))?, b"01XY456ab9\0\0Z");

    // Lines via AsyncBufReadExt, straight on the File and through a
    // BufReader.
    let lines_path = dir.join("lines");
    let text: String = (0..5000).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&lines_path, &text)?;
    let mut f = tk(File::open(&lines_path).await?);
    let mut line = String::new();
    let mut count = 0;
    loop {
        line.clear();
        if f.read_line(&mut line).await? == 0 {
            break;
        }
        assert_eq!(line, format!("line {count}\n"));
        count += 1;
    }
    assert_eq!(count, 5000);
    let mut lines = tokio::io::BufReader::new(File::open(&lines_path).await?).lines();
    let mut count = 0;
    while let Some(l) = lines.next_line().await? {
        assert_eq!(l, format!("line {count}"));
        count += 1;
    }
    assert_eq!(count, 5000);
    let mut f = tk(File::open(&lines_path).await?);
    let mut split = Vec::new();
    f.read_until(b' ', &mut split).await?;
    assert_eq!(split, b"line ");
    Ok(())
}

/// The futures-io workout.
async fn futures_workout(dir: &Path) -> io::Result<()> {
    use futures::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncSeekExt as _};
    use futures::io::{AsyncWriteExt as _, BufReader};

    let content = data(2 << 20 | 777, 9);
    std::fs::write(dir.join("fsrc"), &content)?;
    let mut src = fu(File::open(dir.join("fsrc")).await?);
    let mut dst = fu(rw(&dir.join("fdst")).await?);
    let n = futures::io::copy(&mut src, &mut dst).await?;
    assert_eq!(n, content.len() as u64);
    dst.close().await?;
    assert_eq!(
        crc32fast::hash(&std::fs::read(dir.join("fdst"))?),
        crc32fast::hash(&content)
    );
    dst.seek(SeekFrom::Start(100)).await?;
    let mut back = Vec::new();
    dst.read_to_end(&mut back).await?;
    assert!(back == content[100..]);

    let mut f = fu(rw(&dir.join("fw")).await?);
    f.write_all(b"a\nbb\nccc").await?;
    f.flush().await?;
    assert_eq!(f.seek(SeekFrom::End(-3)).await?, 5);
    let mut s = String::new();
    f.read_to_string(&mut s).await?;
    assert_eq!(s, "ccc");
    f.seek(SeekFrom::Start(0)).await?;
    let lines: Vec<String> = futures::StreamExt::collect::<Vec<_>>(BufReader::new(f).lines())
        .await
        .into_iter()
        .collect::<io::Result<_>>()?;
    assert_eq!(lines, ["a", "bb", "ccc"]);
    Ok(())
}

async fn workout(dir: &Path) -> io::Result<()> {
    tokio_workout(dir).await?;
    futures_workout(dir).await
}

#[tokio::test]
async fn under_tokio_current_thread() {
    let dir = tempfile::tempdir().unwrap();
    workout(dir.path()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_tokio_multi_thread() {
    let dir = tempfile::tempdir().unwrap();
    workout(dir.path()).await.unwrap();
}

#[test]
fn under_futures_block_on() {
    let dir = tempfile::tempdir().unwrap();
    futures::executor::block_on(workout(dir.path())).unwrap();
}

#[zio::test]
async fn under_zio_current_thread() {
    let dir = tempfile::tempdir().unwrap();
    workout(dir.path()).await.unwrap();
}

#[zio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_zio_multi_thread() {
    let dir = tempfile::tempdir().unwrap();
    // On a worker, and from a spawned task (moved across threads).
    let path = dir.path().to_owned();
    zio::spawn(async move { workout(&path).await })
        .await
        .unwrap()
        .unwrap();
}

/// Reads polled once and dropped (mostly while their op is in flight)
/// lose no byte: the op completes into the read-ahead buffer.
async fn dropped_reads(dir: &Path) {
    let content = data(1 << 20, 3);
    std::fs::write(dir.join("cancel"), &content).unwrap();
    let mut f = tk(File::open(dir.join("cancel")).await.unwrap());
    let mut got = Vec::new();
    let mut buf = vec![0u8; 10_000];
    let mut dropped = 0;
    loop {
        // Poll once, then drop the future: pending whenever the read-ahead
        // is used up and a new read op had to be started.
        let n = match f.read(&mut buf).now_or_never() {
            Some(n) => n.unwrap(),
            None => {
                dropped += 1;
                if dropped % 2 == 0 {
                    // Let the abandoned op complete with nobody waiting.
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                f.read(&mut buf[..777]).await.unwrap()
            }
        };
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got == content, "bytes lost or duplicated");
    // How many were pending depends on timing (an op can complete before
    // its first poll returns); the FIFO test below makes them all pending.
    println!("{dropped} reads dropped while pending");
}

#[zio::test]
async fn dropped_pending_read_loses_nothing_zio() {
    let dir = tempfile::tempdir().unwrap();
    dropped_reads(dir.path()).await;
}

#[tokio::test]
async fn dropped_pending_read_loses_nothing_tokio() {
    let dir = tempfile::tempdir().unwrap();
    dropped_reads(dir.path()).await;
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// On an empty FIFO every read is pending: each is polled once and
/// dropped, then the bytes are written, and the next read returns them
/// (the abandoned op completed into the read-ahead buffer).
async fn dropped_fifo_reads(dir: &Path) {
    let path = dir.join("fifo");
    mkfifo(&path);
    // O_RDWR on a FIFO never blocks on open.
    let r = File::options()
        .read(true)
        .write(true)
        .open(&path)
        .await
        .unwrap();
    let mut r = tk(r);
    let mut w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    let mut buf = [0u8; 100];
    for i in 0..20u8 {
        assert!(r.read(&mut buf).now_or_never().is_none(), "FIFO is empty");
        let chunk = [i; 10];
        std::io::Write::write_all(&mut w, &chunk).unwrap();
        if i % 2 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let n = r.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], &chunk[..], "bytes of a dropped read lost");
    }
}

#[zio::test]
async fn dropped_pending_fifo_read_loses_nothing_zio() {
    let dir = tempfile::tempdir().unwrap();
    dropped_fifo_reads(dir.path()).await;
}

#[tokio::test]
async fn dropped_pending_fifo_read_loses_nothing_tokio() {
    let dir = tempfile::tempdir().unwrap();
    dropped_fifo_reads(dir.path()).await;
}

/// A pending write dropped and retried with the same bytes is written
/// once; one followed by other bytes happens, then the new bytes follow.
#[zio::test]
async fn dropped_pending_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w");
    let mut f = rw(&path).await.unwrap();
    let a = data(100_000, 1);
    let pending = AsyncWriteExt::write(&mut f, &a).now_or_never();
    AsyncWriteExt::write_all(&mut f, &a).await.unwrap();
    if let Some(n) = pending {
        // Completed at once: the write_all wrote a second copy.
        assert_eq!(n.unwrap(), a.len());
        AsyncSeekExt::seek(&mut f, SeekFrom::Start(a.len() as u64))
            .await
            .unwrap();
        f.set_len(a.len() as u64).await.unwrap();
    }
    AsyncWriteExt::flush(&mut f).await.unwrap();
    assert!(std::fs::read(&path).unwrap() == a);

    let b = data(50_000, 2);
    let c = data(30_000, 3);
    let pending = AsyncWriteExt::write(&mut f, &b).now_or_never();
    AsyncWriteExt::write_all(&mut f, &c).await.unwrap();
    AsyncWriteExt::flush(&mut f).await.unwrap();
    let mut want = a.clone();
    if pending.is_none_or(|n| n.is_ok()) {
        // The abandoned write happened before `c`.
        want.extend_from_slice(&b);
    }
    want.extend_from_slice(&c);
    assert!(std::fs::read(&path).unwrap() == want);
    assert_eq!(
        AsyncSeekExt::stream_position(&mut f).await.unwrap(),
        want.len() as u64
    );
}

/// The write that fails reports the error itself.
#[zio::test]
async fn write_error_from_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro");
    std::fs::write(&path, b"x").unwrap();
    let mut f = File::open(&path).await.unwrap();
    let err = AsyncWriteExt::write(&mut f, b"nope").await.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EBADF));
    AsyncWriteExt::flush(&mut f).await.unwrap();
    let err = futures::io::AsyncWriteExt::write(&mut f, b"nope")
        .await
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EBADF));
}

/// The traits share the cursor with `File::read`/`write`/`seek`, the
/// blocking std impls and `into_std`.
#[zio::test]
async fn mixing_with_other_apis() {
    use std::io::{Read, Seek, Write};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mix");
    let content = data(200_000, 5);
    std::fs::write(&path, &content).unwrap();
    let mut f = File::options()
        .read(true)
        .write(true)
        .open(&path)
        .await
        .unwrap();
    let mut buf = [0u8; 10];
    AsyncReadExt::read_exact(&mut f, &mut buf).await.unwrap();
    assert_eq!(buf, content[..10]);
    // The owned-buffer read goes on after the 10 bytes handed out.
    let (n, owned) = f.read(Vec::with_capacity(5)).await;
    assert_eq!(n.unwrap(), 5);
    assert_eq!(owned, content[10..15]);
    // The trait's read-ahead is dropped: the cursor moved elsewhere.
    AsyncReadExt::read_exact(&mut f, &mut buf).await.unwrap();
    assert_eq!(buf, content[15..25]);
    // Blocking std calls too.
    (&f).read_exact(&mut buf).unwrap();
    assert_eq!(buf, content[25..35]);
    assert_eq!((&f).stream_position().unwrap(), 35);
    AsyncReadExt::read_exact(&mut f, &mut buf).await.unwrap();
    assert_eq!(buf, content[35..45]);
    (&f).write_all(b"std").unwrap(); // at 45
    AsyncWriteExt::write_all(&mut f, b"tokio").await.unwrap(); // at 48
    f.write(*b"owned").await.0.unwrap(); // at 53

    // The owned-buffer seek sees the same cursor.
    #[allow(clippy::seek_from_current)]
    let here = f.seek(SeekFrom::Current(0)).await.unwrap();
    assert_eq!(here, 58);
    let mut std_file = f.into_std().unwrap();
    assert_eq!(std_file.stream_position().unwrap(), 58);
    std_file.rewind().unwrap();
    let mut all = Vec::new();
    std_file.read_to_end(&mut all).unwrap();
    let mut want = content.clone();
    want[45..58].copy_from_slice(b"stdtokioowned");
    assert!(all == want);
}

/// Append mode: writes go to the end, and the cursor follows.
#[zio::test]
async fn append_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    std::fs::write(&path, b"start\n").unwrap();
    let mut f = tk(File::options()
        .read(true)
        .append(true)
        .open(&path)
        .await
        .unwrap());
    f.write_all(b"one\n").await.unwrap();
    assert_eq!(f.stream_position().await.unwrap(), 10);
    f.rewind().await.unwrap();
    let mut line = String::new();
    f.read_line(&mut line).await.unwrap();
    assert_eq!(line, "start\n");
    f.write_all(b"two\n").await.unwrap();
    f.flush().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"start\none\ntwo\n");
}

/// A FIFO: stream reads and writes, seeks fail with ESPIPE.
#[tokio::test]
async fn fifo_streams() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fifo");
    mkfifo(&path);
    // O_RDWR on a FIFO never blocks on open.
    let mut r = tk(File::options()
        .read(true)
        .write(true)
        .open(&path)
        .await
        .unwrap());
    let mut w = tk(File::options().write(true).open(&path).await.unwrap());
    let err = r.seek(SeekFrom::Start(0)).await.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ESPIPE));
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = [0u8; 3000];
        while got.len() < 100_000 {
            let n = r.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        got
    });
    let content = data(100_000, 11);
    w.write_all(&content).await.unwrap();
    w.flush().await.unwrap();
    assert!(reader.await.unwrap() == content);
}
