//! Files: `File`, `OpenOptions` and the free functions of `std::fs`, on io_uring.
