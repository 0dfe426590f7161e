//! Statistics over the rounds, and the markdown report (machine header,
//! ratio table, spawn-cost table).

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::harness::Config;

/// One workload on one flavor: every timed round of both runtimes.
#[derive(Debug)]
pub struct Row {
    /// Workload name with parameters.
    pub workload: String,
    /// Flavor label ("multi_thread(2)", "current_thread").
    pub flavor: String,
    /// Operations per iteration.
    pub ops: u64,
    /// zio's time per round.
    pub zio: Vec<Duration>,
    /// tokio's time per round (same round index as `zio`).
    pub tokio: Vec<Duration>,
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

/// The whole markdown report; `machine` is [`machine`]'s header.
pub fn render(cfg: &Config, machine: &str, rows: &[Row], raw: Option<&RawBaseline>) -> String {
    let mut s = String::from("# vs_tokio: zio vs tokio\n\n");
    s += machine;
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
    s
}
