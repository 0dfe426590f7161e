//! Cancelled opens and dropped files leak no descriptors. Alone in its
//! test binary: it counts `/proc/self/fd`, which other tests running
//! concurrently in the same process would disturb.

use std::time::{Duration, Instant};

use futures::FutureExt;
use zio::fs::File;

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Opens dropped in flight: a descriptor the kernel opened after the
/// cancel is closed by zio. Dropped `File`s with ops in flight close when
/// the ops complete.
#[test]
fn dropped_opens_and_files_do_not_leak() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, pattern(1 << 20)).unwrap();
    let rt = zio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        // Warm up: probe ring, blocking pool, fallback state.
        File::open(&path).await.unwrap().metadata().await.unwrap();
        zio::fs::read(&path).await.unwrap();
        let before = open_fds();
        for _ in 0..300 {
            let _ = File::open(&path).now_or_never();
            let _ = zio::fs::read(&path).now_or_never();
            let file = File::open(&path).await.unwrap();
            let _ = file.read_at(Vec::with_capacity(1 << 20), 0).now_or_never();
            drop(file);
        }
        // Let the cancelled ops finish.
        let deadline = Instant::now() + Duration::from_secs(10);
        while open_fds() > before && Instant::now() < deadline {
            zio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(open_fds(), before, "leaked descriptors");
    });
}
