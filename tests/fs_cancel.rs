//! Dropping pending fs futures: no panic, no leak, the file stays usable
//! and later reads see consistent data.
// `seek(SeekFrom::Current(0))` here is zio's async seek; clippy's
// `stream_position` suggestion is for std's `Seek`.
#![allow(clippy::seek_from_current)]

use std::io::{self, SeekFrom};

use futures::FutureExt;
use zio::fs::File;

const LEN: usize = 4 << 20;

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

async fn setup() -> io::Result<(tempfile::TempDir, File)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f");
    std::fs::write(&path, pattern(LEN))?;
    let file = File::options().read(true).write(true).open(&path).await?;
    Ok((dir, file))
}

async fn check_reads(file: &File) -> io::Result<()> {
    let expected = pattern(LEN);
    let (res, buf) = file.read_exact_at(Vec::with_capacity(LEN), 0).await;
    res?;
    assert!(buf == expected, "data changed");
    Ok(())
}

/// Polls each future once (submitting its op) and drops it.
#[zio::test]
async fn dropped_reads() -> io::Result<()> {
    let (_dir, mut file) = setup().await?;
    for i in 0..500usize {
        let len = [1, 4096, 1 << 20][i % 3];
        let pos = (i * 7919 % LEN) as u64;
        let _ = file.read_at(Vec::with_capacity(len), pos).now_or_never();
        let _ = file.read_exact_at(vec![0u8; len], pos).now_or_never();
        let _ = file.metadata().now_or_never();
        if i % 50 == 0 {
            zio::task::yield_now().await;
        }
    }
    check_reads(&file).await?;

    // A dropped cursor read does not move the cursor.
    file.seek(SeekFrom::Start(100)).await?;
    for _ in 0..100 {
        let _ = file.read(Vec::with_capacity(1000)).now_or_never();
        let _ = file.read_exact([0u8; 10]).now_or_never();
    }
    let pos = file.seek(SeekFrom::Current(0)).await?;
    let (n, buf) = file.read(Vec::with_capacity(3)).await;
    n?;
    assert_eq!(&buf[..], &pattern(LEN)[pos as usize..pos as usize + 3]);
    Ok(())
}

/// Dropped writes may or may not land, but only ever with the bytes they
/// carried, and never disturb other regions.
#[zio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_writes() -> io::Result<()> {
    let (_dir, file) = setup().await?;
    let region = LEN as u64; // past the pattern: starts as a hole of zeros
    for i in 0..300u64 {
        let _ = file
            .write_at(vec![0xAB; 8192], region + i * 64)
            .now_or_never();
        let _ = file
            .write_all_at(vec![0xAB; 100], region + i * 31)
            .now_or_never();
        let _ = file.sync_data().now_or_never();
        let _ = file.set_len(region + 2 * 8192 * 300).now_or_never();
    }
    // The file still works. A dropped op may still take effect after
    // later ones (an uncancellable `set_len` on the blocking pool or in the
    // kernel's workers), so the tail sits inside the one length every
    // `set_len` here sets: a late one cannot cut it off.
    let len = region + 2 * 8192 * 300;
    file.set_len(len).await?;
    let tail_at = len - 4;
    file.write_all_at(b"tail".to_vec(), tail_at).await.0?;
    check_reads(&file).await?;
    let (res, buf) = file
        .read_exact_at(Vec::with_capacity(2 * 8192 * 300 - 4), region)
        .await;
    res?;
    assert!(
        buf.iter().all(|&b| b == 0 || b == 0xAB),
        "only the dropped writes' bytes"
    );
    let (res, tail) = file.read_exact_at([0u8; 4], tail_at).await;
    res?;
    assert_eq!(&tail, b"tail");
    Ok(())
}

/// Dropped reads from a foreign executor (the fallback driver).
#[tokio::test(flavor = "current_thread")]
async fn dropped_reads_fallback() -> io::Result<()> {
    let (_dir, file) = setup().await?;
    let head = pattern(4096);
    for i in 0..300usize {
        let _ = file
            .read_at(Vec::with_capacity(65536), (i * 4096) as u64)
            .now_or_never();
        // The bytes the file holds there: any outcome leaves it intact.
        let _ = file.write_at(head.clone(), 0).now_or_never();
    }
    check_reads(&file).await
}
