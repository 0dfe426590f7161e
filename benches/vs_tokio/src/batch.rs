//! CompletionQueue batch reads (issue 6): `file_batch_4k`, 10,000 reads
//! (2,000 with `--quick`) of 4 KiB at random aligned offsets of the
//! pattern file (see `files`), 64 in flight, all issued and consumed by
//! one task ([`IoRt::read_batch`]):
//!
//! - zio: one `zio::cq::CompletionQueue` of capacity 64, each completion's
//!   buffer reused for the next read;
//! - tokio: a `JoinSet` of `tokio::fs` reads, one task per read, over a
//!   pool of 64 handles (its `File` has one cursor);
//! - extra contender "zio task per read": the same `JoinSet` code as
//!   tokio's ([`read_per_task`]) on zio's runtimes and `zio::fs`, in
//!   both flavors — what the queue saves over a task per read.
//!
//! Every read is checked against the pattern (`files::check`). The row is
//! shown against raw io_uring doing the very same reads at the same depth
//! (`baselines`, `uring_raw`).
//!
//! [`IoRt::read_batch`]: crate::io::IoRt::read_batch

use std::future::Future;
use std::path::PathBuf;

use crate::files::{check, file_size, random_page, PAGE};
use crate::harness::{Config, Harness};
use crate::io::read_per_task;
use crate::rt::Rt;
use crate::span::Span;
use crate::workload::{Throughput, Workload};

/// The row's name prefix.
pub const NAME: &str = "file_batch_4k";

/// The extra contender's name prefix.
pub const TASK_PER_READ: &str = "zio task per read";

/// Reads in flight.
pub const DEPTH: usize = 64;

/// `reads` 4 KiB reads at random aligned offsets, `depth` in flight, from
/// one task: through [`IoRt::read_batch`], or with one task per read.
///
/// [`IoRt::read_batch`]: crate::io::IoRt::read_batch
#[derive(Debug, Clone)]
pub struct BatchRead {
    /// The pattern file.
    pub path: PathBuf,
    /// Its size.
    pub file_size: u64,
    /// Reads in flight.
    pub depth: usize,
    /// Reads per iteration.
    pub reads: usize,
    /// One task per read ([`read_per_task`]) instead of the runtime's
    /// batch read.
    pub per_task: bool,
}

impl BatchRead {
    /// The batch reads of a run in mode `cfg`, of the file at `path`.
    pub fn new(cfg: &Config, path: PathBuf) -> BatchRead {
        BatchRead {
            path,
            file_size: file_size(cfg.quick),
            depth: DEPTH,
            reads: cfg.size(10_000, 2_000),
            per_task: false,
        }
    }

    /// The offset of the `i`-th read.
    pub fn offset(&self, i: usize) -> u64 {
        random_page(i, self.file_size)
    }
}

impl Workload for BatchRead {
    fn name(&self) -> String {
        format!(
            "{NAME}/qd{}/{}/{}MiB",
            self.depth,
            self.reads,
            self.file_size >> 20
        )
    }

    fn ops(&self) -> u64 {
        self.reads as u64
    }

    fn throughput(&self) -> Throughput {
        Throughput::Bytes(PAGE as u64)
    }

    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static {
        let w = self.clone();
        async move {
            let files = R::open_files(w.path.clone(), w.depth).await;
            span.start();
            let offsets = (0..w.reads).map(|i| w.offset(i));
            let each = |buf: &[u8], pos| check(buf, pos, PAGE);
            if w.per_task {
                read_per_task::<R, _, _>(files, PAGE, offsets, each).await
            } else {
                R::read_batch(files, PAGE, offsets, each).await
            }
        }
    }
}

/// Runs `w` on every column, with "zio task per read" on zio's runtimes
/// (both flavors) as extra contenders in the same rounds.
pub fn bench(h: &mut Harness, w: &BatchRead) {
    let per_task = BatchRead {
        per_task: true,
        ..w.clone()
    };
    h.bench_with(w.clone(), |l| l.on_zio(TASK_PER_READ, &per_task));
}
