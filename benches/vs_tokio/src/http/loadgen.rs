//! The HTTP load generators: `wrk` (HTTP/1.1) and `h2load` (HTTP/2, from
//! nghttp2), run as child processes against any server address, their
//! output parsed into request counts. The server's CPU time is measured
//! by the caller (its process's, see `span`), so a load generator's own
//! CPU never counts.
//!
//! Set `VS_TOKIO_LOADGEN_CPUS` (a `taskset -c` list, e.g. `1`) to pin the
//! load generator to CPUs of its own, away from the server's.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Which load generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `wrk`: HTTP/1.1, keep-alive connections.
    Wrk,
    /// `h2load`: HTTP/2 over cleartext (prior knowledge).
    H2load,
}

impl Tool {
    /// The executable.
    pub fn exe(self) -> &'static str {
        match self {
            Tool::Wrk => "wrk",
            Tool::H2load => "h2load",
        }
    }
}

/// One load run's parameters.
#[derive(Debug, Clone)]
pub struct Load {
    /// The generator.
    pub tool: Tool,
    /// Concurrent connections.
    pub conns: usize,
    /// Concurrent streams per connection (HTTP/2; 1 for wrk).
    pub streams: usize,
    /// Duration in seconds.
    pub secs: u32,
}

/// What a load run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Requests answered with a 2xx status.
    pub ok: u64,
    /// Requests that failed (errors, non-2xx, timeouts).
    pub failed: u64,
    /// The 99th percentile request latency: wrk's `--latency`
    /// distribution, or computed from h2load's per-request `--log-file`.
    pub p99: Option<Duration>,
}

