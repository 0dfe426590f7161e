//! CompletionQueue: mixed batches of every kind of op, completion order,
//! timed waits, cancellation, bad input, and 10,000 ops in flight; on a
//! current-thread runtime, a multi-thread runtime and a plain thread
//! (`wait_blocking`, served by the fallback driver). CI runs this file with
//! `ZIO_BACKEND=uring` and `ZIO_BACKEND=epoll`.

mod common;
use common::cq::*;
use common::*;

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use zio::cq::{Completion, CompletionQueue, Interest, Op, Output, SubmitError};

fn temp_file(contents: &[u8]) -> std::fs::File {
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(contents).unwrap();
    f
}

fn mixed_batch(mode: Mode) {
    let data: Vec<u8> = (0..8192u32).map(|i| (i % 251) as u8).collect();
    let file = temp_file(&data);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let (client, server) = {
        let c = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let s = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        };
        (c, s)
    };
    let mut cq = CompletionQueue::with_capacity(16);
    cq.submit(Op::timeout(Duration::from_millis(300)), 1)
        .unwrap();
    cq.submit(Op::timeout(Duration::from_millis(20)), 2)
        .unwrap();
    cq.submit(Op::recv(server.as_raw_fd(), Vec::with_capacity(64)), 3)
        .unwrap();
    cq.submit(Op::accept(listener.as_raw_fd()), 4).unwrap();
    cq.submit(
        Op::read_at(file.as_raw_fd(), Vec::with_capacity(4096), 4096),
        5,
    )
    .unwrap();
    cq.submit(Op::nop(), 6).unwrap();
    cq.submit(Op::send(client.as_raw_fd(), b"hello".to_vec()), 7)
        .unwrap();
    let late = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let mut order = Vec::new();
    let mut accepted = None;
    while let Some(c) = next(&mut cq, mode) {
        order.push(c.token());
        match (c.token(), c.into_output()) {
            (1 | 2, Output::Timeout(r)) => r.unwrap(),
            (3, Output::Recv(r, buf)) => {
                assert_eq!(r.unwrap(), 5);
                assert_eq!(buf, b"hello");
            }
            (4, Output::Accept(r)) => accepted = Some(r.unwrap()),
            (5, Output::Read(r, buf)) => {
                assert_eq!(r.unwrap(), 4096);
                assert_eq!(buf, data[4096..]);
            }
            (6, Output::Nop(r)) => r.unwrap(),
            (7, Output::Send(r, buf)) => {
                assert_eq!(r.unwrap(), 5);
                assert_eq!(buf, b"hello");
            }
            (t, out) => panic!("token {t}: unexpected {out:?}"),
        }
    }
    assert_eq!(order.len(), 7, "every op completes once: {order:?}");
    let pos = |t| order.iter().position(|&x| x == t).unwrap();
    assert!(
        pos(2) < pos(1),
        "the 20 ms timeout before the 300 ms one: {order:?}"
    );
    assert_eq!(
        *order.last().unwrap(),
        1,
        "the 300 ms timeout finishes last: {order:?}"
    );
    // The accepted connection is the late client.
    let (fd, peer) = accepted.unwrap();
    assert_eq!(peer.unwrap(), late.local_addr().unwrap());
    let mut accepted = TcpStream::from(fd);
    (&late).write_all(b"x").unwrap();
    let mut b = [0u8; 1];
    accepted.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"x");
}

#[test]
fn mixed_batch_completes_with_right_tokens_in_completion_order() {
    everywhere("mixed_batch", mixed_batch);
}

