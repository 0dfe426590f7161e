//! The I/O methods shared by the stream types and their halves, written
//! once: `read_methods!` and `write_methods!` expand inside an `impl`
//! block of a type with a `sock: Socket` field; `$pre` is the hidden
//! doctest preamble that makes a connected `stream` and its `peer`.

macro_rules! read_methods {
    ($pre:literal) => {
        /// Reads into the buffer, from its start up to its capacity
        /// (`bytes_total`), and returns how many bytes arrived, with the
        /// buffer: `buf[..n]` holds them (a `Vec`'s length grows to `n`
        /// if it was shorter). `Ok(0)` means end of stream (or a buffer of
        /// capacity 0).
        ///
        /// # Errors
        ///
        /// The socket's error, e.g. `ConnectionReset` when the peer reset
        /// the connection.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: no byte is lost. Dropping the future cancels the
        /// receive; if the receive took bytes all the same (it completed
        /// after the future's last poll, or before the cancel reached
        /// another thread's ring), they are kept with the socket and the
        /// next read of the stream gets them first, whichever way it
        /// reads (owned buffer, `AsyncRead`, `try_read`, blocking
        /// `std::io::Read`); an error the receive took (a reset) is
        /// reported by that read too. The next read waits, if need be,
        /// until the dropped receive has completed, which takes the driver
        /// it ran on: a current-thread runtime's while its `block_on`
        /// runs (it reaps what it can before it returns), a worker's
        /// outside `block_in_place`. Reads of one socket from several
        /// tasks at once get no order among them, and one already waiting
        /// is not woken by bytes another's dropped read kept. A
        /// [`CompletionQueue`](crate::cq::CompletionQueue) receive on the
        /// socket's descriptor does not see kept bytes.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
peer.write_all(b"hi".to_vec()).await.0?;
let (n, buf) = stream.read(Vec::with_capacity(64)).await;
assert_eq!(&buf[..n?], b"hi");
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub async fn read<B: $crate::io::IoBufMut>(&self, buf: B) -> (std::io::Result<usize>, B) {
            self.sock.read(buf).await
        }

        /// Reads until the buffer is full (its whole capacity, from the
        /// start; a `Vec`'s length becomes its capacity).
        ///
        /// # Errors
        ///
        /// `UnexpectedEof` if the stream ends first (the buffer then holds
        /// what did arrive), or the socket's error.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: if the future is dropped, the bytes it had read
        /// (and any its last receive takes) go to the next read of the
        /// stream, as for [`read`](Self::read).
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
peer.write_all(b"hello".to_vec()).await.0?;
let (res, buf) = stream.read_exact(Vec::with_capacity(5)).await;
res?;
assert_eq!(buf, b"hello");
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub async fn read_exact<B: $crate::io::IoBufMut>(
            &self,
            buf: B,
        ) -> (std::io::Result<()>, B) {
            self.sock.read_exact(buf).await
        }

        /// Reads into several buffers in one `recvmsg`, filling each
        /// one's spare capacity in turn. Returns the total count.
        ///
        /// # Errors
        ///
        /// The socket's error.
        ///
        /// # Cancel safety
        ///
        /// As [`read`](Self::read).
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
peer.write_all(b"abcdef".to_vec()).await.0?;
let bufs = vec![Vec::with_capacity(3), Vec::with_capacity(3)];
let (res, bufs) = stream.readv(bufs).await;
let n = res?;
assert!(n > 0 && bufs[0].starts_with(&b"abcdef"[..n.min(3)]));
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub async fn readv<B: $crate::io::IoBufMut>(
            &self,
            bufs: Vec<B>,
        ) -> (std::io::Result<usize>, Vec<B>) {
            self.sock.readv(bufs).await
        }

        /// Waits until the socket has data to read (or an error or end of
        /// stream to report, or bytes a dropped read kept), for use with
        /// [`try_read`](Self::try_read).
        ///
        /// # Errors
        ///
        /// An error of the wait itself (e.g. the driver shut down).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: nothing is read.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
peer.write_all(b"x".to_vec()).await.0?;
stream.readable().await?;
let mut buf = [0u8; 8];
assert_eq!(stream.try_read(&mut buf)?, 1);
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub async fn readable(&self) -> std::io::Result<()> {
            self.sock.readable().await
        }

        /// Reads what is there without waiting (`recv` with
        /// `MSG_DONTWAIT`), after any bytes a dropped read kept (see
        /// [`read`](Self::read)).
        ///
        /// # Errors
        ///
        /// `WouldBlock` if no data is there, or while a dropped read's
        /// receive is still out ([`readable`](Self::readable) waits for
        /// it); or the socket's error.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
let mut buf = [0u8; 8];
let e = stream.try_read(&mut buf).unwrap_err();
assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.sock.try_read($crate::net::socket::as_uninit(buf))
        }
    };
}

