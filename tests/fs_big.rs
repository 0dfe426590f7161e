//! Write a large file of random data, read it back with 64 concurrent
//! `read_at`s, compare checksums.
//!
//! Size: 256 MiB (`ZIO_FS_BIG_MIB` overrides it). Measured in a debug
//! build here: generating and checksumming the data ~1.2 s, writing it
//! ~0.7 s, the 64 concurrent reads plus checksum ~0.5 s.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use rand::{RngCore, SeedableRng};
use zio::fs::File;

const READERS: usize = 64;

fn size() -> usize {
    let mib = std::env::var("ZIO_FS_BIG_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    mib << 20
}

fn random_data(len: usize, seed: u64) -> Vec<u8> {
    let mut data = vec![0u8; len];
    rand::rngs::SmallRng::seed_from_u64(seed).fill_bytes(&mut data);
    data
}

/// Writes `data` to a new file with a few large `write_all_at`s.
async fn write_file(path: &std::path::Path, data: &[u8]) -> io::Result<File> {
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .await?;
    const CHUNK: usize = 16 << 20;
    for (i, chunk) in data.chunks(CHUNK).enumerate() {
        let (res, _) = file.write_all_at(chunk.to_vec(), (i * CHUNK) as u64).await;
        res?;
    }
    file.sync_data().await?;
    assert_eq!(file.metadata().await?.len(), data.len() as u64);
    Ok(file)
}

/// 64 spawned tasks on a multi-thread runtime, each reading one slice.
#[zio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_read_at_tasks() -> io::Result<()> {
    let len = size();
    let start = Instant::now();
    let data = random_data(len, 1);
    let expected = crc32fast::hash(&data);
    let generated = start.elapsed();
    let dir = tempfile::tempdir()?;
    let file = Arc::new(write_file(&dir.path().join("big"), &data).await?);
    drop(data);
    let written = start.elapsed();

    let part = len / READERS;
    let tasks: Vec<_> = (0..READERS)
        .map(|i| {
            let file = file.clone();
            zio::spawn(async move {
                let (res, buf) = file
                    .read_exact_at(Vec::with_capacity(part), (i * part) as u64)
                    .await;
                res.map(|()| buf)
            })
        })
        .collect();
    let mut hasher = crc32fast::Hasher::new();
    for task in tasks {
        let buf = task.await.expect("reader task")?;
        assert_eq!(buf.len(), part);
        hasher.update(&buf);
    }
    let read = start.elapsed();
    assert_eq!(
        hasher.finalize(),
        expected,
        "checksum of the data read back"
    );
    println!(
        "{} MiB: generate+crc {generated:?}, write {:?}, 64 concurrent reads+crc {:?}",
        len >> 20,
        written - generated,
        read - written
    );
    Ok(())
}

/// The same with `join_all` of 64 borrowed futures in one task, on a
/// current-thread runtime, and from tokio (zio's fallback driver).
async fn joined_reads(file: &File, len: usize) -> io::Result<u32> {
    let part = len / READERS;
    let reads =
        (0..READERS).map(|i| file.read_exact_at(Vec::with_capacity(part), (i * part) as u64));
    let mut hasher = crc32fast::Hasher::new();
    for (res, buf) in futures::future::join_all(reads).await {
        res?;
        hasher.update(&buf);
    }
    Ok(hasher.finalize())
}

#[zio::test]
async fn concurrent_read_at_joined() -> io::Result<()> {
    let len = size() / 4;
    let data = random_data(len, 2);
    let dir = tempfile::tempdir()?;
    let file = write_file(&dir.path().join("big"), &data).await?;
    assert_eq!(joined_reads(&file, len).await?, crc32fast::hash(&data));
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn concurrent_read_at_from_tokio() -> io::Result<()> {
    let len = size() / 4;
    let data = random_data(len, 3);
    let dir = tempfile::tempdir()?;
    let file = write_file(&dir.path().join("big"), &data).await?;
    assert_eq!(joined_reads(&file, len).await?, crc32fast::hash(&data));
    // And `fs::read` of the whole file: one big read.
    assert!(zio::fs::read(dir.path().join("big")).await? == data);
    Ok(())
}
