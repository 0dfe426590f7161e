//! Unix domain sockets: [`UnixListener`], [`UnixStream`] and its owned
//! halves, [`UnixDatagram`]. Addresses are std's
//! [`std::os::unix::net::SocketAddr`].

mod datagram;
mod listener;
mod split;
mod stream;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::UnixStream;

use std::io;
use std::os::unix::net::SocketAddr;

use socket2::SockAddr;

/// A Unix socket address, from socket2's (which converts only pathnames).
pub(crate) fn to_unix(addr: &SockAddr) -> io::Result<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    if let Some(a) = addr.as_unix() {
        return Ok(a);
    }
    if let Some(name) = addr.as_abstract_namespace() {
        return SocketAddr::from_abstract_name(name);
    }
    if addr.is_unnamed() || addr.len() as usize <= std::mem::size_of::<libc::sa_family_t>() {
        // std has no constructor for an unnamed address: take the one of
        // an unbound socket, once.
        static UNNAMED: std::sync::OnceLock<SocketAddr> = std::sync::OnceLock::new();
        if let Some(a) = UNNAMED.get() {
            return Ok(a.clone());
        }
        let a = std::os::unix::net::UnixDatagram::unbound()?.local_addr()?;
        return Ok(UNNAMED.get_or_init(|| a).clone());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "not a Unix socket address",
    ))
}
