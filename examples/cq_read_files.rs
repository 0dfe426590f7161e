//! Reads every file under a directory through one `CompletionQueue`, with
//! at most 64 reads in flight, and prints the total and the throughput.
//!
//! ```text
//! cargo run --release --example cq_read_files -- /usr/lib
//! ```

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Instant;

use zio::cq::{CompletionQueue, Op, Output};

const IN_FLIGHT: usize = 64;
const CHUNK: usize = 64 * 1024;

/// Every regular file under `dir` (symlinks are not followed).
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        if ty.is_dir() {
            files_under(&entry.path(), out)?;
        } else if ty.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// A file being read: one read of it in flight at a time.
struct Reading {
    file: File,
    offset: u64,
}

/// Reads all of `paths`, at most `IN_FLIGHT` reads at once (one per open
/// file); returns the bytes read. Files that cannot be opened or read are
/// reported and skipped.
async fn read_all(mut paths: Vec<PathBuf>) -> io::Result<u64> {
    let mut cq = CompletionQueue::with_capacity(IN_FLIGHT);
    let mut slots: Vec<Option<Reading>> = (0..IN_FLIGHT).map(|_| None).collect();
    let mut total = 0u64;
    // Fills slot `i` with the next file that opens, and starts its read.
    let mut start = |cq: &mut CompletionQueue, slots: &mut [Option<Reading>], i: usize, buf| {
        while let Some(path) = paths.pop() {
            match File::open(&path) {
                Ok(file) => {
                    let op = Op::read_at(file.as_raw_fd(), buf, 0);
                    slots[i] = Some(Reading { file, offset: 0 });
                    cq.submit(op, i as u64).expect("one read per slot");
                    return;
                }
                Err(e) => eprintln!("{}: {e}", path.display()),
            }
        }
    };
    for i in 0..IN_FLIGHT {
        start(&mut cq, &mut slots, i, Vec::with_capacity(CHUNK));
    }
    while let Some(c) = cq.wait().await {
        let i = c.token() as usize;
        let Output::Read(result, mut buf) = c.into_output() else {
            unreachable!("only reads are submitted")
        };
        let reading = slots[i].as_mut().expect("a read belongs to a slot");
        match result {
            Ok(n) if n > 0 => {
                total += n as u64;
                reading.offset += n as u64;
                buf.clear();
                let op = Op::read_at(reading.file.as_raw_fd(), buf, reading.offset);
                cq.submit(op, i as u64).expect("one read per slot");
            }
            done => {
                if let Err(e) = done {
                    eprintln!("read error: {e}");
                }
                slots[i] = None;
                buf.clear();
                start(&mut cq, &mut slots, i, buf);
            }
        }
    }
    Ok(total)
}

fn main() -> io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let mut paths = Vec::new();
    files_under(Path::new(&dir), &mut paths)?;
    let count = paths.len();
    let started = Instant::now();
    let total = zio::runtime::Runtime::new()?.block_on(read_all(paths))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "read {total} bytes from {count} files in {secs:.3} s: {:.1} MiB/s",
        total as f64 / (1024.0 * 1024.0) / secs.max(1e-9)
    );
    Ok(())
}
