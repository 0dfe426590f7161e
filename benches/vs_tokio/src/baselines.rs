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

/// Raw io_uring doing `r`, the reads of file row `name`, if it was measured.
fn file_baseline<F: Fn(usize) -> u64>(
    cfg: &Config,
    rows: &[Row],
    f: &Files,
    name: String,
    r: &Reads<F>,
) -> Option<Baseline> {
    if !measured(rows, &name) {
        return None;
    }
    eprintln!("running raw io_uring baseline for {name}");
    let samples = uring_raw::baseline(&f.path, r, cfg.warmup, cfg.rounds)?;
    Some(Baseline {
        workload: name,
        what: format!("raw io_uring, 1 thread, qd {}", r.depth),
        samples,
    })
}

/// The baselines of the measured rows.
pub fn run(cfg: &Config, rows: &[Row], files: Option<&Files>) -> Vec<Baseline> {
    let mut out = Vec::new();
    let spawn = sched::SpawnMany {
        tasks: sched::SPAWN_TASKS,
    };
    if measured(rows, &spawn.name()) {
        eprintln!("running raw async-task baseline");
        out.push(Baseline {
            workload: spawn.name(),
            what: "raw async-task (VecDeque executor, 1 thread)".to_string(),
            samples: raw::spawn_many(spawn.tasks, cfg.warmup, cfg.rounds),
        });
    }
    for e in echo::workloads(cfg) {
        if !measured(rows, &e.name()) {
            continue;
        }
        for receive in [Receive::PerConnection, Receive::ProvidedRing] {
            eprintln!("running {} baseline for {}", receive.what(), e.name());
            if let Some(samples) = echo_raw::baseline(&e, receive, cfg.warmup, cfg.rounds) {
                out.push(Baseline {
                    workload: e.name(),
                    what: receive.what().to_string(),
                    samples,
                });
            }
        }
    }
    let accept_base = |name: String, run: &dyn Fn() -> Option<Vec<Sample>>| {
        if !measured(rows, &name) {
            return None;
        }
        eprintln!("running raw io_uring baseline for {name}");
        Some(Baseline {
            workload: name,
            what: "raw io_uring, 1 thread".to_string(),
            samples: run()?,
        })
    };
    for a in accept::churns(cfg) {
        out.extend(accept_base(a.name(), &|| {
            accept_raw::churn(&a, cfg.warmup, cfg.rounds)
        }));
    }
    let burst = accept::burst();
    out.extend(accept_base(burst.name(), &|| {
        accept_raw::burst(&burst, cfg.warmup, cfg.rounds)
    }));
    for load in http::loads() {
        let hello = http::Hello { load };
        if !measured(rows, &hello.name()) {
            continue;
        }
        eprintln!("running raw io_uring responder for {}", hello.name());
        let (warmup, rounds) = hello.rounds(cfg);
        if let Some((samples, busy)) = http::raw::baseline(&hello.load, warmup, rounds) {
            out.push(Baseline {
                workload: hello.name(),
                what: format!(
                    "raw io_uring responder, 1 thread ({} used {:.0}% of a CPU)",
                    hello.load.tool.exe(),
                    100.0 * busy
                ),
                samples,
            });
        }
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
        eprintln!("running iperf3 baseline");
        let (secs, rounds) = if cfg.quick { (1, 1) } else { (2, 5) };
        if let Some(samples) = iperf::loopback(bulk::CHUNK, secs, rounds) {
            out.push(Baseline {
                workload: r.workload.clone(),
                what: format!("iperf3, 1 stream, {} KiB writes", bulk::CHUNK >> 10),
                samples,
            });
        }
    }
    out
}
