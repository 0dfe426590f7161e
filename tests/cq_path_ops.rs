//! CompletionQueue ops on paths and file lengths — `mkdir`, `symlink`,
//! `link`, `rename`, `unlink`, `rmdir`, `ftruncate` — on a current-thread
//! runtime, a multi-thread runtime and a plain thread (`wait_blocking`);
//! CI runs this file with `ZIO_BACKEND=uring` and `ZIO_BACKEND=epoll`:
//!
//! - a batch of them builds a tree, checked with `std::fs` afterwards;
//!   a second batch takes it apart again;
//! - each failure reports the error `std::fs` reports for the same call
//!   (`AlreadyExists`, `NotFound`, `DirectoryNotEmpty`, `InvalidInput`
//!   for a length past `i64::MAX` or a file not open for writing), and a
//!   path with a NUL byte is refused when the op is made.

mod common;
use common::cq::*;

use std::fs;
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use zio::cq::{CompletionQueue, Op, Output};

/// Submits `ops` (token = index) and returns their outputs by token.
fn run_batch(mode: Mode, ops: Vec<Op>) -> Vec<Output<Vec<u8>>> {
    let mut cq: CompletionQueue = CompletionQueue::with_capacity(ops.len());
    let n = ops.len();
    for (token, op) in ops.into_iter().enumerate() {
        cq.submit(op, token as u64).unwrap();
    }
    let mut outs: Vec<Option<Output<Vec<u8>>>> = (0..n).map(|_| None).collect();
    for _ in 0..n {
        let c = next(&mut cq, mode).expect("a completion");
        let slot = &mut outs[c.token() as usize];
        assert!(slot.is_none(), "token {} completed twice", c.token());
        *slot = Some(c.into_output());
    }
    assert!(cq.is_empty());
    outs.into_iter()
        .map(|o| o.expect("every op completed"))
        .collect()
}

/// Runs one op and returns its output.
fn run_one(mode: Mode, op: Op) -> Output<Vec<u8>> {
    run_batch(mode, vec![op]).pop().expect("one output")
}

/// The error kind an op failed with; panics if it succeeded.
fn failed(out: Output<Vec<u8>>) -> ErrorKind {
    out.error()
        .unwrap_or_else(|| panic!("expected an error, got {out:?}"))
        .kind()
}

fn assert_ok(outs: &[Output<Vec<u8>>]) {
    for (token, out) in outs.iter().enumerate() {
        assert!(out.error().is_none(), "op {token}: {out:?}");
    }
}

fn build_and_take_apart(mode: Mode) {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    fs::write(p("file"), b"0123456789").unwrap();
    let file = fs::OpenOptions::new().write(true).open(p("file")).unwrap();

    // Independent ops in one batch; they may complete in any order.
    let outs = run_batch(
        mode,
        vec![
            Op::mkdir(p("dir"), 0o750).unwrap(),
            Op::symlink("file", p("sym")).unwrap(),
            Op::link(p("file"), p("hard")).unwrap(),
            Op::ftruncate(file.as_raw_fd(), 4),
            Op::ftruncate(file.as_raw_fd(), 1 << 20),
        ],
    );
    assert_ok(&outs);
    assert!(matches!(outs[0], Output::Mkdir(Ok(()))));
    assert!(matches!(outs[1], Output::Symlink(Ok(()))));
    assert!(matches!(outs[2], Output::Link(Ok(()))));
    assert!(matches!(outs[3], Output::Ftruncate(Ok(()))));
    assert!(fs::metadata(p("dir")).unwrap().is_dir());
    let perm = fs::metadata(p("dir")).unwrap().permissions().mode() & 0o777;
    assert_eq!(perm & !0o750, 0, "mkdir mode {perm:o}");
    assert_eq!(fs::read_link(p("sym")).unwrap(), Path::new("file"));
    assert_eq!(fs::metadata(p("file")).unwrap().nlink(), 2);
    assert_eq!(
        fs::metadata(p("hard")).unwrap().ino(),
        fs::metadata(p("file")).unwrap().ino()
    );
    // The two truncations raced; the length is one of theirs.
    let len = fs::metadata(p("file")).unwrap().len();
    assert!(len == 4 || len == 1 << 20, "length {len}");

    // Ops that depend on each other: one batch each.
    assert!(matches!(
        run_one(mode, Op::ftruncate(file.as_raw_fd(), 4)),
        Output::Ftruncate(Ok(()))
    ));
    assert_eq!(fs::read(p("hard")).unwrap(), b"0123");
    assert!(matches!(
        run_one(mode, Op::rename(p("hard"), p("dir/moved")).unwrap()),
        Output::Rename(Ok(()))
    ));
    assert_eq!(fs::read(p("dir/moved")).unwrap(), b"0123");
    assert!(!p("hard").exists());
    // Rename replaces an existing destination.
    fs::write(p("other"), b"x").unwrap();
    assert!(matches!(
        run_one(mode, Op::rename(p("other"), p("dir/moved")).unwrap()),
        Output::Rename(Ok(()))
    ));
    assert_eq!(fs::read(p("dir/moved")).unwrap(), b"x");

    let outs = run_batch(
        mode,
        vec![
            Op::unlink(p("dir/moved")).unwrap(),
            Op::unlink(p("sym")).unwrap(),
        ],
    );
    assert_ok(&outs);
    assert!(matches!(outs[0], Output::Unlink(Ok(()))));
    // Unlinking a symlink removes the link, not its target.
    assert!(fs::symlink_metadata(p("sym")).is_err());
    assert!(p("file").exists());
    assert!(matches!(
        run_one(mode, Op::rmdir(p("dir")).unwrap()),
        Output::Unlink(Ok(()))
    ));
    assert!(!p("dir").exists());
}

