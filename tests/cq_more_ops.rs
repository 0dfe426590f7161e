//! CompletionQueue ops the other cq tests leave out, on a current-thread
//! runtime, a multi-thread runtime and a plain thread (`wait_blocking`,
//! served by the fallback driver); CI runs this file with
//! `ZIO_BACKEND=uring` and `ZIO_BACKEND=epoll`:
//!
//! - a batch of `write_at`s at explicit offsets lands at those offsets
//!   (holes stay zero, the file position does not move), each completion
//!   with its full count and its own buffer back;
//! - `readv`/`writev` at the file position, on a pipe and on a TCP stream:
//!   a vectored write lands in order across its buffers, a vectored read
//!   fills buffer after buffer, a readv with no data waits until the peer
//!   writes, and one at end of stream returns 0;
//! - an `accept` cancelled while a client connects completes either
//!   `Interrupted` (and the connection still waits in the backlog) or with
//!   that client's connection; a queue dropped with an `accept` in flight
//!   leaves each connection either in the backlog or closed by zio (the
//!   client sees end of stream or a reset, never a hang); an accept the
//!   queue's own driver started on a waiting connection takes it, and zio
//!   closes it (the orphaned accept's descriptor); neither leaks a descriptor
//!   (`/proc/self/fd` is counted);
//! - `try_next` returns finished ops without waiting, `None` while the
//!   only op left is still running, and `None` on an empty queue.
//!
//! The tests of this binary run one at a time (`serial`): the descriptor
//! counts are process-wide, and a test running beside them would move them.

mod common;
use common::cq::*;

use std::collections::HashMap;
use std::io::{ErrorKind, Read as _, Seek as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use zio::cq::{CompletionQueue, Op, Output};

/// Taken by every test of this binary, so that no other test opens or
/// closes descriptors while one counts them.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How long a bounded wait for something that must happen may take.
const PATIENCE: Duration = Duration::from_secs(20);

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Lets the driver that serves the queue turn for about a millisecond: the
/// calling thread's own driver in `Async` mode (a runtime's driver turns
/// only while its thread blocks in zio), the fallback driver (which turns
/// by itself) in `Blocking` mode.
fn pause(mode: Mode) {
    match mode {
        Mode::Async => zio::block_on(zio::time::sleep(Duration::from_millis(1))),
        Mode::Blocking => std::thread::sleep(Duration::from_millis(1)),
    }
}

/// Turns the drivers until the process has `before` descriptors open
/// again (cancelled and orphaned ops finish asynchronously), then checks.
fn assert_fds_back_to(before: usize, mode: Mode, what: &str) {
    let deadline = Instant::now() + PATIENCE;
    while open_fds() != before && Instant::now() < deadline {
        pause(mode);
    }
    assert_eq!(open_fds(), before, "{what}: descriptors leaked");
}

/// `len` bytes, none of them zero (so a hole in a file is told apart),
/// different for each `seed`.
fn bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + seed as usize) % 255 + 1) as u8)
        .collect()
}

/// Waits until `fd` (a pipe or a socket) has at least `n` bytes to read.
fn wait_available(fd: RawFd, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mut have: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int into `have`, which is live.
        assert_eq!(unsafe { libc::ioctl(fd, libc::FIONREAD, &mut have) }, 0);
        if have as usize >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{n} bytes never arrived");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether `fd` is readable right now (data, end of stream or an error).
fn readable_now(fd: RawFd) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: polls one live pollfd, without waiting.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    assert!(n >= 0, "poll: {}", std::io::Error::last_os_error());
    n == 1
}

