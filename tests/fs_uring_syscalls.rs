//! On io_uring, `zio::fs` does its work through the ring, not through
//! blocking syscalls on a thread pool: a child process runs 200 rounds of
//! open, write, read, fsync, statx (of the file and of a path), rename,
//! unlink, mkdir and rmdir on a current-thread runtime forced to io_uring,
//! under strace; none of the syscalls those would be as plain calls
//! (`openat`, `pwrite64`, `pread64`, `fsync`, `statx`, `renameat2`,
//! `unlinkat`, `mkdirat`) appears more than a handful of times (the test
//! harness and the temporary directory make a few of their own).
//!
//! The child forces `ZIO_BACKEND=uring` in both runs of the suite: the
//! property is io_uring's. strace comes from apt (`.ci/run`).

mod common;

use std::collections::HashMap;

use zio::runtime::IoBackend;

/// Rounds of file operations in the child.
const ROUNDS: usize = 200;

/// The syscalls a thread-pool implementation would make once per round.
const PLAIN_CALLS: [&str; 8] = [
    "openat",
    "pwrite64",
    "pread64",
    "fsync",
    "statx",
    "renameat2",
    "unlinkat",
    "mkdirat",
];

/// Names the child's temporary directory, so that path calls of the test
/// harness itself (the dynamic loader probing library paths) are not
/// counted.
const MARKER: &str = "zio-fs-uring-";

/// How often each syscall appears in an `strace -f` log: calls on paths
/// under the child's directory, and calls on descriptors.
fn count_calls(log: &str) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for line in log
        .lines()
        .filter(|l| l.contains(MARKER) || !l.contains('"'))
    {
        // "<pid> <name>(<args>) = <ret>", or a resumed/unfinished part.
        let Some(call) = line.split_whitespace().nth(1) else {
            continue;
        };
        if let Some((name, _)) = call.split_once('(') {
            *counts.entry(name).or_insert(0) += 1;
        }
    }
    counts
}

#[test]
fn file_operations_go_through_the_ring() {
    let trace = format!("trace={}", PLAIN_CALLS.join(","));
    let Some(log) = common::strace::run_child("fs_rounds", &["-e", &trace], Some("uring")) else {
        return;
    };
    let counts = count_calls(&log);
    for name in PLAIN_CALLS {
        let n = counts.get(name).copied().unwrap_or(0);
        assert!(
            n < ROUNDS / 10,
            "{name} called {n} times for {ROUNDS} rounds: zio::fs made it a plain syscall"
        );
    }
}

/// The child side: does nothing unless this process is a child.
#[test]
fn child_entry() {
    let Some(scenario) = common::strace::child_scenario() else {
        return;
    };
    assert_eq!(scenario, "fs_rounds");
    let rt = zio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.handle().io_backend(), IoBackend::IoUring);
    let dir = tempfile::Builder::new().prefix(MARKER).tempdir().unwrap();
    rt.block_on(async {
        for i in 0..ROUNDS {
            let file = dir.path().join(format!("f{i}"));
            let moved = dir.path().join(format!("g{i}"));
            let sub = dir.path().join(format!("d{i}"));
            let f = zio::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .open(&file)
                .await
                .unwrap();
            f.write_all_at(vec![i as u8; 4096], 0).await.0.unwrap();
            let (r, back) = f.read_exact_at(Vec::with_capacity(4096), 0).await;
            r.unwrap();
            assert_eq!(back, vec![i as u8; 4096]);
            f.sync_all().await.unwrap();
            assert_eq!(f.metadata().await.unwrap().len(), 4096);
            drop(f);
            zio::fs::rename(&file, &moved).await.unwrap();
            assert!(zio::fs::metadata(&moved).await.unwrap().is_file());
            zio::fs::remove_file(&moved).await.unwrap();
            zio::fs::create_dir(&sub).await.unwrap();
            zio::fs::remove_dir(&sub).await.unwrap();
        }
    });
    println!("child scenario passed");
}
