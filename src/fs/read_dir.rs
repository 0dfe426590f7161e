//! `read_dir`: directory listing. There is no io_uring op for it
//! (`getdents`), so the entries are read on the blocking pool, a batch at a
//! time; metadata of an entry is a `statx` through the reactor.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::util::{blocking, cstr};
use super::{FileType, Metadata};
use crate::reactor::ops::fs::Statx;
use crate::reactor::Op;
use crate::task::JoinHandle;

/// Entries read per trip to the blocking pool.
const BATCH: usize = 32;

/// Opens the directory `path` for listing, as [`std::fs::read_dir`]. The
/// listing does not include `.` and `..`; its order is the filesystem's.
///
/// # Errors
///
/// As [`std::fs::read_dir`]: [`io::ErrorKind::NotFound`],
/// [`io::ErrorKind::NotADirectory`], [`io::ErrorKind::PermissionDenied`].
///
/// # Cancel safety
///
/// Dropping the future may leave the directory opened on the blocking
/// pool; it is closed there.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a"), b"")?;
/// let mut entries = zio::fs::read_dir(dir.path()).await?;
/// while let Some(entry) = entries.next_entry().await? {
///     assert_eq!(entry.file_name(), "a");
/// }
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let dir = blocking(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            dir,
            entries: VecDeque::new(),
            done: false,
        })),
    })
}

/// The entries of a directory, from [`read_dir`]: call
/// [`next_entry`](ReadDir::next_entry) until it returns `Ok(None)`.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// for name in ["a", "b", "c"] {
///     std::fs::write(dir.path().join(name), b"")?;
/// }
/// let mut entries = zio::fs::read_dir(dir.path()).await?;
/// let mut names = Vec::new();
/// while let Some(entry) = entries.next_entry().await? {
///     names.push(entry.file_name());
/// }
/// names.sort();
/// assert_eq!(names, ["a", "b", "c"]);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct ReadDir {
    state: State,
}

enum State {
    /// Entries at hand; `None` once the listing is over.
    Idle(Option<Batch>),
    /// A blocking-pool job is reading the next batch.
    Pending(JoinHandle<Batch>),
}

struct Batch {
    dir: std::fs::ReadDir,
    entries: VecDeque<io::Result<DirEntry>>,
    /// The std iterator ended (or failed: std ends after an error too).
    done: bool,
}

impl Batch {
    fn fill(&mut self) {
        for _ in 0..BATCH {
            match self.dir.next() {
                Some(Ok(entry)) => {
                    let file_type = entry.file_type().ok().map(FileType::from_std);
                    self.entries.push_back(Ok(DirEntry { entry, file_type }));
                }
                Some(Err(e)) => {
                    self.entries.push_back(Err(e));
                    self.done = true;
                    return;
                }
                None => {
                    self.done = true;
                    return;
                }
            }
        }
    }
}

impl ReadDir {
    /// The next entry, or `Ok(None)` at the end of the listing.
    ///
    /// # Errors
    ///
    /// An error reading the directory (then the listing ends).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an entry being read when the future is dropped is
    /// returned by the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let mut entries = zio::fs::read_dir(dir.path()).await?;
    /// assert!(entries.next_entry().await?.is_none());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry; as [`next_entry`](ReadDir::next_entry).
    /// Only the waker of the last call is woken.
    ///
    /// # Errors
    ///
    /// As [`next_entry`](ReadDir::next_entry).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let mut entries = zio::fs::read_dir(dir.path()).await?;
    /// let next = std::future::poll_fn(|cx| entries.poll_next_entry(cx)).await?;
    /// assert!(next.is_none());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(slot) => {
                    let Some(batch) = slot else {
                        return Poll::Ready(Ok(None));
                    };
                    if let Some(entry) = batch.entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    if batch.done {
                        *slot = None;
                        return Poll::Ready(Ok(None));
                    }
                    let mut batch = slot.take().expect("checked above");
                    self.state = State::Pending(crate::spawn_blocking(move || {
                        batch.fill();
                        batch
                    }));
                }
                State::Pending(job) => {
                    let batch = ready!(Pin::new(job).poll(cx));
                    match batch {
                        Ok(batch) => self.state = State::Idle(Some(batch)),
                        Err(e) => {
                            self.state = State::Idle(None);
                            if e.is_panic() {
                                std::panic::resume_unwind(e.into_panic());
                            }
                            return Poll::Ready(Err(io::Error::other(
                                "zio::fs: the blocking pool dropped the listing (runtime shut down)",
                            )));
                        }
                    }
                }
            }
        }
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir").finish_non_exhaustive()
    }
}

/// One entry of a directory listing, from [`ReadDir::next_entry`].
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir(dir.path().join("sub"))?;
/// let mut entries = zio::fs::read_dir(dir.path()).await?;
/// let entry = entries.next_entry().await?.unwrap();
/// assert_eq!(entry.path(), dir.path().join("sub"));
/// assert!(entry.file_type().await?.is_dir());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct DirEntry {
    entry: std::fs::DirEntry,
    /// From the listing's `d_type` where the filesystem gives it.
    file_type: Option<FileType>,
}

impl DirEntry {
    /// The full path: the listed directory's path joined with the name.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("f"), b"")?;
    /// let entry = zio::fs::read_dir(dir.path()).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.path(), dir.path().join("f"));
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn path(&self) -> PathBuf {
        self.entry.path()
    }

    /// The entry's file name, without the directory.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("f"), b"")?;
    /// let entry = zio::fs::read_dir(dir.path()).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.file_name(), "f");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn file_name(&self) -> OsString {
        self.entry.file_name()
    }

    /// The entry's inode number, as listed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("f"), b"")?;
    /// let entry = zio::fs::read_dir(dir.path()).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.ino(), std::fs::metadata(entry.path())?.ino());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&self.entry)
    }

    /// The entry's metadata, not following a symlink (as std's).
    ///
    /// # Errors
    ///
    /// The errors of `statx`, e.g. [`io::ErrorKind::NotFound`] if the entry
    /// was removed since the listing.
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
    /// std::fs::write(dir.path().join("f"), b"abc")?;
    /// let entry = zio::fs::read_dir(dir.path()).await?.next_entry().await?.unwrap();
    /// assert_eq!(entry.metadata().await?.len(), 3);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let path = cstr(&self.entry.path())?;
        Op::new(Statx::path(path, false))
            .await
            .map(Metadata::from_statx)
    }

    /// The entry's file type, not following a symlink. Usually known from
    /// the listing itself; otherwise a `statx`.
    ///
    /// # Errors
    ///
    /// As [`metadata`](DirEntry::metadata), when a `statx` is needed.
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
    /// std::fs::write(dir.path().join("f"), b"")?;
    /// let entry = zio::fs::read_dir(dir.path()).await?.next_entry().await?.unwrap();
    /// assert!(entry.file_type().await?.is_file());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn file_type(&self) -> io::Result<FileType> {
        match self.file_type {
            Some(ft) => Ok(ft),
            None => self.metadata().await.map(|m| m.file_type()),
        }
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.entry.path()).finish()
    }
}
