//! Dropping a CompletionQueue with ops in flight: the ops are cancelled and
//! their buffers stay alive until the kernel is done, then are released
//! exactly once (canary buffers count their drops). On a runtime and on a
//! plain thread (fallback driver).

mod common;
use common::*;

use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use zio::cq::{CompletionQueue, Op};
use zio::io::{IoBuf, IoBufMut};

/// A buffer that counts its drops.
struct Canary {
    buf: Vec<u8>,
    drops: Arc<AtomicUsize>,
}

impl Drop for Canary {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: forwards to the Vec, whose heap memory does not move with it.
unsafe impl IoBuf for Canary {
    fn stable_ptr(&self) -> *const u8 {
        self.buf.stable_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.buf.bytes_init()
    }
    fn bytes_total(&self) -> usize {
        self.buf.bytes_total()
    }
}

// SAFETY: as above.
unsafe impl IoBufMut for Canary {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.buf.stable_mut_ptr()
    }
    unsafe fn set_init(&mut self, pos: usize) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.buf.set_init(pos) }
    }
}

const N: usize = 1000;

/// Submits `N` receives on a socket that gets no data, plus some that do
/// get data, and drops the queue. Returns the drop counter and the
/// sockets, which must stay open until the ops are done.
fn submit_and_drop() -> (Arc<AtomicUsize>, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let mut cq = CompletionQueue::with_capacity(N);
    for t in 0..N {
        let buf = Canary {
            buf: Vec::with_capacity(16),
            drops: drops.clone(),
        };
        cq.submit(Op::recv(server.as_raw_fd(), buf), t as u64)
            .unwrap();
    }
    std::io::Write::write_all(&mut &client, &[5u8; 16 * 10]).unwrap();
    drop(cq);
    (drops, client, server)
}

#[test]
fn dropped_queue_keeps_buffers_until_the_kernel_is_done() {
    watchdog("cq_drop_runtime", || {
        current_rt().block_on(async {
            let (drops, client, server) = submit_and_drop();
            // The cancels are only requested: no driver has run since, so
            // no buffer may be gone yet.
            assert_eq!(
                drops.load(Ordering::SeqCst),
                0,
                "released before completion"
            );
            wait_until_async(|| drops.load(Ordering::SeqCst) >= N).await;
            drop((client, server));
        });
    });
    watchdog("cq_drop_plain_thread", || {
        let (drops, client, server) = submit_and_drop();
        wait_until("all buffers released", || drops.load(Ordering::SeqCst) >= N);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(drops.load(Ordering::SeqCst), N, "each buffer released once");
        drop((client, server));
    });
}

async fn wait_until_async(mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !cond() {
        assert!(std::time::Instant::now() < deadline, "timed out");
        zio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}
