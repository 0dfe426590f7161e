//! Re-running this test binary's `child_entry` test under strace: the
//! child runs the scenario named by [`CHILD_ENV`], the parent checks how
//! it went and reads what strace logged. strace comes from apt (`.ci/run`
//! installs it); without it the cases are skipped outside CI and fail in
//! CI.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The variable naming the scenario a child runs.
const CHILD_ENV: &str = "ZIO_STRACE_CHILD";

/// The scenario this process runs, if it is a child.
pub fn child_scenario() -> Option<String> {
    std::env::var(CHILD_ENV).ok()
}

/// Runs `scenario` in a child under `strace -f` with `args`, with
/// `ZIO_BACKEND` set to `backend` (or unset); asserts that the child
/// printed "child scenario passed" and exited successfully, and returns
/// strace's log. `None` if strace is not installed (outside CI).
pub fn run_child(scenario: &str, args: &[&str], backend: Option<&str>) -> Option<String> {
    if Command::new("strace").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "strace is missing: .ci/run must install it"
        );
        eprintln!("skipping {scenario}: strace is not installed");
        return None;
    }
    // Cases of one test binary run at once, some with the same scenario.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let log = std::env::temp_dir().join(format!(
        "zio-strace-{}-{run}-{scenario}.log",
        std::process::id()
    ));
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-o"])
        .arg(&log)
        .args(args)
        .arg(exe)
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, scenario);
    match backend {
        Some(b) => cmd.env("ZIO_BACKEND", b),
        None => cmd.env_remove("ZIO_BACKEND"),
    };
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("child scenario passed"),
        "child {scenario} failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let logged = std::fs::read_to_string(&log).expect("read the strace log");
    let _ = std::fs::remove_file(&log);
    Some(logged)
}
