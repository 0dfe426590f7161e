//! Runs the `cq_read_files` example's walk and reads (`files_under`, then
//! `read_all`: one CompletionQueue, at most 64 reads in flight) on a
//! generated tree; CI runs this file with `ZIO_BACKEND=uring` and
//! `ZIO_BACKEND=epoll`:
//!
//! - a tree of nested directories (some empty) with empty files, small
//!   files, files around the read size and one of several MiB, each filled
//!   with a pattern derived from its name: the walk lists exactly its
//!   regular files (not the FIFO, not the symlinks); the reads hand over
//!   every byte, each file's chunks in order and at the right offsets, with
//!   the file's content; the total equals the sizes `std::fs` reports; the
//!   queue held exactly 64 reads at its peak (the number of files when
//!   fewer); on the runtime `main` uses, a current-thread runtime and in a
//!   task of a multi-thread runtime;
//! - symlinks are not followed, as the example says: links to a parent,
//!   to the directory itself, to a file and a dangling one are skipped (the
//!   walk ends), and a tree named through a symlink is read whole;
//! - failures are `io::Error`s, never panics: a missing directory or a
//!   file given as one fails the walk with the kind `std` uses and the
//!   path in the message; a file removed after the walk (`NotFound`), a
//!   path that opens but cannot be read (a directory, `IsADirectory`) and
//!   a file under `chmod 000` (`PermissionDenied`) are reported in
//!   `Totals::failed` while the other files are read whole. As root the
//!   permission parts are skipped with a note (root reads what `chmod 000`
//!   forbids).

mod common;
use common::*;

#[path = "../examples/cq_read_files.rs"]
#[allow(dead_code)]
mod cq_read_files;
use cq_read_files::{files_under, read_all, Totals, CHUNK, IN_FLIGHT};

use std::collections::HashMap;
use std::ffi::CString;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use zio::runtime::{IoBackend, Runtime};

const MIB: u64 = 1024 * 1024;

/// Byte `i` of the file named `name`: a hash of both, so that a chunk at
/// the wrong offset, or from another file, does not match.
fn pattern_byte(seed: u64, i: u64) -> u8 {
    ((i ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8
}

fn seed(path: &Path) -> u64 {
    crc32fast::hash(path.file_name().expect("a file name").as_bytes()).into()
}

/// Writes a file of `size` pattern bytes; returns its path.
fn write_file(dir: &Path, name: &str, size: u64) -> PathBuf {
    let path = dir.join(name);
    let s = seed(&path);
    let data: Vec<u8> = (0..size).map(|i| pattern_byte(s, i)).collect();
    fs::write(&path, data).unwrap();
    path
}

fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// A generated tree and its regular files.
struct Tree {
    dir: tempfile::TempDir,
    files: Vec<PathBuf>,
}

impl Tree {
    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The files' sizes as `std::fs` reports them.
    fn sizes(&self) -> HashMap<PathBuf, u64> {
        self.files
            .iter()
            .map(|p| (p.clone(), fs::metadata(p).unwrap().len()))
            .collect()
    }
}

/// Nested directories (some empty), more than `IN_FLIGHT` files of all
/// sizes, a FIFO and symlinks (to a parent, to `.`, to a file, dangling).
fn build_tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let chunk = CHUNK as u64;
    let deep = root.join("a/b/c/d/e");
    fs::create_dir_all(&deep).unwrap();
    fs::create_dir_all(root.join("empty")).unwrap();
    fs::create_dir_all(root.join("a/b/empty/emptier")).unwrap();
    let levels = [
        root.to_path_buf(),
        root.join("a"),
        root.join("a/b"),
        root.join("a/b/c"),
        deep,
    ];
    let sizes = [
        0,
        0,
        1,
        2,
        100,
        4095,
        4096,
        4097,
        chunk - 1,
        chunk,
        chunk + 1,
        2 * chunk + 17,
        3 * chunk,
        5 * MIB + 12_345,
    ];
    let mut files = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        let dir = &levels[i % levels.len()];
        files.push(write_file(dir, &format!("f{i}-{size}"), size));
    }
    // More files than reads in flight, in ten directories.
    for i in 0..150u64 {
        let dir = root.join(format!("many/m{}", i % 10));
        fs::create_dir_all(&dir).unwrap();
        files.push(write_file(&dir, &format!("m{i}"), i * 37 % 3000));
    }
    // Neither a FIFO (whose open would block) nor a symlink is read.
    let fifo = CString::new(root.join("a/fifo").as_os_str().as_bytes()).unwrap();
    // SAFETY: `fifo` is a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    symlink("..", root.join("a/b/c/up"));
    symlink(".", root.join("a/self"));
    symlink(&files[13], root.join("a/b/big-link"));
    symlink("nowhere", root.join("dangling"));
    Tree { dir, files }
}

