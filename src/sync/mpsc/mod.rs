//! Multi-producer, single-consumer channels: bounded ([`channel`]) and
//! unbounded ([`unbounded_channel`]), with tokio's API.
//!
//! - `chan.rs`: the shared core (the receiver's waker and the closed flags
//!   under a short lock; a FIFO semaphore of free slots when bounded), and
//!   the receiving end `Rx`.
//! - `ring.rs`: the lock-free slots of a bounded channel (a stamped ring);
//!   unbounded channels, and bounded ones too large to allocate up front,
//!   queue in a `VecDeque` under the lock, which `Rx` takes in batches.
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
mod ring;
mod unbounded;

pub use bounded::{channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
