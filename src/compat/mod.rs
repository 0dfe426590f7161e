//! The poll-based I/O traits of tokio and futures-io for zio types.
