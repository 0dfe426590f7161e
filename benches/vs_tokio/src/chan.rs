//! A minimal one-slot channel built only on `Waker`, so both runtimes pay
//! exactly the same for message passing (no runtime's own sync types).

use std::future::poll_fn;
use std::sync::Mutex;
use std::task::{Poll, Waker};

/// A single-producer single-consumer channel holding at most one value.
/// One task may wait in `send` and one in `recv` at a time.
#[derive(Debug)]
pub struct Slot<T> {
    state: Mutex<State<T>>,
}

/// The value in flight and who waits for the slot to change.
#[derive(Debug)]
struct State<T> {
    value: Option<T>,
    rx: Option<Waker>,
    tx: Option<Waker>,
}

/// Stores `cx`'s waker in `slot` unless an equivalent one is there.
fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

impl<T> Default for Slot<T> {
    fn default() -> Slot<T> {
        Slot::new()
    }
}

impl<T> Slot<T> {
    /// An empty slot.
    pub fn new() -> Slot<T> {
        Slot {
            state: Mutex::new(State {
                value: None,
                rx: None,
                tx: None,
            }),
        }
    }

    /// Puts `value` in the slot if it is empty and wakes the receiver;
    /// gives the value back if the slot is full.
    pub fn try_send(&self, value: T) -> Result<(), T> {
        let mut st = self.state.lock().unwrap();
        if st.value.is_some() {
            return Err(value);
        }
        st.value = Some(value);
        let rx = st.rx.take();
        drop(st);
        if let Some(w) = rx {
            w.wake();
        }
        Ok(())
    }

    /// Waits until the slot is empty, then puts `value` in it.
    pub async fn send(&self, value: T) {
        let mut value = Some(value);
        poll_fn(|cx| {
            let mut st = self.state.lock().unwrap();
            if st.value.is_some() {
                register(&mut st.tx, cx.waker());
                return Poll::Pending;
            }
            st.value = value.take();
            let rx = st.rx.take();
            drop(st);
            if let Some(w) = rx {
                w.wake();
            }
            Poll::Ready(())
        })
        .await
    }

    /// Waits for a value and takes it, waking a blocked sender.
    pub async fn recv(&self) -> T {
        poll_fn(|cx| {
            let mut st = self.state.lock().unwrap();
            match st.value.take() {
                Some(v) => {
                    let tx = st.tx.take();
                    drop(st);
                    if let Some(w) = tx {
                        w.wake();
                    }
                    Poll::Ready(v)
                }
                None => {
                    register(&mut st.rx, cx.waker());
                    Poll::Pending
                }
            }
        })
        .await
    }
}
