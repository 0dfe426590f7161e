//! A socket whose fd number is reused by another socket after it closed:
//! the new socket's reads wait and complete normally. On epoll the driver
//! keeps a registration after its last wait; these tests close the number
//! after a completed wait, after a cancelled one, and while a duplicate
//! keeps the old socket open (its registration then stays in the kernel
//! under the reused number). CI runs this file with `ZIO_BACKEND=uring`
//! and `ZIO_BACKEND=epoll`.

mod common;
use common::*;

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use zio::net::TcpStream;

/// Reads on `reader` while the test waits, then `writer` sends `msg`: the
/// read waits first (the driver registers or re-arms the fd), then returns
/// `msg`.
async fn read_after_wait(reader: &TcpStream, writer: &TcpStream, msg: &[u8]) {
    let read = reader.read(Vec::with_capacity(64));
    let write = async {
        zio::time::sleep(Duration::from_millis(5)).await;
        writer.write_all(msg.to_vec()).await.0.unwrap();
    };
    let ((n, buf), ()) = futures::join!(read, write);
    assert_eq!(&buf[..n.unwrap()], msg);
}

/// A duplicate of `s`'s fd, keeping its socket open after `s` drops.
fn dup(s: &TcpStream) -> OwnedFd {
    s.as_fd().try_clone_to_owned().expect("dup")
}

fn fd_is_open(fd: i32) -> bool {
    // SAFETY: F_GETFD reads the flags of a number; no memory is involved.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// A connected pair through `listener` whose first socket has fd `number`
/// (it takes the lowest free number, or is moved there with dup2: the
/// number is closed, and this file's one test
/// runs alone in its process, so nothing else takes it meanwhile).
fn connected_at(listener: &std::net::TcpListener, number: i32) -> (TcpStream, TcpStream) {
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let client = if client.as_raw_fd() == number {
        client
    } else {
        // SAFETY: dup2 onto a number that is closed (checked by the
        // caller); the result is checked.
        let moved = unsafe { libc::dup2(client.as_raw_fd(), number) };
        assert_eq!(moved, number, "dup2: {}", std::io::Error::last_os_error());
        // SAFETY: `number` is the fresh duplicate made above, owned by
        // nothing else.
        unsafe { std::net::TcpStream::from_raw_fd(number) }
    };
    let wrap = |s: std::net::TcpStream| {
        s.set_nonblocking(true).unwrap();
        TcpStream::from_std(s).unwrap()
    };
    (wrap(client), wrap(server))
}

/// Closes a pair whose server end waited, reuses its number, keeping the
/// old socket open through a duplicate if `keep_old` and cancelling the
/// first wait instead of completing it if `cancel`.
fn reuse(rt: zio::runtime::Runtime, keep_old: bool, cancel: bool) {
    rt.block_on(async {
        let (client, server) = tcp_pair().await;
        if cancel {
            let read = server.read(Vec::with_capacity(64));
            let timed_out = zio::time::timeout(Duration::from_millis(5), read).await;
            assert!(timed_out.is_err(), "nothing was sent");
        } else {
            read_after_wait(&server, &client, b"first").await;
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let number = server.as_raw_fd();
        let old = keep_old.then(|| dup(&server));
        drop(server);
        // A cancelled op may hold the fd until its cancel completes.
        while fd_is_open(number) {
            zio::task::yield_now().await;
        }
        let (client2, server2) = connected_at(&listener, number);
        let (reader, writer) = (&client2, &server2);
        // The old socket gets data too: it must not disturb the new one.
        client
            .write_all(b"to the old socket".to_vec())
            .await
            .0
            .unwrap();
        read_after_wait(reader, writer, b"second").await;
        read_after_wait(reader, writer, b"third").await;
        drop(old);
    });
}

/// One test, so that no other test of this process opens fds meanwhile:
/// each case below closes a number and puts a new socket on it.
#[test]
fn reused_numbers_wait_and_complete() {
    watchdog("reused_numbers_wait_and_complete", || {
        for keep_old in [false, true] {
            for cancel in [false, true] {
                reuse(current_rt(), keep_old, cancel);
                reuse(multi_rt(2), keep_old, cancel);
            }
        }
    });
}
