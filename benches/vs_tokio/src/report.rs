//! Statistics over the rounds, and the markdown report (machine header,
//! ratio table, spawn-cost table).

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::harness::{Config, Throughput};

/// One workload on one flavor: every timed round of both runtimes.
#[derive(Debug)]
pub struct Row {
    /// Workload name with parameters.
    pub workload: String,
    /// Flavor label ("multi_thread(2)", "current_thread").
    pub flavor: String,
    /// Operations per iteration.
    pub ops: u64,
    /// What the throughput table shows for this row.
    pub throughput: Throughput,
    /// zio's time per round.
    pub zio: Vec<Duration>,
    /// tokio's time per round (same round index as `zio`).
    pub tokio: Vec<Duration>,
}

/// Marks a row line on the epoll child's stdout.
const ROW_TAG: &str = "VS_TOKIO_ROW";

impl Row {
    /// The row as one tab-separated line (the epoll child's output).
    pub fn to_line(&self) -> String {
        let ns = |xs: &[Duration]| {
            xs.iter()
                .map(|d| d.as_nanos().to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let tp = match self.throughput {
            Throughput::None => "-".to_string(),
            Throughput::Messages => "msg".to_string(),
            Throughput::Bytes(b) => b.to_string(),
        };
        format!(
            "{ROW_TAG}\t{}\t{}\t{}\t{tp}\t{}\t{}",
            self.workload,
            self.flavor,
            self.ops,
            ns(&self.zio),
            ns(&self.tokio)
        )
    }

    /// Parses a [`Row::to_line`] line; `None` for any other line.
    pub fn from_line(line: &str) -> Option<Row> {
        let mut f = line.split('\t');
        if f.next()? != ROW_TAG {
            return None;
        }
        let (workload, flavor) = (f.next()?.to_string(), f.next()?.to_string());
        let ops = f.next()?.parse().ok()?;
        let throughput = match f.next()? {
            "-" => Throughput::None,
            "msg" => Throughput::Messages,
            b => Throughput::Bytes(b.parse().ok()?),
        };
        let durations = |s: &str| -> Option<Vec<Duration>> {
            s.split(',')
                .map(|n| n.parse().ok().map(Duration::from_nanos))
                .collect()
        };
        Some(Row {
            workload,
            flavor,
            ops,
            throughput,
            zio: durations(f.next()?)?,
            tokio: durations(f.next()?)?,
        })
    }
}

/// Order statistics of a sample.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Smallest value.
    pub min: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub p75: f64,
    /// Largest value.
    pub max: f64,
}

impl Stats {
    /// Stats of a non-empty sample (nearest-rank percentiles).
    pub fn of(xs: impl IntoIterator<Item = f64>) -> Stats {
        let mut v: Vec<f64> = xs.into_iter().collect();
        assert!(!v.is_empty(), "stats of an empty sample");
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Stats {
            min: v[0],
            p25: at(0.25),
            median: at(0.5),
            p75: at(0.75),
            max: v[v.len() - 1],
        }
    }

    /// Stats of durations, in seconds.
    pub fn of_durations(ds: &[Duration]) -> Stats {
        Stats::of(ds.iter().map(Duration::as_secs_f64))
    }
}

/// Formats seconds with a unit that keeps 3 significant digits.
pub fn fmt_secs(s: f64) -> String {
    let (v, unit) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else if s >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// Pairwise ratios `tokio[i] / zio[i]`: above 1 means zio was faster.
pub fn ratios(row: &Row) -> Stats {
    Stats::of(
        row.zio
            .iter()
            .zip(&row.tokio)
            .map(|(z, t)| t.as_secs_f64() / z.as_secs_f64()),
    )
}

/// Output of a command, trimmed; `None` if it could not run.
fn command(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Date, kernel, cores, CPU model, load and commit, as markdown bullet lines.
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
    let commit = command("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!(
        "- date: {date}\n- kernel: {kernel}\n- cores: {cores} ({cpu})\n- load average (1/5/15 min) at start: {load}\n- zio commit: {commit} (working tree may differ)\n"
    )
}

/// The ratio table.
fn table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | flavor | zio median | tokio median | ratio tokio/zio | ratio p25–p75 | zio min–max | tokio min–max |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let (z, t, q) = (
            Stats::of_durations(&r.zio),
            Stats::of_durations(&r.tokio),
            ratios(r),
        );
        let per_op = |x: f64| fmt_secs(x / r.ops as f64);
        let _ = writeln!(
            s,
            "| {} | {} | {} ({}/op) | {} ({}/op) | **{:.2}×** | {:.2}–{:.2} | {}–{} | {}–{} |",
            r.workload,
            r.flavor,
            fmt_secs(z.median),
            per_op(z.median),
            fmt_secs(t.median),
            per_op(t.median),
            q.median,
            q.p25,
            q.p75,
            fmt_secs(z.min),
            fmt_secs(z.max),
            fmt_secs(t.min),
            fmt_secs(t.max),
        );
    }
    s
}