/// Blocks until `fd` is readable (a listener: a connection waits).
fn wait_readable(fd: RawFd) {
    let deadline = Instant::now() + PATIENCE;
    while !readable_now(fd) {
        assert!(Instant::now() < deadline, "fd {fd} never became readable");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn listener() -> TcpListener {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    // The epoll backend tries an accept's syscall at once: a blocking
    // listener would block the driver (see `ops/net/mod.rs`).
    listener.set_nonblocking(true).unwrap();
    listener
}

fn std_tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

/// Connects a client to `addr` on another thread.
fn spawn_connect(addr: SocketAddr) -> JoinHandle<TcpStream> {
    std::thread::spawn(move || TcpStream::connect(addr).unwrap())
}

/// Takes the connection waiting in `listener`'s backlog (nonblocking);
/// panics if none arrives.
fn accept_from_backlog(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match listener.accept() {
            Ok(accepted) => return accepted,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "the connection is not in the backlog (taken by a cancelled accept?)"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// Checks that `client`'s connection was closed by the other side: a
/// read sees end of stream or a reset, within a read timeout (a hang would
/// mean the accepted socket is still open somewhere).
fn assert_closed_by_peer(client: &mut TcpStream) {
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut b = [0u8; 1];
    match client.read(&mut b) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the client expected end of stream or a reset, got {other:?}"),
    }
}

// ---------------------------------------------------------------------
// 1. write_at at explicit offsets
// ---------------------------------------------------------------------

fn write_at_offsets(mode: Mode) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    // Out of order; a hole before 4096, `b` ends where `c` starts, and the
    // last one far past the others (the file grows over a hole).
    let writes: Vec<(u64, Vec<u8>)> = vec![
        (8192, bytes(3, 1000)),
        (0, bytes(1, 100)),
        (4096, bytes(2, 4096)),
        (20_000, bytes(4, 3)),
    ];
    let mut cq = CompletionQueue::with_capacity(writes.len());
    let mut sent = HashMap::new();
    for (t, (offset, data)) in writes.iter().enumerate() {
        let buf = data.clone();
        sent.insert(t as u64, buf.as_ptr() as usize);
        cq.submit(Op::write_at(file.as_raw_fd(), buf, *offset), t as u64)
            .unwrap();
    }
    assert_eq!(cq.len(), writes.len());
    let mut seen = vec![false; writes.len()];
    while let Some(c) = next(&mut cq, mode) {
        let t = c.token();
        let Output::Write(n, buf) = c.into_output() else {
            panic!("token {t}: not a write")
        };
        let data = &writes[t as usize].1;
        assert_eq!(n.unwrap(), data.len(), "token {t}: the whole buffer");
        assert_eq!(&buf, data, "token {t}: the buffer comes back unchanged");
        assert_eq!(
            buf.as_ptr() as usize,
            sent[&t],
            "token {t}: the very buffer submitted comes back"
        );
        assert!(!std::mem::replace(&mut seen[t as usize], true), "twice");
    }
    assert!(seen.iter().all(|&s| s), "every write completes");

    let mut expected = vec![0u8; 20_003];
    for (offset, data) in &writes {
        let at = *offset as usize;
        expected[at..at + data.len()].copy_from_slice(data);
    }
    let contents = std::fs::read(&path).unwrap();
    assert_eq!(
        contents.len(),
        expected.len(),
        "the file grew to the last write"
    );
    assert!(contents == expected, "each write landed at its offset");
    assert_eq!(
        file.stream_position().unwrap(),
        0,
        "a write at an offset leaves the file position alone"
    );
}

#[test]
fn write_at_batch_lands_at_each_offset_and_returns_each_buffer() {
    let _serial = serial();
    everywhere("write_at_offsets", write_at_offsets);
}

// ---------------------------------------------------------------------
// 2. readv / writev at the file position, on a pipe and a TCP stream
// ---------------------------------------------------------------------

/// Checks a vectored read of `n` bytes into buffers of capacities `caps`:
/// they were filled in order, each up to its capacity before the next,
/// with `expected` (which is `n` bytes long).
fn assert_filled_in_order(n: usize, bufs: &[Vec<u8>], caps: &[usize], expected: &[u8]) {
    assert_eq!(n, expected.len(), "bytes read");
    assert_eq!(bufs.len(), caps.len(), "every buffer comes back");
    let mut left = expected;
    for (i, (buf, &cap)) in bufs.iter().zip(caps).enumerate() {
        let take = cap.min(left.len());
        assert_eq!(buf.capacity(), cap, "buffer {i} keeps its capacity");
        assert_eq!(&buf[..], &left[..take], "buffer {i}");
        left = &left[take..];
    }
}

fn caps_of(caps: &[usize]) -> Vec<Vec<u8>> {
    caps.iter().map(|&c| Vec::with_capacity(c)).collect()
}

/// `rd` and `wr` are the two ends of one byte stream (a pipe, or the two
/// sides of a TCP connection); dropping `wr` ends the stream.
fn vectored_on_stream<R, W>(mode: Mode, rd: R, wr: W)
where
    R: AsRawFd,
    W: AsRawFd,
    for<'a> &'a R: std::io::Read,
    for<'a> &'a W: std::io::Write,
{
    let mut cq = CompletionQueue::with_capacity(2);

    // writev: the buffers go out in order, an empty one included.
    let parts = vec![
        b"abc".to_vec(),
        Vec::new(),
        b"defgh".to_vec(),
        b"ij".to_vec(),
    ];
    cq.submit(Op::writev(wr.as_raw_fd(), parts.clone()), 1)
        .unwrap();
    let c = next(&mut cq, mode).unwrap();
    assert_eq!(c.token(), 1);
    let Output::Writev(n, back) = c.into_output() else {
        panic!("not a writev")
    };
    assert_eq!(n.unwrap(), 10);
    assert_eq!(back, parts, "the buffers come back, in order");
    let mut got = [0u8; 10];
    (&rd).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"abcdefghij");

    // readv with the data already there: buffer after buffer, full.
    let data = b"0123456789ABCDEFGHIJ";
    (&wr).write_all(data).unwrap();
    wait_available(rd.as_raw_fd(), data.len());
    let caps = [3, 4, 5];
    cq.submit(Op::readv(rd.as_raw_fd(), caps_of(&caps)), 2)
        .unwrap();
    let Output::Readv(n, bufs) = next(&mut cq, mode).unwrap().into_output() else {
        panic!("not a readv")
    };
    assert_filled_in_order(n.unwrap(), &bufs, &caps, &data[..12]);
    // The rest: the first buffer full, the second partly.
    let caps = [5, 10];
    cq.submit(Op::readv(rd.as_raw_fd(), caps_of(&caps)), 3)
        .unwrap();
    let Output::Readv(n, bufs) = next(&mut cq, mode).unwrap().into_output() else {
        panic!("not a readv")
    };
    assert_filled_in_order(n.unwrap(), &bufs, &caps, &data[12..]);

    // readv with nothing to read: it waits for the peer.
    let caps = [2, 8];
    cq.submit(Op::readv(rd.as_raw_fd(), caps_of(&caps)), 4)
        .unwrap();
    let early = next_within(&mut cq, mode, Duration::from_millis(50));
    assert!(early.is_none(), "a readv with no data completed: {early:?}");
    assert_eq!(cq.len(), 1, "the readv is still in flight");
    (&wr).write_all(b"late!").unwrap();
    let c = next(&mut cq, mode).unwrap();
    assert_eq!(c.token(), 4);
    let Output::Readv(n, bufs) = c.into_output() else {
        panic!("not a readv")
    };
    assert_filled_in_order(n.unwrap(), &bufs, &caps, b"late!");

    // End of stream: 0 bytes, the buffers back empty.
    drop(wr);
    cq.submit(Op::readv(rd.as_raw_fd(), caps_of(&caps)), 5)
        .unwrap();
    let Output::Readv(n, bufs) = next(&mut cq, mode).unwrap().into_output() else {
        panic!("not a readv")
    };
    assert_filled_in_order(n.unwrap(), &bufs, &caps, b"");
    assert!(cq.is_empty());
}

fn vectored_on_pipe(mode: Mode) {
    let (r, w) = pipe();
    vectored_on_stream(mode, std::fs::File::from(r), std::fs::File::from(w));
}

fn vectored_on_tcp(mode: Mode) {
    let (client, server) = std_tcp_pair();
    vectored_on_stream(mode, server, client);
}

#[test]
fn readv_writev_at_the_position_on_a_pipe() {
    let _serial = serial();
    everywhere("vectored_on_pipe", vectored_on_pipe);
}

#[test]
fn readv_writev_at_the_position_on_a_tcp_stream() {
    let _serial = serial();
    everywhere("vectored_on_tcp", vectored_on_tcp);
}

// ---------------------------------------------------------------------
// 3. accept: cancelled while a client connects; queue dropped in flight
// ---------------------------------------------------------------------

/// One accept that gets a connection, so that whatever the drivers set up
/// lazily exists before descriptors are counted.
fn warm_up_accept(mode: Mode) {
    let listener = listener();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let mut cq = CompletionQueue::with_capacity(1);
    cq.submit(Op::accept(listener.as_raw_fd()), 0).unwrap();
    let Output::Accept(r) = next(&mut cq, mode).unwrap().into_output() else {
        panic!("not an accept")
    };
    drop((r.unwrap(), client, cq, listener));
    for _ in 0..5 {
        pause(mode);
    }
}

const CANCEL_ROUNDS: u64 = 200;

fn accept_cancelled_while_connecting(mode: Mode) {
    warm_up_accept(mode);
    let before = open_fds();
    let listener = listener();
    let addr = listener.local_addr().unwrap();
    let mut cq = CompletionQueue::with_capacity(1);
    let (mut won, mut cancelled) = (0, 0);
    for i in 0..CANCEL_ROUNDS {
        // Vary the race: the client starts before or after the accept,
        // and the cancel goes at once, after a yield, or after the driver
        // had a chance to run the accept.
        let early = (i % 2 == 0).then(|| spawn_connect(addr));
        let id = cq.submit(Op::accept(listener.as_raw_fd()), i).unwrap();
        let connecting = early.unwrap_or_else(|| spawn_connect(addr));
        match (i / 2) % 3 {
            0 => {}
            1 => std::thread::yield_now(),
            _ => pause(mode),
        }
        let requested = cq.cancel(id);
        let c = next(&mut cq, mode).unwrap();
        assert_eq!((c.id(), c.token()), (id, i));
        assert!(cq.is_empty());
        let mut client = connecting.join().unwrap();
        let client_addr = client.local_addr().unwrap();
        match c.into_output() {
            Output::Accept(Ok((fd, peer))) => {
                won += 1;
                assert_eq!(peer, Some(client_addr), "round {i}: the peer");
                // The accepted socket is this client's connection.
                let mut server = TcpStream::from(fd);
                server.write_all(b"w").unwrap();
                client.set_read_timeout(Some(PATIENCE)).unwrap();
                let mut b = [0u8; 1];
                client.read_exact(&mut b).unwrap();
                assert_eq!(&b, b"w");
            }
            Output::Accept(Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::Interrupted, "round {i}: {e:?}");
                assert!(requested, "round {i}: interrupted without a cancel");
                cancelled += 1;
                // The cancelled accept did not take the connection: it
                // still waits in the backlog.
                let (_server, peer) = accept_from_backlog(&listener);
                assert_eq!(peer, client_addr, "round {i}: the backlog's connection");
            }
            out => panic!("round {i}: unexpected {out:?}"),
        }
    }
    eprintln!(
        "accept_cancelled_while_connecting ({mode:?}): {won} accepted, {cancelled} cancelled"
    );
    drop((cq, listener));
    assert_fds_back_to(before, mode, "accepts cancelled while clients connect");
}

