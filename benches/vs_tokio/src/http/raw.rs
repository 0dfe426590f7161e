//! The physical limit of the HTTP rows: a responder driven by hand on one
//! io_uring ring on one thread, under the same load. It does as little
//! HTTP work as the protocol allows ([`super::answer`]), so what a request
//! costs is the kernel's TCP work, its own and the generator's: no server
//! on this machine gets many more requests per second out of this
//! generator. The generator's CPU use is measured beside it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use io_uring::{cqueue, opcode, types};

use super::answer::Answerer;
use super::loadgen::{Load, Tool};
use crate::span::{children_cpu, Sample, Span};
use crate::uring_batch::{self, Batch};

/// The most a connection buffers of a request (an HTTP/1.1 head, or an
/// HTTP/2 frame of the default maximum size with its header).
const INPUT_MAX: usize = 16_384 + 9;

/// The user data of the multishot accept and of its cancel; a
/// connection's receive and send are `slot << 1 | 0` and `slot << 1 | 1`.
const ACCEPT: u64 = u64::MAX;
const CANCEL: u64 = u64::MAX - 1;

/// One connection: requests received and answers not yet sent.
struct Conn {
    stream: TcpStream,
    answerer: Answerer,
    input: Vec<u8>,
    filled: usize,
    out: Vec<u8>,
    sent: usize,
}

/// The responder's state. It owns every buffer the kernel may write into
/// or read from; dropped with entries still in flight (a failed check
/// unwinding), it leaks them.
struct Responder {
    tool: Tool,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    batch: Batch,
    accepting: bool,
}

impl Drop for Responder {
    fn drop(&mut self) {
        if self.batch.in_flight() > 0 {
            std::mem::forget(std::mem::take(&mut self.conns));
        }
    }
}

impl Responder {
    fn conn(&mut self, slot: usize) -> &mut Conn {
        self.conns[slot]
            .as_mut()
            .expect("a completion for a closed slot")
    }

    /// Connection `slot` receives into the rest of its input buffer.
    fn recv(&mut self, slot: usize) {
        let c = self.conn(slot);
        let rest = &mut c.input[c.filled..];
        let e = opcode::Recv::new(
            types::Fd(c.stream.as_raw_fd()),
            rest.as_mut_ptr(),
            rest.len() as u32,
        );
        self.batch.push(e.build().user_data((slot as u64) << 1));
    }

    /// Connection `slot` sends the rest of its answers.
    fn send(&mut self, slot: usize) {
        let c = self.conn(slot);
        let rest = &c.out[c.sent..];
        let e = opcode::Send::new(
            types::Fd(c.stream.as_raw_fd()),
            rest.as_ptr(),
            rest.len() as u32,
        );
        self.batch.push(e.build().user_data((slot as u64) << 1 | 1));
    }

    /// Takes a new connection.
    fn open(&mut self, stream: TcpStream) {
        stream.set_nodelay(true).expect("nodelay");
        let conn = Conn {
            stream,
            answerer: Answerer::new(self.tool),
            input: vec![0; INPUT_MAX],
            filled: 0,
            out: Vec::with_capacity(4096),
            sent: 0,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.conns[slot] = Some(conn);
                slot
            }
            None => {
                self.conns.push(Some(conn));
                self.conns.len() - 1
            }
        };
        self.recv(slot);
    }

    /// Connection `slot` got `n` bytes: answers everything whole, or
    /// receives more.
    fn received(&mut self, slot: usize, n: usize) {
        let c = self.conn(slot);
        c.filled += n;
        let used = c.answerer.answer(&c.input[..c.filled], &mut c.out);
        c.input.copy_within(used..c.filled, 0);
        c.filled -= used;
        if !c.out.is_empty() {
            self.send(slot);
        } else if c.filled < INPUT_MAX {
            self.recv(slot);
        } else {
            panic!("raw HTTP: a request over {INPUT_MAX} bytes");
        }
    }

    /// Handles one completion.
    fn complete(&mut self, user_data: u64, res: i32, flags: u32, stopping: bool) {
        match user_data {
            CANCEL => {}
            ACCEPT => {
                if !cqueue::more(flags) {
                    self.accepting = false;
                }
                if res >= 0 {
                    // SAFETY: a successful accept returns a new connected
                    // socket that nothing else owns.
                    let stream = unsafe { TcpStream::from_raw_fd(res) };
                    if !stopping {
                        self.open(stream);
                    }
                } else {
                    assert!(
                        res == -libc::ECANCELED,
                        "raw HTTP: accept: {}",
                        std::io::Error::from_raw_os_error(-res)
                    );
                }
            }
            _ => {
                let slot = (user_data >> 1) as usize;
                if res <= 0 {
                    // End of stream or an error (the generator resets its
                    // connections when it ends): the connection is done.
                    self.conns[slot] = None;
                    self.free.push(slot);
                } else if user_data & 1 == 0 {
                    self.received(slot, res as usize);
                } else {
                    let c = self.conn(slot);
                    c.sent += res as usize;
                    if c.sent < c.out.len() {
                        self.send(slot);
                    } else {
                        c.out.clear();
                        c.sent = 0;
                        self.recv(slot);
                    }
                }
            }
        }
    }
}

