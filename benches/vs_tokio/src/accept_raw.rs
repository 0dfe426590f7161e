//! The raw io_uring baseline of the accept rows: the same connections,
//! driven by hand on one ring on one thread (no runtime, no tasks, no
//! wakers). The server is one multishot accept whose every connection is
//! closed at once by a close entry; for the churn rows, each client
//! creates a socket, connects, reads until the server's close (end of
//! stream) and closes, through entries of the same ring. No `TCP_NODELAY`
//! (the rows' runtimes set it; no byte is sent here).

use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};

use io_uring::{opcode, types, IoUring};

use crate::accept::{AcceptBurst, AcceptChurn};
use crate::io::loopback_listener;
use crate::span::{Sample, Span};
use crate::uring_batch::{self, Batch};

/// User data of the server's entries; a client's are `client << 2 | step`.
const ACCEPT: u64 = u64::MAX;
const SERVER_CLOSE: u64 = u64::MAX - 1;
const CANCEL: u64 = u64::MAX - 2;

/// A client's steps.
const CONNECT: u64 = 0;
const READ: u64 = 1;
const CLOSE: u64 = 2;

/// One client: the connections it has left to make, the socket of the
/// current one, and the buffer its end-of-stream read goes into.
struct Client {
    left: usize,
    fd: RawFd,
    buf: [u8; 16],
}

/// One round: the clients, the address they connect to, and the entries.
/// It owns every buffer the kernel may write into or read from; dropped
/// with entries still in flight (a failed check unwinding), it leaks them.
struct Round {
    addr: Box<libc::sockaddr_in>,
    clients: Vec<Client>,
    batch: Batch,
    accepted: usize,
    closed: usize,
    conns: usize,
}

impl Drop for Round {
    fn drop(&mut self) {
        if self.batch.in_flight() > 0 {
            std::mem::forget(std::mem::take(&mut self.clients));
            std::mem::forget(std::mem::replace(
                &mut self.addr,
                Box::new(sockaddr_v4(None)),
            ));
        }
    }
}

/// `addr` as a `sockaddr_in` (zeroed for `None`).
fn sockaddr_v4(addr: Option<SocketAddr>) -> libc::sockaddr_in {
    // SAFETY: all-zero bytes are a valid `sockaddr_in`.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    if let Some(SocketAddr::V4(a)) = addr {
        sa.sin_family = libc::AF_INET as libc::sa_family_t;
        sa.sin_port = a.port().to_be();
        sa.sin_addr.s_addr = u32::from(*a.ip()).to_be();
    }
    sa
}

impl Round {
    /// Client `c` makes its next connection.
    fn connect(&mut self, c: usize) {
        // SAFETY: creating a socket has no memory preconditions.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        self.clients[c].fd = fd;
        let addr: *const libc::sockaddr_in = &*self.addr;
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        let e = opcode::Connect::new(types::Fd(fd), addr.cast(), len).build();
        self.batch.push(e.user_data((c as u64) << 2 | CONNECT));
    }

    /// Handles one completion.
    fn complete(&mut self, user_data: u64, res: i32) {
        let err = || std::io::Error::from_raw_os_error(-res);
        match user_data {
            CANCEL => {}
            ACCEPT if res == -libc::ECANCELED => {}
            ACCEPT => {
                assert!(res >= 0, "raw accept: {}", err());
                self.accepted += 1;
                let e = opcode::Close::new(types::Fd(res)).build();
                self.batch.push(e.user_data(SERVER_CLOSE));
                if self.accepted == self.conns {
                    let e = opcode::AsyncCancel::new(ACCEPT).build();
                    self.batch.push(e.user_data(CANCEL));
                }
            }
            SERVER_CLOSE => {
                assert!(res == 0, "raw accept: close: {}", err());
                self.closed += 1;
            }
            _ => {
                let c = (user_data >> 2) as usize;
                let client = &mut self.clients[c];
                let fd = types::Fd(client.fd);
                match user_data & 3 {
                    CONNECT => {
                        assert!(res == 0, "raw accept: connect: {}", err());
                        let e = opcode::Recv::new(fd, client.buf.as_mut_ptr(), 16).build();
                        self.batch.push(e.user_data((c as u64) << 2 | READ));
                    }
                    READ => {
                        assert!(res == 0, "raw accept: the client read {res}");
                        let e = opcode::Close::new(fd).build();
                        self.batch.push(e.user_data((c as u64) << 2 | CLOSE));
                    }
                    _ => {
                        assert!(res == 0, "raw accept: client close: {}", err());
                        client.left -= 1;
                        if client.left > 0 {
                            self.connect(c);
                        }
                    }
                }
            }
        }
    }
}

/// One round: `clients` clients making `conns` connections in all, or,
/// with no clients, `conns` connections made before the span starts.
fn once(conns: usize, clients: usize) -> Sample {
    let (listener, addr) = loopback_listener();
    let mut uring: IoUring = uring_batch::ring(1024).expect("io_uring setup");
    let waiting: Vec<_> = (0..if clients == 0 { conns } else { 0 })
        .map(|_| std::net::TcpStream::connect(addr).expect("connect"))
        .collect();
    let mut round = Round {
        addr: Box::new(sockaddr_v4(Some(addr))),
        clients: (0..clients)
            .map(|c| Client {
                left: conns / clients + usize::from(c < conns % clients),
                fd: -1,
                buf: [0; 16],
            })
            .collect(),
        batch: Batch::default(),
        accepted: 0,
        closed: 0,
        conns,
    };
    let span = Span::new();
    let accept = opcode::AcceptMulti::new(types::Fd(listener.as_raw_fd()));
    round.batch.push(accept.build().user_data(ACCEPT));
    for c in 0..clients {
        round.connect(c);
    }
    let mut cqes = Vec::new();
    while round.batch.in_flight() > 0 {
        // SAFETY: the entries point into the round's address and clients'
        // buffers, boxed or in a vector that never grows, kept until the
        // batch drains, and leaked if the round is dropped before.
        unsafe { round.batch.turn(&mut uring, &mut cqes) };
        for (user_data, res, _) in cqes.drain(..) {
            round.complete(user_data, res);
        }
    }
    span.stop();
    assert_eq!(round.closed, conns, "raw accept: connections closed");
    assert!(round.clients.iter().all(|c| c.left == 0));
    drop(waiting);
    span.sample(conns as u64)
}

/// `rounds` rounds after `warmup` of `conns` connections by `clients`
/// clients (none: made before the span); `None` without io_uring.
fn baseline(conns: usize, clients: usize, warmup: usize, rounds: usize) -> Option<Vec<Sample>> {
    if !uring_batch::available("raw io_uring accept baseline") {
        return None;
    }
    for _ in 0..warmup {
        once(conns, clients);
    }
    Some((0..rounds).map(|_| once(conns, clients)).collect())
}

/// The baseline of an accept churn row.
pub fn churn(a: &AcceptChurn, warmup: usize, rounds: usize) -> Option<Vec<Sample>> {
    baseline(a.conns, a.clients, warmup, rounds)
}

/// The baseline of the accept burst row.
pub fn burst(a: &AcceptBurst, warmup: usize, rounds: usize) -> Option<Vec<Sample>> {
    baseline(a.conns, 0, warmup, rounds)
}
