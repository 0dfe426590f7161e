//! An idle runtime parks its workers in the kernel: no busy spinning.
//!
//! This measures CPU time consumed by the process, not wall time, so the
//! machine's load does not change the outcome: a worker that spins while
//! idle burns a full core (1 s of CPU per second), a parked one nearly
//! nothing. The bound is generous (10% of one core).

use std::time::Duration;

fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(rc, 0);
    // SAFETY: initialized by the successful call above.
    let usage = unsafe { usage.assume_init() };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[test]
fn idle_runtimes_use_almost_no_cpu() {
    let multi = zio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    // Give the workers something to do first, then let them go idle.
    multi.block_on(async {
        for _ in 0..1000 {
            zio::spawn(async { zio::task::yield_now().await })
                .await
                .unwrap();
        }
    });
    // A task parked on a long timer keeps a worker's heap non-empty.
    multi.spawn(zio::time::sleep(Duration::from_secs(3600)));
    let current = zio::runtime::Builder::new_current_thread().build().unwrap();
    std::thread::sleep(Duration::from_millis(100));

    let before = cpu_time();
    // The current-thread runtime idles inside block_on on a sleep.
    current.block_on(zio::time::sleep(Duration::from_secs(1)));
    let used = cpu_time() - before;
    assert!(
        used < Duration::from_millis(100),
        "idle runtimes used {used:?} of CPU in one second"
    );
}
