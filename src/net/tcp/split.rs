//! The owned halves of a `TcpStream` (see `net/halves.rs`).

use super::listener::to_inet;
use super::TcpStream;

owned_halves! {
    stream: TcpStream,
    addr: std::net::SocketAddr,
    to_addr: to_inet,
    pre: r#"# let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
# let stream = zio::net::TcpStream::connect(listener.local_addr()?).await?;
# let (peer, _) = listener.accept().await?;"#,
    two: r#"# let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
let a = zio::net::TcpStream::connect(listener.local_addr()?).await?;
let b = zio::net::TcpStream::connect(listener.local_addr()?).await?;"#,
    read_pre: r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
# let (stream, _w) = zio::net::TcpStream::connect(listener.local_addr()?).await?.into_split();
# let (peer, _) = listener.accept().await?;"#,
    write_pre: r#"# zio::runtime::Runtime::new().unwrap().block_on(async {
# let listener = zio::net::TcpListener::bind("127.0.0.1:0").await?;
# let (_r, stream) = zio::net::TcpStream::connect(listener.local_addr()?).await?.into_split();
# let (peer, _) = listener.accept().await?;"#,
    peer_check: "assert_eq!(half.peer_addr()?, listener.local_addr()?);",
    local_check: "assert!(half.local_addr()?.ip().is_loopback());",
}