fn files_and_paths(mode: Mode) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let mut cq = CompletionQueue::with_capacity(4);
    let flags = libc::O_RDWR | libc::O_CREAT;
    cq.submit(Op::open(&path, flags, 0o600).unwrap(), 1)
        .unwrap();
    let Output::Open(fd) = next(&mut cq, mode).unwrap().into_output() else {
        panic!()
    };
    let fd = fd.unwrap();
    let raw = fd.as_raw_fd();
    let bufs = vec![b"abc".to_vec(), b"defg".to_vec()];
    cq.submit(Op::writev_at(raw, bufs, 0), 2).unwrap();
    let Output::Writev(n, _) = next(&mut cq, mode).unwrap().into_output() else {
        panic!()
    };
    assert_eq!(n.unwrap(), 7);
    cq.submit(Op::fsync(raw), 3).unwrap();
    cq.submit(Op::fdatasync(raw), 3).unwrap();
    cq.submit(Op::statx(&path).unwrap(), 4).unwrap();
    let bufs = vec![Vec::with_capacity(2), Vec::with_capacity(10)];
    cq.submit(Op::readv_at(raw, bufs, 0), 5).unwrap();
    while let Some(c) = next(&mut cq, mode) {
        match c.into_output() {
            Output::Fsync(r) => r.unwrap(),
            Output::Statx(m) => assert_eq!(m.unwrap().len(), 7),
            Output::Readv(n, bufs) => {
                assert_eq!(n.unwrap(), 7);
                assert_eq!(bufs, [b"ab".to_vec(), b"cdefg".to_vec()]);
            }
            out => panic!("unexpected {out:?}"),
        }
    }
    cq.submit(Op::close(fd), 6).unwrap();
    let Output::Close(r) = next(&mut cq, mode).unwrap().into_output() else {
        panic!()
    };
    r.unwrap();
    // Closing is observable where a number check is not (other tests of
    // this binary reuse fd numbers at once): with the only write end of a
    // pipe closed, its reader sees end-of-file instead of blocking.
    let mut ends = [0; 2];
    // SAFETY: pipe2 writes two fds into the array; the result is checked.
    let rc = unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0);
    // SAFETY: both fds are fresh from pipe2 and owned by nothing else.
    let (mut reader, writer) = unsafe {
        (
            std::fs::File::from_raw_fd(ends[0]),
            OwnedFd::from_raw_fd(ends[1]),
        )
    };
    cq.submit(Op::close(writer), 8).unwrap();
    let Output::Close(r) = next(&mut cq, mode).unwrap().into_output() else {
        panic!()
    };
    r.unwrap();
    let mut rest = Vec::new();
    assert_eq!(reader.read_to_end(&mut rest).unwrap(), 0);
    cq.submit(
        Op::open(dir.path().join("missing"), libc::O_RDONLY, 0).unwrap(),
        7,
    )
    .unwrap();
    let Output::Open(r) = next(&mut cq, mode).unwrap().into_output() else {
        panic!()
    };
    assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn file_ops_open_write_sync_stat_read_close() {
    everywhere("files_and_paths", files_and_paths);
}

fn sockets(mode: Mode) {
    let udp_a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.set_nonblocking(true).unwrap();
    let mut cq = CompletionQueue::with_capacity(8);
    cq.submit(Op::recv_from(udp_b.as_raw_fd(), Vec::with_capacity(32)), 1)
        .unwrap();
    let to = udp_b.local_addr().unwrap();
    cq.submit(Op::send_to(udp_a.as_raw_fd(), b"dgram".to_vec(), to), 2)
        .unwrap();
    cq.submit(
        Op::connect(sock.as_raw_fd(), listener.local_addr().unwrap()),
        3,
    )
    .unwrap();
    let mut seen = HashMap::new();
    while let Some(c) = next(&mut cq, mode) {
        let t = c.token();
        match c.into_output() {
            Output::RecvFrom(r, buf) => {
                let (n, from) = r.unwrap();
                assert_eq!((n, &buf[..]), (5, &b"dgram"[..]));
                assert_eq!(from.unwrap(), udp_a.local_addr().unwrap());
            }
            Output::SendTo(r, _) => assert_eq!(r.unwrap(), 5),
            Output::Connect(r) => r.unwrap(),
            out => panic!("unexpected {out:?}"),
        }
        *seen.entry(t).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), 3);
    let (peer, _) = listener.accept().unwrap();
    cq.submit(Op::poll(sock.as_raw_fd(), Interest::Writable), 4)
        .unwrap();
    let Output::Poll(r) = next(&mut cq, mode).unwrap().into_output() else {
        panic!()
    };
    assert_ne!(r.unwrap() & libc::POLLOUT as u32, 0);
    cq.submit(Op::shutdown(sock.as_raw_fd(), Shutdown::Write), 5)
        .unwrap();
    let Output::Shutdown(r) = next(&mut cq, mode).unwrap().into_output() else {
        panic!()
    };
    r.unwrap();
    let mut rest = Vec::new();
    (&peer).read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the peer sees end of stream");
}

#[test]
fn socket_ops_datagrams_connect_poll_shutdown() {
    everywhere("sockets", sockets);
}

fn timed_wait_and_cancel(mode: Mode) {
    let (client, server) = std_tcp_pair();
    let mut cq = CompletionQueue::with_capacity(4);
    let recv = cq
        .submit(Op::recv(server.as_raw_fd(), Vec::with_capacity(100)), 1)
        .unwrap();
    let start = Instant::now();
    let got = next_within(&mut cq, mode, Duration::from_millis(30));
    assert!(got.is_none(), "nothing completes: {got:?}");
    assert!(start.elapsed() >= Duration::from_millis(30), "never early");
    assert!(cq.cancel(recv));
    assert!(!cq.cancel(recv), "one cancel per op");
    let c = next(&mut cq, mode).unwrap();
    assert_eq!(c.id(), recv);
    let Output::Recv(r, buf) = c.into_output() else {
        panic!()
    };
    assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::Interrupted);
    assert_eq!(buf.capacity(), 100, "the buffer comes back");
    assert!(!cq.cancel(recv), "a returned op is not in flight");
    // The slot is reused; the stale id does not name the new op.
    cq.submit(Op::recv(server.as_raw_fd(), buf), 2).unwrap();
    assert!(!cq.cancel(recv));
    (&client).write_all(b"after").unwrap();
    let c = next(&mut cq, mode).unwrap();
    let Output::Recv(r, buf) = c.into_output() else {
        panic!()
    };
    assert_eq!((r.unwrap(), &buf[..]), (5, &b"after"[..]));
    // cancel_all, and a timed wait that a completion ends early.
    for t in 0..3 {
        cq.submit(Op::timeout(Duration::from_secs(60)), t).unwrap();
    }
    assert_eq!(cq.cancel_all(), 3);
    let mut n = 0;
    while let Some(c) = next(&mut cq, mode) {
        let Output::Timeout(r) = c.into_output() else {
            panic!()
        };
        assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::Interrupted);
        n += 1;
    }
    assert_eq!(n, 3);
    cq.submit(Op::timeout(Duration::from_millis(5)), 9).unwrap();
    let got = next_within(&mut cq, mode, Duration::from_secs(30));
    assert_eq!(got.unwrap().token(), 9);
}

