//! vs_tokio: the same workloads on zio and on tokio, in one run, printed as
//! a ratio table (stdout and `target/vs_tokio/report.md`).
//!
//! ```text
//! cargo run -p vs_tokio --release -- [--quick] [--filter <substr>]
//! ```
//!
//! Every workload is written once against [`rt::Rt`]; each runs on zio and
//! tokio in the multi-thread and the current-thread flavor, interleaved
//! round by round. Results are checked (a wrong count panics); timings are
//! only reported, never asserted.

mod chan;
mod harness;
mod raw;
mod report;
mod rt;
mod sched;
mod timers;

use std::path::PathBuf;
use std::time::Instant;

use harness::{Config, Harness};

/// Parses `--quick` and `--filter <substr>`; exits with usage otherwise.
fn parse_args() -> Config {
    let mut quick = false;
    let mut filter = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--filter" => filter = Some(args.next().expect("--filter needs a value")),
            // `cargo bench` passes `--bench`; accept and ignore it.
            "--bench" => {}
            _ => {
                eprintln!("usage: vs_tokio [--quick] [--filter <substr>]");
                std::process::exit(2);
            }
        }
    }
    Config::new(quick, filter)
}

/// `target/vs_tokio/report.md`, next to the build directory of this binary.
fn report_path() -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("vs_tokio").join("report.md")
}

fn main() {
    let started = Instant::now();
    let cfg = parse_args();
    let machine = report::machine();
    let mut h = Harness::new(cfg.clone());
    sched::register(&mut h);
    timers::register(&mut h);

    let raw = h.selected(sched::SPAWN_MANY).then(|| {
        let tasks = 10_000;
        report::RawBaseline {
            rounds: raw::spawn_many(tasks, cfg.warmup, cfg.rounds),
            tasks,
            workload: sched::SPAWN_MANY,
        }
    });

    let rows = h.into_rows();
    assert!(!rows.is_empty(), "no workload matched the filter");
    for r in &rows {
        assert_eq!(
            r.zio.len(),
            cfg.rounds,
            "{}: missing zio rounds",
            r.workload
        );
        assert_eq!(
            r.tokio.len(),
            cfg.rounds,
            "{}: missing tokio rounds",
            r.workload
        );
    }

    let md = report::render(&cfg, &machine, &rows, raw.as_ref());
    println!("{md}");
    let path = report_path();
    std::fs::create_dir_all(path.parent().expect("report dir")).expect("create report dir");
    std::fs::write(&path, &md).expect("write report");
    eprintln!(
        "wrote {} ({} rows) in {:.1} s",
        path.display(),
        rows.len(),
        started.elapsed().as_secs_f64()
    );
}
