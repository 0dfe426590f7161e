//! A driver's timers: a binary heap of `(deadline, entry)` nodes.
//!
//! Removal is lazy: a cancelled entry's node stays until it reaches the top
//! or until cancelled nodes make up half the heap, when it is compacted.
//! An entry reset to a later deadline keeps its node; when the node comes up
//! it is pushed again for the new deadline. An entry can have several nodes
//! (reset to an earlier deadline adds one); only a node whose deadline is
//! still the entry's fires it.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::task::Waker;

use super::entry::{EntryState, TimerEntry};

struct Node {
    deadline: u64,
    entry: Arc<TimerEntry>,
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        self.deadline == other.deadline
    }
}
impl Eq for Node {}
impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Node) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Node {
    // Reversed: the earliest deadline is the heap's maximum.
    fn cmp(&self, other: &Node) -> Ordering {
        other.deadline.cmp(&self.deadline)
    }
}

/// Compaction starts past this many cancelled nodes.
const COMPACT_MIN: usize = 1024;

#[derive(Default)]
pub(crate) struct TimerHeap {
    heap: BinaryHeap<Node>,
    cancelled: usize,
}

impl std::fmt::Debug for TimerHeap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimerHeap")
            .field("nodes", &self.heap.len())
            .finish()
    }
}

impl TimerHeap {
    pub(crate) fn new() -> TimerHeap {
        TimerHeap::default()
    }

    /// Adds a node for the entry's current deadline (if it is armed).
    pub(crate) fn insert(&mut self, entry: Arc<TimerEntry>) {
        if let EntryState::Armed(deadline) = entry.state() {
            self.heap.push(Node { deadline, entry });
        }
    }

    /// The earliest deadline of an armed entry, dropping dead nodes on top.
    pub(crate) fn next_deadline(&mut self) -> Option<u64> {
        while let Some(top) = self.heap.peek() {
            match top.entry.state() {
                EntryState::Armed(_) => return Some(top.deadline),
                _ => {
                    self.heap.pop();
                }
            }
        }
        None
    }

    /// Fires every entry whose deadline is at or before `now`.
    pub(crate) fn fire(&mut self, now: u64, wakers: &mut Vec<Waker>) {
        while self.heap.peek().is_some_and(|top| top.deadline <= now) {
            let node = self.heap.pop().expect("peeked");
            let mut state = node.entry.state();
            loop {
                match state {
                    EntryState::Armed(d) if d <= now => match node.entry.fire(d) {
                        Ok(waker) => {
                            wakers.extend(waker);
                            break;
                        }
                        Err(changed) => state = changed,
                    },
                    EntryState::Armed(d) => {
                        // Reset to a later deadline: wait again.
                        self.heap.push(Node {
                            deadline: d,
                            entry: node.entry,
                        });
                        break;
                    }
                    EntryState::Fired | EntryState::Cancelled => break,
                }
            }
        }
    }

    /// Records `n` more cancellations; compacts when dead nodes dominate.
    pub(crate) fn note_cancelled(&mut self, n: usize) {
        self.cancelled += n;
        if self.cancelled > COMPACT_MIN && self.cancelled * 2 > self.heap.len() {
            self.heap
                .retain(|node| matches!(node.entry.state(), EntryState::Armed(_)));
            self.cancelled = 0;
        }
    }

    /// Removes every node, returning the armed entries (for another driver
    /// to take over).
    pub(crate) fn drain_armed(&mut self) -> Vec<Arc<TimerEntry>> {
        self.cancelled = 0;
        self.heap
            .drain()
            .filter(|n| matches!(n.entry.state(), EntryState::Armed(_)))
            .map(|n| n.entry)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(d: u64) -> Arc<TimerEntry> {
        Arc::new(TimerEntry::new(d))
    }

    #[test]
    fn fires_in_deadline_order_and_never_early() {
        let mut heap = TimerHeap::new();
        let (a, b) = (entry(20), entry(10));
        heap.insert(a.clone());
        heap.insert(b.clone());
        assert_eq!(heap.next_deadline(), Some(10));
        let mut w = Vec::new();
        heap.fire(9, &mut w);
        assert!(!a.is_fired() && !b.is_fired());
        heap.fire(10, &mut w);
        assert!(b.is_fired() && !a.is_fired());
        heap.fire(25, &mut w);
        assert!(a.is_fired());
        assert_eq!(heap.next_deadline(), None);
    }

    #[test]
    fn reset_later_and_earlier() {
        let mut heap = TimerHeap::new();
        let e = entry(10);
        heap.insert(e.clone());
        assert!(!e.rearm(30), "a later deadline keeps the node");
        let mut w = Vec::new();
        heap.fire(10, &mut w);
        assert!(!e.is_fired());
        assert_eq!(heap.next_deadline(), Some(30));
        assert!(e.rearm(5), "an earlier deadline needs a node");
        heap.insert(e.clone());
        heap.fire(5, &mut w);
        assert!(e.is_fired());
        heap.fire(100, &mut w);
        assert_eq!(heap.next_deadline(), None);
    }

    #[test]
    fn cancelled_entries_are_compacted() {
        let mut heap = TimerHeap::new();
        let entries: Vec<_> = (0..3000).map(|i| entry(1_000 + i)).collect();
        for e in &entries {
            heap.insert(e.clone());
        }
        for e in &entries[..2000] {
            assert!(e.cancel());
        }
        heap.note_cancelled(2000);
        assert_eq!(heap.heap.len(), 1000);
        assert_eq!(heap.next_deadline(), Some(3000));
    }
}
