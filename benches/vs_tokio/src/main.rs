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
//!
//! The I/O workloads (echo, files) also run with zio on epoll. zio reads
//! `ZIO_BACKEND` once per process, so that run is a child process: this
//! binary with `--epoll-child` and `ZIO_BACKEND=epoll`, which prints its
//! rows on stdout for the parent to merge.

mod chan;
mod echo;
mod files;
mod harness;
mod io;
mod raw;
mod report;
mod rt;
mod sched;
mod sync;
mod timers;
mod uring_raw;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use harness::{Config, Harness};
use report::Row;
use zio::runtime::IoBackend;

/// Parses `--quick` and `--filter <substr>`; exits with usage otherwise.
fn parse_args() -> Config {
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
    let mut cfg = Config::new(quick, filter);
    cfg.epoll_child = epoll_child;
    cfg
}

/// The epoll child: the I/O workloads with zio forced onto epoll (by the
/// parent's `ZIO_BACKEND=epoll`), rows printed on stdout.
fn epoll_child(cfg: Config) {
    let mut h = Harness::new(cfg);
    assert_eq!(
        h.zio_backend(),
        IoBackend::Epoll,
        "epoll child: zio did not get the epoll backend"
    );
    echo::register(&mut h);
    files::register(&mut h);
    for r in h.into_rows() {
        println!("{}", r.to_line());
    }
}

/// Runs the epoll child with the same mode and filter; returns its rows.
fn run_epoll_child(cfg: &Config) -> Vec<Row> {
    let exe = std::env::current_exe().expect("current exe");
    let mut cmd = Command::new(exe);
    cmd.arg("--epoll-child").env("ZIO_BACKEND", "epoll");
    if cfg.quick {
        cmd.arg("--quick");
    }
    if let Some(f) = &cfg.filter {
        cmd.arg("--filter").arg(f);
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .expect("run the epoll child");
    assert!(out.status.success(), "epoll child failed: {}", out.status);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(Row::from_line)
        .collect()
}

/// Inserts each of `extra` after the last row of the same workload.
fn merge(rows: &mut Vec<Row>, extra: Vec<Row>) {
    for r in extra {
        let at = rows
            .iter()
            .rposition(|x| x.workload == r.workload)
            .map_or(rows.len(), |i| i + 1);
        rows.insert(at, r);
    }
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
    if cfg.epoll_child {
        epoll_child(cfg);
        return;
    }
    let machine = report::machine();
    let mut h = Harness::new(cfg.clone());
    let backend = h.zio_backend();
    if backend != IoBackend::IoUring {
        eprintln!("warning: zio runs on {backend} here, not io_uring (see the row labels)");
    }
    sched::register(&mut h);
    timers::register(&mut h);
    let sync_rows = sync::register(&mut h);
    echo::register(&mut h);
    let file = files::register(&mut h);

    let raw = h.selected(sched::SPAWN_MANY).then(|| {
        let tasks = 10_000;
        report::RawBaseline {
            rounds: raw::spawn_many(tasks, cfg.warmup, cfg.rounds),
            tasks,
            workload: sched::SPAWN_MANY,
        }
    });

    let rand_depth = 64;
    let rand_reads = cfg.size(256, 32) * rand_depth;
    let raw_io = file
        .as_ref()
        .filter(|_| h.selected("file_rand_4k"))
        .and_then(|path| {
            eprintln!("running raw io_uring baseline");
            let rounds = uring_raw::rand_4k(
                path,
                files::file_size(cfg.quick),
                rand_depth,
                rand_reads,
                cfg.warmup,
                cfg.rounds,
            )?;
            Some(report::RawIoBaseline {
                rounds,
                reads: rand_reads as u64,
                depth: rand_depth,
                workload: "file_rand_4k",
            })
        });

    let mut rows = h.into_rows();
    // The I/O rows again, zio on epoll (unless zio is on epoll already).
    if backend == IoBackend::IoUring && rows.iter().any(|r| r.flavor.contains(" · zio [")) {
        eprintln!("running the I/O workloads with ZIO_BACKEND=epoll (child process)");
        let child = run_epoll_child(&cfg);
        assert!(!child.is_empty(), "epoll child returned no rows");
        merge(&mut rows, child);
    }
    if let Some(path) = &file {
        files::remove_file(path);
    }
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

    let mut notes = Vec::new();
    if file.is_some() {
        notes.push(format!(
            "files: one {} MiB pattern file in {} (the issue asks for 1 GiB; kept smaller for the disk footprint), read from the page cache, removed at the end; tokio opens one handle per task (its `File` has one cursor), zio shares one; opening is timed",
            files::file_size(cfg.quick) >> 20,
            std::env::temp_dir().display()
        ));
    }
    let mut md = report::render(&cfg, &machine, &notes, &rows, raw.as_ref(), raw_io.as_ref());
    if !sync_rows.is_empty() {
        md += &sync::section(&sync_rows);
    }
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
