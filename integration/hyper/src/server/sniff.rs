//! Telling HTTP/2 (prior knowledge) from HTTP/1 by a connection's first
//! bytes, and [`Rewind`], which hands those bytes to hyper again.

use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};

use zio::io::{PollRead, PollWrite};

use crate::ZioIo;

/// What every HTTP/2 connection opens with (RFC 9113, section 3.4).
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The protocol a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Protocol {
    Http1,
    Http2,
}

/// Reads until the bytes either differ from the HTTP/2 preface (HTTP/1:
/// usually at the first byte) or match all of it (HTTP/2).
///
/// # Errors
///
/// The read's error, or `UnexpectedEof` if the client closed before that.
pub(super) async fn sniff<T: PollRead + Unpin>(
    mut io: ZioIo<T>,
) -> io::Result<(Protocol, Rewind<T>)> {
    let mut prefix = [0; H2_PREFACE.len()];
    let mut len = 0;
    loop {
        let n = poll_fn(|cx| read_into(Pin::new(&mut io), cx, &mut prefix[len..])).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client closed the connection before sending a request",
            ));
        }
        len += n;
        let protocol = if prefix[..len] != H2_PREFACE[..len] {
            Protocol::Http1
        } else if len == H2_PREFACE.len() {
            Protocol::Http2
        } else {
            continue;
        };
        let rewind = Rewind {
            prefix,
            start: 0,
            end: len,
            io,
        };
        return Ok((protocol, rewind));
    }
}

/// One read into `buf`; the number of bytes read.
fn read_into<R: Read>(
    io: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut buf = ReadBuf::new(buf);
    ready!(io.poll_read(cx, buf.unfilled()))?;
    Poll::Ready(Ok(buf.filled().len()))
}

/// A connection whose sniffed first bytes are read again before the rest.
#[derive(Debug)]
pub(super) struct Rewind<T> {
    prefix: [u8; H2_PREFACE.len()],
    start: usize,
    end: usize,
    io: ZioIo<T>,
}

impl<T: PollRead + Unpin> Read for Rewind<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.start == this.end {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let n = buf.remaining().min(this.end - this.start);
        buf.put_slice(&this.prefix[this.start..this.start + n]);
        this.start += n;
        Poll::Ready(Ok(()))
    }
}

impl<T: PollWrite + Unpin> Write for Rewind<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zio::net::UnixStream;

    /// Sends `bytes` in pieces of `chunk`, sniffs, and reads everything
    /// back through the `Rewind`.
    fn sniff_bytes(bytes: &'static [u8], chunk: usize) -> (Protocol, Vec<u8>) {
        zio::runtime::Runtime::new().unwrap().block_on(async move {
            let (client, server) = UnixStream::pair().unwrap();
            let mut client = ZioIo::new(client);
            let writer = zio::spawn(async move {
                for piece in bytes.chunks(chunk) {
                    poll_fn(|cx| Pin::new(&mut client).poll_write(cx, piece))
                        .await
                        .unwrap();
                    zio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            });
            let (protocol, mut rewind) = sniff(ZioIo::new(server)).await.unwrap();
            writer.await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0; 7];
            loop {
                let n = poll_fn(|cx| read_into(Pin::new(&mut rewind), cx, &mut buf))
                    .await
                    .unwrap();
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
            }
            (protocol, seen)
        })
    }

    #[test]
    fn http1_is_told_at_the_first_byte() {
        let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(sniff_bytes(request, 1), (Protocol::Http1, request.to_vec()));
    }

    #[test]
    fn http2_preface_in_pieces() {
        let mut expected = H2_PREFACE.to_vec();
        expected.extend_from_slice(b"\0\0\0\x04\0\0\0\0\0");
        let bytes = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";
        assert_eq!(sniff_bytes(bytes, 5), (Protocol::Http2, expected));
    }

    #[test]
    fn a_near_preface_is_http1() {
        let bytes = b"PRI * HTTP/1.1\r\n\r\n";
        assert_eq!(sniff_bytes(bytes, 3), (Protocol::Http1, bytes.to_vec()));
    }

    #[test]
    fn eof_before_a_decision_is_an_error() {
        zio::runtime::Runtime::new().unwrap().block_on(async {
            let (client, server) = UnixStream::pair().unwrap();
            drop(client);
            let err = sniff(ZioIo::new(server)).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        });
    }
}
