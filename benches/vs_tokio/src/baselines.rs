//! The baselines the parent runs after the rows (never interleaved with
//! them: they use no runtime): raw async-task for spawn+join, raw io_uring
//! for the echo rows (two ways of receiving), the accept rows, the HTTP
//! rows (a responder under the same load) and the file rows (the CompletionQueue
//! row included), iperf3 for loopback bulk. Each runs only if its row was
//! measured.

use crate::echo_raw::Receive;
use crate::files::{random_page, Files, CHUNK, PAGE};
use crate::harness::Config;
use crate::report::Baseline;
use crate::row::Row;
use crate::span::Sample;
use crate::uring_raw::Reads;
use crate::workload::Workload;
use crate::{accept, accept_raw, bulk, echo, echo_raw, http, iperf, raw, sched, uring_raw};

/// Whether a row named `name` was measured.
fn measured(rows: &[Row], name: &str) -> bool {
    rows.iter().any(|r| r.workload == name)
}

/// The baseline of the row named `workload`, if that row was measured:
/// `run` gives what it is and its samples, or `None` if it cannot run here.
fn for_row(
    rows: &[Row],
    workload: String,
    run: impl FnOnce() -> Option<(String, Vec<Sample>)>,
) -> Option<Baseline> {
    if !measured(rows, &workload) {
        return None;
    }
    eprintln!("running the baselines of {workload}");
    let (what, samples) = run()?;
    Some(Baseline {
        workload,
        what,
        samples,
    })
}

/// Raw io_uring doing `r`, the reads of file row `name`, if it was measured.
fn file_baseline<F: Fn(usize) -> u64>(
    cfg: &Config,
    rows: &[Row],
    f: &Files,
    name: String,
    r: &Reads<F>,
) -> Option<Baseline> {
    for_row(rows, name, || {
        let samples = uring_raw::baseline(&f.path, r, cfg.warmup, cfg.rounds)?;
        Some((format!("raw io_uring, 1 thread, qd {}", r.depth), samples))
    })
}

/// The baselines of the measured rows.
pub fn run(cfg: &Config, rows: &[Row], files: Option<&Files>) -> Vec<Baseline> {
    let mut out = Vec::new();
    let spawn = sched::SpawnMany {
        tasks: sched::SPAWN_TASKS,
    };
    out.extend(for_row(rows, spawn.name(), || {
        let samples = raw::spawn_many(spawn.tasks, cfg.warmup, cfg.rounds);
        Some((
            "raw async-task (VecDeque executor, 1 thread)".to_string(),
            samples,
        ))
    }));
    for e in echo::workloads(cfg) {
        for receive in [Receive::PerConnection, Receive::ProvidedRing] {
            out.extend(for_row(rows, e.name(), || {
                let samples = echo_raw::baseline(&e, receive, cfg.warmup, cfg.rounds)?;
                Some((receive.what().to_string(), samples))
            }));
        }
    }
    let accept_what = || "raw io_uring, 1 thread".to_string();
    for a in accept::churns(cfg) {
        out.extend(for_row(rows, a.name(), || {
            Some((
                accept_what(),
                accept_raw::churn(&a, cfg.warmup, cfg.rounds)?,
            ))
        }));
    }
    let burst = accept::burst();
    out.extend(for_row(rows, burst.name(), || {
        Some((
            accept_what(),
            accept_raw::burst(&burst, cfg.warmup, cfg.rounds)?,
        ))
    }));
    for load in http::loads() {
        let hello = http::Hello { load };
        let (warmup, rounds) = hello.rounds(cfg);
        out.extend(for_row(rows, hello.name(), || {
            let (samples, busy) = http::raw::baseline(&hello.load, warmup, rounds)?;
            let what = format!(
                "raw io_uring responder, 1 thread ({} used {:.0}% of a CPU)",
                hello.load.tool.exe(),
                100.0 * busy
            );
            Some((what, samples))
        }));
    }
    if let Some(f) = files {
        let rand = Reads {
            size: PAGE,
            depth: f.rand.depth,
            reads: f.rand.ops() as usize,
            offset: |i: usize| random_page(i, f.rand.file_size),
        };
        let seq = Reads {
            size: CHUNK,
            depth: f.seq.in_flight,
            reads: f.seq.ops() as usize,
            offset: |i: usize| (i * CHUNK) as u64,
        };
        out.extend(file_baseline(cfg, rows, f, f.rand.name(), &rand));
        out.extend(file_baseline(cfg, rows, f, f.seq.name(), &seq));
        // The batch row's very reads (see `BatchRead::offset`).
        let batch = Reads {
            size: PAGE,
            depth: f.batch.depth,
            reads: f.batch.reads,
            offset: |i: usize| f.batch.offset(i),
        };
        out.extend(file_baseline(cfg, rows, f, f.batch.name(), &batch));
    }
    if let Some(r) = rows.iter().find(|r| r.workload.starts_with(bulk::NAME)) {
        out.extend(for_row(rows, r.workload.clone(), || {
            let (secs, rounds) = if cfg.quick { (1, 1) } else { (2, 5) };
            let samples = iperf::loopback(bulk::CHUNK, secs, rounds)?;
            let what = format!("iperf3, 1 stream, {} KiB writes", bulk::CHUNK >> 10);
            Some((what, samples))
        }));
    }
    out
}
