//! A TCP echo server in which one task serves every connection through one
//! `CompletionQueue`: an accept, and per connection one receive or one
//! send, all in flight at once; no task per connection, no callbacks.
//!
//! ```text
//! cargo run --example cq_echo                   # serves 127.0.0.1:7878
//! cargo run --example cq_echo -- 0.0.0.0:9000   # serves that address
//! cargo run --example cq_echo -- --self-check   # serves, runs clients, checks
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};

use zio::cq::{CompletionQueue, Interest, Op, Output};

/// Most connections served at once; each has one op in flight.
const MAX_CONNECTIONS: usize = 1024;
const ACCEPT: u64 = u64::MAX;
const BUF_SIZE: usize = 4096;

/// Serves `listener` until the task is dropped (or a queue error).
pub(crate) async fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let lfd = listener.as_raw_fd();
    let mut cq = CompletionQueue::with_capacity(MAX_CONNECTIONS + 1);
    let mut conns: Vec<Option<OwnedFd>> = (0..MAX_CONNECTIONS).map(|_| None).collect();
    submit(&mut cq, Op::accept(lfd), ACCEPT)?;
    while let Some(c) = cq.wait().await {
        let token = c.token();
        let next = match c.into_output() {
            Output::Accept(Ok((fd, _peer))) => {
                if let Some(id) = conns.iter().position(Option::is_none) {
                    let op = Op::recv(fd.as_raw_fd(), Vec::with_capacity(BUF_SIZE));
                    conns[id] = Some(fd);
                    submit(&mut cq, op, id as u64)?;
                }
                Op::accept(lfd)
            }
            // A nonblocking listener may report "no connection yet":
            // wait until it is readable, then accept again.
            Output::Accept(Err(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                Op::poll(lfd, Interest::Readable)
            }
            Output::Accept(Err(e)) => return Err(e),
            Output::Poll(_) => Op::accept(lfd),
            Output::Recv(Ok(n), buf) if n > 0 => {
                let fd = conns[token as usize].as_ref().expect("open connection");
                Op::send(fd.as_raw_fd(), buf)
            }
            Output::Send(Ok(n), mut buf) => {
                let fd = conns[token as usize].as_ref().expect("open connection");
                buf.drain(..n);
                if buf.is_empty() {
                    Op::recv(fd.as_raw_fd(), buf)
                } else {
                    Op::send(fd.as_raw_fd(), buf)
                }
            }
            // End of stream or an error: the connection is done.
            Output::Recv(..) | Output::Send(..) => {
                conns[token as usize] = None;
                continue;
            }
            out => unreachable!("no such op submitted: {out:?}"),
        };
        submit(&mut cq, next, token)?;
    }
    Ok(())
}

/// Submits `op`; a full queue is a bug here (one op per connection).
fn submit(cq: &mut CompletionQueue, op: Op, token: u64) -> io::Result<()> {
    cq.submit(op, token).map(drop).map_err(io::Error::other)
}

/// Runs the server on a free port with `clients` concurrent clients, each
/// sending `rounds` messages and checking the echoes.
pub(crate) fn self_check(clients: usize, rounds: usize) -> io::Result<()> {
    let rt = zio::runtime::Runtime::new()?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let _server = rt.spawn(serve(listener));
    let threads: Vec<_> = (0..clients)
        .map(|i| std::thread::spawn(move || client(addr, i, rounds)))
        .collect();
    for t in threads {
        t.join().expect("client thread")?;
    }
    Ok(())
}

fn client(addr: SocketAddr, id: usize, rounds: usize) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    for round in 0..rounds {
        let msg = format!(
            "client {id} round {round} {}",
            "x".repeat(round * 97 % 5000)
        );
        stream.write_all(msg.as_bytes())?;
        let mut back = vec![0; msg.len()];
        stream.read_exact(&mut back)?;
        if back != msg.as_bytes() {
            return Err(io::Error::other(format!("client {id}: wrong echo")));
        }
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("--self-check") {
        self_check(50, 20)?;
        println!("cq_echo: self-check passed (50 clients x 20 messages)");
        return Ok(());
    }
    let addr = arg.unwrap_or_else(|| "127.0.0.1:7878".into());
    let listener = TcpListener::bind(&addr)?;
    println!("cq_echo: serving {}", listener.local_addr()?);
    zio::runtime::Runtime::new()?.block_on(serve(listener))
}
