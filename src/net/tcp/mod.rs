//! TCP: [`TcpListener`], [`TcpStream`] and its owned halves.

mod listener;
mod split;
pub(crate) use listener::to_inet;
mod stream;

pub use listener::TcpListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::TcpStream;
