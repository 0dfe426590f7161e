//! Timer workloads (issue 2): timer_churn (timers inserted and cancelled
//! at a high rate, a few firing) and timer_fire (many timers firing at once).

use std::future::Future;
use std::time::Duration;

use crate::harness::Harness;
use crate::rt::Rt;
use crate::span::Span;
use crate::workload::{sum, Workload};

/// The timeout that never fires in [`TimerChurn`].
const LONG: Duration = Duration::from_secs(1);

/// The short sleep both workloads use. Its 1 ms is a floor of the
/// iteration time on both runtimes (tokio rounds it up to its 1 ms tick).
const SHORT: Duration = Duration::from_millis(1);

/// Registers every timer workload with `h`.
pub fn register(h: &mut Harness) {
    let c = h.cfg.clone();
    h.bench(TimerChurn {
        tasks: c.size(500, 100),
        iters: 200,
        sleep_every: 50,
    });
    h.bench(TimerFire {
        tasks: c.size(10_000, 2_000),
    });
}

/// `tasks` tasks, each running `iters` times `timeout(1 s, yield_now())`
/// (a timer registered, then cancelled when the future wins), and every
/// `sleep_every`-th iteration a 1 ms sleep (a timer that fires).
#[derive(Debug)]
pub struct TimerChurn {
    /// Concurrent tasks.
    pub tasks: usize,
    /// Timeouts per task.
    pub iters: usize,
    /// A sleep every this many iterations.
    pub sleep_every: usize,
}

impl Workload for TimerChurn {
    fn name(&self) -> String {
        format!("timer_churn/{}x{}", self.tasks, self.iters)
    }

    fn ops(&self) -> u64 {
        (self.tasks * self.iters) as u64
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        let (tasks, iters, every) = (self.tasks, self.iters, self.sleep_every);
        async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    R::spawn(async move {
                        let mut won = 0u64;
                        for i in 0..iters {
                            if R::timeout(LONG, R::yield_now()).await.is_some() {
                                won += 1;
                            }
                            if i % every == every - 1 {
                                R::sleep(SHORT).await;
                            }
                        }
                        won
                    })
                })
                .collect();
            sum(handles).await
        }
    }
}

/// `tasks` tasks each sleeping 1 ms once: many timers expiring together.
#[derive(Debug)]
pub struct TimerFire {
    /// Concurrent sleeping tasks.
    pub tasks: usize,
}

impl Workload for TimerFire {
    fn name(&self) -> String {
        format!("timer_fire/{}", self.tasks)
    }

    fn ops(&self) -> u64 {
        self.tasks as u64
    }

    fn body<R: Rt>(&self, _span: Span) -> impl Future<Output = u64> + Send + 'static {
        let tasks = self.tasks;
        async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    R::spawn(async {
                        R::sleep(SHORT).await;
                        1u64
                    })
                })
                .collect();
            sum(handles).await
        }
    }
}
