//! The epoll child: zio reads `ZIO_BACKEND` once per process, so zio on
//! epoll runs in a second process — this binary with `--epoll-child` and
//! `ZIO_BACKEND=epoll` — that the parent drives round by round, so its
//! rounds interleave with the parent's like any other contender's.
//!
//! Both processes register the same workloads in the same order (same
//! mode, same filter). For each row the parent sends, on the child's
//! stdin, `run <name> <flavor>` per iteration it wants (the child answers
//! on stdout with `<wall ns> <cpu ns> <ops>`), then `next <name>`; the
//! child then moves on to its next workload. Fields are tab-separated. A
//! child that panics (a wrong result) closes its stdout: the parent fails.

use std::io::{BufRead, BufReader, Lines, StdinLock, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use crate::harness::Config;
use crate::rt::Flavor;
use crate::span::Sample;

/// The parent's handle on the epoll child.
#[derive(Debug)]
pub struct EpollChild {
    proc: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl EpollChild {
    /// Starts this binary as the epoll child, with the same mode and filter.
    pub fn spawn(cfg: &Config) -> EpollChild {
        let exe = std::env::current_exe().expect("current exe");
        let mut cmd = Command::new(exe);
        cmd.arg("--epoll-child").env("ZIO_BACKEND", "epoll");
        if cfg.quick {
            cmd.arg("--quick");
        }
        if let Some(f) = &cfg.filter {
            cmd.arg("--filter").arg(f);
        }
        let mut proc = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the epoll child");
        let stdin = proc.stdin.take().expect("child stdin");
        let stdout = BufReader::new(proc.stdout.take().expect("child stdout")).lines();
        EpollChild {
            proc,
            stdin,
            stdout,
        }
    }

    /// Sends one command line.
    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .expect("epoll child died (see its panic above)");
    }

    /// Has the child run one iteration of `name` on zio-epoll `flavor`.
    pub fn run(&mut self, name: &str, flavor: Flavor) -> Sample {
        self.send(&format!("run\t{name}\t{}", flavor.tag()));
        let line = self
            .stdout
            .next()
            .expect("epoll child died (see its panic above)")
            .expect("read from the epoll child");
        parse_sample(&line).unwrap_or_else(|| panic!("epoll child sent {line:?}"))
    }

    /// Tells the child that row `name` is done.
    pub fn next(&mut self, name: &str) {
        self.send(&format!("next\t{name}"));
    }

    /// Closes the child's stdin (it exits at end of input) and checks that
    /// it exited cleanly.
    pub fn finish(self) {
        let EpollChild {
            mut proc, stdin, ..
        } = self;
        drop(stdin);
        let status = proc.wait().expect("wait for the epoll child");
        assert!(status.success(), "epoll child failed: {status}");
    }
}

/// A sample as the child sends it (`-` for no tail latency).
fn format_sample(s: &Sample) -> String {
    let tail = s.tail.map_or("-".to_string(), |t| t.as_nanos().to_string());
    format!(
        "{}\t{}\t{}\t{tail}",
        s.wall.as_nanos(),
        s.cpu.as_nanos(),
        s.ops
    )
}

/// Parses a [`format_sample`] line.
fn parse_sample(line: &str) -> Option<Sample> {
    let mut f = line.split('\t');
    let mut number = || f.next()?.parse::<u64>().ok();
    let (wall, cpu, ops) = (number()?, number()?, number()?);
    let tail = match f.next()? {
        "-" => None,
        t => Some(Duration::from_nanos(t.parse().ok()?)),
    };
    Some(Sample {
        wall: Duration::from_nanos(wall),
        cpu: Duration::from_nanos(cpu),
        ops,
        tail,
    })
}

/// The child's side: the parent's commands on stdin.
#[derive(Debug)]
pub struct Commands {
    lines: Lines<StdinLock<'static>>,
}

impl Commands {
    /// Commands from this process's stdin.
    pub fn stdin() -> Commands {
        Commands {
            lines: std::io::stdin().lock().lines(),
        }
    }

    /// Serves row `name`: runs `run(flavor)` for each `run` command and
    /// answers with its sample, until `next`. At end of input (the parent
    /// is done) the process exits.
    ///
    /// # Panics
    ///
    /// If a command names another workload (the two processes are out of
    /// step) or is malformed.
    pub fn serve(&mut self, name: &str, mut run: impl FnMut(Flavor) -> Sample) {
        let mut out = std::io::stdout().lock();
        loop {
            let Some(line) = self.lines.next() else {
                std::process::exit(0);
            };
            let line = line.expect("read a command");
            let mut f = line.split('\t');
            let (cmd, row) = (f.next(), f.next());
            assert_eq!(row, Some(name), "epoll child out of step: got {line:?}");
            match (cmd, f.next().and_then(Flavor::from_tag)) {
                (Some("next"), None) => return,
                (Some("run"), Some(flavor)) => {
                    let s = run(flavor);
                    writeln!(out, "{}", format_sample(&s))
                        .and_then(|()| out.flush())
                        .expect("answer the parent");
                }
                _ => panic!("epoll child: bad command {line:?}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_cross_the_pipe_unchanged() {
        for tail in [None, Some(Duration::from_micros(1250))] {
            let s = Sample {
                wall: Duration::from_millis(3),
                cpu: Duration::from_micros(2900),
                ops: 12_345,
                tail,
            };
            assert_eq!(parse_sample(&format_sample(&s)), Some(s));
        }
    }
}