/// Asserts that runtimes run on the backend `ZIO_BACKEND` names.
fn check_backend(rt: &Runtime) {
    let want = match std::env::var("ZIO_BACKEND").as_deref() {
        Ok("uring") => Some(IoBackend::IoUring),
        Ok("epoll") => Some(IoBackend::Epoll),
        _ => None,
    };
    if let Some(want) = want {
        assert_eq!(rt.handle().io_backend(), want);
    }
}

/// The chunks `read_all` hands over, checked as they arrive: every chunk
/// continues its file where the last one ended, holds at most `CHUNK`
/// bytes, and matches the file's pattern.
#[derive(Default)]
struct Seen {
    next_offset: HashMap<PathBuf, u64>,
}

impl Seen {
    fn chunk(&mut self, path: &Path, offset: u64, data: &[u8]) {
        assert!(!data.is_empty(), "{}: an empty chunk", path.display());
        assert!(
            data.len() <= CHUNK,
            "{}: a chunk of {}",
            path.display(),
            data.len()
        );
        let next = self.next_offset.entry(path.to_path_buf()).or_default();
        assert_eq!(offset, *next, "{}: chunks out of order", path.display());
        let s = seed(path);
        if let Some(at) = (0..data.len()).find(|&k| data[k] != pattern_byte(s, offset + k as u64)) {
            panic!("{}: wrong byte at {}", path.display(), offset + at as u64);
        }
        *next += data.len() as u64;
    }

    /// Reads `paths` through the example, checking every chunk.
    async fn read(paths: Vec<PathBuf>) -> (Totals, Seen) {
        let mut seen = Seen::default();
        let totals = read_all(paths, |p, off, data| seen.chunk(p, off, data))
            .await
            .expect("read_all");
        (totals, seen)
    }

    /// Bytes read from `path`.
    fn bytes(&self, path: &Path) -> u64 {
        self.next_offset.get(path).copied().unwrap_or(0)
    }
}

fn sorted(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths.sort();
    paths
}

/// Every file read whole, nothing failed, the queue filled to `IN_FLIGHT`
/// (or the number of files).
fn check_all_read(tree: &Tree, totals: &Totals, seen: &Seen, place: &str) {
    let sizes = tree.sizes();
    assert!(totals.failed.is_empty(), "{place}: {:?}", totals.failed);
    for (path, &size) in &sizes {
        assert_eq!(seen.bytes(path), size, "{place}: {}", path.display());
    }
    assert_eq!(
        seen.next_offset.len(),
        sizes.values().filter(|&&s| s > 0).count()
    );
    assert_eq!(
        totals.bytes,
        sizes.values().sum::<u64>(),
        "{place}: the total"
    );
    assert_eq!(totals.peak_in_flight, IN_FLIGHT.min(sizes.len()), "{place}");
}

#[test]
fn reads_every_byte_of_a_tree_with_at_most_64_reads_in_flight() {
    watchdog("cq_read_files tree", || {
        let tree = build_tree();
        assert!(tree.files.len() > IN_FLIGHT);
        assert!(tree.sizes().values().any(|&s| s > 4 * MIB));
        let mut paths = Vec::new();
        files_under(tree.root(), &mut paths).unwrap();
        assert_eq!(sorted(paths.clone()), sorted(tree.files.clone()));

        // As `main` runs it.
        let rt = Runtime::new().unwrap();
        check_backend(&rt);
        eprintln!("cq_read_files on {}", rt.handle().io_backend());
        let (totals, seen) = rt.block_on(Seen::read(paths.clone()));
        check_all_read(&tree, &totals, &seen, "Runtime::new");

        let rt = current_rt();
        check_backend(&rt);
        let (totals, seen) = rt.block_on(Seen::read(paths.clone()));
        check_all_read(&tree, &totals, &seen, "current-thread runtime");

        let rt = multi_rt(2);
        check_backend(&rt);
        let (totals, seen) =
            rt.block_on(async move { zio::spawn(Seen::read(paths)).await.unwrap() });
        check_all_read(&tree, &totals, &seen, "multi-thread task");
    });
}

#[test]
fn fewer_files_than_reads_in_flight_and_none() {
    watchdog("cq_read_files few", || {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![
            write_file(dir.path(), "one", 10),
            write_file(dir.path(), "two", CHUNK as u64 + 3),
            write_file(dir.path(), "three", 0),
        ];
        let rt = Runtime::new().unwrap();
        check_backend(&rt);
        let (totals, seen) = rt.block_on(Seen::read(files.clone()));
        assert!(totals.failed.is_empty(), "{:?}", totals.failed);
        assert_eq!(totals.bytes, 10 + CHUNK as u64 + 3);
        assert_eq!(seen.bytes(&files[1]), CHUNK as u64 + 3);
        assert_eq!(totals.peak_in_flight, 3);

        let (totals, seen) = rt.block_on(Seen::read(Vec::new()));
        assert_eq!((totals.bytes, totals.peak_in_flight), (0, 0));
        assert!(totals.failed.is_empty() && seen.next_offset.is_empty());
    });
}