/// The first number in `s` after `key`.
fn number_after(s: &str, key: &str) -> Option<u64> {
    let rest = &s[s.find(key)? + key.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A duration as wrk prints it: `812.00us`, `1.23ms`, `2.00s`.
fn parse_wrk_duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (value, unit) = (s[..split].parse::<f64>().ok()?, &s[split..]);
    let nanos_per_unit = match unit {
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        _ => return None,
    };
    Some(Duration::from_nanos((value * nanos_per_unit).round() as u64))
}

/// Parses wrk's summary: `N requests in …`, the error lines it prints
/// only when there were errors, and the `99%` line of `--latency`'s
/// distribution.
fn parse_wrk(out: &str) -> Option<Outcome> {
    let line = out.lines().find(|l| l.contains(" requests in "))?;
    let total = number_after(line, "")?;
    let non_2xx = number_after(out, "Non-2xx or 3xx responses:").unwrap_or(0);
    let socket: u64 = ["connect", "read", "write", "timeout"]
        .iter()
        .filter_map(|k| number_after(out.lines().find(|l| l.contains("Socket errors:"))?, k))
        .sum();
    let p99 = out.lines().find_map(|l| {
        let mut words = l.split_whitespace();
        (words.next()? == "99%")
            .then(|| parse_wrk_duration(words.next()?))
            .flatten()
    });
    Some(Outcome {
        ok: total - non_2xx,
        failed: non_2xx + socket,
        p99,
    })
}

/// The 99th percentile of the third column of h2load's `--log-file`
/// (microseconds from a request's start to the end of its response).
fn p99_of_h2load_log(log: &str) -> Option<Duration> {
    let mut micros: Vec<u64> = log
        .lines()
        .filter_map(|l| l.split('\t').nth(2)?.trim().parse().ok())
        .collect();
    if micros.is_empty() {
        return None;
    }
    micros.sort_unstable();
    let rank = (micros.len() * 99).div_ceil(100) - 1;
    Some(Duration::from_micros(micros[rank]))
}

/// Parses h2load's `requests: N total, N started, N done, N succeeded, N
/// failed, N errored, N timeout` line.
fn parse_h2load(out: &str) -> Option<Outcome> {
    let line = out.lines().find(|l| l.starts_with("requests:"))?;
    let field = |name: &str| {
        line.split(',')
            .find(|f| f.trim_end().ends_with(name))
            .and_then(|f| number_after(f, ""))
    };
    Some(Outcome {
        ok: field("succeeded")?,
        failed: field("failed")? + field("errored")? + field("timeout")?,
        p99: None,
    })
}

impl Load {
    /// Whether the generator is installed.
    pub fn available(&self) -> bool {
        Command::new(self.tool.exe())
            .arg(if self.tool == Tool::Wrk {
                "-v"
            } else {
                "--version"
            })
            .output()
            .is_ok()
    }

    /// The command line against `addr`, pinned if `VS_TOKIO_LOADGEN_CPUS`
    /// is set; h2load writes its per-request log to `log`.
    fn command(&self, addr: SocketAddr, log: &Path) -> Command {
        let (url, secs, conns) = (format!("http://{addr}/"), self.secs, self.conns);
        let line = match self.tool {
            Tool::Wrk => format!("wrk -t1 -c {conns} -d {secs}s --latency {url}"),
            Tool::H2load => format!(
                "h2load -t1 -c {conns} -m {} -D {secs} --log-file={} {url}",
                self.streams,
                log.display()
            ),
        };
        let mut args: Vec<String> = line.split(' ').map(String::from).collect();
        if let Ok(cpus) = std::env::var("VS_TOKIO_LOADGEN_CPUS") {
            args.splice(0..0, ["taskset".to_string(), "-c".to_string(), cpus]);
        }
        let mut cmd = Command::new(&args[0]);
        cmd.args(&args[1..]);
        cmd
    }

    /// Runs the load against `addr` (blocking) and parses its outcome.
    ///
    /// # Panics
    ///
    /// If the generator cannot run or its output cannot be parsed.
    pub fn run(&self, addr: SocketAddr) -> Outcome {
        let log = std::env::temp_dir().join(format!(
            "vs_tokio-h2load-{}-{}.log",
            std::process::id(),
            addr.port()
        ));
        let out = self
            .command(addr, &log)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.tool.exe()));
        let text = String::from_utf8_lossy(&out.stdout);
        let parsed = match self.tool {
            Tool::Wrk => parse_wrk(&text),
            Tool::H2load => {
                let p99 = std::fs::read_to_string(&log)
                    .ok()
                    .and_then(|l| p99_of_h2load_log(&l));
                let _ = std::fs::remove_file(&log);
                parse_h2load(&text).map(|o| Outcome { p99, ..o })
            }
        };
        parsed.unwrap_or_else(|| {
            panic!(
                "{}: unexpected output ({}):\n{text}{}",
                self.tool.exe(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_summary() {
        let out = "Running 1s test @ http://127.0.0.1:1/\n  1 threads and 8 connections\n  \
                   Latency Distribution\n     50%  502.00us\n     90%  812.00us\n     99%    1.25ms\n  \
                   52981 requests in 1.00s, 4.45MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n\
                   Non-2xx or 3xx responses: 5\nRequests/sec:  52894.63\n";
        assert_eq!(
            parse_wrk(out),
            Some(Outcome {
                ok: 52976,
                failed: 8,
                p99: Some(Duration::from_micros(1250)),
            })
        );
        assert_eq!(
            parse_wrk_duration("812.00us"),
            Some(Duration::from_micros(812))
        );
        assert_eq!(parse_wrk_duration("2.00s"), Some(Duration::from_secs(2)));
    }

    #[test]
    fn h2load_log_percentile() {
        let log: String = (1..=200)
            .map(|i| format!("1733300000000000\t200\t{i}\n"))
            .collect();
        assert_eq!(p99_of_h2load_log(&log), Some(Duration::from_micros(198)));
        assert_eq!(p99_of_h2load_log(""), None);
    }

    #[test]
    fn h2load_summary() {
        let out = "finished in 1.00s, 90000.00 req/s, 2.40MB/s\n\
                   requests: 90000 total, 90016 started, 90000 done, 89990 succeeded, 10 failed, 3 errored, 0 timeout\n";
        assert_eq!(
            parse_h2load(out),
            Some(Outcome {
                ok: 89990,
                failed: 13,
                p99: None,
            })
        );
    }
}
