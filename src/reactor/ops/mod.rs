//! One file per operation. Each is plain data implementing `OpCode`.
//!
//! The raw-fd ops (nop, timeout, read, write) are driven by the reactor
//! tests only until `CompletionQueue` (issue 6) exposes them.

pub(crate) mod fs;
pub(crate) mod net;
#[cfg_attr(not(test), allow(dead_code))]
mod nop;
#[cfg_attr(not(test), allow(dead_code))]
mod read;
#[cfg_attr(not(test), allow(dead_code))]
mod timeout;
#[cfg_attr(not(test), allow(dead_code))]
mod write;

#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use nop::Nop;
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use read::Read;
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use timeout::Timeout;
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use write::Write;