macro_rules! write_methods {
    ($pre:literal) => {
        /// Writes the buffer's initialized bytes, or as many as the socket
        /// takes at once, and returns how many, with the buffer.
        ///
        /// # Errors
        ///
        /// The socket's error: `BrokenPipe` or `ConnectionReset` when the
        /// peer has gone (never a `SIGPIPE`).
        ///
        /// # Cancel safety
        ///
        /// Dropping the future cancels the send; bytes the kernel already
        /// took stay sent, and the count of them is lost.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
let (n, _buf) = stream.write(b"hello".to_vec()).await;
assert!(n? > 0);
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub async fn write<B: $crate::io::IoBuf>(&self, buf: B) -> (std::io::Result<usize>, B) {
            self.sock.send(buf).await
        }

        /// Writes all of the buffer's initialized bytes, however many
        /// short writes it takes.
        ///
        /// # Errors
        ///
        /// The socket's error (how much was written before it is not
        /// reported), or `WriteZero`.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: an unknown prefix of the buffer may have been
        /// sent.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
let (res, _buf) = stream.write_all(vec![7u8; 100_000]).await;
res?;
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub async fn write_all<B: $crate::io::IoBuf>(&self, buf: B) -> (std::io::Result<()>, B) {
            self.sock.send_all(buf).await
        }

        /// Writes several buffers in one `sendmsg`; returns how many bytes
        /// the socket took (possibly fewer than all).
        ///
        /// # Errors
        ///
        /// The socket's error.
        ///
        /// # Cancel safety
        ///
        /// As [`write`](Self::write).
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
let (n, _bufs) = stream.writev(vec![b"head".to_vec(), b"body".to_vec()]).await;
assert!(n? > 0);
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub async fn writev<B: $crate::io::IoBuf>(
            &self,
            bufs: Vec<B>,
        ) -> (std::io::Result<usize>, Vec<B>) {
            self.sock.sendmsg(bufs, None).await
        }

        /// Waits until the socket can take more data (or has an error to
        /// report), for use with [`try_write`](Self::try_write).
        ///
        /// # Errors
        ///
        /// An error of the wait itself (e.g. the driver shut down).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: nothing is written.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
stream.writable().await?;
assert_eq!(stream.try_write(b"hi")?, 2);
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub async fn writable(&self) -> std::io::Result<()> {
            self.sock.ready($crate::reactor::Interest::Write).await
        }

        /// Writes what the socket takes without waiting (`send` with
        /// `MSG_DONTWAIT`).
        ///
        /// # Errors
        ///
        /// `WouldBlock` if the send buffer is full, or the socket's error.
        ///
        /// # Examples
        ///
        #[doc = concat!("```\n", $pre, r#"
assert_eq!(stream.try_write(b"hi")?, 2);
# Ok::<_, std::io::Error>(()) }).unwrap();
```"#)]
        pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
            self.sock.try_send(buf)
        }
    };
}

/// `std::io::Read` for `T` and `&T`: blocking syscalls on the calling
/// thread.
macro_rules! std_read_impls {
    ($t:ty) => {
        impl std::io::Read for &$t {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.sock.blocking_recv(buf)
            }
            fn read_vectored(
                &mut self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                self.sock.blocking_recv_vectored(bufs)
            }
        }

        impl std::io::Read for $t {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.sock.blocking_recv(buf)
            }
            fn read_vectored(
                &mut self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                self.sock.blocking_recv_vectored(bufs)
            }
        }
    };
}

/// `std::io::Write` for `T` and `&T`: blocking syscalls on the calling
/// thread.
macro_rules! std_write_impls {
    ($t:ty) => {
        impl std::io::Write for &$t {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.sock.blocking_send(buf)
            }
            fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                self.sock.blocking_send_vectored(bufs)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }

        impl std::io::Write for $t {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.sock.blocking_send(buf)
            }
            fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                self.sock.blocking_send_vectored(bufs)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
    };
}

/// `AsRawFd` and `AsFd`.
macro_rules! fd_impls {
    ($($t:ty),*) => {$(
        impl std::os::fd::AsRawFd for $t {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.sock.raw()
            }
        }

        impl std::os::fd::AsFd for $t {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                // SAFETY: the socket stays open for as long as `self` lives.
                unsafe { std::os::fd::BorrowedFd::borrow_raw(self.sock.raw()) }
            }
        }
    )*};
}
