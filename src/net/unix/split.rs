//! The owned halves of a `UnixStream` (see `net/halves.rs`).

use super::{to_unix, UnixStream};

owned_halves! {
    stream: UnixStream,
    addr: std::os::unix::net::SocketAddr,
    to_addr: to_unix,
    pre: "# let (stream, peer) = zio::net::UnixStream::pair()?;",
    two: "let (a, _a2) = zio::net::UnixStream::pair()?;\nlet (b, _b2) = zio::net::UnixStream::pair()?;",
    read_pre: r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let (stream, peer) = zio::net::UnixStream::pair()?;
# let (stream, _w) = stream.into_split();"#,
    write_pre: r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let (stream, peer) = zio::net::UnixStream::pair()?;
# let (_r, stream) = stream.into_split();"#,
    peer_check: "assert!(half.peer_addr()?.is_unnamed());",
    local_check: "assert!(half.local_addr()?.is_unnamed());",
}