#[test]
fn a_batch_builds_a_tree_and_another_takes_it_apart() {
    everywhere("build_and_take_apart", build_and_take_apart);
}

fn errors_match_std(mode: Mode) {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    fs::create_dir(p("full")).unwrap();
    fs::write(p("full/f"), b"").unwrap();
    fs::write(p("ro"), b"data").unwrap();
    let read_only = fs::File::open(p("ro")).unwrap();

    let cases: Vec<(Op, ErrorKind)> = vec![
        (
            Op::mkdir(p("full"), 0o755).unwrap(),
            ErrorKind::AlreadyExists,
        ),
        (Op::mkdir(p("no/such"), 0o755).unwrap(), ErrorKind::NotFound),
        (Op::unlink(p("missing")).unwrap(), ErrorKind::NotFound),
        (Op::rmdir(p("full")).unwrap(), ErrorKind::DirectoryNotEmpty),
        (Op::rmdir(p("ro")).unwrap(), ErrorKind::NotADirectory),
        (
            Op::rename(p("missing"), p("x")).unwrap(),
            ErrorKind::NotFound,
        ),
        (
            Op::symlink("anything", p("ro")).unwrap(),
            ErrorKind::AlreadyExists,
        ),
        (Op::link(p("missing"), p("y")).unwrap(), ErrorKind::NotFound),
        (
            Op::ftruncate(read_only.as_raw_fd(), 0),
            ErrorKind::InvalidInput,
        ),
        (
            Op::ftruncate(read_only.as_raw_fd(), u64::MAX),
            ErrorKind::InvalidInput,
        ),
    ];
    let (ops, kinds): (Vec<Op>, Vec<ErrorKind>) = cases.into_iter().unzip();
    for (token, (out, kind)) in run_batch(mode, ops).into_iter().zip(kinds).enumerate() {
        assert_eq!(failed(out), kind, "op {token}");
    }
    // Nothing was changed by the failures.
    assert_eq!(fs::read(p("ro")).unwrap(), b"data");
    assert!(p("full/f").exists());
    assert!(!p("x").exists() && !p("y").exists());
}

#[test]
fn failures_report_the_errors_std_reports() {
    everywhere("errors_match_std", errors_match_std);
}

#[test]
fn a_path_with_a_nul_byte_is_refused_when_the_op_is_made() {
    let nul = "a\0b";
    let refused: Vec<std::io::Result<Op>> = vec![
        Op::mkdir(nul, 0o755),
        Op::unlink(nul),
        Op::rmdir(nul),
        Op::rename(nul, "b"),
        Op::rename("a", nul),
        Op::symlink(nul, "b"),
        Op::symlink("a", nul),
        Op::link(nul, "b"),
        Op::link("a", nul),
    ];
    for (i, r) in refused.into_iter().enumerate() {
        assert_eq!(r.unwrap_err().kind(), ErrorKind::InvalidInput, "case {i}");
    }
}
