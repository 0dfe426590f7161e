//! Synchronization primitives that work everywhere.
mod barrier;
mod batch_semaphore;
mod blocking;
pub(crate) mod error;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod timeout;
mod timer;
mod waiters;

pub use barrier::{Barrier, BarrierWaitResult};
pub use error::{
    AcquireError, AcquireTimeoutError, LockTimeoutError, TryAcquireError, TryLockError,
};
pub use mutex::{Mutex, MutexGuard, OwnedMutexGuard};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
