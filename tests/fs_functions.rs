//! Every `zio::fs` free function checked against `std::fs` on the same
//! tree: apply the zio operation, then compare with std's view (or run the
//! same operation through both and compare results and error kinds).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;

/// Builds the test tree:
///
/// ```text
/// root/a.txt           "alpha"
/// root/b.bin           100 KiB of random bytes (not UTF-8), mode 0o640
/// root/sub/c.txt       "gamma"
/// root/sub/deeper/d.txt
/// root/empty/
/// root/link_a -> a.txt
/// root/dangling -> missing
/// root/many/f000..f099 (more than one read_dir batch)
/// ```
fn tree() -> io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    std::fs::write(root.join("a.txt"), "alpha")?;
    let mut bin = vec![0u8; 100 * 1024];
    rand::rng().fill_bytes(&mut bin);
    bin[0] = 0xff; // never valid UTF-8
    std::fs::write(root.join("b.bin"), &bin)?;
    std::fs::set_permissions(root.join("b.bin"), std::fs::Permissions::from_mode(0o640))?;
    std::fs::create_dir_all(root.join("sub/deeper"))?;
    std::fs::write(root.join("sub/c.txt"), "gamma")?;
    std::fs::write(root.join("sub/deeper/d.txt"), "delta")?;
    std::fs::create_dir(root.join("empty"))?;
    std::os::unix::fs::symlink("a.txt", root.join("link_a"))?;
    std::os::unix::fs::symlink("missing", root.join("dangling"))?;
    std::fs::create_dir(root.join("many"))?;
    for i in 0..100 {
        std::fs::write(root.join(format!("many/f{i:03}")), i.to_string())?;
    }
    Ok(dir)
}

/// Same outcome: both `Ok` with equal values, or both `Err` of one kind.
#[track_caller]
fn same<T: PartialEq + std::fmt::Debug>(what: &str, zio: io::Result<T>, std: io::Result<T>) {
    match (zio, std) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{what}"),
        (Err(a), Err(b)) => {
            assert_eq!(a.kind(), b.kind(), "{what}: zio {a}, std {b}");
            assert_eq!(
                a.raw_os_error(),
                b.raw_os_error(),
                "{what}: zio {a}, std {b}"
            );
        }
        (a, b) => panic!("{what}: zio {a:?}, std {b:?}"),
    }
}

/// The parts of metadata both can tell, for comparison.
#[derive(Debug, PartialEq)]
struct Meta {
    file: bool,
    dir: bool,
    symlink: bool,
    len: u64,
    mode: u32,
    ino: u64,
    nlink: u64,
    modified: std::time::SystemTime,
}

fn zmeta(m: zio::fs::Metadata) -> Meta {
    Meta {
        file: m.is_file(),
        dir: m.is_dir(),
        symlink: m.is_symlink(),
        len: m.len(),
        mode: m.permissions().mode(),
        ino: m.ino(),
        nlink: m.nlink(),
        modified: m.modified().unwrap(),
    }
}

fn smeta(m: std::fs::Metadata) -> Meta {
    Meta {
        file: m.is_file(),
        dir: m.is_dir(),
        symlink: m.is_symlink(),
        len: m.len(),
        mode: m.permissions().mode(),
        ino: m.ino(),
        nlink: m.nlink(),
        modified: m.modified().unwrap(),
    }
}

/// name -> (path, is_file, is_dir, is_symlink, len)
type Listing = BTreeMap<OsString, (PathBuf, bool, bool, bool, u64)>;

const PATHS: &[&str] = &[
    "a.txt",
    "b.bin",
    "sub",
    "sub/c.txt",
    "empty",
    "link_a",
    "dangling",
    "nope",
    "a.txt/x",
    "",
];

