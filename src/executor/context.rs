//! The thread-local that says which runtime (if any) the calling thread
//! belongs to. `zio::spawn` and friends find their runtime here; nothing in
//! the public API takes a runtime argument.

use std::cell::RefCell;
use std::marker::PhantomData;

use super::handle::Handle;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// The runtime entered on this thread, if any.
pub(crate) fn current() -> Option<Handle> {
    with_current(Handle::clone)
}

/// Runs `f` with the runtime entered on this thread, without cloning its
/// handle.
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// Makes `handle` the calling thread's runtime until the guard drops.
pub(crate) fn enter(handle: Handle) -> EnterGuard<'static> {
    let prev = CURRENT.with(|c| c.borrow_mut().replace(handle));
    EnterGuard {
        prev,
        _not_send: PhantomData,
    }
}

/// Guard returned by [`Handle::enter`](super::Handle::enter): while it
/// lives, the runtime is the calling thread's current runtime. Restores the
/// previous one when dropped. Not `Send`: it must be dropped on the thread
/// that created it.
///
/// # Examples
///
/// ```
/// let rt = zio::runtime::Runtime::new().unwrap();
/// let _guard = rt.enter();
/// let handle = zio::spawn(async { 1 });
/// assert_eq!(rt.block_on(handle).unwrap(), 1);
/// ```
///
/// The guard stays on its thread:
///
/// ```compile_fail
/// fn is_send<T: Send>(_: T) {}
/// let rt = zio::runtime::Runtime::new().unwrap();
/// is_send(rt.enter());
/// ```
#[derive(Debug)]
#[must_use = "the runtime is entered only while the guard lives"]
pub struct EnterGuard<'a> {
    prev: Option<Handle>,
    _not_send: PhantomData<(&'a Handle, *const ())>,
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}
