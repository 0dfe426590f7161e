//! Error paths of `zio::fs`: the right `io::ErrorKind`s, never a panic.

use std::io::{self, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zio::fs::{File, OpenOptions};

#[zio::test]
async fn open_errors() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let missing = dir.path().join("missing");
    let err = File::open(&missing).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT));

    let existing = dir.path().join("existing");
    std::fs::write(&existing, b"x")?;
    let err = File::create_new(&existing).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    let err = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&existing)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);

    // Contradictory options fail as std's do, before any syscall.
    // (what, read, append, truncate, create)
    let cases = [
        ("no access", false, false, false, false),
        ("truncate read-only", true, false, true, false),
        ("create read-only", true, false, false, true),
        ("append+truncate", false, true, true, false),
    ];
    for (what, read, append, truncate, create) in cases {
        let z = OpenOptions::new()
            .read(read)
            .append(append)
            .truncate(truncate)
            .create(create)
            .open(&existing)
            .await
            .unwrap_err();
        let s = std::fs::OpenOptions::new()
            .read(read)
            .append(append)
            .truncate(truncate)
            .create(create)
            .open(&existing)
            .unwrap_err();
        assert_eq!(z.kind(), s.kind(), "{what}: zio {z}, std {s}");
    }

    // A directory opened for writing.
    let err = File::create(dir.path()).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
    // A file where a directory should be.
    let err = File::open(existing.join("x")).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotADirectory);
    Ok(())
}

#[zio::test]
async fn remove_dir_not_empty() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub)?;
    std::fs::write(sub.join("f"), b"")?;
    let zio_err = zio::fs::remove_dir(&sub).await.unwrap_err();
    let std_err = std::fs::remove_dir(&sub).unwrap_err();
    assert_eq!(zio_err.kind(), std_err.kind());
    assert_eq!(zio_err.kind(), io::ErrorKind::DirectoryNotEmpty);
    assert!(sub.join("f").exists());
    Ok(())
}

#[zio::test]
async fn wrong_access_mode_is_an_error() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("f");
    std::fs::write(&path, b"data")?;

    let write_only = OpenOptions::new().write(true).open(&path).await?;
    let (res, _) = write_only.read_at(Vec::with_capacity(4), 0).await;
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    let (res, _) = write_only.read_exact_at([0u8; 4], 0).await;
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    let mut buf = [0u8; 4];
    assert_eq!(
        (&write_only).read(&mut buf).unwrap_err().raw_os_error(),
        Some(libc::EBADF)
    );
    assert!(
        zio::fs::read(dir.path()).await.is_err(),
        "read of a directory"
    );

    let read_only = File::open(&path).await?;
    let (res, _) = read_only.write_at(*b"x", 0).await;
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    let (res, _) = read_only.write_all_at(*b"x", 0).await;
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    assert!((&read_only).write(b"x").is_err());
    // ftruncate on a read-only descriptor: EINVAL (or EBADF), as std.
    let zio_err = read_only.set_len(0).await.unwrap_err();
    let std_err = std::fs::File::open(&path)?.set_len(0).unwrap_err();
    assert_eq!(zio_err.raw_os_error(), std_err.raw_os_error());
    assert_eq!(std::fs::read(&path)?, b"data");
    Ok(())
}

/// Env var that makes the test below run as the child.
const CHILD: &str = "ZIO_FS_EFBIG_CHILD";
const LIMIT: u64 = 1 << 20;

/// Writing past `RLIMIT_FSIZE` fails with `EFBIG` (after a short write up
/// to the limit), through every write path. Runs in a child process (this
/// test binary again) so the limit applies to nothing else.
#[test]
fn write_past_rlimit_fsize_is_efbig() {
    if let Some(dir) = std::env::var_os(CHILD) {
        return efbig_child(dir.as_ref());
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "write_past_rlimit_fsize_is_efbig",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the EFBIG child hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "child failed: {status}\n{out}\n{err}");
    assert!(
        out.contains("EFBIG-OK"),
        "child did not run the checks:\n{out}\n{err}"
    );
}

fn efbig_child(dir: &std::path::Path) {
    // SAFETY: plain libc calls in a process that runs only this test:
    // ignore SIGXFSZ (else it kills us) and cap the file size.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let limit = libc::rlimit {
            rlim_cur: LIMIT,
            rlim_max: LIMIT,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
    let efbig = |e: io::Error| assert_eq!(e.raw_os_error(), Some(libc::EFBIG), "{e}");
    let rt = zio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let path = dir.join("f");
        let file = File::create(&path).await.unwrap();
        // A write across the limit is short; the next one fails.
        let (n, _) = file.write_at(vec![1u8; 4096], LIMIT - 1024).await;
        assert_eq!(n.unwrap(), 1024);
        let (res, _) = file.write_at(vec![1u8; 10], LIMIT).await;
        efbig(res.unwrap_err());
        let (res, _) = file.write_all_at(vec![1u8; 10], LIMIT + 10).await;
        efbig(res.unwrap_err());
        efbig(file.set_len(LIMIT + 1).await.unwrap_err());
        efbig(
            zio::fs::write(dir.join("g"), vec![0u8; 2 * LIMIT as usize])
                .await
                .unwrap_err(),
        );
        let mut file = file;
        file.seek(std::io::SeekFrom::Start(LIMIT)).await.unwrap();
        efbig(file.write(*b"x").await.0.unwrap_err());
        efbig((&file).write(b"x").unwrap_err());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), LIMIT);
    });
    // And from a foreign executor (the fallback driver).
    futures::executor::block_on(async {
        let file = File::create(dir.join("h")).await.unwrap();
        let (res, _) = file.write_at(*b"x", LIMIT).await;
        efbig(res.unwrap_err());
    });
    println!("EFBIG-OK");
}
