//! A private facade over `std` and `loom` (tokio's `loom` module, trimmed).
//!
//! Code that should be model-checked imports its atomics, cells, `Mutex`,
//! `Arc` and threads from here. A normal build re-exports `std`; a build with
//! `RUSTFLAGS="--cfg loom"` re-exports `loom`'s instrumented versions, so the
//! same source runs under the model checker.
#![allow(dead_code, unused_imports, unreachable_pub)]

#[cfg(not(loom))]
mod imp {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;

        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{
                fence, AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };
        }

        /// `std::sync::Mutex` without poisoning: a panic while the lock is
        /// held never makes later users panic (our critical sections keep
        /// their invariants at every panic point: they do not call user code).
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T: ?Sized>(std::sync::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            pub(crate) const fn new(value: T) -> Self {
                Mutex(std::sync::Mutex::new(value))
            }

            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner().unwrap_or_else(|e| e.into_inner())
            }
        }

        impl<T: ?Sized> Mutex<T> {
            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap_or_else(|e| e.into_inner())
            }

            pub(crate) fn get_mut(&mut self) -> &mut T {
                self.0.get_mut().unwrap_or_else(|e| e.into_inner())
            }
        }
    }

    pub(crate) mod cell {
        /// `std::cell::UnsafeCell` with loom's closure-based accessors.
        #[derive(Debug, Default)]
        pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(value: T) -> Self {
                UnsafeCell(std::cell::UnsafeCell::new(value))
            }

            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner()
            }
        }

        impl<T: ?Sized> UnsafeCell<T> {
            #[inline(always)]
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            #[inline(always)]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }

            #[inline(always)]
            pub(crate) fn get_mut(&mut self) -> &mut T {
                self.0.get_mut()
            }
        }
    }

    pub(crate) mod thread {
        pub(crate) use std::thread::{current, park, spawn, yield_now, JoinHandle, Thread};
    }

    pub(crate) mod hint {
        pub(crate) use std::hint::spin_loop;
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;

        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{
                fence, AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };
        }

        /// loom's `Mutex` with the same non-poisoning `lock` as the std build.
        #[derive(Debug)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Self {
                Mutex(loom::sync::Mutex::new(value))
            }

            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner().unwrap_or_else(|e| e.into_inner())
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap_or_else(|e| e.into_inner())
            }

            pub(crate) fn get_mut(&mut self) -> &mut T {
                self.0.get_mut().unwrap_or_else(|e| e.into_inner())
            }
        }

        impl<T: Default> Default for Mutex<T> {
            fn default() -> Self {
                Mutex::new(T::default())
            }
        }
    }

    pub(crate) mod cell {
        /// loom's `UnsafeCell` with a `get_mut` like the std build's.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T: ?Sized>(loom::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) fn new(value: T) -> Self {
                UnsafeCell(loom::cell::UnsafeCell::new(value))
            }

            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner()
            }
        }

        impl<T: ?Sized> UnsafeCell<T> {
            #[inline(always)]
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                self.0.with(f)
            }

            #[inline(always)]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                self.0.with_mut(f)
            }

            #[inline(always)]
            pub(crate) fn get_mut(&mut self) -> &mut T {
                // SAFETY: `&mut self` proves no other access exists.
                self.0.with_mut(|p| unsafe { &mut *p })
            }
        }
    }

    pub(crate) mod thread {
        pub(crate) use loom::thread::{current, park, spawn, yield_now, JoinHandle, Thread};
    }

    pub(crate) mod hint {
        pub(crate) use loom::hint::spin_loop;
    }
}

pub(crate) use imp::*;
