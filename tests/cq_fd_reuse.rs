//! A CompletionQueue op whose descriptor is closed while it is in flight,
//! by the caller or by an `Op::close` of the same queue, and whose number
//! another file then takes: the op goes on with its own file, and the new
//! file sees nothing of it (no read drains it, no write lands in it). On a
//! current-thread runtime, a multi-thread runtime and a plain thread (the
//! fallback driver); CI runs this file with `ZIO_BACKEND=uring` and
//! `ZIO_BACKEND=epoll`.
//!
//! One test, run in sequence: the last case frees a number and takes it
//! again, which another test of the binary opening descriptors at the same
//! time could race.

mod common;
use common::cq::*;

use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::time::Duration;

use zio::cq::{CompletionQueue, Op, Output};

/// Long enough for an op that could complete to do so; and for an op on
/// io_uring to reach the kernel (the wait turns the driver).
const SETTLE: Duration = Duration::from_millis(30);

fn write_all(fd: &OwnedFd, data: &[u8]) {
    // SAFETY: writes from a live buffer to our pipe.
    let wrote = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
    assert_eq!(
        wrote,
        data.len() as isize,
        "{}",
        std::io::Error::last_os_error()
    );
}

fn set_nonblocking(fd: &OwnedFd, on: bool) {
    // SAFETY: fcntl on our own descriptor, touching no memory.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    let flags = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: as above.
    let set = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags) };
    assert_eq!(set, 0);
}

/// What can be read from a pipe right now (without waiting).
fn read_now(fd: &OwnedFd) -> Vec<u8> {
    set_nonblocking(fd, true);
    let mut buf = vec![0u8; 1 << 17];
    // SAFETY: reads into a live buffer of that length.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    set_nonblocking(fd, false);
    buf.truncate(n.max(0) as usize);
    buf
}

/// Fills a pipe until a write would block; returns how many bytes it took.
fn fill(fd: &OwnedFd) -> usize {
    set_nonblocking(fd, true);
    let chunk = [0u8; 4096];
    let mut total = 0;
    loop {
        // SAFETY: writes from a live buffer.
        let n = unsafe { libc::write(fd.as_raw_fd(), chunk.as_ptr().cast(), chunk.len()) };
        if n <= 0 {
            break;
        }
        total += n as usize;
    }
    set_nonblocking(fd, false);
    total
}

/// Makes `old`'s number name `new`'s file and returns it as a descriptor
/// of its own: `old` closed and its number reused by another file, in one
/// step (`dup2`), so no other thread can take the number in between.
fn reuse_number(old: OwnedFd, new: &OwnedFd) -> OwnedFd {
    let n = old.into_raw_fd();
    // SAFETY: `n` is ours (taken out of `old`); dup2 closes the file it
    // named and makes it name `new`'s.
    assert_eq!(unsafe { libc::dup2(new.as_raw_fd(), n) }, n);
    // SAFETY: `n` names a descriptor that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(n) }
}

/// A read waiting on a pipe whose number then names another pipe, which
/// has data: the read waits for, and gets, its own pipe's data.
fn read_after_number_reused(mode: Mode) {
    let mut cq = CompletionQueue::with_capacity(2);
    let (old_r, old_w) = pipe();
    cq.submit(Op::read(old_r.as_raw_fd(), Vec::with_capacity(16)), 1)
        .unwrap();
    assert!(
        next_within(&mut cq, mode, SETTLE).is_none(),
        "nothing to read yet"
    );
    let (new_r, new_w) = pipe();
    write_all(&new_w, b"new file");
    let reused = reuse_number(old_r, &new_r);
    drop(new_r);
    let early = next_within(&mut cq, mode, SETTLE);
    assert!(
        early.is_none(),
        "the read took the new file's data: {early:?}"
    );
    write_all(&old_w, b"old");
    let Output::Read(n, buf) = next(&mut cq, mode).unwrap().into_output() else {
        panic!("not a read")
    };
    assert_eq!((n.unwrap(), &buf[..]), (3, &b"old"[..]));
    assert_eq!(read_now(&reused), b"new file", "the new file is untouched");
}

