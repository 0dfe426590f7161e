//! `zio::fs::File`: positioned and cursor I/O, append, sync, set_len,
//! metadata, clones and std conversions, on a zio runtime.
// `seek(SeekFrom::Current(0))` here is zio's async seek; clippy's
// `stream_position` suggestion is for std's `Seek`.
#![allow(clippy::seek_from_current)]

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use zio::fs::{File, OpenOptions};

#[zio::test]
async fn read_at_and_write_at() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .open(&path)
        .await?;
    let (n, buf) = file.write_at(b"hello world".to_vec(), 0).await;
    assert_eq!(n?, 11);
    assert_eq!(buf, b"hello world", "the buffer comes back");
    // Positioned reads with Vec, Box<[u8]> and array buffers.
    let (n, v) = file.read_at(Vec::with_capacity(5), 6).await;
    assert_eq!((n?, &v[..]), (5, &b"world"[..]));
    let (n, b) = file.read_at(vec![0u8; 5].into_boxed_slice(), 0).await;
    assert_eq!((n?, &b[..]), (5, &b"hello"[..]));
    let (n, a) = file.read_at([0u8; 3], 4).await;
    assert_eq!((n?, a), (3, *b"o w"));
    // A Vec's length becomes the count when shorter, stays when longer.
    let (n, v) = file.read_at(vec![9u8; 20], 8).await;
    assert_eq!(n?, 3);
    assert_eq!(&v[..3], b"rld");
    assert_eq!(v.len(), 20);
    // At and past the end.
    let (n, _) = file.read_at(Vec::with_capacity(4), 11).await;
    assert_eq!(n?, 0);
    let (n, _) = file.read_at(Vec::with_capacity(4), 1 << 40).await;
    assert_eq!(n?, 0);
    // Writing past the end leaves a hole of zeros.
    file.write_all_at(*b"!", 13).await.0?;
    assert_eq!(std::fs::read(&path)?, b"hello world\0\0!");
    // Offsets the kernel cannot take are InvalidInput, not a position.
    let (res, _) = file.read_at(Vec::with_capacity(1), u64::MAX).await;
    assert_eq!(res.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    let (res, _) = file.write_at(*b"x", u64::MAX).await;
    assert_eq!(res.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    Ok(())
}

#[zio::test]
async fn read_exact_at_and_write_all_at_large() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f");
    let file = File::create_new(&path).await?;
    let data: Vec<u8> = (0..(3 << 20) + 7).map(|i| (i * 31 % 251) as u8).collect();
    let (res, back) = file.write_all_at(data, 100).await;
    res?;
    let (res, read) = file
        .read_exact_at(Vec::with_capacity(back.len()), 100)
        .await;
    res?;
    assert!(read == back);
    let (res, _) = file
        .read_exact_at(Vec::with_capacity(10), file.metadata().await?.len() - 5)
        .await;
    assert_eq!(res.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    Ok(())
}

#[zio::test]
async fn cursor_read_write_seek() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f");
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .await?;
    file.write_all(b"abc".to_vec()).await.0?;
    let (n, _) = file.write(*b"def").await;
    assert_eq!(n?, 3);
    assert_eq!(file.seek(SeekFrom::Current(0)).await?, 6);
    assert_eq!(file.seek(SeekFrom::Start(1)).await?, 1);
    let (n, v) = file.read(Vec::with_capacity(2)).await;
    assert_eq!((n?, &v[..]), (2, &b"bc"[..]));
    let (res, a) = file.read_exact([0u8; 3]).await;
    res?;
    assert_eq!(&a, b"def");
    let (n, _) = file.read(Vec::with_capacity(2)).await;
    assert_eq!(n?, 0, "end of file");
    assert_eq!(file.seek(SeekFrom::End(-4)).await?, 2);
    let (n, v) = file.read(Vec::with_capacity(10)).await;
    assert_eq!((n?, &v[..]), (4, &b"cdef"[..]));
    assert_eq!(
        file.seek(SeekFrom::Current(-100)).await.unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    // Seek past the end, then write: a hole.
    file.seek(SeekFrom::End(2)).await?;
    file.write_all(*b"z").await.0?;
    assert_eq!(std::fs::read(&path)?, b"abcdef\0\0z");
    // The async cursor and the blocking impls share the position.
    file.seek(SeekFrom::Start(3)).await?;
    let mut two = [0u8; 2];
    (&file).read_exact(&mut two)?;
    assert_eq!(&two, b"de");
    let (n, v) = file.read(Vec::with_capacity(1)).await;
    assert_eq!((n?, &v[..]), (1, &b"f"[..]));
    Ok(())
}

#[zio::test]
async fn append_mode() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("log");
    std::fs::write(&path, b"start;")?;
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .open(&path)
        .await?;
    file.write_all(*b"one;").await.0?;
    assert_eq!(
        file.seek(SeekFrom::Current(0)).await?,
        10,
        "cursor at the end"
    );
    // Another writer grows the file; appends still go to the end.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)?
        .write_all(b"other;")?;
    file.write(*b"two;").await.0?;
    assert_eq!(file.seek(SeekFrom::Current(0)).await?, 20);
    // write_at appends too (Linux pwrite on O_APPEND).
    file.write_at(*b"three;", 0).await.0?;
    (&file).write_all(b"four;")?;
    assert_eq!(std::fs::read(&path)?, b"start;one;other;two;three;four;");
    Ok(())
}

