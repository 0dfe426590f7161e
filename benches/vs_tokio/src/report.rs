//! The markdown report: a self-contained header (date, kernel, cores),
//! the main speedup table, baselines and physical limits, throughput,
//! per-flavor detail and the other contenders.

use std::fmt::Write as _;
use std::process::Command;

use crate::harness::{Config, Engine};
use crate::row::{median_cpu_per_op, median_per_op, median_tail, Row};
use crate::rt::Flavor;
use crate::span::Sample;
use crate::stats::{fmt_secs, Stats};
use crate::workload::Throughput;

/// A baseline a row is shown against: the floor (raw async-task) or the
/// physical limit (raw io_uring, iperf3) of a workload.
#[derive(Debug)]
pub struct Baseline {
    /// Name prefix of the rows it applies to.
    pub workload: String,
    /// What it is ("raw io_uring, 1 thread, qd 64").
    pub what: String,
    /// Its rounds, in the rows' operations.
    pub samples: Vec<Sample>,
}

/// Output of a command, trimmed; `None` if it could not run.
fn command(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Date, kernel, cores, CPU model, load and commit, as markdown bullets.
pub fn machine() -> String {
    let date = command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_default();
    let repo = env!("CARGO_MANIFEST_DIR");
    let commit = command("git", &["-C", repo, "rev-parse", "--short", "HEAD"]).unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!(
        "- date: {date}\n- kernel: {kernel}\n- cores: {cores} ({cpu})\n- load average (1/5/15 min) at start: {load}\n- zio commit: {commit} (working tree may differ)\n"
    )
}

/// A rate of `per_op` seconds per operation, in the row's unit.
fn rate(tp: Throughput, per_op: f64) -> String {
    let per_s = 1.0 / per_op;
    match tp {
        Throughput::None => String::new(),
        Throughput::Messages => format!("{:.2} M msg/s", per_s / 1e6),
        Throughput::Requests => format!("{:.1} k req/s", per_s / 1e3),
        Throughput::Bytes(b) => format!("{:.2} GB/s", per_s * b as f64 / 1e9),
    }
}

/// `1.23 µs (mt)`: `engine`'s best median per operation and its flavor.
fn best_cell(r: &Row, engine: Engine) -> String {
    r.best(engine).map_or("—".to_string(), |(f, xs)| {
        format!("{} ({})", fmt_secs(median_per_op(xs)), f.tag())
    })
}

/// `**1.25×** (1.10–1.40)`: median pairwise speedup and its p25–p75.
fn speedup_cell(r: &Row, engine: Engine) -> String {
    r.speedup(engine).map_or("—".to_string(), |q| {
        format!("**{:.2}×** ({:.2}–{:.2})", q.median, q.p25, q.p75)
    })
}

/// The main table: median time per operation of each column, and zio's
/// speedups over the better tokio flavor.
fn main_table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | tokio-ct | tokio-mt | zio-uring | zio-epoll | zio-uring speedup (p25–p75) | zio-epoll speedup (p25–p75) |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        // A row without a runtime (plain threads) shows tokio's number
        // in the ct column, tagged like zio's.
        let tokio = |f: Flavor| match (r.column(Engine::Tokio, f), f) {
            (Some(xs), _) => fmt_secs(median_per_op(xs)),
            (None, Flavor::CurrentThread) => r
                .column(Engine::Tokio, Flavor::Threads)
                .map_or("—".to_string(), |xs| {
                    format!("{} (threads)", fmt_secs(median_per_op(xs)))
                }),
            (None, _) => "—".to_string(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.workload,
            tokio(Flavor::CurrentThread),
            tokio(Flavor::MultiThread),
            best_cell(r, Engine::ZioUring),
            best_cell(r, Engine::ZioEpoll),
            speedup_cell(r, Engine::ZioUring),
            speedup_cell(r, Engine::ZioEpoll),
        );
    }
    s
}

/// Every measured column of every row: median and spread per operation,
/// CPU per operation, rate.
fn detail_table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | engine | flavor | median/op | p25–p75/op | min–max/op | CPU/op | rate |\n\
         |---|---|---|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        for engine in [Engine::Tokio, Engine::ZioUring, Engine::ZioEpoll] {
            for flavor in [Flavor::CurrentThread, Flavor::MultiThread, Flavor::Threads] {
                let Some(xs) = r.column(engine, flavor) else {
                    continue;
                };
                let t = Stats::of(xs.iter().map(Sample::secs_per_op));
                let cpu = median_cpu_per_op(xs);
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {}–{} | {}–{} | {} | {} |",
                    r.workload,
                    engine.label(),
                    flavor.tag(),
                    fmt_secs(t.median),
                    fmt_secs(t.p25),
                    fmt_secs(t.p75),
                    fmt_secs(t.min),
                    fmt_secs(t.max),
                    fmt_secs(cpu),
                    rate(r.throughput, t.median),
                );
            }
        }
    }
    s
}

