//! Load from real benchmarking clients against the `hello` example: wrk
//! (HTTP/1.1, 64 connections, 10 s) and h2load (HTTP/2), with no error
//! and no non-2xx answer allowed.

mod common;

use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use common::{require_tool, run_tool, watchdog, Example};

/// One load test at a time: they share two cores with everything else.
static LOAD: Mutex<()> = Mutex::new(());

#[test]
fn wrk_64_connections_10_s() {
    let _one_at_a_time = LOAD.lock().unwrap_or_else(|e| e.into_inner());
    watchdog("wrk_64_connections_10_s", Duration::from_secs(90), || {
        require_tool("wrk", "wrk");
        let hello = Example::start("hello");
        let mut wrk = Command::new("wrk");
        wrk.args([
            "-t",
            "2",
            "-c",
            "64",
            "-d",
            "10s",
            "--timeout",
            "10s",
            &hello.url("/"),
        ]);
        let output = run_tool(&mut wrk, Duration::from_secs(60));
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "wrk failed: {report}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        println!("{report}");
        assert!(
            !report.contains("Socket errors"),
            "wrk saw socket errors:\n{report}"
        );
        assert!(
            !report.contains("Non-2xx or 3xx responses"),
            "wrk saw non-2xx answers:\n{report}"
        );
        let requests = wrk_requests(&report);
        assert!(requests > 0, "wrk completed no request:\n{report}");
        assert!(hello.interrupt().success());
    });
}

/// The request count of wrk's "N requests in T, B read" line.
fn wrk_requests(report: &str) -> u64 {
    report
        .lines()
        .find_map(|line| {
            line.trim()
                .split_once(" requests in ")
                .and_then(|(n, _)| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no `requests in` line in wrk's report:\n{report}"))
}

#[test]
fn h2load_http2() {
    let _one_at_a_time = LOAD.lock().unwrap_or_else(|e| e.into_inner());
    watchdog("h2load_http2", Duration::from_secs(90), || {
        require_tool("h2load", "nghttp2-client");
        let hello = Example::start("hello");
        let mut h2load = Command::new("h2load");
        h2load.args([
            "-n",
            "20000",
            "-c",
            "16",
            "-m",
            "10",
            "-t",
            "2",
            &hello.url("/"),
        ]);
        let output = run_tool(&mut h2load, Duration::from_secs(60));
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "h2load failed: {report}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        println!("{report}");
        assert!(
            report.contains("Application protocol: h2c"),
            "h2load did not speak h2c:\n{report}"
        );
        let requests = h2load_line(&report, "requests: ");
        assert!(requests.contains("20000 total"), "{requests}");
        assert!(
            requests.contains("20000 succeeded, 0 failed, 0 errored, 0 timeout"),
            "h2load: {requests}"
        );
        let statuses = h2load_line(&report, "status codes: ");
        assert!(
            statuses.starts_with("status codes: 20000 2xx,"),
            "h2load: {statuses}"
        );
        assert!(hello.interrupt().success());
    });
}

/// The line of h2load's report that starts with `prefix`.
fn h2load_line<'a>(report: &'a str, prefix: &str) -> &'a str {
    report
        .lines()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line in h2load's report:\n{report}"))
}
