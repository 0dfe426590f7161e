//! One file per operation. Each is plain data implementing `OpCode`.
#![cfg_attr(not(test), allow(unused_imports))]

pub(crate) mod fs;
pub(crate) mod net;
mod nop;
mod read;
mod timeout;
mod write;

pub(crate) use nop::Nop;
pub(crate) use read::Read;
pub(crate) use timeout::Timeout;
pub(crate) use write::Write;