fn std_tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

#[test]
fn timed_wait_returns_none_on_time_and_cancel_returns_the_buffer() {
    everywhere("timed_wait_and_cancel", timed_wait_and_cancel);
}

fn bad_input(mode: Mode) {
    let mut cq = CompletionQueue::with_capacity(2);
    cq.submit(Op::read(-1, Vec::with_capacity(8)), 1).unwrap();
    cq.submit(Op::send(i32::MAX, b"x".to_vec()), 2).unwrap();
    let err = cq.submit(Op::nop(), 3).unwrap_err();
    assert!(matches!(err, SubmitError::Full(_)), "{err}");
    for _ in 0..2 {
        let c = next(&mut cq, mode).unwrap();
        let e = c.output().error().expect("a bad fd fails");
        assert_eq!(e.raw_os_error(), Some(libc::EBADF), "token {}", c.token());
    }
    cq.submit(err.into_op(), 3).unwrap();
    cq.close();
    let err = cq.submit(Op::nop(), 4).unwrap_err();
    assert!(matches!(err, SubmitError::Closed(_)), "{err}");
    assert_eq!(next(&mut cq, mode).unwrap().token(), 3);
    assert!(next(&mut cq, mode).is_none());
    assert!(cq.is_empty());
}

#[test]
fn bad_fd_full_and_closed_are_clear_errors() {
    everywhere("bad_input", bad_input);
}

#[test]
#[should_panic(expected = "the capacity must be in 1..=u32::MAX")]
fn zero_capacity_panics() {
    let _: CompletionQueue = CompletionQueue::with_capacity(0);
}

fn ten_thousand(mode: Mode) {
    const N: u64 = 10_000;
    let mut cq = CompletionQueue::with_capacity(N as usize);
    let (r, w) = pipe();
    for t in 0..N {
        let op = match t % 3 {
            0 => Op::timeout(Duration::from_millis(t % 40)),
            1 => Op::nop(),
            _ => Op::read(r.as_raw_fd(), Vec::with_capacity(1)),
        };
        cq.submit(op, t).unwrap();
    }
    assert_eq!(cq.len(), N as usize);
    let reads = (N / 3) as usize;
    // SAFETY: writes from a live buffer to our pipe.
    let wrote = unsafe { libc::write(w.as_raw_fd(), vec![7u8; reads].as_ptr().cast(), reads) };
    assert_eq!(wrote, reads as isize);
    let mut seen = vec![false; N as usize];
    while let Some(c) = next(&mut cq, mode) {
        assert!(c.output().error().is_none(), "{c:?}");
        assert!(!std::mem::replace(&mut seen[c.token() as usize], true));
    }
    assert!(seen.iter().all(|&s| s));
}

#[test]
fn ten_thousand_ops_in_flight_in_one_queue() {
    everywhere("ten_thousand", ten_thousand);
}

#[test]
fn wait_composes_with_select_and_a_channel() {
    watchdog("select", || {
        current_rt().block_on(async {
            let (tx, mut rx) = zio::sync::mpsc::unbounded_channel::<u64>();
            let mut cq: CompletionQueue = CompletionQueue::with_capacity(4);
            cq.submit(Op::timeout(Duration::from_secs(60)), 1).unwrap();
            zio::spawn(async move {
                zio::time::sleep(Duration::from_millis(5)).await;
                tx.send(2).unwrap();
            });
            let mut got = Vec::new();
            loop {
                zio::select! {
                    Some(c) = cq.wait() => got.push(c.token()),
                    Some(v) = rx.recv() => {
                        got.push(v);
                        cq.cancel_all();
                    }
                    else => break,
                }
            }
            assert_eq!(got, [2, 1]);
        });
    });
}

#[test]
fn queue_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<CompletionQueue>();
    check::<Completion<Vec<u8>>>();
    check::<Op>();
}
