//! Directories: `create_dir`, `create_dir_all`, `remove_dir`,
//! `remove_dir_all`.

use std::io;
use std::path::Path;

use super::util::{blocking, cstr};
use crate::reactor::ops::fs::{MkDirAt, Statx, UnlinkAt};
use crate::reactor::Op;

/// Creates the directory `path` (mode `0o777`, masked by the umask), as
/// [`std::fs::create_dir`]; an io_uring `MKDIRAT`.
///
/// # Errors
///
/// As [`std::fs::create_dir`]: [`io::ErrorKind::AlreadyExists`],
/// [`io::ErrorKind::NotFound`] for a missing parent,
/// [`io::ErrorKind::PermissionDenied`].
///
/// # Cancel safety
///
/// The directory may have been created if the future is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// zio::fs::create_dir(dir.path().join("sub")).await?;
/// assert!(dir.path().join("sub").is_dir());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    mkdir(path.as_ref()).await
}

async fn mkdir(path: &Path) -> io::Result<()> {
    Op::new(MkDirAt::new(cstr(path)?, 0o777)).await
}

async fn is_dir(path: &Path) -> bool {
    match cstr(path) {
        Ok(c) => Op::new(Statx::path(c, true))
            .await
            .is_ok_and(|stx| u32::from(stx.stx_mode) & libc::S_IFMT == libc::S_IFDIR),
        Err(_) => false,
    }
}

/// Creates `path` and any missing parents, as [`std::fs::create_dir_all`];
/// succeeds if `path` is already a directory (also when another thread or
/// process creates it concurrently).
///
/// # Errors
///
/// As [`std::fs::create_dir_all`]: the first `mkdir` error other than a
/// missing parent, [`io::ErrorKind::AlreadyExists`] if `path` or a parent
/// exists and is not a directory.
///
/// # Cancel safety
///
/// Some of the directories may have been created if the future is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let deep = dir.path().join("a/b/c");
/// zio::fs::create_dir_all(&deep).await?;
/// zio::fs::create_dir_all(&deep).await?; // already there: fine
/// assert!(deep.is_dir());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref();
    if path == Path::new("") {
        return Ok(());
    }
    // Walk up to the first ancestor that exists (or that we create), then
    // create the missing ones top-down.
    let mut missing = Vec::new();
    let mut cur = path;
    loop {
        match mkdir(cur).await {
            Ok(()) => break,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                missing.push(cur);
                match cur.parent() {
                    Some(parent) if parent != Path::new("") => cur = parent,
                    // The current directory: it exists, create from here.
                    Some(_) => break,
                    None => return Err(io::Error::other("failed to create whole tree")),
                }
            }
            Err(_) if is_dir(cur).await => break,
            Err(e) => return Err(e),
        }
    }
    for dir in missing.into_iter().rev() {
        match mkdir(dir).await {
            Ok(()) => {}
            Err(_) if is_dir(dir).await => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Removes the empty directory `path`, as [`std::fs::remove_dir`]; an
/// io_uring `UNLINKAT` with `AT_REMOVEDIR`.
///
/// # Errors
///
/// As [`std::fs::remove_dir`]: [`io::ErrorKind::DirectoryNotEmpty`],
/// [`io::ErrorKind::NotFound`], [`io::ErrorKind::NotADirectory`],
/// [`io::ErrorKind::PermissionDenied`].
///
/// # Cancel safety
///
/// The directory may have been removed if the future is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let sub = dir.path().join("sub");
/// std::fs::create_dir(&sub)?;
/// zio::fs::remove_dir(&sub).await?;
/// assert!(!sub.exists());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    Op::new(UnlinkAt::new(cstr(path.as_ref())?, true)).await
}

/// Removes `path` and everything in it, as [`std::fs::remove_dir_all`]
/// (which it runs on the blocking pool: it walks the tree with descriptor-
/// relative calls, so a symlink swapped in concurrently cannot redirect it
/// outside the tree). A symlink `path` is removed itself, not followed.
///
/// # Errors
///
/// As [`std::fs::remove_dir_all`].
///
/// # Cancel safety
///
/// The removal continues on the blocking pool if the future is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let tree = dir.path().join("tree");
/// std::fs::create_dir_all(tree.join("a/b"))?;
/// std::fs::write(tree.join("a/b/f"), b"x")?;
/// zio::fs::remove_dir_all(&tree).await?;
/// assert!(!tree.exists());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    blocking(move || std::fs::remove_dir_all(path)).await
}
