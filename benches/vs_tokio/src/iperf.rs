//! The physical limit of loopback bulk transfer: `iperf3` (one stream,
//! the same write size as `bulk`), server and client as two processes.
//! Left out, with a line on stderr, where `iperf3` is not installed
//! (`apt-get install iperf3`).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::span::Sample;

/// The number after `"key":` in `json` (iperf3 `-J` output).
fn json_number(json: &str, key: &str) -> Option<f64> {
    let rest = &json[json.find(&format!("\"{key}\":"))? + key.len() + 3..];
    let end = rest.find([',', '}', '\n'])?;
    rest[..end].trim().parse().ok()
}

/// A free loopback port (bound, read, released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("pick a free port")
        .port()
}

/// One client run against the server on `port`: what the receiver got, as
/// a sample of `chunk`-byte operations. `None` if the client failed (the
/// server may not listen yet).
fn client(port: u16, chunk: usize, secs: u32) -> Option<Sample> {
    let out = Command::new("iperf3")
        .args(["-c", "127.0.0.1", "-J", "-p", &port.to_string()])
        .args(["-t", &secs.to_string(), "-l", &chunk.to_string()])
        .output()
        .ok()?;
    let json = String::from_utf8_lossy(&out.stdout);
    let received = &json[json.find("\"sum_received\"")?..];
    let (seconds, bytes) = (
        json_number(received, "seconds")?,
        json_number(received, "bytes")?,
    );
    Some(Sample {
        wall: Duration::from_secs_f64(seconds),
        cpu: Duration::ZERO,
        ops: bytes as u64 / chunk as u64,
        tail: None,
    })
}

/// [`client`], retried for up to 5 s: until the server listens, or while
/// it is still busy with the previous run.
fn retried(port: u16, chunk: usize, secs: u32) -> Option<Sample> {
    (0..50).find_map(|_| {
        client(port, chunk, secs).or_else(|| {
            std::thread::sleep(Duration::from_millis(100));
            None
        })
    })
}

/// Stops the iperf3 server this module started.
fn stop(mut server: Child) {
    let _ = server.kill();
    let _ = server.wait();
}

/// `rounds` iperf3 runs of `secs` seconds each, writes of `chunk` bytes;
/// `None` without iperf3.
pub fn loopback(chunk: usize, secs: u32, rounds: usize) -> Option<Vec<Sample>> {
    let port = free_port();
    let server = Command::new("iperf3")
        .args(["-s", "-B", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(server) = server else {
        eprintln!("iperf3 not found: the loopback bulk row has no physical limit");
        return None;
    };
    let samples: Option<Vec<Sample>> = (0..rounds).map(|_| retried(port, chunk, secs)).collect();
    stop(server);
    if samples.is_none() {
        eprintln!("iperf3 failed: the loopback bulk row has no physical limit");
    }
    samples
}
