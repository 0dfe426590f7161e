//! Sockets: TCP, UDP and Unix, on io_uring.