#[zio::test]
async fn read_read_to_string() -> io::Result<()> {
    let dir = tree()?;
    let root = dir.path();
    for p in PATHS {
        let path = root.join(p);
        same(p, zio::fs::read(&path).await, std::fs::read(&path));
        same(
            p,
            zio::fs::read_to_string(&path).await,
            std::fs::read_to_string(&path),
        );
    }
    // Size-0 files of /proc are read in growing chunks.
    same(
        "/proc/version",
        zio::fs::read("/proc/version").await,
        std::fs::read("/proc/version"),
    );
    // Sizes around the end-of-file probe.
    for len in [0usize, 1, 31, 32, 33, 8191, 8192, 8193, 1 << 20] {
        let path = root.join(format!("len{len}"));
        let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
        std::fs::write(&path, &data)?;
        assert_eq!(zio::fs::read(&path).await?, data, "len {len}");
    }
    Ok(())
}

#[zio::test]
async fn write_and_copy() -> io::Result<()> {
    let dir = tree()?;
    let root = dir.path();
    // New file, then overwrite a longer one with a shorter one.
    zio::fs::write(root.join("new.txt"), "fresh").await?;
    assert_eq!(std::fs::read(root.join("new.txt"))?, b"fresh");
    zio::fs::write(root.join("b.bin"), b"short").await?;
    assert_eq!(std::fs::read(root.join("b.bin"))?, b"short");
    same(
        "write into a missing dir",
        zio::fs::write(root.join("nope/x"), "x").await,
        std::fs::write(root.join("nope/x"), "x"),
    );
    same(
        "write to a dir",
        zio::fs::write(root.join("sub"), "x").await,
        std::fs::write(root.join("sub"), "x"),
    );

    // copy: contents, count and permissions as std's copy.
    let big: Vec<u8> = (0..(3 << 20) + 12345).map(|i| (i % 253) as u8).collect();
    std::fs::write(root.join("big"), &big)?;
    std::fs::set_permissions(root.join("big"), std::fs::Permissions::from_mode(0o604))?;
    let n = zio::fs::copy(root.join("big"), root.join("big.zio")).await?;
    let m = std::fs::copy(root.join("big"), root.join("big.std"))?;
    assert_eq!(n, m);
    assert!(std::fs::read(root.join("big.zio"))? == big);
    assert_eq!(
        std::fs::metadata(root.join("big.zio"))?.permissions(),
        std::fs::metadata(root.join("big.std"))?.permissions()
    );
    // Over an existing file: truncated, permissions replaced.
    std::fs::write(root.join("dst"), vec![7u8; 10 << 20])?;
    assert_eq!(
        zio::fs::copy(root.join("a.txt"), root.join("dst")).await?,
        5
    );
    assert_eq!(std::fs::read(root.join("dst"))?, b"alpha");
    assert_eq!(
        zio::fs::copy(root.join("empty.txt.missing"), root.join("x"))
            .await
            .unwrap_err()
            .kind(),
        std::fs::copy(root.join("empty.txt.missing"), root.join("x"))
            .unwrap_err()
            .kind()
    );
    same(
        "copy a dir",
        zio::fs::copy(root.join("sub"), root.join("x")).await,
        std::fs::copy(root.join("sub"), root.join("x")),
    );
    // Through a symlink: copies the target.
    assert_eq!(
        zio::fs::copy(root.join("link_a"), root.join("via_link")).await?,
        5
    );
    assert!(std::fs::symlink_metadata(root.join("via_link"))?.is_file());
    Ok(())
}