#[test]
fn symlinks_are_not_followed() {
    watchdog("cq_read_files symlinks", || {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tree");
        fs::create_dir_all(root.join("sub/subsub")).unwrap();
        let file = write_file(&root.join("sub"), "file", 3000);
        symlink("..", root.join("sub/subsub/up"));
        symlink("../..", root.join("sub/subsub/upup"));
        symlink(".", root.join("sub/here"));
        symlink(&root, root.join("sub/absolute-root"));
        symlink(&file, root.join("file-link"));
        symlink("gone", root.join("dangling"));

        let mut paths = Vec::new();
        files_under(&root, &mut paths).unwrap();
        assert_eq!(paths, [file]);

        // The directory named may itself be a symlink.
        let via = dir.path().join("via-link");
        symlink(&root, &via);
        let mut paths = Vec::new();
        files_under(&via, &mut paths).unwrap();
        assert_eq!(paths, [via.join("sub/file")]);
        let rt = Runtime::new().unwrap();
        check_backend(&rt);
        let (totals, seen) = rt.block_on(Seen::read(paths));
        assert!(totals.failed.is_empty(), "{:?}", totals.failed);
        assert_eq!(totals.bytes, 3000);
        assert_eq!(seen.bytes(&via.join("sub/file")), 3000);
    });
}

/// Whether `chmod 000` keeps this process out of `path` (not as root).
fn permissions_apply(path: &Path) -> bool {
    let shut = if path.is_dir() {
        fs::read_dir(path).is_err()
    } else {
        fs::File::open(path).is_err()
    };
    if !shut {
        eprintln!(
            "note: {} opens despite mode 000 (running as root?): \
             skipping the permission check",
            path.display()
        );
    }
    shut
}

#[test]
fn walk_errors_are_io_errors_naming_the_path() {
    watchdog("cq_read_files walk errors", || {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();

        let missing = dir.path().join("missing");
        let e = files_under(&missing, &mut paths).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        assert!(e.to_string().contains(&*missing.to_string_lossy()), "{e}");

        let file = write_file(dir.path(), "plain", 5);
        let e = files_under(&file, &mut paths).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotADirectory, "{e}");
        assert!(e.to_string().contains(&*file.to_string_lossy()), "{e}");
        assert!(paths.is_empty());

        let shut = dir.path().join("tree/shut");
        fs::create_dir_all(&shut).unwrap();
        write_file(&shut, "inside", 5);
        fs::set_permissions(&shut, fs::Permissions::from_mode(0o000)).unwrap();
        if permissions_apply(&shut) {
            let e = files_under(&dir.path().join("tree"), &mut paths).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
            assert!(e.to_string().contains(&*shut.to_string_lossy()), "{e}");
        }
        // So that the temporary directory can be removed.
        fs::set_permissions(&shut, fs::Permissions::from_mode(0o755)).unwrap();
    });
}

#[test]
fn files_that_cannot_be_read_are_reported_and_the_rest_read() {
    watchdog("cq_read_files read errors", || {
        let tree = build_tree();
        let root = tree.root();
        let mut paths = Vec::new();
        files_under(root, &mut paths).unwrap();

        // Removed after the walk: the open fails.
        let mut expected_failures = Vec::new();
        for i in 0..100 {
            let gone = write_file(root, &format!("gone{i}"), 10);
            fs::remove_file(&gone).unwrap();
            paths.insert(i * 2, gone.clone());
            expected_failures.push((gone, ErrorKind::NotFound));
        }
        // Opens (read-only), but a read fails: the read error path.
        let a_dir = root.join("a/b");
        paths.insert(7, a_dir.clone());
        expected_failures.push((a_dir, ErrorKind::IsADirectory));
        let shut = write_file(root, "shut", 1000);
        fs::set_permissions(&shut, fs::Permissions::from_mode(0o000)).unwrap();
        if permissions_apply(&shut) {
            paths.insert(50, shut.clone());
            expected_failures.push((shut, ErrorKind::PermissionDenied));
        }

        let rt = Runtime::new().unwrap();
        check_backend(&rt);
        let (mut totals, seen) = rt.block_on(Seen::read(paths));
        let failures: Vec<_> = totals
            .failed
            .drain(..)
            .map(|(p, e)| (p, e.kind()))
            .collect();
        assert_eq!(
            sorted_failures(failures),
            sorted_failures(expected_failures)
        );
        check_all_read(&tree, &totals, &seen, "with failures");
    });
}

fn sorted_failures(mut f: Vec<(PathBuf, ErrorKind)>) -> Vec<(PathBuf, ErrorKind)> {
    f.sort_by(|a, b| a.0.cmp(&b.0));
    f
}
