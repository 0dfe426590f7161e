//! vs_tokio: the same workloads on tokio (current_thread and multi_thread)
//! and on zio (io_uring and epoll), interleaved round by round, reported as
//! a markdown table and an SVG chart of zio's speedups
//! (`target/vs_tokio/report.md`, `target/vs_tokio/ratios.svg`).
//!
//! ```text
//! cargo run -p vs_tokio --release -- [--quick] [--filter <substr>]
//! ```
//!
//! Every workload is written once against [`rt::Rt`]. Results are checked
//! (a wrong count panics); timings are only reported, never asserted. zio
//! on epoll runs in a child process driven by this one (see [`child`]).

mod accept;
mod accept_raw;
mod baselines;
mod batch;
mod bulk;
mod chan;
mod chart;
mod child;
mod echo;
mod echo_raw;
mod files;
mod harness;
mod http;
mod io;
mod iperf;
mod raw;
mod report;
mod row;
mod rt;
mod sched;
mod span;
mod stats;
mod sync;
mod targets;
mod timers;
mod uring_batch;
mod uring_raw;
mod workload;

use std::path::PathBuf;
use std::time::Instant;

use harness::{Config, Engine, Harness, Label};
use row::Row;

/// Parses `--quick`, `--filter <substr>` and `--epoll-child`; exits with
/// usage otherwise. Returns the configuration and whether this process is
/// the epoll child.
fn parse_args() -> (Config, bool) {
    let mut quick = false;
    let mut epoll_child = false;
    let mut filter = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--epoll-child" => epoll_child = true,
            "--filter" => filter = Some(args.next().expect("--filter needs a value")),
            // `cargo bench` passes `--bench`; accept and ignore it.
            "--bench" => {}
            _ => {
                eprintln!("usage: vs_tokio [--quick] [--filter <substr>]");
                std::process::exit(2);
            }
        }
    }
    (Config::new(quick, filter), epoll_child)
}

/// `target/vs_tokio/`, next to the build directory of this binary.
fn out_dir() -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("vs_tokio")
}

/// The smoke test: every row has a tokio and a zio column, and every
/// contender of a row ran the same number of rounds (each round's result
/// was checked when it ran).
fn check_rows(rows: &[Row]) {
    assert!(!rows.is_empty(), "no workload matched the filter");
    for r in rows {
        let has = |e: Engine| {
            r.cols
                .iter()
                .any(|(l, _)| matches!(l, Label::Main(c) if c.engine == e))
        };
        assert!(has(Engine::Tokio), "{}: no tokio column", r.workload);
        assert!(
            has(Engine::ZioUring) || has(Engine::ZioEpoll),
            "{}: no zio column",
            r.workload
        );
        let n = r.cols[0].1.len();
        assert!(n > 0, "{}: no rounds", r.workload);
        for (l, xs) in &r.cols {
            assert_eq!(
                xs.len(),
                n,
                "{}: {l:?} ran {} rounds, not {n}",
                r.workload,
                xs.len()
            );
        }
    }
}

/// Registers every family with `h`, in the same order in both processes.
/// Returns the file workloads (for the baselines) and notes for the report.
fn register_all(h: &mut Harness) -> (Option<files::Files>, Vec<String>) {
    sched::register(h);
    timers::register(h);
    sync::register(h);
    echo::register(h);
    bulk::register(h);
    accept::register(h);
    let files = files::register(h);
    let notes = http::register(h);
    (files, notes)
}

fn main() {
    let started = Instant::now();
    let (cfg, epoll_child) = parse_args();
    if epoll_child {
        register_all(&mut Harness::child(cfg));
        return;
    }
    let machine = report::machine();
    let mut h = Harness::parent(cfg.clone());
    let (files, mut notes) = register_all(&mut h);
    let rows = h.finish();
    check_rows(&rows);
    let baselines = baselines::run(&cfg, &rows, files.as_ref());
    if let Some(f) = &files {
        notes.push(format!(
            "files: one {} MiB pattern file in {}, read from the page cache, removed at the end; tokio opens one handle per task (its `File` has one cursor), zio shares one",
            f.rand.file_size >> 20,
            std::env::temp_dir().display()
        ));
        files::remove_file(&f.path);
    }
    let targets = targets::section(&rows, &baselines, cfg.quick);
    let extra = report::Extra {
        machine: &machine,
        notes: &notes,
        baselines: &baselines,
        targets: &targets,
    };
    let md = report::render(&cfg, &rows, &extra);
    println!("{md}");
    let dir = out_dir();
    std::fs::create_dir_all(&dir).expect("create the report directory");
    std::fs::write(dir.join("report.md"), &md).expect("write report.md");
    let header: Vec<_> = machine
        .lines()
        .take(3)
        .map(|l| l.trim_start_matches("- "))
        .collect();
    let title = format!(
        "zio speedup over the better tokio flavor — {}",
        header.join(", ")
    );
    chart::write_svg(&dir.join("ratios.svg"), &rows, &title).expect("write ratios.svg");
    eprintln!(
        "wrote {}/report.md and ratios.svg ({} rows) in {:.1} s",
        dir.display(),
        rows.len(),
        started.elapsed().as_secs_f64()
    );
}
