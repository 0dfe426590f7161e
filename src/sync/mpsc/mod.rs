//! Multi-producer, single-consumer channels: bounded ([`channel`]) and
//! unbounded ([`unbounded_channel`]), with tokio's API.
//!
//! - `chan.rs`: the shared core (a locked `VecDeque`, the receiver's waker,
//!   the closed flags; a FIFO semaphore of free slots when bounded), and
//!   the receiving end `Rx`, which takes queued values in batches.
//! - `bounded.rs`, `unbounded.rs`: the public halves, permits, weak senders.
//! - `receiver.rs`: the receiver API, generated for both flavours.
//! - `error.rs`: errors; every send error hands the value back.
//!
//! Every method works from a zio task, a task on any other executor, and a
//! plain thread (`blocking_*`); the `*_timeout` methods need no runtime.

mod bounded;
mod chan;
pub mod error;
mod receiver;
mod unbounded;

pub use bounded::{channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
