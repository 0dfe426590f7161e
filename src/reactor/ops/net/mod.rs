//! Ops of `net`: one file per operation.
