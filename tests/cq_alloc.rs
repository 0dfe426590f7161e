//! CompletionQueue allocates nothing per operation: a counting global
//! allocator sees zero allocations across 10,000 submit/wait cycles of
//! nops, timeouts and file reads, then 2,000 cycles of the other kinds the
//! docs promise that of (file writes, fsync, ftruncate; socket send, recv, poll,
//! connect, accept, shutdown; close), on the io_uring backend (the global
//! allocator is per test binary, hence this file of its own).

mod common;
use common::*;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write as _;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use zio::cq::{CompletionQueue, Interest, Op, Output};
use zio::runtime::IoBackend;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BATCH: usize = 8;

/// One cycle: a batch of nops, timeouts and file reads submitted, then
/// waited for; the read buffers come back and go out again.
async fn cycle(cq: &mut CompletionQueue, fd: i32, bufs: &mut Vec<Vec<u8>>) {
    for i in 0..BATCH {
        let op = match i % 4 {
            0 => Op::nop(),
            1 => Op::timeout(Duration::ZERO),
            _ => Op::read_at(fd, bufs.pop().expect("buffer"), (i * 512) as u64),
        };
        cq.submit(op, i as u64).expect("capacity");
    }
    while let Some(c) = cq.wait().await {
        match c.into_output() {
            Output::Read(n, buf) => {
                assert_eq!(n.expect("read"), 512);
                bufs.push(buf);
            }
            out => assert!(out.error().is_none()),
        }
    }
}

/// The sockets and the file of [`other_kinds`].
struct Ends {
    listener: TcpListener,
    addr: SocketAddr,
    client: TcpStream,
    server: TcpStream,
    file: i32,
}

/// A fresh TCP socket (no allocation: a plain syscall).
fn tcp_socket() -> OwnedFd {
    // SAFETY: creates a descriptor that nothing else owns.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` was just created and is owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// Waits for every op in flight; returns the accepted connection, if one
/// was among them. Panics on a failed op.
async fn drain(cq: &mut CompletionQueue, bufs: &mut Vec<Vec<u8>>) -> Option<OwnedFd> {
    let mut accepted = None;
    while let Some(c) = cq.wait().await {
        match c.into_output() {
            Output::Write(n, buf) | Output::Send(n, buf) | Output::Recv(n, buf) => {
                assert_eq!(n.expect("write, send or recv"), 64);
                bufs.push(buf);
            }
            Output::Accept(conn) => accepted = Some(conn.expect("accept").0),
            out => assert!(out.error().is_none(), "{out:?}"),
        }
    }
    accepted
}

/// One cycle of the other kinds: a file write, fsync and ftruncate, a send and the
/// receive of it, a poll; then a connect and its accept; then a shutdown
/// of the connected socket and a close of the accepted one.
async fn other_kinds(cq: &mut CompletionQueue, ends: &Ends, bufs: &mut Vec<Vec<u8>>) {
    let mut buf = || {
        let mut b = bufs.pop().expect("buffer");
        b.clear();
        b.resize(64, 7);
        b
    };
    cq.submit(Op::write_at(ends.file, buf(), 0), 0).unwrap();
    cq.submit(Op::fsync(ends.file), 1).unwrap();
    cq.submit(Op::ftruncate(ends.file, 64), 9).unwrap();
    cq.submit(Op::send(ends.client.as_raw_fd(), buf()), 2)
        .unwrap();
    let mut into = buf();
    into.clear();
    cq.submit(Op::recv(ends.server.as_raw_fd(), into), 3)
        .unwrap();
    cq.submit(Op::poll(ends.client.as_raw_fd(), Interest::Writable), 4)
        .unwrap();
    assert!(drain(cq, bufs).await.is_none());
    let socket = tcp_socket();
    cq.submit(Op::connect(socket.as_raw_fd(), ends.addr), 5)
        .unwrap();
    cq.submit(Op::accept(ends.listener.as_raw_fd()), 6).unwrap();
    let accepted = drain(cq, bufs).await.expect("an accepted connection");
    cq.submit(Op::shutdown(socket.as_raw_fd(), Shutdown::Both), 7)
        .unwrap();
    cq.submit(Op::close(accepted), 8).unwrap();
    assert!(drain(cq, bufs).await.is_none());
}

#[test]
fn ten_thousand_submit_wait_cycles_allocate_nothing() {
    watchdog("cq_alloc", || {
        let rt = current_rt();
        if rt.handle().io_backend() != IoBackend::IoUring {
            eprintln!("skipped: the allocation count is checked on io_uring");
            return;
        }
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[1u8; 512 * BATCH]).unwrap();
        let fd = file.as_raw_fd();
        let allocations = rt.block_on(async move {
            let mut bufs: Vec<Vec<u8>> = (0..BATCH).map(|_| Vec::with_capacity(512)).collect();
            // Grow the runtime's own scratch space (run queues, wake lists)
            // to its high-water mark with a queue of the same shape.
            let mut warm_up = CompletionQueue::with_capacity(BATCH);
            cycle(&mut warm_up, fd, &mut bufs).await;
            drop(warm_up);
            let mut cq = CompletionQueue::with_capacity(BATCH);
            COUNTING.store(true, Ordering::SeqCst);
            for _ in 0..10_000 {
                cycle(&mut cq, fd, &mut bufs).await;
            }
            COUNTING.store(false, Ordering::SeqCst);
            let first = ALLOCATIONS.swap(0, Ordering::SeqCst);
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).unwrap();
            let (server, _) = listener.accept().unwrap();
            let ends = Ends {
                listener,
                addr,
                client,
                server,
                file: fd,
            };
            let mut cq = CompletionQueue::with_capacity(BATCH);
            other_kinds(&mut cq, &ends, &mut bufs).await;
            COUNTING.store(true, Ordering::SeqCst);
            for _ in 0..2_000 {
                other_kinds(&mut cq, &ends, &mut bufs).await;
            }
            COUNTING.store(false, Ordering::SeqCst);
            (first, ALLOCATIONS.load(Ordering::SeqCst))
        });
        drop(file);
        assert_eq!(allocations.0, 0, "allocations in 10,000 submit/wait cycles");
        assert_eq!(
            allocations.1, 0,
            "allocations in 2,000 cycles of writes, fsyncs, ftruncates and socket ops"
        );
    });
}
