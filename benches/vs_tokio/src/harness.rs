//! The harness: a workload trait, and the loop that runs each workload on
//! zio and tokio interleaved (A B B A …) and records every round.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::report::Row;
use crate::rt::{Flavor, Rt, Tokio, Zio};

/// How many rounds to run, and which workloads.
#[derive(Debug, Clone)]
pub struct Config {
    /// Smaller sizes and fewer rounds (CI smoke test).
    pub quick: bool,
    /// Untimed runs per runtime before the timed rounds.
    pub warmup: usize,
    /// Timed rounds per runtime; round `i` of zio pairs with round `i` of tokio.
    pub rounds: usize,
    /// Run only workloads whose name contains this.
    pub filter: Option<String>,
    /// This process is the epoll child (`--epoll-child`): it runs only the
    /// I/O workloads, with zio forced onto epoll, and prints its rows for
    /// the parent (see `main`).
    pub epoll_child: bool,
}

impl Config {
    /// The configuration for a full or a `--quick` run.
    pub fn new(quick: bool, filter: Option<String>) -> Config {
        let (warmup, rounds) = if quick { (1, 5) } else { (5, 41) };
        Config {
            quick,
            warmup,
            rounds,
            filter,
            epoll_child: false,
        }
    }

    /// Picks the full or the quick value of a workload parameter.
    pub fn size(&self, full: usize, quick: usize) -> usize {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

/// What the throughput table shows for a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throughput {
    /// Nothing (not an I/O workload).
    None,
    /// Operations per second, as messages/s.
    Messages,
    /// Bytes per second (GB/s); each operation moves this many bytes.
    Bytes(u64),
}

/// A benchmark workload, written once for every [`Rt`].
pub trait Workload {
    /// The name in the report, with its parameters (`spawn_many/10000`).
    fn name(&self) -> String;

    /// Operations in one iteration (tasks, yields, messages…): the report
    /// divides by it to show a per-operation time.
    fn ops(&self) -> u64;

    /// The value `body` must return: a workload that computed anything
    /// else panics the run (the smoke test relies on this).
    fn expected(&self) -> u64;

    /// What the throughput table shows (nothing by default).
    fn throughput(&self) -> Throughput {
        Throughput::None
    }

    /// Whether this is an I/O workload: its rows name zio's backend, and it
    /// runs again with zio on epoll (in a child process, see `main`).
    fn io(&self) -> bool {
        false
    }

    /// One iteration. The harness spawns it as a task (so it runs on a
    /// worker) and times it from `block_on` entry to exit.
    fn body<R: Rt>(&self) -> impl Future<Output = u64> + Send + 'static;
}

/// Runs one iteration of `w` on `rt`, checks its result, returns its time.
fn time_once<R: Rt, W: Workload>(rt: &R, w: &W) -> Duration {
    let body = w.body::<R>();
    let start = Instant::now();
    let got = rt.block_on(async move { R::spawn(body).await });
    let elapsed = start.elapsed();
    assert_eq!(
        got,
        w.expected(),
        "{} on {} {}: wrong result",
        w.name(),
        rt.name(),
        rt.flavor().label()
    );
    elapsed
}

/// Runs `w` on `zio` and `tokio` alternately: warmup, then `rounds` timed
/// pairs, swapping which goes first every round so neither always runs on
/// the caches the other warmed.
fn compare<A: Rt, B: Rt, W: Workload>(
    cfg: &Config,
    zio: &A,
    tokio: &B,
    w: &W,
) -> (Vec<Duration>, Vec<Duration>) {
    for _ in 0..cfg.warmup {
        time_once(zio, w);
        time_once(tokio, w);
    }
    let mut z = Vec::with_capacity(cfg.rounds);
    let mut t = Vec::with_capacity(cfg.rounds);
    for round in 0..cfg.rounds {
        if round % 2 == 0 {
            z.push(time_once(zio, w));
            t.push(time_once(tokio, w));
        } else {
            t.push(time_once(tokio, w));
            z.push(time_once(zio, w));
        }
    }
    (z, t)
}

/// The four runtimes under test, built once and reused by every workload.
#[derive(Debug)]
pub struct Runtimes {
    zio_multi: Zio,
    zio_current: Zio,
    tokio_multi: Tokio,
    tokio_current: Tokio,
}

impl Runtimes {
    /// Builds zio and tokio, each multi-thread and current-thread.
    pub fn new() -> Runtimes {
        Runtimes {
            zio_multi: Zio::new(Flavor::MultiThread),
            zio_current: Zio::new(Flavor::CurrentThread),
            tokio_multi: Tokio::new(Flavor::MultiThread),
            tokio_current: Tokio::new(Flavor::CurrentThread),
        }
    }

