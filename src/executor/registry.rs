//! The registry of a runtime's waiting tasks: a waker for each task that
//! has returned `Pending` at least once, so shutdown can reach tasks that
//! sit in no queue (waiting on a channel, a timer, an op).
//!
//! Sharded to keep spawns on different threads from contending: a key
//! carries its shard in the low bits.

use std::sync::Mutex;
use std::task::Waker;

use slab::Slab;

const SHARD_BITS: usize = 4;
const SHARDS: usize = 1 << SHARD_BITS;

/// A registered task's waker; `None` once shutdown took it.
type Entry = Option<Waker>;

#[derive(Debug)]
pub(crate) struct Registry {
    shards: Box<[Mutex<Slab<Entry>>]>,
}

fn shard_for_thread() -> usize {
    thread_local! {
        static SHARD: usize = {
            use std::hash::BuildHasher;
            let state = std::collections::hash_map::RandomState::new();
            state.hash_one(std::thread::current().id()) as usize % SHARDS
        };
    }
    SHARD.try_with(|s| *s).unwrap_or(0)
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry {
            shards: (0..SHARDS).map(|_| Mutex::new(Slab::new())).collect(),
        }
    }

    fn shard(&self, key: usize) -> std::sync::MutexGuard<'_, Slab<Entry>> {
        self.shards[key & (SHARDS - 1)]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Lists a task; returns its key.
    pub(crate) fn insert(&self, waker: Waker) -> usize {
        let shard = shard_for_thread();
        let index = self.shards[shard]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(Some(waker));
        (index << SHARD_BITS) | shard
    }

    pub(crate) fn remove(&self, key: usize) {
        let waker = self.shard(key).try_remove(key >> SHARD_BITS);
        drop(waker);
    }

    /// Takes every waker out (the tasks stay registered until dropped).
    pub(crate) fn take_all(&self) -> Vec<Waker> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            all.extend(shard.iter_mut().filter_map(|(_, e)| e.take()));
        }
        all
    }
}
