//! The raw io_uring baseline of the echo rows: the same connections and
//! messages, every echo checked, clients and server driven by hand on one
//! ring on one thread (no runtime, no tasks, no wakers).
//!
//! The server receives in one of two ways ([`Receive`]): into a buffer of
//! each connection's own, one receive at a time (what zio does), or with
//! multishot receives that pick buffers from a provided-buffer ring shared
//! by every connection. Issue 3 asks zio to use provided-buffer rings where
//! they measurably help; this baseline is that measurement, in every run.

use std::alloc::Layout;
use std::collections::VecDeque;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, Ordering};

use io_uring::{cqueue, opcode, types, IoUring};

use crate::echo::{pattern, Echo};
use crate::span::{Sample, Span};
use crate::uring_batch::{self, Batch};

/// How the echo server receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receive {
    /// A buffer per connection, one single-shot receive at a time.
    PerConnection,
    /// Multishot receives into buffers picked from a provided-buffer ring.
    ProvidedRing,
}

impl Receive {
    /// How the report names the baseline.
    pub fn what(self) -> &'static str {
        match self {
            Receive::PerConnection => "raw io_uring, 1 thread, a buffer per connection",
            Receive::ProvidedRing => {
                "raw io_uring, 1 thread, provided-buffer ring, multishot receives"
            }
        }
    }
}

/// The size of each provided buffer (a server does not know the size of
/// what it will receive; this is the usual page).
const PROVIDED: usize = 4096;

/// The buffer group of the provided-buffer ring.
const GROUP: u16 = 0;

/// A provided-buffer ring: `count` buffers of [`PROVIDED`] bytes and the
/// ring of entries through which the kernel takes them.
struct BufRing {
    entries: NonNull<types::BufRingEntry>,
    layout: Layout,
    bufs: Vec<u8>,
    count: u16,
    tail: u16,
}

impl BufRing {
    /// A ring of `count` (a power of two) buffers, all given to the kernel
    /// once registered.
    fn new(count: u16) -> BufRing {
        let layout = Layout::from_size_align(
            usize::from(count) * std::mem::size_of::<types::BufRingEntry>(),
            4096,
        )
        .expect("buffer ring layout");
        // SAFETY: the layout has a non-zero size (`count` ≥ 1).
        let entries = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<types::BufRingEntry>();
        let entries =
            NonNull::new(entries).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        // Written now so no page fault lands in the timed part.
        let bufs = vec![0xa5; usize::from(count) * PROVIDED];
        let mut ring = BufRing {
            entries,
            layout,
            bufs,
            count,
            tail: 0,
        };
        for bid in 0..count {
            ring.give(bid);
        }
        ring.publish();
        ring
    }

    /// Registers the ring with `uring` as [`GROUP`].
    ///
    /// # Safety
    ///
    /// `self` must outlive every receive `uring` runs on [`GROUP`] (the
    /// kernel writes into its buffers and reads its entries until then).
    unsafe fn register(&self, uring: &IoUring) -> std::io::Result<()> {
        // SAFETY: the entries are page-aligned, `count` long, and live as
        // long as the caller promises.
        unsafe {
            uring.submitter().register_buf_ring_with_flags(
                self.entries.as_ptr() as u64,
                self.count,
                GROUP,
                0,
            )
        }
    }

    /// Queues buffer `bid` for the kernel (seen after [`BufRing::publish`]).
    fn give(&mut self, bid: u16) {
        let slot = usize::from(self.tail & (self.count - 1));
        // SAFETY: `slot` < `count`, the entries' length. The kernel reads
        // only entries before the published tail, and this one is past it.
        let entry = unsafe { &mut *self.entries.as_ptr().add(slot) };
        entry.set_addr(self.bufs.as_ptr() as u64 + (usize::from(bid) * PROVIDED) as u64);
        entry.set_len(PROVIDED as u32);
        entry.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    /// Makes every buffer given so far visible to the kernel.
    fn publish(&self) {
        // SAFETY: the tail is the u16 the kernel reads with acquire
        // ordering, inside the first entry; it is 2-aligned and lives as
        // long as `self`. The release store orders the entries before it.
        let tail =
            unsafe { &*types::BufRingEntry::tail(self.entries.as_ptr()).cast::<AtomicU16>() };
        tail.store(self.tail, Ordering::Release);
    }

    /// Buffer `bid`.
    fn buf(&self, bid: u16) -> &[u8] {
        let at = usize::from(bid) * PROVIDED;
        &self.bufs[at..at + PROVIDED]
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.entries.as_ptr().cast(), self.layout) };
    }
}

/// What a completion is for (the low bits of its user data; the
/// connection is the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ClientSend,
    ClientRecv,
    ServerRecv,
    ServerSend,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::ClientSend,
        Kind::ClientRecv,
        Kind::ServerRecv,
        Kind::ServerSend,
    ];

    fn user_data(self, conn: usize) -> u64 {
        (conn as u64) << 2 | self as u64
    }

    fn of(user_data: u64) -> (Kind, usize) {
        (
            Kind::ALL[(user_data & 3) as usize],
            (user_data >> 2) as usize,
        )
    }
}

