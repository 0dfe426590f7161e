//! What a benchmark is: a [`Workload`], an async body written once for
//! every [`Rt`], and how one iteration of it is run and timed ([`once`]).

use std::future::Future;

use crate::harness::Config;
use crate::rt::Rt;
use crate::span::{Sample, Span};

/// What the throughput table shows for a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throughput {
    /// Nothing (the per-operation time says it all).
    None,
    /// Operations per second, as messages/s.
    Messages,
    /// Operations per second, as requests/s.
    Requests,
    /// Bytes per second (GB/s); each operation moves this many bytes.
    Bytes(u64),
}

/// A benchmark workload, written once for every [`Rt`].
pub trait Workload {
    /// The name in the report, with its parameters (`spawn_many/10000`).
    fn name(&self) -> String;

    /// Operations in one iteration (tasks, yields, messages…): what the
    /// body must return (see [`Workload::check`]). The report divides each
    /// iteration's time by the count its body returned.
    fn ops(&self) -> u64;

    /// Panics unless `got`, the body's result, is right: by default it
    /// must be [`Workload::ops`]. The smoke test relies on this.
    fn check(&self, got: u64) {
        assert_eq!(got, self.ops(), "{}: wrong result", self.name());
    }

    /// What the throughput table shows (nothing by default).
    fn throughput(&self) -> Throughput {
        Throughput::None
    }

    /// Warmup iterations and timed rounds per contender.
    fn rounds(&self, cfg: &Config) -> (usize, usize) {
        (cfg.warmup, cfg.rounds)
    }

    /// One iteration; returns its count of operations. The harness spawns
    /// it as a task (so it runs on a worker) and times it with `span`
    /// from the task's start to the body's end; the body may restart the
    /// span after its setup.
    fn body<R: Rt>(&self, span: Span) -> impl Future<Output = u64> + Send + 'static;
}

/// One checked, timed iteration of `w` on `rt`.
pub fn once<R: Rt, W: Workload>(w: &W, rt: &R) -> Sample {
    let span = Span::new();
    let body = w.body::<R>(span.clone());
    let timed = span.clone();
    let got = rt.block_on(async move {
        R::spawn(async move {
            timed.start();
            let got = body.await;
            timed.stop();
            got
        })
        .await
    });
    w.check(got);
    span.sample(got)
}

/// Awaits every handle in order; returns the sum of their outputs.
pub async fn sum<J: Future<Output = u64>>(handles: Vec<J>) -> u64 {
    let mut total = 0;
    for h in handles {
        total += h.await;
    }
    total
}
