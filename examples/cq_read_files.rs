//! Reads every file under a directory through one `CompletionQueue`, with
//! at most 64 reads in flight, and prints the total and the throughput.
//! Symlinks are not followed (the directory named may be one); files that
//! cannot be opened or read are reported on stderr and skipped.
//!
//! ```text
//! cargo run --release --example cq_read_files -- /usr/lib
//! ```
//!
//! `tests/cq_read_files.rs` runs [`files_under`] and [`read_all`] on a
//! generated tree.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Instant;

use zio::cq::{CompletionQueue, Op, Output};

/// Most reads in flight at once (one per open file).
pub(crate) const IN_FLIGHT: usize = 64;
/// The size of one read.
pub(crate) const CHUNK: usize = 64 * 1024;

/// Adds every regular file under `dir` to `out`, recursively. Symlinks
/// are not followed: a link to a file or a directory is skipped (so a link
/// to a parent cannot loop), though `dir` itself may be one.
///
/// # Errors
///
/// The first error listing a directory, naming that directory.
pub(crate) fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", dir.display()));
    for entry in std::fs::read_dir(dir).map_err(named)? {
        let entry = entry.map_err(named)?;
        let ty = entry.file_type().map_err(named)?;
        if ty.is_dir() {
            files_under(&entry.path(), out)?;
        } else if ty.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// What [`read_all`] did.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    /// Bytes read, over all files.
    pub(crate) bytes: u64,
    /// The most reads in flight at once: [`IN_FLIGHT`], or the number of
    /// files that opened if fewer.
    pub(crate) peak_in_flight: usize,
    /// The files that could not be opened or read, with the error. The
    /// bytes read from a file before its error count in `bytes`.
    pub(crate) failed: Vec<(PathBuf, io::Error)>,
}

/// A file being read: one read of it in flight at a time.
struct Reading {
    path: PathBuf,
    file: File,
    offset: u64,
}

/// The state of [`read_all`]: slot `i` holds the file whose read is in
/// flight with token `i`.
struct Reader {
    cq: CompletionQueue,
    slots: Vec<Option<Reading>>,
    paths: Vec<PathBuf>,
    totals: Totals,
}

impl Reader {
    /// Starts a read of slot `i`'s file at its offset, into `buf`.
    fn read_next(&mut self, i: usize, buf: Vec<u8>) -> io::Result<()> {
        let reading = self.slots[i].as_ref().expect("a file in the slot");
        let op = Op::read_at(reading.file.as_raw_fd(), buf, reading.offset);
        // Never full: one read per slot, one slot per place in the queue.
        self.cq.submit(op, i as u64).map_err(io::Error::other)?;
        self.totals.peak_in_flight = self.totals.peak_in_flight.max(self.cq.len());
        Ok(())
    }

    /// Fills slot `i` with the next file that opens and starts its first
    /// read; leaves the slot empty when no file is left.
    fn open_next(&mut self, i: usize, buf: Vec<u8>) -> io::Result<()> {
        self.slots[i] = None;
        while let Some(path) = self.paths.pop() {
            match File::open(&path) {
                Ok(file) => {
                    self.slots[i] = Some(Reading {
                        path,
                        file,
                        offset: 0,
                    });
                    return self.read_next(i, buf);
                }
                Err(e) => self.totals.failed.push((path, e)),
            }
        }
        Ok(())
    }
}

/// Reads all of `paths`, at most [`IN_FLIGHT`] reads at once (one per open
/// file), [`CHUNK`] bytes each, and hands every chunk read to
/// `each(path, offset, data)` as it arrives: a file's chunks in order,
/// different files' chunks interleaved. A file that cannot be opened or
/// read is recorded in [`Totals::failed`] and the rest of it skipped.
///
/// # Errors
///
/// Only if the queue refuses a read, which one read per slot rules out.
pub(crate) async fn read_all(
    paths: Vec<PathBuf>,
    mut each: impl FnMut(&Path, u64, &[u8]),
) -> io::Result<Totals> {
    let mut r = Reader {
        cq: CompletionQueue::with_capacity(IN_FLIGHT),
        slots: (0..IN_FLIGHT).map(|_| None).collect(),
        paths,
        totals: Totals::default(),
    };
    for i in 0..IN_FLIGHT {
        r.open_next(i, Vec::with_capacity(CHUNK))?;
    }
    while let Some(c) = r.cq.wait().await {
        let i = c.token() as usize;
        let Output::Read(result, mut buf) = c.into_output() else {
            unreachable!("only reads are submitted")
        };
        let reading = r.slots[i].as_mut().expect("a read belongs to a slot");
        match result {
            Ok(n) if n > 0 => {
                each(&reading.path, reading.offset, &buf);
                r.totals.bytes += n as u64;
                reading.offset += n as u64;
                buf.clear();
                r.read_next(i, buf)?;
            }
            // End of file, or an error: on to the next file.
            done => {
                if let Err(e) = done {
                    let path = std::mem::take(&mut reading.path);
                    r.totals.failed.push((path, e));
                }
                buf.clear();
                r.open_next(i, buf)?;
            }
        }
    }
    Ok(r.totals)
}

fn main() -> io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let mut paths = Vec::new();
    files_under(Path::new(&dir), &mut paths)?;
    let count = paths.len();
    let started = Instant::now();
    // Only the totals are wanted here: nothing is done with the data.
    let totals = zio::runtime::Runtime::new()?.block_on(read_all(paths, |_, _, _| {}))?;
    let secs = started.elapsed().as_secs_f64();
    for (path, e) in &totals.failed {
        eprintln!("{}: {e}", path.display());
    }
    println!(
        "read {} bytes from {count} files in {secs:.3} s: {:.1} MiB/s, up to {} reads in flight",
        totals.bytes,
        totals.bytes as f64 / (1024.0 * 1024.0) / secs.max(1e-9),
        totals.peak_in_flight
    );
    Ok(())
}