/// One client: the message it is sending and the echo it is reading.
struct Client {
    msg: Vec<u8>,
    echo: Vec<u8>,
    index: usize,
    sent: usize,
    got: usize,
}

/// Bytes received and not yet echoed back: `len` bytes from `off` of the
/// connection's buffer or of provided buffer `bid`.
struct Chunk {
    bid: u16,
    off: usize,
    len: usize,
}

/// One round's state: sockets, buffers, and the entries of the next
/// submission (receives go last).
///
/// It owns every buffer the kernel may write into or read from; dropped
/// with entries still in flight (a failed check unwinding), it leaks them.
struct Round<'a> {
    e: &'a Echo,
    receive: Receive,
    clients: Vec<(TcpStream, Client)>,
    servers: Vec<(TcpStream, Vec<u8>, VecDeque<Chunk>)>,
    provided: Option<BufRing>,
    starved: Vec<usize>,
    batch: Batch,
    clients_done: usize,
    echoed: u64,
}

impl Round<'_> {
    fn fd(s: &TcpStream) -> types::Fd {
        types::Fd(s.as_raw_fd())
    }

    /// Client `c` sends the rest of its message.
    fn client_send(&mut self, c: usize) {
        let (s, cl) = &self.clients[c];
        let rest = &cl.msg[cl.sent..];
        let e = opcode::Send::new(Self::fd(s), rest.as_ptr(), rest.len() as u32).build();
        self.batch.push(e.user_data(Kind::ClientSend.user_data(c)));
    }

    /// Client `c` reads the rest of its echo.
    fn client_recv(&mut self, c: usize) {
        let (s, cl) = &mut self.clients[c];
        let rest = &mut cl.echo[cl.got..];
        let e = opcode::Recv::new(Self::fd(s), rest.as_mut_ptr(), rest.len() as u32).build();
        self.batch
            .push_last(e.user_data(Kind::ClientRecv.user_data(c)));
    }

    /// Server connection `c` receives.
    fn server_recv(&mut self, c: usize) {
        let (s, buf, _) = &mut self.servers[c];
        let e = match self.receive {
            Receive::PerConnection => {
                opcode::Recv::new(Self::fd(s), buf.as_mut_ptr(), buf.len() as u32).build()
            }
            Receive::ProvidedRing => opcode::RecvMulti::new(Self::fd(s), GROUP).build(),
        };
        self.batch
            .push_last(e.user_data(Kind::ServerRecv.user_data(c)));
    }

    /// Server connection `c` sends the rest of its first chunk.
    fn server_send(&mut self, c: usize) {
        let (s, buf, chunks) = &self.servers[c];
        let chunk = &chunks[0];
        let bytes = match &self.provided {
            Some(p) => p.buf(chunk.bid),
            None => &buf[..],
        };
        let rest = &bytes[chunk.off..chunk.len];
        let e = opcode::Send::new(Self::fd(s), rest.as_ptr(), rest.len() as u32).build();
        self.batch.push(e.user_data(Kind::ServerSend.user_data(c)));
    }

    /// Client `c` starts message `index`.
    fn start_message(&mut self, c: usize) {
        let cl = &mut self.clients[c].1;
        let index = cl.index;
        cl.msg.clear();
        cl.msg
            .extend((0..self.e.size).map(|j| pattern(c, index, j)));
        cl.sent = 0;
        cl.got = 0;
        self.client_send(c);
    }

    /// Handles one completion.
    fn complete(&mut self, user_data: u64, res: i32, flags: u32) {
        let (kind, c) = Kind::of(user_data);
        let err = || std::io::Error::from_raw_os_error(-res);
        match kind {
            Kind::ClientSend => {
                assert!(res > 0, "raw echo: client {c} send: {}", err());
                self.clients[c].1.sent += res as usize;
                if self.clients[c].1.sent < self.e.size {
                    self.client_send(c);
                } else {
                    self.client_recv(c);
                }
            }
            Kind::ClientRecv => {
                assert!(res > 0, "raw echo: client {c} receive: {res}");
                let cl = &mut self.clients[c].1;
                cl.got += res as usize;
                if cl.got < self.e.size {
                    self.client_recv(c);
                    return;
                }
                assert!(
                    cl.echo == cl.msg,
                    "raw echo: connection {c} message {}: echoed bytes differ",
                    cl.index
                );
                cl.index += 1;
                if cl.index < self.e.msgs {
                    self.start_message(c);
                } else {
                    self.clients_done += 1;
                }
            }
            Kind::ServerRecv if res == 0 => {}
            Kind::ServerRecv if res == -libc::ENOBUFS => self.starved.push(c),
            Kind::ServerRecv => {
                assert!(res > 0, "raw echo: server {c} receive: {}", err());
                let bid = cqueue::buffer_select(flags).unwrap_or(0);
                let chunks = &mut self.servers[c].2;
                chunks.push_back(Chunk {
                    bid,
                    off: 0,
                    len: res as usize,
                });
                if chunks.len() == 1 {
                    self.server_send(c);
                }
                if self.receive == Receive::ProvidedRing && !cqueue::more(flags) {
                    self.server_recv(c);
                }
            }
            Kind::ServerSend => {
                assert!(res > 0, "raw echo: server {c} send: {}", err());
                self.echoed += res as u64;
                let chunks = &mut self.servers[c].2;
                chunks[0].off += res as usize;
                if chunks[0].off < chunks[0].len {
                    self.server_send(c);
                    return;
                }
                let chunk = chunks.pop_front().expect("a chunk was in flight");
                let more = !chunks.is_empty();
                match &mut self.provided {
                    Some(p) => {
                        p.give(chunk.bid);
                        p.publish();
                        for s in std::mem::take(&mut self.starved) {
                            self.server_recv(s);
                        }
                    }
                    None => self.server_recv(c),
                }
                if more {
                    self.server_send(c);
                }
            }
        }
    }

    /// Waits for and handles completions until `done` holds.
    fn run_until(&mut self, uring: &mut IoUring, done: impl Fn(&Self) -> bool) {
        let mut cqes = Vec::new();
        while !done(self) {
            // SAFETY: every buffer an entry points into (a client's message
            // or echo, a server connection's buffer, a provided buffer) is
            // owned by this round, whose heap blocks do not move, and is
            // neither reused nor freed until the entry's last completion:
            // the round drains its batch, and a round dropped before that
            // leaks its buffers.
            unsafe { self.batch.turn(uring, &mut cqes) };
            for (user_data, res, flags) in cqes.drain(..) {
                self.complete(user_data, res, flags);
            }
        }
    }
}