#[zio::test]
async fn sync_set_len_metadata() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f");
    let file = File::create(&path).await?;
    file.write_all_at(vec![1u8; 10_000], 0).await.0?;
    file.sync_data().await?;
    file.sync_all().await?;
    file.set_len(100).await?;
    assert_eq!(std::fs::metadata(&path)?.len(), 100);
    file.set_len(1 << 20).await?;
    let meta = file.metadata().await?;
    let std_meta = std::fs::metadata(&path)?;
    assert_eq!(meta.len(), 1 << 20);
    assert!(meta.is_file() && !meta.is_dir() && !meta.is_symlink());
    assert_eq!(meta.permissions(), std_meta.permissions());
    assert_eq!(meta.modified()?, std_meta.modified()?);
    assert_eq!(meta.accessed()?, std_meta.accessed()?);
    match (meta.created(), std_meta.created()) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
        (a, b) => panic!("created: zio {a:?}, std {b:?}"),
    }
    assert_eq!(meta.ino(), std_meta.ino());
    assert_eq!(meta.dev(), std_meta.dev());
    assert_eq!(meta.nlink(), std_meta.nlink());
    assert_eq!(meta.uid(), std_meta.uid());
    assert_eq!(meta.gid(), std_meta.gid());
    assert_eq!(meta.blocks(), std_meta.blocks());
    assert_eq!(meta.blksize(), std_meta.blksize());
    assert_eq!(meta.mode(), std_meta.mode());
    // Contents past the old length read back as zeros.
    let (res, v) = file.read_at(Vec::with_capacity(8), 96).await;
    assert!(
        res.unwrap_err().raw_os_error() == Some(libc::EBADF),
        "write-only"
    );
    drop(v);
    let reader = File::open(&path).await?;
    let (n, v) = reader.read_at(Vec::with_capacity(8), 96).await;
    assert_eq!((n?, &v[..]), (8, &[1, 1, 1, 1, 0, 0, 0, 0][..]));
    file.set_permissions(std::fs::Permissions::from_mode(0o604))
        .await?;
    assert_eq!(
        std::fs::metadata(&path)?.permissions().mode() & 0o777,
        0o604
    );
    assert_eq!(
        file.set_len(u64::MAX).await.unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    Ok(())
}

#[zio::test]
async fn clone_and_std_conversions() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f");
    std::fs::write(&path, b"0123456789")?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .await?;
    file.seek(SeekFrom::Start(4)).await?;
    let mut clone = file.try_clone()?;
    // The clone starts at the same position, then moves on its own.
    let (n, v) = clone.read(Vec::with_capacity(2)).await;
    assert_eq!((n?, &v[..]), (2, &b"45"[..]));
    let (n, v) = file.read(Vec::with_capacity(1)).await;
    assert_eq!((n?, &v[..]), (1, &b"4"[..]));
    // into_std keeps the position.
    let mut std_file = file.into_std()?;
    assert_eq!(std_file.stream_position()?, 5);
    let mut rest = String::new();
    std_file.read_to_string(&mut rest)?;
    assert_eq!(rest, "56789");
    // from_std takes the std file's position and append flag.
    std_file.seek(SeekFrom::Start(8))?;
    let mut back = File::from_std(std_file);
    let (n, v) = back.read(Vec::with_capacity(8)).await;
    assert_eq!((n?, &v[..]), (2, &b"89"[..]));
    let appending = std::fs::OpenOptions::new().append(true).open(&path)?;
    let mut appending = File::from(appending);
    appending.write_all(*b"A").await.0?;
    assert_eq!(std::fs::read(&path)?, b"0123456789A");
    let dbg = format!("{back:?}");
    assert!(dbg.contains("File"), "{dbg}");
    Ok(())
}

#[test]
fn send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<File>();
    check::<OpenOptions>();
    check::<zio::fs::Metadata>();
    check::<zio::fs::ReadDir>();
    check::<zio::fs::DirEntry>();
    fn check_send<T: Send>(_: &T) {}
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let file = std::fs::File::create(&path).unwrap();
    let file = File::from_std(file);
    check_send(&file.read_at(Vec::with_capacity(1), 0));
    check_send(&file.write_at(vec![1u8], 0));
    check_send(&File::open(&path));
    check_send(&zio::fs::read(&path));
    check_send(&zio::fs::read_dir(&path));
    check_send(&zio::fs::copy(&path, &path));
}

/// Blocking `std::io` on a plain thread, mixed with `Write for File`.
#[test]
fn blocking_io_traits() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f");
    let mut file = File::from_std(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?,
    );
    writeln!(file, "line one")?;
    Write::write_all(&mut file, b"line two\n")?;
    file.flush()?;
    assert_eq!(Seek::seek(&mut file, SeekFrom::End(0))?, 18);
    file.rewind()?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    assert_eq!(text, "line one\nline two\n");
    assert_eq!((&file).seek(SeekFrom::Current(-4))?, 14);
    let mut tail = Vec::new();
    (&file).read_to_end(&mut tail)?;
    assert_eq!(tail, b"two\n");
    assert!((&file).seek(SeekFrom::Current(-100)).is_err());
    Ok(())
}
