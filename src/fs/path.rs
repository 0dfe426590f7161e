//! Operations on paths: rename, remove_file, metadata, links,
//! canonicalize, permissions.

use std::fs::Permissions;
use std::io;
use std::path::{Path, PathBuf};

use super::util::{blocking, cstr};
use super::Metadata;
use crate::reactor::ops::fs::{LinkAt, RenameAt, Statx, SymlinkAt, UnlinkAt};
use crate::reactor::Op;

/// Renames `from` to `to`, replacing `to` if it exists, as
/// [`std::fs::rename`]; an io_uring `RENAMEAT`.
///
/// # Errors
///
/// As [`std::fs::rename`]: [`io::ErrorKind::NotFound`],
/// [`io::ErrorKind::CrossesDevices`] across filesystems,
/// [`io::ErrorKind::IsADirectory`] / [`io::ErrorKind::NotADirectory`] /
/// [`io::ErrorKind::DirectoryNotEmpty`] for mismatched kinds.
///
/// # Cancel safety
///
/// The rename may have happened if the future is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a"), dir.path().join("b"));
/// std::fs::write(&a, b"x")?;
/// zio::fs::rename(&a, &b).await?;
/// assert!(!a.exists() && b.exists());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (cstr(from.as_ref())?, cstr(to.as_ref())?);
    Op::new(RenameAt::new(from, to)).await
}

/// Removes the file (or symlink) `path`, as [`std::fs::remove_file`]; an
/// io_uring `UNLINKAT`.
///
/// # Errors
///
/// As [`std::fs::remove_file`]: [`io::ErrorKind::NotFound`],
/// [`io::ErrorKind::IsADirectory`] for a directory,
/// [`io::ErrorKind::PermissionDenied`].
///
/// # Cancel safety
///
/// The file may have been removed if the future is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// std::fs::write(&path, b"x")?;
/// zio::fs::remove_file(&path).await?;
/// assert!(!path.exists());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    Op::new(UnlinkAt::new(cstr(path.as_ref())?, false)).await
}

/// Metadata of `path`, following symlinks, as [`std::fs::metadata`]; an
/// io_uring `STATX`.
///
/// # Errors
///
/// As [`std::fs::metadata`]: [`io::ErrorKind::NotFound`] (also for a
/// dangling symlink), [`io::ErrorKind::PermissionDenied`].
///
/// # Cancel safety
///
/// Cancel safe: it changes nothing.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// assert!(zio::fs::metadata(dir.path()).await?.is_dir());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    stat(path.as_ref(), true).await
}

/// Metadata of `path` itself, not following a final symlink, as
/// [`std::fs::symlink_metadata`].
///
/// # Errors
///
/// As [`metadata`].
///
/// # Cancel safety
///
/// Cancel safe: it changes nothing.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let link = dir.path().join("l");
/// std::os::unix::fs::symlink("missing", &link)?;
/// assert!(zio::fs::symlink_metadata(&link).await?.is_symlink());
/// assert!(zio::fs::metadata(&link).await.is_err());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    stat(path.as_ref(), false).await
}

async fn stat(path: &Path, follow: bool) -> io::Result<Metadata> {
    Op::new(Statx::path(cstr(path)?, follow))
        .await
        .map(Metadata::from_statx)
}

/// Whether `path` exists (following symlinks), as
/// [`std::fs::exists`]: `Ok(false)` for a missing path or a dangling
/// symlink, an error when it cannot be told (permission denied on a
/// parent, ...).
///
/// # Errors
///
/// The errors of `statx` other than `ENOENT`.
///
/// # Cancel safety
///
/// Cancel safe: it changes nothing.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// assert!(zio::fs::try_exists("/").await?);
/// assert!(!zio::fs::try_exists("/no/such/path").await?);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    match stat(path.as_ref(), true).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The absolute path with every symlink, `.` and `..` resolved, as
/// [`std::fs::canonicalize`] (run on the blocking pool: `realpath` has no
/// io_uring op).
///
/// # Errors
///
/// As [`std::fs::canonicalize`]: [`io::ErrorKind::NotFound`] if a
/// component is missing.
///
/// # Cancel safety
///
/// Cancel safe: it changes nothing.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let odd = dir.path().join("a/../.");
/// std::fs::create_dir(dir.path().join("a"))?;
/// assert_eq!(
///     zio::fs::canonicalize(&odd).await?,
///     std::fs::canonicalize(dir.path())?,
/// );
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    blocking(move || std::fs::canonicalize(path)).await
}

/// The target of the symlink `path`, as [`std::fs::read_link`] (on the
/// blocking pool: `readlink` has no io_uring op).
///
/// # Errors
///
/// As [`std::fs::read_link`]: [`io::ErrorKind::NotFound`],
/// [`io::ErrorKind::InvalidInput`] if `path` is not a symlink.
///
/// # Cancel safety
///
/// Cancel safe: it changes nothing.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let link = dir.path().join("l");
/// zio::fs::symlink("target", &link).await?;
/// assert_eq!(zio::fs::read_link(&link).await?, std::path::Path::new("target"));
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    blocking(move || std::fs::read_link(path)).await
}

/// Creates `link`, a new name (hard link) for the file `original`, as
/// [`std::fs::hard_link`] (a symlink `original` is linked itself); an
/// io_uring `LINKAT`.
///
/// # Errors
///
/// As [`std::fs::hard_link`]: [`io::ErrorKind::AlreadyExists`] if `link`
/// exists, [`io::ErrorKind::NotFound`], [`io::ErrorKind::CrossesDevices`],
/// `EPERM` for a directory.
///
/// # Cancel safety
///
/// The link may have been created if the future is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a"), dir.path().join("b"));
/// std::fs::write(&a, b"x")?;
/// zio::fs::hard_link(&a, &b).await?;
/// assert_eq!(zio::fs::metadata(&a).await?.nlink(), 2);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (cstr(original.as_ref())?, cstr(link.as_ref())?);
    Op::new(LinkAt::new(original, link)).await
}

/// Creates `link`, a symbolic link to `original`, as
/// [`std::os::unix::fs::symlink`] (and `tokio::fs::symlink`); an io_uring
/// `SYMLINKAT`. `original` is stored as given: a relative target resolves
/// against the link's directory, and it need not exist.
///
/// # Errors
///
/// As [`std::os::unix::fs::symlink`]: [`io::ErrorKind::AlreadyExists`] if
/// `link` exists, [`io::ErrorKind::NotFound`] for a missing parent of
/// `link`.
///
/// # Cancel safety
///
/// The link may have been created if the future is dropped.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let link = dir.path().join("l");
/// zio::fs::symlink("/etc", &link).await?;
/// assert_eq!(std::fs::read_link(&link)?, std::path::Path::new("/etc"));
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (cstr(original.as_ref())?, cstr(link.as_ref())?);
    Op::new(SymlinkAt::new(original, link)).await
}

/// Sets the permissions of `path` (following symlinks), as
/// [`std::fs::set_permissions`] (on the blocking pool: `chmod` has no
/// io_uring op).
///
/// # Errors
///
/// As [`std::fs::set_permissions`]: [`io::ErrorKind::NotFound`],
/// [`io::ErrorKind::PermissionDenied`] if not the owner.
///
/// # Cancel safety
///
/// The change may happen even if the future is dropped.
///
/// # Examples
///
/// ```
/// use std::os::unix::fs::PermissionsExt;
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("f");
/// std::fs::write(&path, b"")?;
/// zio::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).await?;
/// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    blocking(move || std::fs::set_permissions(path, perm)).await
}
