//! Ops of `fs`: one file per operation.
