//! `IoBuf` / `IoBufMut`: buffers whose memory does not move when the value
//! does.

/// A buffer the kernel may read from while an op owns it.
///
/// # Safety
///
/// `stable_ptr` must point at `bytes_total` bytes of memory, the first
/// `bytes_init` of them initialized, and that memory must stay valid and at
/// the same address when the value is moved, for as long as the value lives
/// and is not accessed mutably.
pub unsafe trait IoBuf: Send + 'static {
    /// Pointer to the start of the buffer.
    fn stable_ptr(&self) -> *const u8;
    /// Number of initialized bytes (what a write sends).
    fn bytes_init(&self) -> usize;
    /// Capacity in bytes.
    fn bytes_total(&self) -> usize;
}

/// A buffer the kernel may write into while an op owns it.
///
/// # Safety
///
/// As [`IoBuf`], and `stable_mut_ptr` must allow writes to all
/// `bytes_total` bytes.
pub unsafe trait IoBufMut: IoBuf {
    /// Mutable pointer to the start of the buffer.
    fn stable_mut_ptr(&mut self) -> *mut u8;

    /// Marks the first `pos` bytes initialized (a read filled them).
    ///
    /// # Safety
    ///
    /// The first `pos` bytes must be initialized and `pos <= bytes_total()`.
    unsafe fn set_init(&mut self, pos: usize);
}

// SAFETY: a Vec's heap allocation does not move when the Vec does.
unsafe impl IoBuf for Vec<u8> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.capacity()
    }
}

// SAFETY: as above; writes go to the Vec's own allocation.
unsafe impl IoBufMut for Vec<u8> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, pos: usize) {
        if pos > self.len() {
            // SAFETY: the caller guarantees `pos` bytes are initialized and
            // within capacity.
            unsafe { self.set_len(pos) };
        }
    }
}

/// `IoBuf` for a type whose bytes are all initialized and that derefs to a
/// slice at a fixed address. Each use states why the address is fixed.
macro_rules! iobuf_for_full_slice {
    ($($(#[$attr:meta])* $ty:ty;)*) => {$(
        $(#[$attr])*
        // SAFETY: per the reason given at the use site, the slice's memory
        // does not move when the value does and lives as long as it; all of
        // it is initialized.
        unsafe impl IoBuf for $ty {
            fn stable_ptr(&self) -> *const u8 {
                self.as_ptr()
            }
            fn bytes_init(&self) -> usize {
                self.len()
            }
            fn bytes_total(&self) -> usize {
                self.len()
            }
        }
    )*};
}

iobuf_for_full_slice! {
    /// A boxed slice's allocation does not move when the box does.
    Box<[u8]>;
    /// Static memory never moves or goes away.
    &'static [u8];
    /// Static memory never moves or goes away.
    &'static str;

    /// `Bytes` points at shared, immutable heap (or static) memory that does
    /// not move when the handle does.
    #[cfg(feature = "bytes")]
    bytes::Bytes;
}

// SAFETY: as above; writes go to the box's own allocation.
unsafe impl IoBufMut for Box<[u8]> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, _pos: usize) {}
}

// SAFETY: static memory never moves or goes away; all of it is
// initialized. (`file.write_at(b"hi", 0)` takes a byte-string literal.)
unsafe impl<const N: usize> IoBuf for &'static [u8; N] {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        N
    }
    fn bytes_total(&self) -> usize {
        N
    }
}

// SAFETY: an op keeps its buffer inside its heap-allocated cell for as long
// as the kernel may use it, so an array there does not move; a caller that
// moves an array between ops gets a new pointer for the next op. All of it
// is initialized.
unsafe impl<const N: usize> IoBuf for [u8; N] {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        N
    }
    fn bytes_total(&self) -> usize {
        N
    }
}

// SAFETY: as above.
unsafe impl<const N: usize> IoBufMut for [u8; N] {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, _pos: usize) {}
}

#[cfg(feature = "bytes")]
// SAFETY: a `BytesMut`'s buffer does not move when the handle does (it only
// reallocates on `reserve`, which needs `&mut` and so cannot happen while an
// op owns it).
unsafe impl IoBuf for bytes::BytesMut {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.capacity()
    }
}

#[cfg(feature = "bytes")]
// SAFETY: as above; writes go to the buffer's own capacity.
unsafe impl IoBufMut for bytes::BytesMut {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, pos: usize) {
        if pos > self.len() {
            // SAFETY: the caller guarantees `pos` initialized bytes within
            // capacity.
            unsafe { self.set_len(pos) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_pointers() {
        let mut v = Vec::with_capacity(8);
        v.extend_from_slice(b"ab");
        assert_eq!((v.bytes_init(), v.bytes_total()), (2, v.capacity()));
        let ptr = v.stable_ptr();
        let moved = v;
        assert_eq!(moved.stable_ptr(), ptr, "moving a Vec keeps its buffer");
        let arr = [0u8; 4];
        assert_eq!((arr.bytes_init(), arr.bytes_total()), (4, 4));
        let s: &'static [u8] = b"xyz";
        assert_eq!(s.bytes_init(), 3);
        let b: Box<[u8]> = vec![1, 2, 3].into_boxed_slice();
        assert_eq!(b.bytes_total(), 3);
    }
}