    /// The backend of zio's runtimes (both flavors; panics if they differ).
    pub fn zio_backend(&self) -> zio::runtime::IoBackend {
        let b = self.zio_multi.io_backend();
        assert_eq!(
            b,
            self.zio_current.io_backend(),
            "zio's two runtimes chose different backends"
        );
        b
    }

    /// zio and tokio of one flavor.
    pub fn pair(&self, flavor: Flavor) -> (&Zio, &Tokio) {
        match flavor {
            Flavor::MultiThread => (&self.zio_multi, &self.tokio_multi),
            Flavor::CurrentThread => (&self.zio_current, &self.tokio_current),
        }
    }
}

/// Runs the selected workloads and collects their rows.
#[derive(Debug)]
pub struct Harness {
    /// Rounds, sizes and filter.
    pub cfg: Config,
    rts: Arc<Runtimes>,
    rows: Vec<Row>,
}

impl Harness {
    /// A harness over freshly built runtimes.
    pub fn new(cfg: Config) -> Harness {
        Harness {
            cfg,
            rts: Arc::new(Runtimes::new()),
            rows: Vec::new(),
        }
    }

    /// The backend zio's runtimes do I/O through.
    pub fn zio_backend(&self) -> zio::runtime::IoBackend {
        self.rts.zio_backend()
    }

    /// Whether the filter selects a workload named `name`.
    pub fn selected(&self, name: &str) -> bool {
        self.cfg.filter.as_deref().is_none_or(|f| name.contains(f))
    }

    /// Runs `w` (if selected): zio multi vs tokio multi, then zio current vs
    /// tokio current; one row each.
    pub fn bench<W: Workload>(&mut self, w: W) {
        let name = w.name();
        if !self.selected(&name) || (self.cfg.epoll_child && !w.io()) {
            return;
        }
        eprintln!("running {name}");
        let rts = &self.rts;
        let multi = compare(&self.cfg, &rts.zio_multi, &rts.tokio_multi, &w);
        let current = compare(&self.cfg, &rts.zio_current, &rts.tokio_current, &w);
        // I/O rows say which zio ran them: "zio" on its default backend,
        // "zio-epoll" in the epoll child; and the backend it really got.
        let tag = w.io().then(|| {
            let label = if self.cfg.epoll_child {
                "zio-epoll"
            } else {
                "zio"
            };
            format!(" · {label} [{}]", rts.zio_backend())
        });
        for (flavor, (zio, tokio)) in [
            (Flavor::MultiThread, multi),
            (Flavor::CurrentThread, current),
        ] {
            self.rows.push(Row {
                workload: name.clone(),
                flavor: format!("{}{}", flavor.label(), tag.as_deref().unwrap_or("")),
                ops: w.ops(),
                throughput: w.throughput(),
                zio,
                tokio,
            });
        }
    }

    /// The runtimes, shared: for families that run their own contenders
    /// (see `sync`) while recording rows with [`Harness::push_row`].
    pub fn runtimes_arc(&self) -> Arc<Runtimes> {
        Arc::clone(&self.rts)
    }

    /// Records a row measured outside [`Harness::bench`].
    pub fn push_row(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// The rows recorded so far.
    pub fn into_rows(self) -> Vec<Row> {
        self.rows
    }
}
