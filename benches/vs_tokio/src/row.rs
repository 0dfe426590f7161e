//! A measured row: every contender's samples, and the ratios the report
//! shows. **speedup = best tokio flavor's time / zio's time**, computed
//! round by round (round `i` of one with round `i` of the other): above 1
//! means zio is faster. Each side uses its better flavor (lower median
//! time per operation); the per-flavor numbers are in the detail table.

use crate::harness::{Contender, Engine, Label};
use crate::rt::Flavor;
use crate::span::Sample;
use crate::stats::Stats;
use crate::workload::Throughput;

/// One workload: every contender's timed rounds.
#[derive(Debug)]
pub struct Row {
    /// Workload name with parameters.
    pub workload: String,
    /// What the throughput table shows for this row.
    pub throughput: Throughput,
    /// Each contender's label and samples, in registration order.
    pub cols: Vec<(Label, Vec<Sample>)>,
}

/// Median wall time per operation of `xs`, in seconds.
pub fn median_per_op(xs: &[Sample]) -> f64 {
    Stats::of(xs.iter().map(Sample::secs_per_op)).median
}

/// Median CPU time (the process's user + system) per operation of `xs`,
/// in seconds.
pub fn median_cpu_per_op(xs: &[Sample]) -> f64 {
    Stats::of(xs.iter().map(Sample::cpu_per_op)).median
}

/// Median over the rounds of `xs` of the p99 latency, in seconds; `None`
/// if the rounds measured none.
pub fn median_tail(xs: &[Sample]) -> Option<f64> {
    let tails: Vec<f64> = xs
        .iter()
        .filter_map(|s| Some(s.tail?.as_secs_f64()))
        .collect();
    (!tails.is_empty()).then(|| Stats::of(tails).median)
}

impl Row {
    /// The row of contenders `cs`, whose rounds are `samples`.
    pub fn new(
        workload: String,
        throughput: Throughput,
        cs: Vec<Contender<'_>>,
        samples: Vec<Vec<Sample>>,
    ) -> Row {
        Row {
            workload,
            throughput,
            cols: cs.into_iter().map(|c| c.label).zip(samples).collect(),
        }
    }

    /// The main-table columns of `engine`, each with its flavor.
    fn engine(&self, engine: Engine) -> impl Iterator<Item = (Flavor, &[Sample])> {
        self.cols.iter().filter_map(move |(l, xs)| match l {
            Label::Main(c) if c.engine == engine => Some((c.flavor, xs.as_slice())),
            _ => None,
        })
    }

    /// The samples of `engine` in `flavor`, if that column was measured.
    pub fn column(&self, engine: Engine, flavor: Flavor) -> Option<&[Sample]> {
        self.engine(engine)
            .find(|(f, _)| *f == flavor)
            .map(|(_, xs)| xs)
    }

    /// `engine`'s better flavor (lower median time per operation).
    pub fn best(&self, engine: Engine) -> Option<(Flavor, &[Sample])> {
        self.engine(engine)
            .min_by(|a, b| median_per_op(a.1).total_cmp(&median_per_op(b.1)))
    }

    /// The pairwise speedups of `engine`'s best flavor over tokio's best.
    pub fn speedup(&self, engine: Engine) -> Option<Stats> {
        let (_, tokio) = self.best(Engine::Tokio)?;
        let (_, zio) = self.best(engine)?;
        Some(Stats::of(
            tokio
                .iter()
                .zip(zio)
                .map(|(t, z)| t.secs_per_op() / z.secs_per_op()),
        ))
    }

    /// Whether any column's rounds measured tail latency.
    pub fn has_tail(&self) -> bool {
        self.cols.iter().any(|(_, xs)| median_tail(xs).is_some())
    }

    /// The extra contenders (other crates).
    pub fn extras(&self) -> impl Iterator<Item = (&str, &[Sample])> {
        self.cols.iter().filter_map(|(l, xs)| match l {
            Label::Extra(name) => Some((name.as_str(), xs.as_slice())),
            Label::Main(_) => None,
        })
    }
}
