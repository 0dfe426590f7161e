//! [`OwnLine`]: a value on cache lines of its own.

/// Keeps what it holds on cache lines of its own (128 bytes: x86 fetches
/// lines in adjacent pairs), so that two fields written by different
/// threads do not make each other's cache line bounce.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct OwnLine<T>(pub(crate) T);

impl<T> std::ops::Deref for OwnLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
