//! The same `zio::fs` code from every kind of thread: a plain thread
//! (blocking `std::io` calls, and async calls through `zio::block_on`), a
//! tokio runtime and `futures::executor::block_on` (async calls served by
//! zio's fallback driver), and zio runtimes of both flavors.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use zio::fs::{File, OpenOptions};

/// The async workout every executor runs.
async fn workout(dir: &Path, tag: &str) -> io::Result<()> {
    let base = dir.join(tag);
    zio::fs::create_dir_all(base.join("sub")).await?;
    let path = base.join("sub/data");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .await?;
    file.write_all(b"hello ".to_vec()).await.0?;
    file.write_all_at(*b"world", 6).await.0?;
    file.sync_all().await?;
    assert_eq!(file.seek(SeekFrom::Start(0)).await?, 0);
    let (res, buf) = file.read_exact(vec![0u8; 11]).await;
    res?;
    assert_eq!(buf, b"hello world");
    assert_eq!(file.metadata().await?.len(), 11);
    file.set_len(5).await?;
    drop(file);
    assert_eq!(zio::fs::read_to_string(&path).await?, "hello");
    zio::fs::write(base.join("other"), tag).await?;
    zio::fs::copy(base.join("other"), base.join("copy")).await?;
    zio::fs::rename(base.join("copy"), base.join("moved")).await?;
    assert_eq!(zio::fs::read(base.join("moved")).await?, tag.as_bytes());
    zio::fs::remove_file(base.join("moved")).await?;
    let mut names = Vec::new();
    let mut entries = zio::fs::read_dir(&base).await?;
    while let Some(entry) = entries.next_entry().await? {
        names.push(entry.file_name().into_string().unwrap());
    }
    names.sort();
    assert_eq!(names, ["other", "sub"]);
    zio::fs::remove_dir_all(&base).await?;
    assert!(!zio::fs::try_exists(&base).await?);
    Ok(())
}

/// The blocking workout for plain threads: `std::io` traits on `File`.
fn blocking_workout(dir: &Path) -> io::Result<()> {
    let path = dir.join("blocking");
    let mut file = File::from_std(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?,
    );
    // `&File` (or the trait path) picks the blocking impls over the async
    // inherent methods of the same name.
    (&file).write_all(b"hello world")?;
    Seek::seek(&mut file, SeekFrom::Start(6))?;
    let mut s = String::new();
    file.read_to_string(&mut s)?;
    assert_eq!(s, "world");
    // Two threads share one `&File` cursor; each read takes distinct bytes.
    file.rewind()?;
    let file = &file;
    let (a, b) = std::thread::scope(|scope| {
        let read_some = || {
            let mut got = Vec::new();
            let mut byte = [0u8];
            while (&*file).read(&mut byte).unwrap() == 1 {
                got.push(byte[0]);
            }
            got
        };
        let a = scope.spawn(read_some);
        let b = scope.spawn(read_some);
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut all = [a, b].concat();
    all.sort();
    let mut expected = b"hello world".to_vec();
    expected.sort();
    assert_eq!(all, expected);
    Ok(())
}

#[test]
fn plain_thread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    std::thread::spawn(move || {
        blocking_workout(&path).unwrap();
        zio::block_on(workout(&path, "plain")).unwrap();
    })
    .join()
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn tokio_current_thread() {
    let dir = tempfile::tempdir().unwrap();
    workout(dir.path(), "tokio-ct").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_multi_thread() {
    let dir = tempfile::tempdir().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let path = dir.path().to_owned();
            tokio::spawn(async move { workout(&path, &format!("tokio-mt-{i}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

#[test]
fn futures_block_on() {
    let dir = tempfile::tempdir().unwrap();
    futures::executor::block_on(workout(dir.path(), "futures")).unwrap();
}

#[zio::test]
async fn zio_current_thread() {
    let dir = tempfile::tempdir().unwrap();
    workout(dir.path(), "zio-ct").await.unwrap();
}

#[zio::test(flavor = "multi_thread", worker_threads = 3)]
async fn zio_multi_thread() {
    let dir = tempfile::tempdir().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let path = dir.path().to_owned();
            zio::spawn(async move { workout(&path, &format!("zio-mt-{i}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// A zio open and read that wait in the kernel (a FIFO without a writer,
/// then without data) must not block tokio's only thread: the writer is a
/// task on that same thread. If zio blocked the thread, this would
/// deadlock (a watchdog fails the test instead of hanging).
#[tokio::test(flavor = "current_thread")]
async fn tokio_single_thread_is_never_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    // If tokio's thread is blocked, no timeout on it can fire: a thread
    // of our own ends the process instead of letting it hang.
    let (done, watchdog) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            watchdog.recv_timeout(Duration::from_secs(60))
        {
            eprintln!("tokio_single_thread_is_never_blocked: deadlock, aborting");
            std::process::abort();
        }
    });

    let reader_path = fifo.clone();
    let reader = tokio::spawn(async move {
        // Blocks in the kernel until a writer opens the FIFO.
        let mut file = File::open(&reader_path).await?;
        // A stream: no position.
        assert!(file.seek(SeekFrom::Start(0)).await.is_err());
        // Blocks until data arrives.
        let (res, buf) = file.read_exact(vec![0u8; 4]).await;
        res.map(|()| buf)
    });
    let run = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!reader.is_finished(), "the open must wait for a writer");
        let mut writer = OpenOptions::new().write(true).open(&fifo).await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        writer.write_all(*b"ping").await.0?;
        reader.await.unwrap()
    };
    let got = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("zio fs blocked tokio's thread")
        .unwrap();
    assert_eq!(got, b"ping");
    done.send(()).unwrap();
}

/// Blocking `std::io` on a FIFO, as std: plain `read`/`write`.
#[test]
fn blocking_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut file = File::from_std(std::fs::OpenOptions::new().write(true).open(&path).unwrap());
        assert!(file.stream_position().is_err(), "no position on a FIFO");
        (&file).write_all(b"through the fifo").unwrap();
    });
    let mut file = File::from_std(std::fs::File::open(&fifo).unwrap());
    let mut s = String::new();
    file.read_to_string(&mut s).unwrap();
    writer.join().unwrap();
    assert_eq!(s, "through the fifo");
}
