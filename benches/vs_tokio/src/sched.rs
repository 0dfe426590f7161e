//! Scheduler workloads (issue 2): spawn_many, yield_many, ping_pong,
//! chained_spawn, and spawn_blocking throughput.

use std::future::Future;
use std::sync::Arc;

use crate::chan::Slot;
use crate::harness::Harness;
use crate::rt::Rt;
use crate::span::Span;
use crate::workload::{sum, Workload};

/// Tasks per [`SpawnMany`] iteration (the raw baseline spawns as many).
pub const SPAWN_TASKS: usize = 10_000;

/// Registers every scheduler workload with `h`.
pub fn register(h: &mut Harness) {
    let c = h.cfg.clone();
    h.bench(SpawnMany { tasks: SPAWN_TASKS });
    h.bench(YieldMany {
        tasks: c.size(200, 50),
        yields: 1_000,
    });
    h.bench(PingPong {
        pairs: c.size(100, 20),
        round_trips: c.size(500, 100),
    });
    h.bench(ChainedSpawn {
        depth: 1_000,
        chains: c.size(20, 5),
    });
    h.bench(SpawnBlocking {
        jobs: c.size(10_000, 1_000),
    });
}

/// Spawns `tasks` trivial tasks from inside a task, then awaits them all.
#[derive(Debug)]
pub struct SpawnMany {
    /// Tasks spawned per iteration.
    pub tasks: usize,
}

impl Workload for SpawnMany {
    fn name(&self) -> String {
        format!("spawn_many/{}", self.tasks)
    }

    fn ops(&self) -> u64 {
        self.tasks as u64
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        let tasks = self.tasks;
        async move {
            let handles: Vec<_> = (0..tasks).map(|_| R::spawn(async { 1u64 })).collect();
            sum(handles).await
        }
    }
}

/// `tasks` tasks, each yielding `yields` times.
#[derive(Debug)]
pub struct YieldMany {
    /// Concurrent tasks.
    pub tasks: usize,
    /// Yields per task.
    pub yields: usize,
}

impl Workload for YieldMany {
    fn name(&self) -> String {
        format!("yield_many/{}x{}", self.tasks, self.yields)
    }

    fn ops(&self) -> u64 {
        (self.tasks * self.yields) as u64
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        let (tasks, yields) = (self.tasks, self.yields);
        async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    R::spawn(async move {
                        for _ in 0..yields {
                            R::yield_now().await;
                        }
                        yields as u64
                    })
                })
                .collect();
            sum(handles).await
        }
    }
}

/// `pairs` pairs of tasks, each pair bouncing a counter `round_trips`
/// times through two [`Slot`]s.
#[derive(Debug)]
pub struct PingPong {
    /// Concurrent pairs.
    pub pairs: usize,
    /// Round trips per pair (two messages each).
    pub round_trips: usize,
}

impl Workload for PingPong {
    fn name(&self) -> String {
        format!("ping_pong/{}x{}", self.pairs, self.round_trips)
    }

    fn ops(&self) -> u64 {
        (self.pairs * self.round_trips * 2) as u64
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        let (pairs, trips) = (self.pairs, self.round_trips);
        async move {
            let mut handles = Vec::with_capacity(pairs * 2);
            for _ in 0..pairs {
                let ping = Arc::new(Slot::<u64>::new());
                let pong = Arc::new(Slot::<u64>::new());
                let (ping2, pong2) = (ping.clone(), pong.clone());
                // The ponger echoes n + 1; it counts the messages it got.
                handles.push(R::spawn(async move {
                    for _ in 0..trips {
                        let n = ping2.recv().await;
                        pong2.send(n + 1).await;
                    }
                    trips as u64
                }));
                // The pinger checks every echo.
                handles.push(R::spawn(async move {
                    for i in 0..trips as u64 {
                        ping.send(2 * i).await;
                        assert_eq!(pong.recv().await, 2 * i + 1, "ping_pong: bad echo");
                    }
                    trips as u64
                }));
            }
            sum(handles).await
        }
    }
}

/// A task spawns a task that spawns … `depth` deep (each detaching the
/// next); the last signals the root. Repeated `chains` times in sequence.
#[derive(Debug)]
pub struct ChainedSpawn {
    /// Tasks in one chain.
    pub depth: usize,
    /// Chains per iteration.
    pub chains: usize,
}

/// Spawns the next link of the chain, or signals `done` at the end.
fn link<R: Rt>(left: usize, hops: u64, done: Arc<Slot<u64>>) {
    if left == 0 {
        done.try_send(hops).expect("chained_spawn: done slot full");
    } else {
        drop(R::spawn(async move { link::<R>(left - 1, hops + 1, done) }));
    }
}

impl Workload for ChainedSpawn {
    fn name(&self) -> String {
        format!("chained_spawn/{}x{}", self.depth, self.chains)
    }

    fn ops(&self) -> u64 {
        (self.depth * self.chains) as u64
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        let (depth, chains) = (self.depth, self.chains);
        async move {
            let mut hops = 0;
            for _ in 0..chains {
                let done = Arc::new(Slot::new());
                link::<R>(depth, 0, done.clone());
                hops += done.recv().await;
            }
            hops
        }
    }
}

/// Spawns `jobs` trivial closures on the blocking pool from a task, then
/// awaits them all: the pool's hand-off and wake-up cost.
#[derive(Debug)]
pub struct SpawnBlocking {
    /// Closures per iteration.
    pub jobs: usize,
}

impl Workload for SpawnBlocking {
    fn name(&self) -> String {
        format!("spawn_blocking/{}", self.jobs)
    }

    fn ops(&self) -> u64 {
        self.jobs as u64
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        let jobs = self.jobs;
        async move {
            let handles: Vec<_> = (0..jobs)
                .map(|i| R::spawn_blocking(move || u64::from(std::hint::black_box(i) < jobs)))
                .collect();
            sum(handles).await
        }
    }
}
