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