/// Serves `listener` until `stop` is set and a connection wakes it, then
/// until every connection has closed.
fn serve(listener: TcpListener, tool: Tool, stop: &AtomicBool) {
    let mut uring = uring_batch::ring(1024).expect("io_uring setup");
    let mut r = Responder {
        tool,
        conns: Vec::new(),
        free: Vec::new(),
        batch: Batch::default(),
        accepting: true,
    };
    let accept = opcode::AcceptMulti::new(types::Fd(listener.as_raw_fd()));
    r.batch.push(accept.build().user_data(ACCEPT));
    let mut cqes = Vec::new();
    let mut cancelled = false;
    while r.batch.in_flight() > 0 {
        // SAFETY: every buffer an entry points into (a connection's input
        // or answers) is owned by the responder, whose heap blocks do not
        // move, and is neither reused nor freed until the entry's
        // completion: a connection has one entry at a time and is dropped
        // only at its last completion, and a responder dropped before its
        // batch drains leaks them.
        unsafe { r.batch.turn(&mut uring, &mut cqes) };
        let stopping = stop.load(Ordering::Acquire);
        for (user_data, res, flags) in cqes.drain(..) {
            r.complete(user_data, res, flags, stopping);
        }
        if stopping && r.accepting && !cancelled {
            cancelled = true;
            let cancel = opcode::AsyncCancel::new(ACCEPT).build().user_data(CANCEL);
            r.batch.push(cancel);
        }
    }
}

/// One load run against a fresh responder: the sample (requests, the
/// responder's CPU) and the generator's CPU time.
fn once(load: &Load) -> (Sample, Duration) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr: SocketAddr = listener.local_addr().expect("local_addr");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let tool = load.tool;
    let server = std::thread::spawn(move || serve(listener, tool, &flag));
    let generator = children_cpu();
    let span = Span::new();
    let outcome = load.run(addr);
    span.stop();
    let generator = children_cpu() - generator;
    stop.store(true, Ordering::Release);
    drop(std::net::TcpStream::connect(addr).expect("wake the responder"));
    server.join().expect("raw HTTP responder panicked");
    assert_eq!(outcome.failed, 0, "raw HTTP load: {outcome:?}");
    assert!(outcome.ok > 0, "raw HTTP: no request answered");
    (span.sample(outcome.ok), generator)
}

/// `rounds` load runs after `warmup`, and the median share of one CPU the
/// generator used; `None` if io_uring is not available here.
pub fn baseline(load: &Load, warmup: usize, rounds: usize) -> Option<(Vec<Sample>, f64)> {
    if !uring_batch::available("raw HTTP baseline") {
        return None;
    }
    for _ in 0..warmup {
        once(load);
    }
    let (samples, mut busy): (Vec<Sample>, Vec<f64>) = (0..rounds)
        .map(|_| {
            let (s, generator) = once(load);
            (s, generator.as_secs_f64() / s.wall.as_secs_f64())
        })
        .unzip();
    busy.sort_by(f64::total_cmp);
    Some((samples, busy[busy.len() / 2]))
}
