//! `Metadata` and `FileType`: what `statx` says about a file.
//!
//! `std::fs::Metadata` cannot be built outside std, so zio has its own,
//! with std's accessors (plus the `MetadataExt` numbers as inherent
//! methods).

use std::fmt;
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::time::{Duration, SystemTime};

/// Metadata of a file: type, size, permissions, times. Returned by
/// [`metadata`](super::metadata), [`symlink_metadata`](super::symlink_metadata),
/// [`File::metadata`](super::File::metadata) and
/// [`DirEntry::metadata`](super::DirEntry::metadata).
///
/// The accessors are those of [`std::fs::Metadata`] (and of
/// [`std::os::unix::fs::MetadataExt`]), with the same results.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.txt");
/// zio::fs::write(&path, b"hello").await?;
/// let meta = zio::fs::metadata(&path).await?;
/// assert!(meta.is_file());
/// assert_eq!(meta.len(), 5);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct Metadata {
    stx: Box<libc::statx>,
}

impl Metadata {
    pub(crate) fn from_statx(stx: Box<libc::statx>) -> Metadata {
        Metadata { stx }
    }

    /// The type of the file.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let meta = zio::fs::metadata(dir.path()).await?;
    /// assert!(meta.file_type().is_dir());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn file_type(&self) -> FileType {
        FileType {
            mode: u32::from(self.stx.stx_mode),
        }
    }

    /// Whether this is a directory.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// assert!(zio::fs::metadata(dir.path()).await?.is_dir());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_dir(&self) -> bool {
        self.file_type().is_dir()
    }

    /// Whether this is a regular file.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// assert!(zio::fs::metadata(file.path()).await?.is_file());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_file(&self) -> bool {
        self.file_type().is_file()
    }

    /// Whether this is a symbolic link (only metadata from
    /// [`symlink_metadata`](super::symlink_metadata) or
    /// [`DirEntry::metadata`](super::DirEntry::metadata) can say so).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let link = dir.path().join("link");
    /// zio::fs::symlink("target", &link).await?;
    /// assert!(zio::fs::symlink_metadata(&link).await?.is_symlink());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_symlink(&self) -> bool {
        self.file_type().is_symlink()
    }

    /// The size of the file in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// std::fs::write(file.path(), [0u8; 100])?;
    /// assert_eq!(zio::fs::metadata(file.path()).await?.len(), 100);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u64 {
        self.stx.stx_size
    }

    /// The permissions, as [`std::fs::Permissions`] (its `mode()` is the
    /// whole `st_mode`, file type bits included, as std's is).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// let perms = zio::fs::metadata(file.path()).await?.permissions();
    /// assert_eq!(perms.mode() & 0o777, 0o600); // tempfile's mode
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn permissions(&self) -> std::fs::Permissions {
        std::fs::Permissions::from_mode(u32::from(self.stx.stx_mode))
    }

    /// The last modification time.
    ///
    /// # Errors
    ///
    /// If the time does not fit a [`SystemTime`].
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// let modified = zio::fs::metadata(file.path()).await?.modified()?;
    /// assert_eq!(modified, std::fs::metadata(file.path())?.modified()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn modified(&self) -> io::Result<SystemTime> {
        system_time(&self.stx.stx_mtime)
    }

    /// The last access time.
    ///
    /// # Errors
    ///
    /// If the time does not fit a [`SystemTime`].
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// let accessed = zio::fs::metadata(file.path()).await?.accessed()?;
    /// assert!(accessed <= std::time::SystemTime::now());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn accessed(&self) -> io::Result<SystemTime> {
        system_time(&self.stx.stx_atime)
    }

    /// The creation (birth) time.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::Unsupported`] if the filesystem does not record it
    /// (as std), or if the time does not fit a [`SystemTime`].
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// match zio::fs::metadata(file.path()).await?.created() {
    ///     Ok(created) => assert!(created <= std::time::SystemTime::now()),
    ///     Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::Unsupported),
    /// }
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn created(&self) -> io::Result<SystemTime> {
        if self.stx.stx_mask & libc::STATX_BTIME == 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "creation time is not available for the filesystem",
            ));
        }
        system_time(&self.stx.stx_btime)
    }

    /// The ID of the device holding the file (`st_dev`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// let meta = zio::fs::metadata(file.path()).await?;
    /// assert_eq!(meta.dev(), std::fs::metadata(file.path())?.dev());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn dev(&self) -> u64 {
        libc::makedev(self.stx.stx_dev_major, self.stx.stx_dev_minor)
    }

    /// The inode number (`st_ino`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// let meta = zio::fs::metadata(file.path()).await?;
    /// assert_eq!(meta.ino(), std::fs::metadata(file.path())?.ino());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn ino(&self) -> u64 {
        self.stx.stx_ino
    }

    /// The whole `st_mode`: file type and permission bits.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let mode = zio::fs::metadata(dir.path()).await?.mode();
    /// assert_eq!(mode & libc::S_IFMT, libc::S_IFDIR);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn mode(&self) -> u32 {
        u32::from(self.stx.stx_mode)
    }

    /// The number of hard links to the file.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// assert_eq!(zio::fs::metadata(file.path()).await?.nlink(), 1);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn nlink(&self) -> u64 {
        u64::from(self.stx.stx_nlink)
    }

    /// The owner's user ID.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// // SAFETY: `geteuid` has no preconditions.
    /// let me = unsafe { libc::geteuid() };
    /// assert_eq!(zio::fs::metadata(file.path()).await?.uid(), me);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn uid(&self) -> u32 {
        self.stx.stx_uid
    }

    /// The owner's group ID.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// let gid = zio::fs::metadata(file.path()).await?.gid();
    /// assert_eq!(gid, std::fs::metadata(file.path())?.gid());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn gid(&self) -> u32 {
        self.stx.stx_gid
    }

    /// The device ID of a device file (`st_rdev`), 0 for other files.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let meta = zio::fs::metadata("/dev/null").await?;
    /// assert!(meta.file_type().is_char_device());
    /// assert_ne!(meta.rdev(), 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn rdev(&self) -> u64 {
        libc::makedev(self.stx.stx_rdev_major, self.stx.stx_rdev_minor)
    }

    /// The preferred I/O block size.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// assert!(zio::fs::metadata(file.path()).await?.blksize() > 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn blksize(&self) -> u64 {
        u64::from(self.stx.stx_blksize)
    }

    /// The number of 512-byte blocks allocated to the file.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// assert_eq!(zio::fs::metadata(file.path()).await?.blocks(), 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn blocks(&self) -> u64 {
        self.stx.stx_blocks
    }
}