#[test]
fn accept_cancelled_while_a_client_connects_either_accepts_or_leaves_it_waiting() {
    let _serial = serial();
    everywhere(
        "accept_cancelled_while_connecting",
        accept_cancelled_while_connecting,
    );
}

const DROP_ROUNDS: u64 = 60;

/// Where the connection of a client went after the queue whose accept
/// was in flight was dropped.
#[derive(Debug, PartialEq)]
enum Fate {
    /// The accept was cancelled before it took it: it waits in the backlog.
    Backlog,
    /// The accept took it and zio closed it.
    ClosedByQueue,
}

/// Whether the connection of `client` (whose server side sends nothing)
/// was closed by the server side, after letting the drivers turn.
fn closed_by_queue(client: &TcpStream, mode: Mode) -> bool {
    pause(mode);
    // Nothing is ever sent to the client: readable means end of stream
    // or a reset.
    readable_now(client.as_raw_fd())
}

/// Finds out where the connection of `client` went: closed by zio, or
/// still in `listener`'s backlog.
fn fate(listener: &TcpListener, client: &TcpStream, mode: Mode) -> Fate {
    let deadline = Instant::now() + PATIENCE;
    loop {
        // The drivers turn first: a completion of the accept that arrives
        // for the dropped queue is handled before the backlog is looked at.
        if closed_by_queue(client, mode) {
            return Fate::ClosedByQueue;
        }
        match listener.accept() {
            Ok((_server, peer)) => {
                assert_eq!(peer, client.local_addr().unwrap());
                return Fate::Backlog;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        assert!(
            Instant::now() < deadline,
            "the connection is neither in the backlog nor closed: \
             the dropped queue's accept kept it open"
        );
    }
}

fn dropped_queue_with_accept_in_flight(mode: Mode) {
    warm_up_accept(mode);
    let before = open_fds();
    let listener = listener();
    let addr = listener.local_addr().unwrap();
    let (mut backlog, mut closed) = (0, 0);
    for i in 0..DROP_ROUNDS {
        let mut cq = CompletionQueue::with_capacity(1);
        let mut client = if i % 2 == 0 {
            // The connection waits in the backlog when the accept is
            // submitted, and the queue goes at once. A driver that gets
            // the op before the queue is dropped starts it first (epoll
            // runs the syscall at submission; io_uring submits the op
            // before the cancel behind it), so the accept takes the
            // connection for a queue that is gone and zio must close it;
            // a driver that gets it after (the fallback driver, served
            // from another thread) never starts it.
            let client = TcpStream::connect(addr).unwrap();
            wait_readable(listener.as_raw_fd());
            cq.submit(Op::accept(listener.as_raw_fd()), i).unwrap();
            drop(cq);
            client
        } else {
            // The accept waits (nothing to accept yet), then a client
            // connects while the queue goes: either may win.
            cq.submit(Op::accept(listener.as_raw_fd()), i).unwrap();
            let early = next_within(&mut cq, mode, Duration::from_millis(1));
            assert!(
                early.is_none(),
                "an accept with no client completed: {early:?}"
            );
            let connecting = spawn_connect(addr);
            drop(cq);
            connecting.join().unwrap()
        };
        match fate(&listener, &client, mode) {
            Fate::Backlog => backlog += 1,
            Fate::ClosedByQueue => closed += 1,
        }
        assert_closed_by_peer(&mut client);
    }
    if matches!(mode, Mode::Async) {
        // The queue's own thread's driver started every accept of the
        // even rounds before the drop: the orphan path ran.
        assert!(closed >= DROP_ROUNDS / 2, "{closed} closed by the queue");
    }
    eprintln!(
        "dropped_queue_with_accept_in_flight ({mode:?}): {closed} closed by the queue, \
         {backlog} left in the backlog"
    );
    drop(listener);
    assert_fds_back_to(before, mode, "queues dropped with accepts in flight");
}

#[test]
fn dropped_queue_with_accept_in_flight_closes_what_it_accepts() {
    let _serial = serial();
    everywhere(
        "dropped_queue_with_accept_in_flight",
        dropped_queue_with_accept_in_flight,
    );
}

// ---------------------------------------------------------------------
// 4. try_next
// ---------------------------------------------------------------------

fn try_next_ready_and_empty(mode: Mode) {
    let mut cq = CompletionQueue::with_capacity(4);
    assert!(cq.try_next().is_none(), "an empty queue has nothing");
    assert!(cq.is_empty());

    // A pipe that never gets data: its read stays in flight.
    let (idle_r, _idle_w) = pipe();
    let (r, w) = pipe();
    let mut w = std::fs::File::from(w);
    w.write_all(b"ready").unwrap();
    let idle = cq
        .submit(Op::read(idle_r.as_raw_fd(), Vec::with_capacity(8)), 1)
        .unwrap();
    cq.submit(Op::read(r.as_raw_fd(), Vec::with_capacity(16)), 2)
        .unwrap();
    cq.submit(Op::nop(), 3).unwrap();
    assert_eq!(cq.len(), 3);

    // `try_next` never waits: poll it, letting the drivers run in between,
    // until the two ops that can finish have.
    let mut got = HashMap::new();
    let deadline = Instant::now() + PATIENCE;
    while got.len() < 2 {
        match cq.try_next() {
            Some(c) => assert!(got.insert(c.token(), c).is_none(), "twice"),
            None => {
                assert!(
                    Instant::now() < deadline,
                    "try_next never returned the ready ops"
                );
                pause(mode);
            }
        }
    }
    let Output::Read(n, buf) = got.remove(&2).expect("the read").into_output() else {
        panic!("not a read")
    };
    assert_eq!((n.unwrap(), &buf[..]), (5, &b"ready"[..]));
    let nop = got.remove(&3).expect("the nop");
    assert!(matches!(nop.into_output(), Output::Nop(Ok(()))));

    // The read of the idle pipe has not finished: `None`, at once, and it
    // is still counted.
    assert!(cq.try_next().is_none(), "an op in flight is not ready");
    assert_eq!(cq.len(), 1);

    assert!(cq.cancel(idle));
    let deadline = Instant::now() + PATIENCE;
    let c = loop {
        if let Some(c) = cq.try_next() {
            break c;
        }
        assert!(
            Instant::now() < deadline,
            "the cancelled read never came back"
        );
        pause(mode);
    };
    assert_eq!(c.id(), idle);
    let Output::Read(n, buf) = c.into_output() else {
        panic!("not a read")
    };
    assert_eq!(n.unwrap_err().kind(), ErrorKind::Interrupted);
    assert_eq!(buf.capacity(), 8, "the buffer comes back");

    assert!(cq.try_next().is_none(), "an emptied queue has nothing");
    assert!(cq.is_empty());
}

#[test]
fn try_next_returns_ready_completions_and_none_otherwise() {
    let _serial = serial();
    everywhere("try_next_ready_and_empty", try_next_ready_and_empty);
}
