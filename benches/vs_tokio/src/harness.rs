//! The harness: the runtimes under test, the contenders of a row, and the
//! loop that runs them interleaved round by round.
//!
//! A row is one workload measured on every column: tokio current_thread,
//! tokio multi_thread, zio current_thread and multi_thread on io_uring (in
//! this process) and on epoll (in the epoll child, see `child`), plus any
//! extra contenders a family adds (flume, crossbeam…). Each round runs
//! every contender once, the order rotating so each goes first equally
//! often; round `i` of one contender pairs with round `i` of another.

use std::cell::RefCell;
use std::time::Instant;

use zio::runtime::IoBackend;

use crate::child::{Commands, EpollChild};
use crate::row::Row;
use crate::rt::{Flavor, Rt, Tokio, Zio};
use crate::span::Sample;
use crate::workload::{once, Throughput, Workload};

/// How many rounds to run, and which workloads.
#[derive(Debug, Clone)]
pub struct Config {
    /// Smaller sizes and fewer rounds (CI smoke test).
    pub quick: bool,
    /// Untimed runs per contender before the timed rounds.
    pub warmup: usize,
    /// Timed rounds per contender.
    pub rounds: usize,
    /// Run only workloads whose name contains this.
    pub filter: Option<String>,
}

impl Config {
    /// The configuration for a full or a `--quick` run.
    pub fn new(quick: bool, filter: Option<String>) -> Config {
        let (warmup, rounds) = if quick { (1, 3) } else { (3, 21) };
        Config {
            quick,
            warmup,
            rounds,
            filter,
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

/// Which runtime (and for zio, which backend) a column measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// tokio.
    Tokio,
    /// zio on io_uring.
    ZioUring,
    /// zio on epoll.
    ZioEpoll,
}

impl Engine {
    /// The column label ("tokio", "zio-uring", "zio-epoll").
    pub fn label(self) -> &'static str {
        match self {
            Engine::Tokio => "tokio",
            Engine::ZioUring => "zio-uring",
            Engine::ZioEpoll => "zio-epoll",
        }
    }

    /// The engine of a zio runtime on `backend`.
    fn zio(backend: IoBackend) -> Engine {
        match backend {
            IoBackend::IoUring => Engine::ZioUring,
            IoBackend::Epoll => Engine::ZioEpoll,
        }
    }
}

/// A main-table column: an engine in a flavor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Column {
    /// The runtime.
    pub engine: Engine,
    /// Its flavor.
    pub flavor: Flavor,
}

/// What a contender's rounds are reported as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// A column of the main table.
    Main(Column),
    /// An extra contender (another crate), in its family's own section.
    Extra(String),
}

/// One contender of a row: its label and one timed iteration.
pub struct Contender<'a> {
    /// How it is reported.
    pub label: Label,
    /// Runs one checked iteration.
    pub run: Box<dyn FnMut() -> Sample + 'a>,
}

impl std::fmt::Debug for Contender<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contender")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// Warmup, then `rounds` rounds of every contender, the order rotating
/// each round. One vector of samples per contender.
fn measure(warmup: usize, rounds: usize, cs: &mut [Contender<'_>]) -> Vec<Vec<Sample>> {
    for _ in 0..warmup {
        for c in cs.iter_mut() {
            (c.run)();
        }
    }
    let n = cs.len();
    let mut out = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            out[i].push((cs[i].run)());
        }
    }
    out
}

/// The runtimes of this process: zio in both flavors (on the process's
/// backend) and, in the parent, tokio in both flavors.
#[derive(Debug)]
pub struct Locals {
    tokio: Option<[Tokio; 2]>,
    zio: [Zio; 2],
    backend: IoBackend,
}

impl Locals {
    /// Builds zio's runtimes, and tokio's if `with_tokio`.
    fn new(with_tokio: bool) -> Locals {
        let zio = Flavor::RUNTIME.map(Zio::new);
        let backend = zio[0].io_backend();
        assert_eq!(
            backend,
            zio[1].io_backend(),
            "zio's two runtimes chose different backends"
        );
        Locals {
            tokio: with_tokio.then(|| Flavor::RUNTIME.map(Tokio::new)),
            zio,
            backend,
        }
    }

    /// zio's runtime of `flavor`.
    fn zio(&self, flavor: Flavor) -> &Zio {
        &self.zio[usize::from(flavor == Flavor::MultiThread)]
    }

    /// A contender running `w` on `rt`.
    fn contender<'a, R: Rt, W: Workload>(label: Label, rt: &'a R, w: &'a W) -> Contender<'a> {
        Contender {
            label,
            run: Box::new(move || once(w, rt)),
        }
    }

    /// The main-table contenders of `w` in this process.
    fn contenders<'a, W: Workload>(&'a self, w: &'a W) -> Vec<Contender<'a>> {
        let mut cs = Vec::new();
        for (i, flavor) in Flavor::RUNTIME.into_iter().enumerate() {
            if let Some(t) = &self.tokio {
                let col = Column {
                    engine: Engine::Tokio,
                    flavor,
                };
                cs.push(Self::contender(Label::Main(col), &t[i], w));
            }
        }
        for (i, flavor) in Flavor::RUNTIME.into_iter().enumerate() {
            let col = Column {
                engine: Engine::zio(self.backend),
                flavor,
            };
            cs.push(Self::contender(Label::Main(col), &self.zio[i], w));
        }
        cs
    }