/// The rows whose load generator reports tail latency: each column's p99
/// request latency (median over the rounds), zio's in the flavor the main
/// table quotes.
fn tail_table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | tokio-ct | tokio-mt | zio-uring | zio-epoll |\n|---|---:|---:|---:|---:|\n",
    );
    for r in rows.iter().filter(|r| r.has_tail()) {
        let cell =
            |xs: Option<&[Sample]>| xs.and_then(median_tail).map_or("—".to_string(), fmt_secs);
        let zio = |engine: Engine| {
            r.best(engine).map_or("—".to_string(), |(f, xs)| {
                format!("{} ({})", cell(Some(xs)), f.tag())
            })
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            r.workload,
            cell(r.column(Engine::Tokio, Flavor::CurrentThread)),
            cell(r.column(Engine::Tokio, Flavor::MultiThread)),
            zio(Engine::ZioUring),
            zio(Engine::ZioEpoll),
        );
    }
    s
}

/// Each baseline against the rows it applies to: time and CPU time per
/// operation, and each engine's speed as a share of the baseline's.
fn baseline_table(rows: &[Row], baselines: &[Baseline]) -> String {
    let mut s = String::from(
        "| workload | baseline | baseline/op | baseline CPU/op | tokio (best) | zio-uring | zio-epoll |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    for b in baselines {
        let base = median_per_op(&b.samples);
        for r in rows.iter().filter(|r| r.workload.starts_with(&b.workload)) {
            let share = |engine: Engine| {
                r.best(engine).map_or("—".to_string(), |(f, xs)| {
                    let t = median_per_op(xs);
                    format!("{} ({}): {:.0}%", fmt_secs(t), f.tag(), 100.0 * base / t)
                })
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.workload,
                b.what,
                [fmt_secs(base), rate(r.throughput, base)]
                    .join(" ")
                    .trim_end(),
                fmt_secs(median_cpu_per_op(&b.samples)),
                share(Engine::Tokio),
                share(Engine::ZioUring),
                share(Engine::ZioEpoll),
            );
        }
    }
    s
}

/// The other contenders (flume, async-channel, crossbeam-channel…), each
/// against zio-uring's best flavor on the same row, with the CPU time
/// each spent per operation (a contender on more threads can be faster
/// and still cost more).
fn extras_table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | contender | median/op | CPU/op | time ÷ zio-uring's |\n|---|---|---:|---:|---:|\n",
    );
    for r in rows {
        let zio = r.best(Engine::ZioUring).map(|(_, xs)| median_per_op(xs));
        for (name, xs) in r.extras() {
            let t = median_per_op(xs);
            let _ = writeln!(
                s,
                "| {} | {name} | {} | {} | {} |",
                r.workload,
                fmt_secs(t),
                fmt_secs(median_cpu_per_op(xs)),
                zio.map_or("—".to_string(), |z| format!("{:.2}×", t / z)),
            );
        }
    }
    s
}

/// Everything the report needs besides the rows.
#[derive(Debug)]
pub struct Extra<'a> {
    /// [`machine`]'s header.
    pub machine: &'a str,
    /// Extra header lines.
    pub notes: &'a [String],
    /// Baselines and physical limits.
    pub baselines: &'a [Baseline],
    /// The targets section (see `targets`).
    pub targets: &'a str,
}

/// The whole markdown report.
pub fn render(cfg: &Config, rows: &[Row], extra: &Extra<'_>) -> String {
    let mut s = String::from("# vs_tokio: zio vs tokio\n\n");
    s += extra.machine;
    for n in extra.notes {
        let _ = writeln!(s, "- {n}");
    }
    let _ = writeln!(
        s,
        "- mode: {} ({} warmup + {} timed rounds per contender unless a row says otherwise; contenders interleaved, order rotating each round)\n",
        if cfg.quick { "--quick (smoke test: sizes and rounds too small to quote)" } else { "full" },
        cfg.warmup,
        cfg.rounds,
    );
    s += "Times are medians per operation. Columns: tokio `current_thread` (ct) and `multi_thread` (mt), \
          and zio on io_uring and on epoll, each in its better flavor (in brackets). \
          **speedup = time of the better tokio flavor / zio's time**, computed round by round, median and p25–p75 shown: \
          **> 1 means zio is faster**.\n\n";
    s += &main_table(rows);
    if !extra.baselines.is_empty() {
        s += "\n## baselines and physical limits (share = baseline's time / engine's time)\n\n";
        s += &baseline_table(rows, extra.baselines);
    }
    if rows.iter().any(Row::has_tail) {
        s += "\n## tail latency (p99 per request, median over the rounds)\n\n";
        s += &tail_table(rows);
    }
    s += "\n## targets\n\n";
    s += extra.targets;
    if rows.iter().any(|r| r.extras().next().is_some()) {
        s += "\n## other contenders (same rounds)\n\n";
        s += &extras_table(rows);
    }
    s += "\n## detail: every column\n\nCPU/op is the process's user + system time (every runtime thread; a load generator process excluded).\n\n";
    s += &detail_table(rows);
    s
}
