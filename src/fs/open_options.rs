//! `OpenOptions`: how to open a file, as `std::fs::OpenOptions`.

use std::io;
use std::path::Path;

use super::util::cstr;
use super::File;
use crate::reactor::ops::fs::OpenAt;
use crate::reactor::Op;

/// Options for opening a file: access mode, creation, truncation,
/// permissions. The same builder as [`std::fs::OpenOptions`] (with
/// `OpenOptionsExt`'s `mode` and `custom_flags` as inherent methods); the
/// open itself is an io_uring `OPENAT`.
///
/// # Examples
///
/// ```
/// use zio::fs::OpenOptions;
///
/// # zio::block_on(async {
/// let dir = tempfile::tempdir()?;
/// let file = OpenOptions::new()
///     .read(true)
///     .write(true)
///     .create(true)
///     .open(dir.path().join("data.bin"))
///     .await?;
/// # drop(file);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    read: bool,
    write: bool,
    append: bool,
    truncate: bool,
    create: bool,
    create_new: bool,
    mode: u32,
    custom_flags: i32,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl OpenOptions {
    /// Options with everything off (and mode `0o666`); set at least one of
    /// `read`, `write`, `append`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut options = zio::fs::OpenOptions::new();
    /// options.read(true);
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions {
            read: false,
            write: false,
            append: false,
            truncate: false,
            create: false,
            create_new: false,
            mode: 0o666,
            custom_flags: 0,
        }
    }

    /// Opens for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let file = zio::fs::OpenOptions::new().read(true).open("/etc/hostname").await;
    /// # drop(file);
    /// # });
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.read = read;
        self
    }

    /// Opens for writing.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let file = zio::fs::OpenOptions::new()
    ///     .write(true)
    ///     .create(true)
    ///     .open(dir.path().join("f"))
    ///     .await?;
    /// # drop(file);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.write = write;
        self
    }

    /// Opens for appending (`O_APPEND`): every write goes to the end of the
    /// file, including [`File::write_at`] (on Linux the offset is ignored,
    /// as with `pwrite`). Implies write access.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("log");
    /// zio::fs::write(&path, b"a").await?;
    /// let mut file = zio::fs::OpenOptions::new().append(true).open(&path).await?;
    /// file.write_all(b"b".to_vec()).await.0?;
    /// assert_eq!(std::fs::read(&path)?, b"ab");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.append = append;
        self
    }

    /// Truncates an existing file to length 0 (`O_TRUNC`); needs write
    /// access.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("f");
    /// zio::fs::write(&path, b"old").await?;
    /// zio::fs::OpenOptions::new().write(true).truncate(true).open(&path).await?;
    /// assert_eq!(std::fs::read(&path)?, b"");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.truncate = truncate;
        self
    }

    /// Creates the file if it does not exist (`O_CREAT`); needs write or
    /// append access.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("new");
    /// zio::fs::OpenOptions::new().write(true).create(true).open(&path).await?;
    /// assert!(path.exists());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.create = create;
        self
    }

    /// Creates the file, failing with [`io::ErrorKind::AlreadyExists`] if
    /// it exists (`O_CREAT | O_EXCL`); `create` and `truncate` are then
    /// ignored. Needs write or append access.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("once");
    /// let mut options = zio::fs::OpenOptions::new();
    /// options.write(true).create_new(true);
    /// options.open(&path).await?;
    /// let again = options.open(&path).await.unwrap_err();
    /// assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.create_new = create_new;
        self
    }

    /// The permission bits of a newly created file (default `0o666`,
    /// masked by the process's umask).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("private");
    /// zio::fs::OpenOptions::new().write(true).create(true).mode(0o600).open(&path).await?;
    /// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.mode = mode;
        self
    }

    /// Extra `open(2)` flags (`O_DIRECT`, `O_NOFOLLOW`, ...). The access
    /// mode bits (`O_ACCMODE`) are ignored; `O_CLOEXEC` is always set.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let link = dir.path().join("link");
    /// std::os::unix::fs::symlink("/etc/hostname", &link)?;
    /// let err = zio::fs::OpenOptions::new()
    ///     .read(true)
    ///     .custom_flags(libc::O_NOFOLLOW)
    ///     .open(&link)
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.custom_flags = flags;
        self
    }

    /// Opens `path` with these options.
    ///
    /// # Errors
    ///
    /// As [`std::fs::OpenOptions::open`]: [`io::ErrorKind::InvalidInput`]
    /// for contradictory options (no access mode, `truncate` without
    /// write access, ...) or a path with a NUL byte,
    /// [`io::ErrorKind::NotFound`], [`io::ErrorKind::AlreadyExists`],
    /// [`io::ErrorKind::PermissionDenied`] and other errors of `open(2)`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes cancels the open; if the
    /// kernel opened the file anyway, zio closes it. A file created by the
    /// open (with `create`) may exist afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let err = zio::fs::OpenOptions::new()
    ///     .read(true)
    ///     .open("/no/such/file")
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let flags = libc::O_CLOEXEC
            | self.access_mode()?
            | self.creation_mode()?
            | (self.custom_flags & !libc::O_ACCMODE);
        let path = cstr(path.as_ref())?;
        let fd = Op::new(OpenAt::new(path, flags, self.mode)).await?;
        Ok(File::from_owned_fd(fd, self.append))
    }

    /// The access mode flags, as std computes them.
    fn access_mode(&self) -> io::Result<i32> {
        match (self.read, self.write, self.append) {
            (true, false, false) => Ok(libc::O_RDONLY),
            (false, true, false) => Ok(libc::O_WRONLY),
            (true, true, false) => Ok(libc::O_RDWR),
            (false, _, true) => Ok(libc::O_WRONLY | libc::O_APPEND),
            (true, _, true) => Ok(libc::O_RDWR | libc::O_APPEND),
            (false, false, false) => Err(invalid(
                "must specify at least one of read, write, or append access",
            )),
        }
    }

    /// The creation flags, as std computes them.
    fn creation_mode(&self) -> io::Result<i32> {
        match (self.write, self.append) {
            (true, false) => {}
            (false, false) => {
                if self.truncate || self.create || self.create_new {
                    return Err(invalid(
                        "creating or truncating a file requires write or append access",
                    ));
                }
            }
            (_, true) => {
                if self.truncate && !self.create_new {
                    return Err(invalid(
                        "creating or truncating a file requires write or append access",
                    ));
                }
            }
        }
        Ok(match (self.create, self.truncate, self.create_new) {
            (false, false, false) => 0,
            (true, false, false) => libc::O_CREAT,
            (false, true, false) => libc::O_TRUNC,
            (true, true, false) => libc::O_CREAT | libc::O_TRUNC,
            (_, _, true) => libc::O_CREAT | libc::O_EXCL,
        })
    }
}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}