    /// An extra contender: `w` on zio's runtime of `flavor`, labelled
    /// "`what` (zio-uring ct)" (the backend and flavor in brackets).
    fn on_zio_flavor<'a, W: Workload>(
        &'a self,
        what: &str,
        flavor: Flavor,
        w: &'a W,
    ) -> Contender<'a> {
        let engine = Engine::zio(self.backend).label();
        let label = Label::Extra(format!("{what} ({engine} {})", flavor.tag()));
        Self::contender(label, self.zio(flavor), w)
    }

    /// Extra contenders: `w` on zio's runtime in both flavors.
    pub fn on_zio<'a, W: Workload>(&'a self, what: &str, w: &'a W) -> Vec<Contender<'a>> {
        Flavor::RUNTIME
            .into_iter()
            .map(|f| self.on_zio_flavor(what, f, w))
            .collect()
    }

    /// Extra contenders: `w` on zio's and on tokio's multi_thread runtime,
    /// labelled "`what` (zio-uring mt)" and "`what` (tokio mt)".
    pub fn on_multi<'a, W: Workload>(&'a self, what: &str, w: &'a W) -> Vec<Contender<'a>> {
        let mut cs = vec![self.on_zio_flavor(what, Flavor::MultiThread, w)];
        if let Some(t) = &self.tokio {
            cs.push(Self::contender(
                Label::Extra(format!("{what} (tokio mt)")),
                &t[1],
                w,
            ));
        }
        cs
    }
}

/// Which side of the epoll split this process is.
#[derive(Debug)]
enum Role {
    /// The main process; it talks to the epoll child, if there is one.
    Parent(Option<RefCell<EpollChild>>),
    /// The epoll child: it runs what the parent asks, row by row.
    Child(Commands),
}

/// Runs the selected workloads and collects their rows.
#[derive(Debug)]
pub struct Harness {
    /// Rounds, sizes and filter.
    pub cfg: Config,
    locals: Locals,
    role: Role,
    rows: Vec<Row>,
}

impl Harness {
    /// The main process's harness: tokio and zio (on the default backend)
    /// here, and, if that backend is io_uring, zio on epoll in a child.
    pub fn parent(cfg: Config) -> Harness {
        let locals = Locals::new(true);
        let child = match locals.backend {
            IoBackend::IoUring => Some(RefCell::new(EpollChild::spawn(&cfg))),
            other => {
                eprintln!("warning: zio runs on {other} here, not io_uring: no zio-uring column");
                None
            }
        };
        Harness {
            cfg,
            locals,
            role: Role::Parent(child),
            rows: Vec::new(),
        }
    }

    /// The epoll child's harness: zio only, on epoll (`ZIO_BACKEND=epoll`
    /// set by the parent), serving the parent's requests on stdin.
    pub fn child(cfg: Config) -> Harness {
        let locals = Locals::new(false);
        assert_eq!(
            locals.backend,
            IoBackend::Epoll,
            "epoll child: zio did not get the epoll backend"
        );
        Harness {
            cfg,
            locals,
            role: Role::Child(Commands::stdin()),
            rows: Vec::new(),
        }
    }

    /// Whether the filter selects a workload named `name`.
    pub fn selected(&self, name: &str) -> bool {
        self.cfg.filter.as_deref().is_none_or(|f| name.contains(f))
    }

    /// Whether this is the main process (it runs the baselines and writes
    /// the report).
    pub fn is_parent(&self) -> bool {
        matches!(self.role, Role::Parent(_))
    }

    /// Runs `w` (if selected) on every column.
    pub fn bench<W: Workload>(&mut self, w: W) {
        self.bench_with(w, |_| Vec::new());
    }

    /// Runs `w` (if selected) on every column, in the same rounds as the
    /// extra contenders `extras` builds (parent only).
    pub fn bench_with<'s, W: Workload>(
        &'s mut self,
        w: W,
        extras: impl FnOnce(&'s Locals) -> Vec<Contender<'s>>,
    ) {
        let name = w.name();
        if !self.selected(&name) {
            return;
        }
        let child = match &mut self.role {
            Role::Child(cmds) => {
                let locals = &self.locals;
                cmds.serve(&name, |flavor| once(&w, locals.zio(flavor)));
                return;
            }
            Role::Parent(child) => child.as_ref(),
        };
        eprintln!("running {name}");
        let started = Instant::now();
        let mut cs = self.locals.contenders(&w);
        if let Some(child) = child {
            for flavor in Flavor::RUNTIME {
                let name = name.as_str();
                cs.push(Contender {
                    label: Label::Main(Column {
                        engine: Engine::ZioEpoll,
                        flavor,
                    }),
                    run: Box::new(move || child.borrow_mut().run(name, flavor)),
                });
            }
        }
        cs.extend(extras(&self.locals));
        let (warmup, rounds) = w.rounds(&self.cfg);
        let samples = measure(warmup, rounds, &mut cs);
        if let Some(child) = child {
            child.borrow_mut().next(&name);
        }
        self.rows
            .push(Row::new(name.clone(), w.throughput(), cs, samples));
        eprintln!("  {:.1} s", started.elapsed().as_secs_f64());
    }

    /// Records a row of contenders that use no runtime of the harness
    /// (plain threads), if `name` is selected; the epoll child skips it.
    pub fn bench_plain(&mut self, name: &str, mut cs: Vec<Contender<'_>>) {
        if !self.selected(name) || !self.is_parent() {
            return;
        }
        eprintln!("running {name}");
        let samples = measure(self.cfg.warmup, self.cfg.rounds, &mut cs);
        let row = Row::new(name.to_string(), Throughput::Messages, cs, samples);
        self.rows.push(row);
    }

    /// The rows recorded; waits for the epoll child to exit.
    pub fn finish(self) -> Vec<Row> {
        if let Role::Parent(Some(child)) = self.role {
            child.into_inner().finish();
        }
        self.rows
    }
}