#[zio::test]
async fn rename_remove_file() -> io::Result<()> {
    let dir = tree()?;
    let root = dir.path();
    zio::fs::rename(root.join("a.txt"), root.join("renamed")).await?;
    assert!(!root.join("a.txt").exists());
    assert_eq!(std::fs::read(root.join("renamed"))?, b"alpha");
    // Over an existing file, and a whole directory.
    zio::fs::rename(root.join("renamed"), root.join("sub/c.txt")).await?;
    assert_eq!(std::fs::read(root.join("sub/c.txt"))?, b"alpha");
    zio::fs::rename(root.join("sub"), root.join("sub2")).await?;
    assert!(root.join("sub2/deeper/d.txt").is_file());
    // Error cases, through both.
    for (from, to) in [
        ("nope", "x"),
        ("sub2", "b.bin"),
        ("b.bin", "many"),
        ("empty", "many"),
    ] {
        same(
            &format!("rename {from} {to}"),
            zio::fs::rename(root.join(from), root.join(to)).await,
            std::fs::rename(root.join(from), root.join(to)),
        );
    }

    zio::fs::remove_file(root.join("b.bin")).await?;
    assert!(!root.join("b.bin").exists());
    zio::fs::remove_file(root.join("link_a")).await?;
    assert!(std::fs::symlink_metadata(root.join("link_a")).is_err());
    zio::fs::remove_file(root.join("dangling")).await?;
    for p in ["nope", "empty", "sub2/c.txt/x"] {
        same(
            p,
            zio::fs::remove_file(root.join(p)).await,
            std::fs::remove_file(root.join(p)),
        );
    }
    Ok(())
}

#[zio::test]
async fn directories() -> io::Result<()> {
    let dir = tree()?;
    let root = dir.path();
    zio::fs::create_dir(root.join("made")).await?;
    assert!(std::fs::metadata(root.join("made"))?.is_dir());
    for p in ["made", "a.txt", "nope/x", "a.txt/x"] {
        same(
            &format!("create_dir {p}"),
            zio::fs::create_dir(root.join(p)).await,
            std::fs::create_dir(root.join(p)),
        );
    }

    zio::fs::create_dir_all(root.join("x/y/z")).await?;
    assert!(root.join("x/y/z").is_dir());
    zio::fs::create_dir_all(root.join("x/y/z")).await?;
    zio::fs::create_dir_all(root.join("x")).await?;
    zio::fs::create_dir_all("").await?;
    for p in ["a.txt", "a.txt/y", "sub/c.txt/q/r"] {
        same(
            &format!("create_dir_all {p}"),
            zio::fs::create_dir_all(root.join(p)).await,
            std::fs::create_dir_all(root.join(p)),
        );
    }
    // Concurrent create_dir_all of overlapping trees all succeed.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let p = root.join(format!("race/a/b/{}", i % 3));
            zio::spawn(async move { zio::fs::create_dir_all(p).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap()?;
    }
    assert!(root.join("race/a/b/2").is_dir());

    zio::fs::remove_dir(root.join("empty")).await?;
    assert!(!root.join("empty").exists());
    for p in ["sub", "a.txt", "nope", "link_a"] {
        same(
            &format!("remove_dir {p}"),
            zio::fs::remove_dir(root.join(p)).await,
            std::fs::remove_dir(root.join(p)),
        );
    }

    zio::fs::remove_dir_all(root.join("sub")).await?;
    assert!(!root.join("sub").exists());
    zio::fs::remove_dir_all(root.join("many")).await?;
    for p in ["nope", "a.txt"] {
        same(
            &format!("remove_dir_all {p}"),
            zio::fs::remove_dir_all(root.join(p)).await,
            std::fs::remove_dir_all(root.join(p)),
        );
    }
    Ok(())
}

async fn zio_listing(path: &Path) -> io::Result<Listing> {
    let mut out = BTreeMap::new();
    let mut entries = zio::fs::read_dir(path).await?;
    while let Some(e) = entries.next_entry().await? {
        let ft = e.file_type().await?;
        let meta = e.metadata().await?;
        assert_eq!(ft.is_symlink(), meta.is_symlink());
        out.insert(
            e.file_name(),
            (
                e.path(),
                ft.is_file(),
                ft.is_dir(),
                ft.is_symlink(),
                meta.len(),
            ),
        );
        assert_eq!(e.ino(), meta.ino());
    }
    // Further calls keep saying "done".
    assert!(entries.next_entry().await?.is_none());
    Ok(out)
}

fn std_listing(path: &Path) -> io::Result<Listing> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(path)? {
        let e = e?;
        let ft = e.file_type()?;
        let meta = e.metadata()?;
        out.insert(
            e.file_name(),
            (
                e.path(),
                ft.is_file(),
                ft.is_dir(),
                ft.is_symlink(),
                meta.len(),
            ),
        );
    }
    Ok(out)
}

