//! File reads from the page cache (issue 3): one file, written once in the
//! temp dir (256 MiB; 16 MiB with `--quick`), then
//!
//! - `file_rand_4k`: 64 tasks (queue depth 64), each reading its share of
//!   the reads at random 4 KiB-aligned offsets;
//! - `file_seq_1m`: the whole file in 1 MiB reads, 4 tasks (4 in flight).
//!
//! The file holds a known pattern (each 8-byte word is its own offset,
//! xored with [`MAGIC`]); every read checks its first and last word.
//! zio shares one handle between the tasks (`read_at`); tokio opens one
//! handle per task (`seek` + read), as its `File` has one cursor and runs
//! one operation at a time. Opening is not timed. Both rows are shown
//! against raw io_uring at the same depth (see `uring_raw`).
//!
//! The same file serves the CompletionQueue row (`batch`), registered
//! here with the others.

use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::batch::{self, BatchRead};
use crate::harness::Harness;
use crate::rt::Rt;
use crate::span::Span;
use crate::workload::{sum, Throughput, Workload};

/// Xored into every word of the file, so zeroes never pass the check.
pub const MAGIC: u64 = 0x5a10_7e57_f11e_5eed;

/// Random reads' size and alignment.
pub const PAGE: usize = 4096;

/// Sequential reads' size.
pub const CHUNK: usize = 1 << 20;

/// Queue depth of the random reads: concurrent tasks.
pub const RAND_DEPTH: usize = 64;

/// Reads in flight of the sequential reads.
pub const SEQ_DEPTH: usize = 4;

/// The file's size in full and in quick mode.
pub fn file_size(quick: bool) -> u64 {
    if quick {
        16 << 20
    } else {
        256 << 20
    }
}

/// The word at `offset` (a multiple of 8).
fn word(offset: u64) -> u64 {
    offset ^ MAGIC
}

/// Panics unless `buf`, read at `pos`, starts and ends with the pattern.
pub fn check(buf: &[u8], pos: u64, want: usize) {
    assert_eq!(buf.len(), want, "read at {pos}: wrong length");
    let at = |i: usize| u64::from_le_bytes(buf[i..i + 8].try_into().expect("8 bytes"));
    assert_eq!(at(0), word(pos), "read at {pos}: first word differs");
    let last = want - 8;
    assert_eq!(
        at(last),
        word(pos + last as u64),
        "read at {pos}: last word differs"
    );
}

/// The benchmark file for this mode, written if missing (or of the wrong
/// size). The pattern makes every read checkable.
pub fn ensure_file(quick: bool) -> PathBuf {
    let size = file_size(quick);
    let path = std::env::temp_dir().join(format!("vs_tokio_files_{}MiB.bin", size >> 20));
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == size) {
        return path;
    }
    // Both processes (parent and epoll child) may write it at once.
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let mut f =
        std::io::BufWriter::with_capacity(CHUNK, std::fs::File::create(&tmp).expect("create file"));
    let mut chunk = vec![0u8; CHUNK];
    for base in (0..size).step_by(CHUNK) {
        for (i, w) in chunk.chunks_exact_mut(8).enumerate() {
            w.copy_from_slice(&word(base + 8 * i as u64).to_le_bytes());
        }
        f.write_all(&chunk).expect("write file");
    }
    f.into_inner()
        .expect("flush file")
        .sync_all()
        .expect("sync file");
    std::fs::rename(&tmp, &path).expect("rename file");
    path
}

