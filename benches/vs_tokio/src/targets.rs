//! The issues' targets, checked against this run's rows: "met" or "not
//! met" with the numbers. Reported only, never asserted (and meaningless
//! for a `--quick` run).

use std::fmt::Write as _;

use crate::batch;
use crate::harness::Engine;
use crate::report::Baseline;
use crate::row::{median_per_op, median_tail, Row};
use crate::stats::fmt_secs;

/// One target line.
fn line(s: &mut String, target: &str, ok: bool, detail: &str) {
    let verdict = if ok { "met" } else { "**not met**" };
    let _ = writeln!(s, "- {target}: {verdict} ({detail})");
}

/// zio-uring's median speedup on each row matching `pick` must be at
/// least `min`.
fn speedup_at_least(
    s: &mut String,
    rows: &[Row],
    target: &str,
    min: f64,
    pick: impl Fn(&Row) -> bool,
) {
    let picked: Vec<_> = rows
        .iter()
        .filter(|r| pick(r))
        .filter_map(|r| Some((r, r.speedup(Engine::ZioUring)?.median)))
        .collect();
    if picked.is_empty() {
        return;
    }
    let behind: Vec<_> = picked
        .iter()
        .filter(|(_, x)| *x < min)
        .map(|(r, x)| format!("{} {x:.2}×", r.workload))
        .collect();
    let detail = if behind.is_empty() {
        format!("{} rows", picked.len())
    } else {
        format!(
            "{}/{} rows behind: {}",
            behind.len(),
            picked.len(),
            behind.join(", ")
        )
    };
    line(s, target, behind.is_empty(), &detail);
}

/// zio-uring's best time per operation on the rows of `b` must be at most
/// `max` times the baseline's.
fn within_baseline(s: &mut String, rows: &[Row], b: &Baseline, target: &str, max: f64) {
    let base = median_per_op(&b.samples);
    for r in rows.iter().filter(|r| r.workload.starts_with(&b.workload)) {
        if let Some((_, xs)) = r.best(Engine::ZioUring) {
            let x = median_per_op(xs) / base;
            line(
                s,
                target,
                x <= max,
                &format!("{}: {x:.2}× the time of {}", r.workload, b.what),
            );
        }
    }
}

/// The fastest of `r`'s extra contenders whose label starts with
/// `extra`: its label and median time per operation.
fn best_extra<'a>(r: &'a Row, extra: &str) -> Option<(&'a str, f64)> {
    r.extras()
        .filter(|(n, _)| n.starts_with(extra))
        .map(|(n, xs)| (n, median_per_op(xs)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// On each row starting with `row`, zio-uring's best time per operation
/// must be at most `max` times the best of its extra contenders whose
/// label starts with `extra`.
fn within_extra(s: &mut String, rows: &[Row], row: &str, extra: &str, target: &str, max: f64) {
    for r in rows.iter().filter(|r| r.workload.starts_with(row)) {
        if let (Some((name, t)), Some((_, zio))) = (best_extra(r, extra), r.best(Engine::ZioUring))
        {
            let x = median_per_op(zio) / t;
            let detail = format!(
                "zio-uring takes {x:.2}× the time of {name}: {:.2}× its speed",
                1.0 / x
            );
            line(s, target, x <= max, &detail);
        }
    }
}

/// What the baseline `b` reaches on its rows against tokio's better
/// flavor and against the best extra contender whose label starts with
/// `extra` (if any): the most a runtime doing what the baseline does could
/// show there.
fn ceiling(s: &mut String, rows: &[Row], b: &Baseline, extra: Option<&str>) {
    let base = median_per_op(&b.samples);
    for r in rows.iter().filter(|r| r.workload.starts_with(&b.workload)) {
        let mut against: Vec<String> = r
            .best(Engine::Tokio)
            .map(|(_, xs)| format!("{:.2}× tokio", median_per_op(xs) / base))
            .into_iter()
            .collect();
        if let Some((name, t)) = extra.and_then(|e| best_extra(r, e)) {
            against.push(format!("{:.2}× {name}", t / base));
        }
        let _ = writeln!(
            s,
            "- the ceiling of {}: {} reaches {}",
            r.workload,
            b.what,
            against.join(" and ")
        );
    }
}

/// On each row starting with `row`, zio-uring's p99 latency (in its
/// better flavor) must be no worse than tokio's (in tokio's better one).
fn tail_no_worse(s: &mut String, rows: &[Row], row: &str, target: &str) {
    for r in rows.iter().filter(|r| r.workload.starts_with(row)) {
        let tail = |engine| median_tail(r.best(engine)?.1);
        if let (Some(zio), Some(tokio)) = (tail(Engine::ZioUring), tail(Engine::Tokio)) {
            let detail = format!(
                "{}: p99 {} against tokio's {}",
                r.workload,
                fmt_secs(zio),
                fmt_secs(tokio)
            );
            line(s, target, zio <= tokio, &detail);
        }
    }
}

/// The targets section.
pub fn section(rows: &[Row], baselines: &[Baseline], quick: bool) -> String {
    let mut s = String::new();
    if quick {
        s += "(a `--quick` run: sizes and rounds are too small for these to mean anything)\n\n";
    }
    speedup_at_least(
        &mut s,
        rows,
        "zio-uring ≥ 1.0× the better tokio flavor on every row",
        1.0,
        |_| true,
    );
    speedup_at_least(
        &mut s,
        rows,
        "zio-uring ≥ 1.2× on TCP echo at 64+ connections",
        1.2,
        |r| r.workload.starts_with("echo/") && !r.workload.starts_with("echo/1conn"),
    );
    speedup_at_least(
        &mut s,
        rows,
        "zio-uring ≥ 1.2× on hyper HTTP/1.1",
        1.2,
        |r| r.workload.starts_with("http1"),
    );
    for b in baselines.iter().filter(|b| b.workload.starts_with("http")) {
        ceiling(&mut s, rows, b, None);
    }
    tail_no_worse(
        &mut s,
        rows,
        "http1",
        "zio-uring's p99 latency no worse than tokio's on hyper HTTP/1.1",
    );
    speedup_at_least(
        &mut s,
        rows,
        "zio-uring ≥ 10× tokio::fs on 4 KiB reads",
        10.0,
        |r| r.workload.starts_with("file_rand_4k"),
    );
    speedup_at_least(
        &mut s,
        rows,
        "CompletionQueue ≥ 10× tokio::fs (JoinSet) on batch reads",
        10.0,
        |r| r.workload.starts_with(batch::NAME),
    );
    for b in baselines {
        if b.workload.starts_with("spawn_many") {
            within_baseline(
                &mut s,
                rows,
                b,
                "spawn+join within 3× of raw async-task",
                3.0,
            );
        } else if b.workload.starts_with("file_rand_4k") {
            within_baseline(
                &mut s,
                rows,
                b,
                "4 KiB reads ≥ 70% of raw io_uring",
                1.0 / 0.7,
            );
        } else if b.workload.starts_with(batch::NAME) {
            within_baseline(
                &mut s,
                rows,
                b,
                "CompletionQueue ≥ 80% of raw io_uring",
                1.0 / 0.8,
            );
            ceiling(&mut s, rows, b, Some(batch::TASK_PER_READ));
        }
    }
    within_extra(
        &mut s,
        rows,
        "sync_threads",
        "crossbeam",
        "thread-to-thread within 1.5× of crossbeam-channel",
        1.5,
    );
    within_extra(
        &mut s,
        rows,
        batch::NAME,
        batch::TASK_PER_READ,
        "CompletionQueue ≥ 1.2× zio task-per-read",
        1.0 / 1.2,
    );
    s
}