impl Drop for Round<'_> {
    fn drop(&mut self) {
        if self.batch.in_flight() > 0 {
            std::mem::forget(std::mem::take(&mut self.clients));
            std::mem::forget(std::mem::take(&mut self.servers));
            std::mem::forget(self.provided.take());
        }
    }
}

/// `conns` connected loopback pairs (client, server), without Nagle, as
/// the rows' runtimes set them.
fn pairs(conns: usize) -> Vec<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local_addr");
    (0..conns)
        .map(|_| {
            let c = TcpStream::connect(addr).expect("connect");
            let s = listener.accept().expect("accept").0;
            c.set_nodelay(true).expect("nodelay");
            s.set_nodelay(true).expect("nodelay");
            (c, s)
        })
        .collect()
}

/// A ring for `conns` connections.
fn uring(conns: usize) -> std::io::Result<IoUring> {
    uring_batch::ring((4 * conns).next_power_of_two().max(64) as u32)
}

/// One round of `e` with the server receiving by `receive`; `None` if the
/// kernel cannot provide buffers.
fn once(e: &Echo, receive: Receive) -> Option<Sample> {
    let provided = (receive == Receive::ProvidedRing)
        .then(|| BufRing::new((2 * e.conns).next_power_of_two().clamp(64, 1 << 15) as u16));
    let mut uring = uring(e.conns).expect("io_uring setup");
    if let Some(p) = &provided {
        // SAFETY: the round takes `p` and frees it only with no receive in
        // flight (it leaks it otherwise).
        if let Err(err) = unsafe { p.register(&uring) } {
            eprintln!("provided-buffer baseline skipped: {err}");
            return None;
        }
    }
    let server_buf = match receive {
        Receive::PerConnection => e.size,
        Receive::ProvidedRing => 0,
    };
    let (clients, servers): (Vec<_>, Vec<_>) = pairs(e.conns)
        .into_iter()
        .map(|(c, s)| {
            let client = Client {
                msg: Vec::with_capacity(e.size),
                echo: vec![0; e.size],
                index: 0,
                sent: 0,
                got: 0,
            };
            ((c, client), (s, vec![0; server_buf], VecDeque::new()))
        })
        .unzip();
    let mut round = Round {
        e,
        receive,
        clients,
        servers,
        provided,
        starved: Vec::new(),
        batch: Batch::default(),
        clients_done: 0,
        echoed: 0,
    };
    let span = Span::new();
    for c in 0..e.conns {
        round.server_recv(c);
        round.start_message(c);
    }
    round.run_until(&mut uring, |r| r.clients_done == e.conns);
    span.stop();
    // Every server receive ends on the clients' end of stream.
    for (s, _) in &round.clients {
        s.shutdown(Shutdown::Write).expect("shutdown");
    }
    round.run_until(&mut uring, |r| r.batch.in_flight() == 0);
    let ops = (e.conns * e.msgs) as u64;
    assert_eq!(round.echoed, ops * e.size as u64, "raw echo: bytes echoed");
    Some(span.sample(ops))
}

/// `rounds` rounds of `e` after `warmup`; `None` if io_uring (or, for
/// [`Receive::ProvidedRing`], a provided-buffer ring) is not available.
pub fn baseline(e: &Echo, receive: Receive, warmup: usize, rounds: usize) -> Option<Vec<Sample>> {
    if !uring_batch::available("raw io_uring echo baseline") {
        return None;
    }
    for _ in 0..warmup {
        once(e, receive)?;
    }
    (0..rounds).map(|_| once(e, receive)).collect()
}
