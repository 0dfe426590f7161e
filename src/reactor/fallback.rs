//! The fallback driver: one process-wide thread with its own ring that
//! serves ops and timers polled where no zio runtime runs (plain threads,
//! tokio, `futures::executor::block_on`, ...). Started on first use; it
//! never blocks the caller's thread.

use std::sync::{Arc, OnceLock};

use super::driver::{Completions, Driver, DriverShared};
use super::uring::RingConfig;

/// The fallback driver's shared half, starting its thread on first use.
pub(crate) fn shared() -> Arc<DriverShared> {
    static FALLBACK: OnceLock<Arc<DriverShared>> = OnceLock::new();
    FALLBACK.get_or_init(start).clone()
}

fn start() -> Arc<DriverShared> {
    let shared = DriverShared::new().expect("zio: cannot create the fallback driver's eventfd");
    let for_thread = shared.clone();
    std::thread::Builder::new()
        .name("zio-fallback".into())
        .spawn(move || run(for_thread))
        .expect("zio: cannot spawn the fallback driver thread");
    shared
}

fn run(shared: Arc<DriverShared>) {
    let mut driver = match Driver::new(shared, &RingConfig::default(), true) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("zio: the fallback driver cannot start: {e}");
            return;
        }
    };
    tracing::debug!("zio: fallback driver started");
    let mut completions = Completions::default();
    loop {
        driver.park(None, &mut completions);
        completions.run();
    }
}