/// A write waiting on a full pipe whose number then names another pipe:
/// the write lands in its own pipe once there is room, never in the new
/// one.
fn write_after_number_reused(mode: Mode) {
    let mut cq = CompletionQueue::with_capacity(2);
    let (old_r, old_w) = pipe();
    let filled = fill(&old_w);
    cq.submit(Op::write(old_w.as_raw_fd(), b"old".to_vec()), 1)
        .unwrap();
    assert!(
        next_within(&mut cq, mode, SETTLE).is_none(),
        "the pipe is full"
    );
    let (new_r, new_w) = pipe();
    let _reused = reuse_number(old_w, &new_w);
    drop(new_w);
    let early = next_within(&mut cq, mode, SETTLE);
    assert!(early.is_none(), "the write went to the new file: {early:?}");
    assert!(
        read_now(&new_r).is_empty(),
        "nothing landed in the new file"
    );
    let mut drained = 0;
    while drained < filled {
        drained += read_now(&old_r).len();
    }
    assert_eq!(drained, filled, "only the filler was there");
    let Output::Write(n, _) = next(&mut cq, mode).unwrap().into_output() else {
        panic!("not a write")
    };
    assert_eq!(n.unwrap(), 3);
    assert_eq!(read_now(&old_r), b"old", "the write went to its own pipe");
    assert!(
        read_now(&new_r).is_empty(),
        "nothing landed in the new file"
    );
}

/// A read waiting on a pipe that an `Op::close` of the same queue closes;
/// the freed number is taken by another pipe, which has data: the read
/// still waits for, and gets, its own pipe's data.
fn read_after_closed_by_the_queue(mode: Mode) {
    let mut cq = CompletionQueue::with_capacity(2);
    let (old_r, old_w) = pipe();
    // Made first, so that the number the close frees is the one reused.
    let (new_r, new_w) = pipe();
    let n = old_r.as_raw_fd();
    cq.submit(Op::read(n, Vec::with_capacity(16)), 1).unwrap();
    assert!(
        next_within(&mut cq, mode, SETTLE).is_none(),
        "nothing to read yet"
    );
    cq.submit(Op::close(old_r), 2).unwrap();
    let closed = next(&mut cq, mode).unwrap();
    assert_eq!(closed.token(), 2, "{closed:?}");
    assert!(matches!(closed.into_output(), Output::Close(Ok(()))));
    // SAFETY: fcntl touching no memory; the lowest free number from `n`
    // on is `n`, which the close freed.
    let dup = unsafe { libc::fcntl(new_r.as_raw_fd(), libc::F_DUPFD_CLOEXEC, n) };
    assert_eq!(dup, n, "the closed number is free again");
    // SAFETY: a fresh descriptor that nothing else owns.
    let reused = unsafe { OwnedFd::from_raw_fd(dup) };
    drop(new_r);
    write_all(&new_w, b"new file");
    let early = next_within(&mut cq, mode, SETTLE);
    assert!(
        early.is_none(),
        "the read took the new file's data: {early:?}"
    );
    write_all(&old_w, b"old");
    let c = next(&mut cq, mode).unwrap();
    assert_eq!(c.token(), 1);
    let Output::Read(got, buf) = c.into_output() else {
        panic!("not a read")
    };
    assert_eq!((got.unwrap(), &buf[..]), (3, &b"old"[..]));
    assert_eq!(read_now(&reused), b"new file", "the new file is untouched");
}

#[test]
fn ops_keep_their_file_when_the_number_is_closed_and_reused() {
    everywhere("fd_reuse", |mode| {
        read_after_number_reused(mode);
        write_after_number_reused(mode);
        read_after_closed_by_the_queue(mode);
    });
}