impl fmt::Debug for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metadata")
            .field("file_type", &self.file_type())
            .field("len", &self.len())
            .field("mode", &format_args!("{:#o}", self.mode()))
            .field("modified", &self.modified().ok())
            .finish_non_exhaustive()
    }
}

fn system_time(ts: &libc::statx_timestamp) -> io::Result<SystemTime> {
    let nanos = Duration::from_nanos(u64::from(ts.tv_nsec));
    let time = if ts.tv_sec >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(ts.tv_sec as u64) + nanos)
    } else {
        SystemTime::UNIX_EPOCH
            .checked_sub(Duration::from_secs(ts.tv_sec.unsigned_abs()))
            .and_then(|t| t.checked_add(nanos))
    };
    time.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "file time out of range"))
}

/// The type of a file: regular file, directory, symlink, or a special file.
///
/// # Examples
///
/// ```
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let ft = zio::fs::metadata(dir.path()).await?.file_type();
/// assert!(ft.is_dir() && !ft.is_file() && !ft.is_symlink());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileType {
    /// `st_mode`; only the `S_IFMT` bits are looked at.
    mode: u32,
}

impl FileType {
    pub(crate) fn from_std(ft: std::fs::FileType) -> FileType {
        let fmt = if ft.is_file() {
            libc::S_IFREG
        } else if ft.is_dir() {
            libc::S_IFDIR
        } else if ft.is_symlink() {
            libc::S_IFLNK
        } else if ft.is_block_device() {
            libc::S_IFBLK
        } else if ft.is_char_device() {
            libc::S_IFCHR
        } else if ft.is_fifo() {
            libc::S_IFIFO
        } else if ft.is_socket() {
            libc::S_IFSOCK
        } else {
            0
        };
        FileType { mode: fmt }
    }

    fn is(self, fmt: u32) -> bool {
        self.mode & libc::S_IFMT == fmt
    }

    /// Whether this is a directory.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// assert!(zio::fs::metadata(dir.path()).await?.file_type().is_dir());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_dir(&self) -> bool {
        self.is(libc::S_IFDIR)
    }

    /// Whether this is a regular file.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = tempfile::NamedTempFile::new()?;
    /// assert!(zio::fs::metadata(file.path()).await?.file_type().is_file());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_file(&self) -> bool {
        self.is(libc::S_IFREG)
    }

    /// Whether this is a symbolic link.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let link = dir.path().join("l");
    /// zio::fs::symlink("/", &link).await?;
    /// assert!(zio::fs::symlink_metadata(&link).await?.file_type().is_symlink());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_symlink(&self) -> bool {
        self.is(libc::S_IFLNK)
    }

    /// Whether this is a block device.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// assert!(!zio::fs::metadata("/").await?.file_type().is_block_device());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_block_device(&self) -> bool {
        self.is(libc::S_IFBLK)
    }

    /// Whether this is a character device.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// assert!(zio::fs::metadata("/dev/null").await?.file_type().is_char_device());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_char_device(&self) -> bool {
        self.is(libc::S_IFCHR)
    }

    /// Whether this is a FIFO (named pipe).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// assert!(!zio::fs::metadata("/").await?.file_type().is_fifo());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_fifo(&self) -> bool {
        self.is(libc::S_IFIFO)
    }

    /// Whether this is a Unix socket.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// assert!(!zio::fs::metadata("/").await?.file_type().is_socket());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn is_socket(&self) -> bool {
        self.is(libc::S_IFSOCK)
    }
}

impl fmt::Debug for FileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.mode & libc::S_IFMT {
            libc::S_IFREG => "file",
            libc::S_IFDIR => "dir",
            libc::S_IFLNK => "symlink",
            libc::S_IFBLK => "block_device",
            libc::S_IFCHR => "char_device",
            libc::S_IFIFO => "fifo",
            libc::S_IFSOCK => "socket",
            _ => "unknown",
        };
        f.debug_tuple("FileType").field(&name).finish()
    }
}
