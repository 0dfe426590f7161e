//! The owned read and write halves of a stream type, written once:
//! `owned_halves!` expands, in a stream type's `split` module, to
//! `OwnedReadHalf`, `OwnedWriteHalf` and `ReuniteError` for that stream.
//! The stream type differs only in its address type (and so in the
//! conversion from `SockAddr` and in the doctests' setup).
//!
//! Arguments: the stream type; its address type and conversion; `pre`, a
//! hidden doctest preamble that makes a connected `stream` and its `peer`;
//! `two`, one that makes two unrelated streams `a` and `b`; `read_pre` and
//! `write_pre`, preambles whose `stream` is a read or write half; and the
//! assertions on a half's peer and local addresses (the half is `half`).

macro_rules! owned_halves {
    (
        stream: $stream:ident,
        addr: $addr:ty,
        to_addr: $to_addr:path,
        pre: $pre:literal,
        two: $two:literal,
        read_pre: $read_pre:literal,
        write_pre: $write_pre:literal,
        peer_check: $peer_check:literal,
        local_check: $local_check:literal $(,)?
    ) => {
        use std::fmt;
        use std::io;
        use std::net::Shutdown;

        use crate::compat::Readiness;
        use crate::net::socket::Socket;

        #[doc = concat!("The read half of a [`", stringify!($stream), "`], from")]
        #[doc = concat!("[`into_split`](", stringify!($stream), "::into_split). Implements the poll-based")]
        /// `AsyncRead` traits and `std::io::Read`, and has the async
        /// owned-buffer reads.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, r#"
let (reader, _writer) = stream.into_split();
peer.write_all(b"x".to_vec()).await.0?;
let (n, _) = reader.read(Vec::with_capacity(8)).await;
assert_eq!(n?, 1);
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub struct OwnedReadHalf {
            pub(crate) sock: Socket,
            pub(crate) read: Readiness,
        }

        #[doc = concat!("The write half of a [`", stringify!($stream), "`], from")]
        #[doc = concat!("[`into_split`](", stringify!($stream), "::into_split). Implements the poll-based")]
        /// `AsyncWrite` traits and `std::io::Write`, and has the async
        /// owned-buffer writes.
        ///
        /// Dropping it shuts the write direction down (the peer reads EOF),
        /// as in tokio; [`reunite`](OwnedWriteHalf::reunite) does not.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, r#"
let (_reader, writer) = stream.into_split();
writer.write_all(b"bye".to_vec()).await.0?;
drop(writer);
let (res, _) = peer.read_exact(Vec::with_capacity(3)).await;
res?;
let (n, _) = peer.read(Vec::with_capacity(8)).await;
assert_eq!(n?, 0, "EOF after the write half was dropped");
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub struct OwnedWriteHalf {
            pub(crate) sock: Socket,
            pub(crate) write: Readiness,
            shutdown_on_drop: bool,
        }

        /// The halves given to `reunite` came from different streams; they
        /// are handed back.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $two, r#"
let (ra, _wa) = a.into_split();
let (_rb, wb) = b.into_split();
let err = ra.reunite(wb).unwrap_err();
let (_ra, _wb) = (err.0, err.1);
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("tried to reunite halves that are not from the same socket")
            }
        }

        impl std::error::Error for ReuniteError {}

        fn reunite(
            read: OwnedReadHalf,
            mut write: OwnedWriteHalf,
        ) -> Result<$stream, ReuniteError> {
            if !read.sock.same_socket(&write.sock) {
                return Err(ReuniteError(read, write));
            }
            write.shutdown_on_drop = false;
            let mut stream = $stream::from_socket(read.sock);
            stream.read = read.read;
            stream.write = std::mem::take(&mut write.write);
            Ok(stream)
        }

        impl OwnedReadHalf {
            /// Puts the stream back together.
            ///
            /// # Errors
            ///
            /// [`ReuniteError`] (with both halves) if they are from
            /// different streams.
            ///
            /// # Examples
            ///
            #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, r#"
let (r, w) = stream.into_split();
let _stream = r.reunite(w).unwrap();
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<$stream, ReuniteError> {
                reunite(self, other)
            }

            /// The peer's address.
            ///
            /// # Errors
            ///
            /// `NotConnected` if the connection is gone.
            ///
            /// # Examples
            ///
            #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, "\nlet (half, _w) = stream.into_split();\n", $peer_check, "\n# Ok::<_, std::io::Error>(()) }).unwrap();\n```")]
            pub fn peer_addr(&self) -> io::Result<$addr> {
                $to_addr(&self.sock.sock().peer_addr()?)
            }

            /// The local address.
            ///
            /// # Errors
            ///
            /// `getsockname`'s error.
            ///
            /// # Examples
            ///
            #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, "\nlet (half, _w) = stream.into_split();\n", $local_check, "\n# Ok::<_, std::io::Error>(()) }).unwrap();\n```")]
            pub fn local_addr(&self) -> io::Result<$addr> {
                $to_addr(&self.sock.sock().local_addr()?)
            }

            read_methods!($read_pre);
        }

        impl OwnedWriteHalf {
            pub(crate) fn new(sock: Socket, write: Readiness) -> OwnedWriteHalf {
                OwnedWriteHalf {
                    sock,
                    write,
                    shutdown_on_drop: true,
                }
            }

            /// Puts the stream back together.
            ///
            /// # Errors
            ///
            /// [`ReuniteError`] (with both halves) if they are from
            /// different streams.
            ///
            /// # Examples
            ///
            #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, r#"
let (r, w) = stream.into_split();
let _stream = w.reunite(r).unwrap();
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
            pub fn reunite(self, other: OwnedReadHalf) -> Result<$stream, ReuniteError> {
                reunite(other, self)
            }

            /// Drops the half without shutting the write direction down.
            ///
            /// # Examples
            ///
            #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, r#"
let (_r, w) = stream.into_split();
w.forget();
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
            pub fn forget(mut self) {
                self.shutdown_on_drop = false;
            }

            /// The peer's address.
            ///
            /// # Errors
            ///
            /// `NotConnected` if the connection is gone.
            ///
            /// # Examples
            ///
            #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, "\nlet (_r, half) = stream.into_split();\n", $peer_check, "\n# Ok::<_, std::io::Error>(()) }).unwrap();\n```")]
            pub fn peer_addr(&self) -> io::Result<$addr> {
                $to_addr(&self.sock.sock().peer_addr()?)
            }

            /// The local address.
            ///
            /// # Errors
            ///
            /// `getsockname`'s error.
            ///
            /// # Examples
            ///
            #[doc = concat!("```\n# zio::runtime::Runtime::new().unwrap().block_on(async {\n", $pre, "\nlet (_r, half) = stream.into_split();\n", $local_check, "\n# Ok::<_, std::io::Error>(()) }).unwrap();\n```")]
            pub fn local_addr(&self) -> io::Result<$addr> {
                $to_addr(&self.sock.sock().local_addr()?)
            }

            write_methods!($write_pre);
        }

        std_read_impls!(OwnedReadHalf);
        std_write_impls!(OwnedWriteHalf);
        fd_impls!(OwnedReadHalf, OwnedWriteHalf);

        impl Drop for OwnedWriteHalf {
            fn drop(&mut self) {
                if self.shutdown_on_drop {
                    let _ = self.sock.sock().shutdown(Shutdown::Write);
                }
            }
        }

        impl fmt::Debug for OwnedReadHalf {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("OwnedReadHalf")
                    .field("fd", &self.sock.raw())
                    .finish()
            }
        }

        impl fmt::Debug for OwnedWriteHalf {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("OwnedWriteHalf")
                    .field("fd", &self.sock.raw())
                    .finish()
            }
        }
    };
}