/// Spawn+join cost per task: raw async-task vs each runtime's `spawn_many`.
fn spawn_cost(rows: &[Row], spawn_many: &str, raw: &[Duration], raw_tasks: usize) -> String {
    let raw_ns = Stats::of_durations(raw).median / raw_tasks as f64;
    let mut s = String::from(
        "| runtime | flavor | spawn+join per task | × raw async-task |\n|---|---|---:|---:|\n",
    );
    let _ = writeln!(
        s,
        "| raw async-task | VecDeque, 1 thread | {} | 1.00× |",
        fmt_secs(raw_ns)
    );
    for r in rows.iter().filter(|r| r.workload.starts_with(spawn_many)) {
        for (name, xs) in [("zio", &r.zio), ("tokio", &r.tokio)] {
            let per = Stats::of_durations(xs).median / r.ops as f64;
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {:.2}× |",
                r.flavor,
                fmt_secs(per),
                per / raw_ns
            );
        }
    }
    s
}

/// The raw baseline's rounds and size, for the spawn-cost table.
#[derive(Debug)]
pub struct RawBaseline {
    /// Time per round.
    pub rounds: Vec<Duration>,
    /// Tasks per round.
    pub tasks: usize,
    /// Name of the runtime workload it compares with.
    pub workload: &'static str,
}

/// Operations per second, or bytes per second, of `ops` operations in `secs`.
fn rate(tp: Throughput, ops: u64, secs: f64) -> String {
    let per_s = ops as f64 / secs;
    match tp {
        Throughput::None => String::new(),
        Throughput::Messages if per_s >= 1e6 => format!("{:.2} M msg/s", per_s / 1e6),
        Throughput::Messages => format!("{:.0} k msg/s", per_s / 1e3),
        Throughput::Bytes(b) => format!("{:.2} GB/s", per_s * b as f64 / 1e9),
    }
}

/// The throughput table of the I/O rows (median round of each runtime).
fn throughput_table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | flavor · zio [backend] | zio | tokio | ratio zio/tokio |\n|---|---|---:|---:|---:|\n",
    );
    for r in rows.iter().filter(|r| r.throughput != Throughput::None) {
        let (z, t) = (Stats::of_durations(&r.zio), Stats::of_durations(&r.tokio));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | **{:.2}×** |",
            r.workload,
            r.flavor,
            rate(r.throughput, r.ops, z.median),
            rate(r.throughput, r.ops, t.median),
            ratios(r).median,
        );
    }
    s
}

/// The raw io_uring baseline of the random-read workload.
#[derive(Debug)]
pub struct RawIoBaseline {
    /// Time per round.
    pub rounds: Vec<Duration>,
    /// 4 KiB reads per round.
    pub reads: u64,
    /// Queue depth.
    pub depth: usize,
    /// Name prefix of the runtime rows it compares with.
    pub workload: &'static str,
}

/// Random 4 KiB reads: raw io_uring, then each runtime as a share of it.
fn raw_io_table(rows: &[Row], raw: &RawIoBaseline) -> String {
    let gbps = |ops: u64, secs: f64| ops as f64 * 4096.0 / secs / 1e9;
    let raw_gbps = gbps(raw.reads, Stats::of_durations(&raw.rounds).median);
    let mut s = String::from(
        "| runtime | flavor · zio [backend] | GB/s | % of raw io_uring |\n|---|---|---:|---:|\n",
    );
    let _ = writeln!(
        s,
        "| raw io_uring (physical limit) | 1 thread, qd{}, no runtime | {raw_gbps:.2} | 100% |",
        raw.depth
    );
    for r in rows.iter().filter(|r| r.workload.starts_with(raw.workload)) {
        for (name, xs) in [("zio", &r.zio), ("tokio", &r.tokio)] {
            let g = gbps(r.ops, Stats::of_durations(xs).median);
            let _ = writeln!(
                s,
                "| {name} | {} | {g:.2} | {:.0}% |",
                r.flavor,
                100.0 * g / raw_gbps
            );
        }
    }
    s
}

/// The whole markdown report; `machine` is [`machine`]'s header, `notes`
/// extra header lines.
pub fn render(
    cfg: &Config,
    machine: &str,
    notes: &[String],
    rows: &[Row],
    raw: Option<&RawBaseline>,
    raw_io: Option<&RawIoBaseline>,
) -> String {
    let mut s = String::from("# vs_tokio: zio vs tokio\n\n");
    s += machine;
    for n in notes {
        let _ = writeln!(s, "- {n}");
    }
    let _ = writeln!(
        s,
        "- mode: {} ({} warmup + {} timed rounds per runtime, interleaved, order alternating)\n",
        if cfg.quick { "--quick" } else { "full" },
        cfg.warmup,
        cfg.rounds,
    );
    s += "Times are per iteration (median over rounds; per-operation time in brackets).\n";
    s += "**ratio = tokio / zio**, computed per round pair, median shown: **> 1 means zio is faster**.\n\n";
    s += &table(rows);
    if let Some(raw) = raw {
        s += "\n## spawn+join cost vs raw async-task (target: zio ≤ 3×)\n\n";
        s += &spawn_cost(rows, raw.workload, &raw.rounds, raw.tasks);
    }
    if rows.iter().any(|r| r.throughput != Throughput::None) {
        s += "\n## I/O throughput (median round; ratio as above)\n\n";
        s += &throughput_table(rows);
    }
    if let Some(raw_io) = raw_io {
        s += "\n## random 4 KiB reads vs raw io_uring (targets: zio ≥ 70% of raw, ≥ 10× tokio::fs)\n\n";
        s += &raw_io_table(rows, raw_io);
    }
    s
}
