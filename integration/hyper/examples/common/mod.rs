//! What the server examples share: where to listen, and a future that
//! completes on Ctrl-C (SIGINT) or SIGTERM.

use std::future::Future;
use std::io;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::{flag, low_level::pipe};

/// The address to listen on: the first command-line argument that is not
/// a `--flag`, else `$ZIO_HYPER_ADDR`, else `default`.
pub(crate) fn listen_addr(default: &str) -> String {
    std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .or_else(|| std::env::var("ZIO_HYPER_ADDR").ok())
        .unwrap_or_else(|| default.to_owned())
}

/// Registers for SIGINT and SIGTERM; the future completes at the first
/// one (start a graceful shutdown then). A second signal exits at once.
pub(crate) fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    let (notify, notified) = std::os::unix::net::UnixStream::pair()?;
    let signalled = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // The first handler exits if a signal came before; the second
        // notes this one; the third wakes the future.
        flag::register_conditional_shutdown(signal, 1, signalled.clone())?;
        flag::register(signal, signalled.clone())?;
        pipe::register(signal, notify.try_clone()?)?;
    }
    let notified = zio::net::UnixStream::from_std(notified)?;
    Ok(async move {
        let _ = notified.read([0u8; 1]).await;
    })
}