/// Removes the benchmark file (end of the run).
pub fn remove_file(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// A small, fast, seedable generator (xorshift64*) for the offsets.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// The `i`-th task's generator seed.
fn seed(i: usize) -> u64 {
    0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

/// The `i`-th of a sequence of random 4 KiB-aligned offsets in a file of
/// `file_size` bytes.
pub fn random_page(i: usize, file_size: u64) -> u64 {
    let pages = file_size / PAGE as u64;
    (next(&mut seed(i)) % pages) * PAGE as u64
}

/// The workloads of a run.
#[derive(Debug)]
pub struct Files {
    /// The pattern file.
    pub path: PathBuf,
    /// The random reads.
    pub rand: RandRead,
    /// The sequential reads.
    pub seq: SeqRead,
    /// The CompletionQueue batch reads.
    pub batch: BatchRead,
}

/// Registers the file workloads with `h` (creating the file if needed);
/// returns what they read if any was selected.
pub fn register(h: &mut Harness) -> Option<Files> {
    let c = h.cfg.clone();
    let rand = RandRead {
        path: PathBuf::new(),
        file_size: file_size(c.quick),
        depth: RAND_DEPTH,
        reads_per_task: c.size(256, 32),
    };
    let seq = SeqRead {
        path: PathBuf::new(),
        file_size: file_size(c.quick),
        in_flight: SEQ_DEPTH,
    };
    let batch = BatchRead::new(&c, PathBuf::new());
    if ![rand.name(), seq.name(), batch.name()]
        .iter()
        .any(|n| h.selected(n))
    {
        return None;
    }
    let path = ensure_file(c.quick);
    let rand = RandRead {
        path: path.clone(),
        ..rand
    };
    let seq = SeqRead {
        path: path.clone(),
        ..seq
    };
    let batch = BatchRead::new(&c, path.clone());
    h.bench(rand.clone());
    h.bench(seq.clone());
    batch::bench(h, &batch);
    Some(Files {
        path,
        rand,
        seq,
        batch,
    })
}

/// `depth` tasks, each `reads_per_task` 4 KiB reads at random aligned
/// offsets.
#[derive(Debug, Clone)]
pub struct RandRead {
    /// The pattern file.
    pub path: PathBuf,
    /// Its size.
    pub file_size: u64,
    /// Concurrent tasks: the queue depth.
    pub depth: usize,
    /// Reads per task.
    pub reads_per_task: usize,
}

impl Workload for RandRead {
    fn name(&self) -> String {
        format!(
            "file_rand_4k/qd{}×{}/{}MiB",
            self.depth,
            self.reads_per_task,
            self.file_size >> 20
        )
    }

    fn ops(&self) -> u64 {
        (self.depth * self.reads_per_task) as u64
    }

    fn throughput(&self) -> Throughput {
        Throughput::Bytes(PAGE as u64)
    }

    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static {
        let reads = self.reads_per_task;
        let pages = self.file_size / PAGE as u64;
        read_in_tasks::<R, _>(self.path.clone(), PAGE, self.depth, span, move |t| {
            let mut rng = seed(t);
            (0..reads).map(move |_| (next(&mut rng) % pages) * PAGE as u64)
        })
    }
}

/// The whole file in 1 MiB reads, `in_flight` tasks taking every
/// `in_flight`-th chunk.
#[derive(Debug, Clone)]
pub struct SeqRead {
    /// The pattern file.
    pub path: PathBuf,
    /// Its size (a multiple of 1 MiB).
    pub file_size: u64,
    /// Concurrent tasks: reads in flight.
    pub in_flight: usize,
}

impl Workload for SeqRead {
    fn name(&self) -> String {
        format!(
            "file_seq_1m/{}inflight/{}MiB",
            self.in_flight,
            self.file_size >> 20
        )
    }

    fn ops(&self) -> u64 {
        self.file_size / CHUNK as u64
    }

    fn throughput(&self) -> Throughput {
        Throughput::Bytes(CHUNK as u64)
    }

    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static {
        let (n, chunks) = (self.in_flight, self.ops());
        read_in_tasks::<R, _>(self.path.clone(), CHUNK, n, span, move |t| {
            (t as u64..chunks).step_by(n).map(|c| c * CHUNK as u64)
        })
    }
}

/// Opens `tasks` handles to `path`, (re)starts `span`, and has task `t`
/// read `size` bytes at each offset `offsets(t)` yields, checking each
/// read; returns the count of reads.
async fn read_in_tasks<R: Rt, I>(
    path: PathBuf,
    size: usize,
    tasks: usize,
    span: Span,
    offsets: impl Fn(usize) -> I,
) -> u64
where
    I: Iterator<Item = u64> + Send + 'static,
{
    let files = R::open_files(path, tasks).await;
    span.start();
    let handles: Vec<_> = files
        .into_iter()
        .enumerate()
        .map(|(t, mut f)| {
            let offsets = offsets(t);
            R::spawn(async move {
                let mut buf = Vec::with_capacity(size);
                let mut done = 0;
                for pos in offsets {
                    buf = R::read_at(&mut f, buf, pos).await;
                    check(&buf, pos, size);
                    done += 1;
                }
                done
            })
        })
        .collect();
    sum(handles).await
}
