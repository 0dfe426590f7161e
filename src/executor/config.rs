//! Settings a `Builder` collects and the runtime's threads read.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::reactor::RingConfig;

pub(crate) type Callback = Arc<dyn Fn() + Send + Sync>;
pub(crate) type ThreadNameFn = Arc<dyn Fn() -> String + Send + Sync>;

/// Settings of the blocking pool.
#[derive(Clone)]
pub(crate) struct BlockingConfig {
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name: ThreadNameFn,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<Callback>,
    pub(crate) on_thread_stop: Option<Callback>,
}

impl Default for BlockingConfig {
    fn default() -> BlockingConfig {
        BlockingConfig {
            max_threads: 512,
            keep_alive: Duration::from_secs(10),
            thread_name: Arc::new(|| "zio-blocking".to_string()),
            stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
        }
    }
}

impl fmt::Debug for BlockingConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingConfig")
            .field("max_threads", &self.max_threads)
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

/// Settings of a runtime.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) thread_name: ThreadNameFn,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<Callback>,
    pub(crate) on_thread_stop: Option<Callback>,
    pub(crate) ring: RingConfig,
    /// Tasks run between two looks at the driver and the injector.
    pub(crate) event_interval: u32,
    pub(crate) blocking: BlockingConfig,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("ring", &self.ring)
            .field("event_interval", &self.event_interval)
            .field("blocking", &self.blocking)
            .finish_non_exhaustive()
    }
}