#[zio::test]
async fn read_dir_listing() -> io::Result<()> {
    let dir = tree()?;
    let root = dir.path();
    for p in [
        "", "sub", "many", "empty", "nope", "a.txt", "link_a", "dangling",
    ] {
        let path = root.join(p);
        same(p, zio_listing(&path).await, std_listing(&path));
    }
    assert_eq!(zio_listing(&root.join("many")).await?.len(), 100);
    Ok(())
}

#[zio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_and_links() -> io::Result<()> {
    let dir = tree()?;
    let root = dir.path();
    for p in PATHS {
        let path = root.join(p);
        same(
            &format!("metadata {p}"),
            zio::fs::metadata(&path).await.map(zmeta),
            std::fs::metadata(&path).map(smeta),
        );
        same(
            &format!("symlink_metadata {p}"),
            zio::fs::symlink_metadata(&path).await.map(zmeta),
            std::fs::symlink_metadata(&path).map(smeta),
        );
        same(
            &format!("try_exists {p}"),
            zio::fs::try_exists(&path).await,
            std::fs::exists(&path),
        );
        same(
            &format!("canonicalize {p}"),
            zio::fs::canonicalize(&path).await,
            std::fs::canonicalize(&path),
        );
        same(
            &format!("read_link {p}"),
            zio::fs::read_link(&path).await,
            std::fs::read_link(&path),
        );
    }

    zio::fs::hard_link(root.join("a.txt"), root.join("hard")).await?;
    assert_eq!(std::fs::metadata(root.join("a.txt"))?.nlink(), 2);
    assert_eq!(
        std::fs::metadata(root.join("hard"))?.ino(),
        std::fs::metadata(root.join("a.txt"))?.ino()
    );
    // A symlink is linked itself, as std's hard_link does.
    zio::fs::hard_link(root.join("dangling"), root.join("hard_dangling")).await?;
    assert!(std::fs::symlink_metadata(root.join("hard_dangling"))?.is_symlink());
    for (from, to) in [("a.txt", "hard"), ("nope", "x"), ("sub", "subhard")] {
        same(
            &format!("hard_link {from} {to}"),
            zio::fs::hard_link(root.join(from), root.join(to)).await,
            std::fs::hard_link(root.join(from), root.join(to)),
        );
    }

    zio::fs::symlink("sub/c.txt", root.join("sym")).await?;
    assert_eq!(
        std::fs::read_link(root.join("sym"))?,
        Path::new("sub/c.txt")
    );
    assert_eq!(std::fs::read(root.join("sym"))?, b"gamma");
    same(
        "symlink over existing",
        zio::fs::symlink("x", root.join("sym")).await,
        std::os::unix::fs::symlink("x", root.join("sym")),
    );

    zio::fs::set_permissions(root.join("a.txt"), std::fs::Permissions::from_mode(0o600)).await?;
    assert_eq!(
        std::fs::metadata(root.join("a.txt"))?.permissions().mode() & 0o7777,
        0o600
    );
    same(
        "set_permissions missing",
        zio::fs::set_permissions(root.join("nope"), std::fs::Permissions::from_mode(0o600)).await,
        std::fs::set_permissions(root.join("nope"), std::fs::Permissions::from_mode(0o600)),
    );
    Ok(())
}

#[zio::test]
async fn paths_with_nul_are_invalid_input() {
    let bad = "a\0b";
    let kind = |r: io::Result<()>| r.unwrap_err().kind();
    assert_eq!(
        kind(zio::fs::File::open(bad).await.map(drop)),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(zio::fs::remove_file(bad).await),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(zio::fs::create_dir(bad).await),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(zio::fs::rename(bad, "x").await),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(zio::fs::metadata(bad).await.map(drop)),
        io::ErrorKind::InvalidInput
    );
}
