//! The trait impls, one macro per direction, applied to every stream type
//! and half. Each type has a `sock: Socket` and a `read` and/or `write`
//! [`Readiness`](super::Readiness) field. zio's own [`PollRead`] and
//! [`PollWrite`] hold the logic; tokio's and futures-io's traits call them.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::readiness::{poll_recv, poll_send, poll_send_vectored, shutdown_write};
use crate::io::{sealed::Sealed, PollRead, PollWrite};
use crate::net::socket::as_uninit;
use crate::net::tcp::{OwnedReadHalf, OwnedWriteHalf, TcpStream};
use crate::net::unix::{
    OwnedReadHalf as UnixOwnedReadHalf, OwnedWriteHalf as UnixOwnedWriteHalf, UnixStream,
};

macro_rules! impl_read {
    ($($t:ty),*) => {$(
        impl PollRead for $t {
            fn poll_read_uninit(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [MaybeUninit<u8>],
            ) -> Poll<io::Result<usize>> {
                let this = self.get_mut();
                poll_recv(&mut this.read, &this.sock, cx, buf)
            }
        }

        impl tokio::io::AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                // SAFETY: `recv` only writes (initialized bytes) into the
                // unfilled part; it never de-initializes anything.
                let unfilled = unsafe { buf.unfilled_mut() };
                let n = ready!(self.poll_read_uninit(cx, unfilled))?;
                // SAFETY: the kernel initialized the first `n` unfilled bytes.
                unsafe { buf.assume_init(n) };
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
        }

        impl futures_io::AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_read_uninit(cx, as_uninit(buf))
            }
        }
    )*};
}

macro_rules! impl_write {
    ($($t:ty),*) => {$(
        impl PollWrite for $t {
            fn poll_write_slice(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let this = self.get_mut();
                poll_send(&mut this.write, &this.sock, cx, buf)
            }

            fn poll_write_slices(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let this = self.get_mut();
                poll_send_vectored(&mut this.write, &this.sock, cx, bufs)
            }

            fn poll_shutdown_write(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                shutdown_write(&self.sock)
            }
        }

        impl tokio::io::AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_slice(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_slices(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_shutdown_write(cx)
            }
        }

        impl futures_io::AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_slice(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_slices(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.poll_shutdown_write(cx)
            }
        }
    )*};
}

macro_rules! impl_sealed {
    ($($t:ty),*) => {$( impl Sealed for $t {} )*};
}

impl_sealed!(
    TcpStream,
    OwnedReadHalf,
    OwnedWriteHalf,
    UnixStream,
    UnixOwnedReadHalf,
    UnixOwnedWriteHalf
);
impl_read!(TcpStream, OwnedReadHalf, UnixStream, UnixOwnedReadHalf);
impl_write!(TcpStream, OwnedWriteHalf, UnixStream, UnixOwnedWriteHalf);
