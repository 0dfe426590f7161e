//! [`CompletionQueue`] and its wait futures.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::op::Started;
use super::{Completion, Op, OpId, SubmitError};
use crate::io::IoBufMut;
use crate::reactor::OpPool;
use crate::time::{sleep_until, Instant, Sleep};

/// Capacity of [`CompletionQueue::new`].
const DEFAULT_CAPACITY: usize = 256;

/// Many operations in flight, their completions taken in the order they
/// finish, from one task or thread; see the [module docs](super).
///
/// `B` is the buffer type of the queue's reads and writes (default
/// `Vec<u8>`).
///
/// # Where the ops run
///
/// An op runs on the driver of the thread that submits it: the ring (or
/// epoll) of a zio worker, or where no zio runtime runs, the process-wide
/// fallback driver. Its completion arrives when that driver turns. The
/// workers of a multi-thread runtime and the fallback driver turn all the
/// time, so such a queue may be waited for anywhere. A current-thread
/// runtime's driver turns only inside that runtime's
/// [`block_on`](crate::runtime::Runtime::block_on) (which takes one last
/// turn before it returns): ops submitted there complete only while a
/// `block_on` of that runtime runs. Waiting for them
/// anywhere else (after `block_on` returned, on another thread, in another
/// runtime) waits until the runtime runs again:
/// [`timed_wait_blocking`](CompletionQueue::timed_wait_blocking) returns
/// `None` on time, [`wait_blocking`](CompletionQueue::wait_blocking)
/// waits for the runtime's next `block_on` (forever if none comes). So
/// wait for such ops inside the runtime (`rt.block_on(cq.wait())`), or use
/// the queue with a multi-thread runtime or outside any runtime.
///
/// # Examples
///
/// ```
/// # zio::runtime::Runtime::new().unwrap().block_on(async {
/// use std::time::Duration;
/// use zio::cq::{CompletionQueue, Op, Output};
///
/// let mut cq: CompletionQueue = CompletionQueue::with_capacity(8);
/// cq.submit(Op::timeout(Duration::from_millis(20)), 1).unwrap();
/// cq.submit(Op::nop(), 2).unwrap();
/// let mut order = Vec::new();
/// while let Some(c) = cq.wait().await {
///     order.push(c.token());
/// }
/// assert_eq!(order, [2, 1], "completion order, not submission order");
/// # });
/// ```
pub struct CompletionQueue<B: IoBufMut = Vec<u8>> {
    pool: OpPool<Started<B>>,
    /// The caller's token of the op in each cell.
    tokens: Box<[u64]>,
    closed: bool,
    /// The timer of `timed_wait`, reused from one call to the next.
    timer: Option<Sleep>,
}

impl<B: IoBufMut> std::fmt::Debug for CompletionQueue<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompletionQueue")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("closed", &self.closed)
            .finish()
    }
}

impl<B: IoBufMut> Default for CompletionQueue<B> {
    fn default() -> Self {
        CompletionQueue::new()
    }
}

impl<B: IoBufMut> CompletionQueue<B> {
    /// A queue for up to 256 ops at a time.
    ///
    /// # Examples
    ///
    /// ```
    /// let cq: zio::cq::CompletionQueue = zio::cq::CompletionQueue::new();
    /// assert_eq!(cq.capacity(), 256);
    /// ```
    pub fn new() -> CompletionQueue<B> {
        CompletionQueue::with_capacity(DEFAULT_CAPACITY)
    }

    /// A queue for up to `capacity` ops at a time (in flight, or finished
    /// and not yet taken). Allocates everything it will need here: submit
    /// and wait allocate nothing afterwards (except for the ops that say
    /// so, see the [module docs](super#allocation)).
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or larger than `u32::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cq: zio::cq::CompletionQueue = zio::cq::CompletionQueue::with_capacity(10_000);
    /// assert_eq!(cq.capacity(), 10_000);
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> CompletionQueue<B> {
        assert!(
            capacity > 0 && u32::try_from(capacity).is_ok(),
            "CompletionQueue::with_capacity({capacity}): the capacity must be in 1..=u32::MAX"
        );
        CompletionQueue {
            pool: OpPool::with_capacity(capacity),
            tokens: vec![0; capacity].into_boxed_slice(),
            closed: false,
            timer: None,
        }
    }

    /// How many ops the queue holds at most.
    ///
    /// # Examples
    ///
    /// See [`CompletionQueue::with_capacity`].
    pub fn capacity(&self) -> usize {
        self.pool.capacity()
    }

    /// Ops submitted and not yet returned (in flight, or finished and
    /// waiting to be taken).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let mut cq: zio::cq::CompletionQueue = zio::cq::CompletionQueue::with_capacity(4);
    /// cq.submit(zio::cq::Op::nop(), 0).unwrap();
    /// assert_eq!(cq.len(), 1);
    /// cq.wait().await.unwrap();
    /// assert_eq!(cq.len(), 0);
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// Whether no op is submitted and not yet returned: then
    /// [`wait`](CompletionQueue::wait) returns `None` at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let cq: zio::cq::CompletionQueue = zio::cq::CompletionQueue::new();
    /// assert!(cq.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether [`close`](CompletionQueue::close) was called.
    ///
    /// # Examples
    ///
    /// See [`CompletionQueue::close`].
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Starts `op`; its completion will carry `token`. On a zio runtime the
    /// op goes to the ring (or epoll) of the calling worker; elsewhere to
    /// the process-wide fallback driver.
    ///
    /// # Errors
    ///
    /// [`SubmitError::Full`] if [`capacity`](CompletionQueue::capacity)
    /// ops are already submitted and not yet returned;
    /// [`SubmitError::Closed`] after [`close`](CompletionQueue::close).
    /// Both hand the op back. Errors of the operation itself (a bad fd, a
    /// missing file) arrive in its [`Completion`].
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// use zio::cq::{CompletionQueue, Op, Output};
    /// let mut cq: CompletionQueue = CompletionQueue::with_capacity(1);
    /// cq.submit(Op::read(-1, Vec::with_capacity(8)), 42).unwrap();
    /// let c = cq.wait().await.unwrap();
    /// assert_eq!(c.token(), 42);
    /// let Output::Read(Err(e), _buf) = c.into_output() else { panic!() };
    /// assert_eq!(e.raw_os_error(), Some(libc::EBADF));
    /// # });
    /// ```
    // The error hands the op back by value, as `TrySendError` does; boxing
    // it would allocate on the path that must not.
    #[allow(clippy::result_large_err)]
    pub fn submit(&mut self, op: Op<B>, token: u64) -> Result<OpId, SubmitError<B>> {
        if self.closed {
            return Err(SubmitError::Closed(op));
        }
        if self.len() == self.capacity() {
            return Err(SubmitError::Full(op));
        }
        let key = self
            .pool
            .start(op.is_file_work(), |on_ring| op.start(on_ring))
            .expect("a queue below its capacity has an idle cell");
        self.tokens[key.index as usize] = token;
        Ok(OpId(key))
    }

    /// The next finished op, if one is ready; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cq: zio::cq::CompletionQueue = zio::cq::CompletionQueue::new();
    /// assert!(cq.try_next().is_none());
    /// ```
    pub fn try_next(&mut self) -> Option<Completion<B>> {
        let (key, output) = self.pool.try_take()?;
        Some(Completion {
            token: self.tokens[key.index as usize],
            id: OpId(key),
            output,
        })
    }

    /// Polls for the next finished op: `Ready(None)` when the queue
    /// [is empty](CompletionQueue::is_empty), on every call (a future that
    /// polls again on `None` spins; see [`wait`](CompletionQueue::wait)).
    /// What `wait` does, for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// let mut cq: zio::cq::CompletionQueue = zio::cq::CompletionQueue::with_capacity(1);
    /// cq.submit(zio::cq::Op::nop(), 3).unwrap();
    /// let c = std::future::poll_fn(|cx| cq.poll_next(cx)).await.unwrap();
    /// assert_eq!(c.token(), 3);
    /// # });
    /// ```
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Completion<B>>> {
        if let Some(c) = self.try_next() {
            return Poll::Ready(Some(c));
        }
        if self.is_empty() {
            return Poll::Ready(None);
        }
        self.pool.register(cx.waker());
        match self.try_next() {
            Some(c) => Poll::Ready(Some(c)),
            None => Poll::Pending,
        }
    }

    /// Waits for the next op to finish and returns it, in completion order;
    /// `None`, at once, if the queue [is empty](CompletionQueue::is_empty).
    ///
    /// `None` means "no op in flight now", not "done for good" (only after
    /// [`close`](CompletionQueue::close) does it stay so): submit more and
    /// wait again.
    ///
    /// An ordinary future: `zio::select!` it against a channel or a timer.
    /// Mind the empty queue there: its `wait` is ready at once, in every
    /// round, so a loop whose branch `c = cq.wait() => ...` takes the
    /// `None` spins at full speed instead of waiting on its other branches.
    /// Write the branch as `Some(c) = cq.wait() => ...` (a `None` then
    /// disables it for that round, as in the example) or guard it with
    /// `if !cq.is_empty()`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no completion; the next call
    /// returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use zio::cq::{CompletionQueue, Op};
    /// let mut cq: CompletionQueue = CompletionQueue::with_capacity(4);
    /// cq.submit(Op::timeout(Duration::from_millis(5)), 1).unwrap();
    /// let (tx, mut rx) = zio::sync::mpsc::unbounded_channel::<u64>();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// let mut got = Vec::new();
    /// loop {
    ///     zio::select! {
    ///         // Once the queue is empty, `None` turns this branch off for
    ///         // the round instead of ending it at once.
    ///         Some(c) = cq.wait() => got.push(c.token()),
    ///         Some(v) = rx.recv() => got.push(v),
    ///         else => break,
    ///     }
    /// }
    /// assert_eq!(got, [2, 1]);
    /// # });
    /// ```
    pub fn wait(&mut self) -> Wait<'_, B> {
        Wait { cq: self }
    }

    /// [`wait`](CompletionQueue::wait), giving up after `timeout`: `None`
    /// then (or at once if the queue is empty). Never gives up before
    /// `timeout` has passed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as `wait`.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// use std::time::Duration;
    /// use zio::cq::{CompletionQueue, Op};
    /// let mut cq: CompletionQueue = CompletionQueue::with_capacity(1);
    /// cq.submit(Op::timeout(Duration::from_secs(60)), 1).unwrap();
    /// assert!(cq.timed_wait(Duration::from_millis(5)).await.is_none());
    /// # });
    /// ```
    pub fn timed_wait(&mut self, timeout: Duration) -> TimedWait<'_, B> {
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(Instant::far_future);
        TimedWait {
            cq: self,
            deadline,
            armed: false,
        }
    }

    /// [`wait`](CompletionQueue::wait), blocking the calling thread. Works
    /// anywhere: on a plain thread the ops are served by the process-wide
    /// fallback driver; inside a zio task the worker keeps running the
    /// runtime's other tasks meanwhile (as [`zio::block_on`](crate::block_on)).
    /// Ops submitted inside a current-thread runtime complete only while
    /// that runtime runs: waited for outside it, they wait for its next
    /// `block_on` (see [where the ops run](CompletionQueue#where-the-ops-run)).
    ///
    /// # Examples
    ///
    /// ```
    /// use zio::cq::{CompletionQueue, Op};
    /// let mut cq: CompletionQueue = CompletionQueue::with_capacity(2);
    /// cq.submit(Op::timeout(std::time::Duration::from_millis(1)), 9).unwrap();
    /// assert_eq!(cq.wait_blocking().unwrap().token(), 9);
    /// assert!(cq.wait_blocking().is_none());
    /// ```
    pub fn wait_blocking(&mut self) -> Option<Completion<B>> {
        crate::block_on(self.wait())
    }

    /// [`wait_blocking`](CompletionQueue::wait_blocking), giving up after
    /// `timeout` (never before).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use zio::cq::{CompletionQueue, Op};
    /// let mut cq: CompletionQueue = CompletionQueue::with_capacity(1);
    /// cq.submit(Op::timeout(Duration::from_secs(60)), 1).unwrap();
    /// assert!(cq.timed_wait_blocking(Duration::from_millis(5)).is_none());
    /// ```
    pub fn timed_wait_blocking(&mut self, timeout: Duration) -> Option<Completion<B>> {
        let deadline = std::time::Instant::now().checked_add(timeout);
        crate::executor::block_on_deadline(self.wait(), deadline).flatten()
    }

    /// Asks the kernel to cancel op `id`. The op still completes, with an
    /// [`Interrupted`](std::io::ErrorKind::Interrupted) error and its
    /// buffers, or with its result if it finished first (a file operation
    /// the epoll backend already runs on a thread finishes). Returns
    /// whether a cancel was requested: `false` if `id` is not in flight
    /// (already finished, returned, or cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// use std::time::Duration;
    /// use zio::cq::{CompletionQueue, Op, Output};
    /// let mut cq: CompletionQueue = CompletionQueue::with_capacity(1);
    /// let id = cq.submit(Op::timeout(Duration::from_secs(60)), 1).unwrap();
    /// assert!(cq.cancel(id));
    /// let Output::Timeout(Err(e)) = cq.wait().await.unwrap().into_output() else { panic!() };
    /// assert_eq!(e.kind(), std::io::ErrorKind::Interrupted);
    /// # });
    /// ```
    pub fn cancel(&mut self, id: OpId) -> bool {
        self.pool.cancel(id.0)
    }

    /// [`cancel`](CompletionQueue::cancel)s every op in flight; returns how
    /// many cancels were requested.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// use std::time::Duration;
    /// use zio::cq::{CompletionQueue, Op};
    /// let mut cq: CompletionQueue = CompletionQueue::with_capacity(3);
    /// for t in 0..3 {
    ///     cq.submit(Op::timeout(Duration::from_secs(60)), t).unwrap();
    /// }
    /// assert_eq!(cq.cancel_all(), 3);
    /// while let Some(c) = cq.wait().await {
    ///     assert!(c.output().error().is_some());
    /// }
    /// # });
    /// ```
    pub fn cancel_all(&mut self) -> usize {
        self.pool.cancel_all()
    }

    /// Refuses new submissions from now on ([`SubmitError::Closed`]). Ops
    /// in flight go on; [`wait`](CompletionQueue::wait) returns their
    /// completions, then `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// # zio::block_on(async {
    /// use zio::cq::{CompletionQueue, Op, SubmitError};
    /// let mut cq: CompletionQueue = CompletionQueue::with_capacity(2);
    /// cq.submit(Op::nop(), 1).unwrap();
    /// cq.close();
    /// assert!(cq.is_closed());
    /// assert!(matches!(cq.submit(Op::nop(), 2), Err(SubmitError::Closed(_))));
    /// assert_eq!(cq.wait().await.unwrap().token(), 1);
    /// assert!(cq.wait().await.is_none());
    /// # });
    /// ```
    pub fn close(&mut self) {
        self.closed = true;
    }
}

/// Future of [`CompletionQueue::wait`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Wait<'a, B: IoBufMut> {
    cq: &'a mut CompletionQueue<B>,
}

impl<B: IoBufMut> Future for Wait<'_, B> {
    type Output = Option<Completion<B>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().cq.poll_next(cx)
    }
}

/// Future of [`CompletionQueue::timed_wait`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct TimedWait<'a, B: IoBufMut> {
    cq: &'a mut CompletionQueue<B>,
    deadline: Instant,
    /// The queue's timer is set to `deadline`.
    armed: bool,
}

impl<B: IoBufMut> Future for TimedWait<'_, B> {
    type Output = Option<Completion<B>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(c) = this.cq.poll_next(cx) {
            return Poll::Ready(c);
        }
        if Instant::now() >= this.deadline {
            return Poll::Ready(None);
        }
        let timer = this
            .cq
            .timer
            .get_or_insert_with(|| sleep_until(this.deadline));
        if !this.armed {
            Pin::new(&mut *timer).reset(this.deadline);
            this.armed = true;
        }
        match Pin::new(timer).poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::Duration;

    use super::*;
    use crate::cq::Output;
    use crate::runtime::{Builder, IoBackend};

    const READS: usize = 8;
    const SIZE: usize = 16;

    fn file_of(byte: u8) -> std::fs::File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&[byte; READS * SIZE]).unwrap();
        file
    }

    /// One batch of reads of `old` through a fresh descriptor, which is
    /// made to name `new` right after the submits. Returns how many reads
    /// went to another worker; each of those read `old`, by the duplicate
    /// it holds (a read in this worker's ring may see either file: the
    /// window the `Op` docs describe).
    async fn batch(old: &std::fs::File, new: &std::fs::File) -> usize {
        // SAFETY: `dup` makes a descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(libc::dup(old.as_raw_fd())) };
        let mut cq: CompletionQueue = CompletionQueue::with_capacity(READS);
        let mut elsewhere = [false; READS];
        for (i, lent) in elsewhere.iter_mut().enumerate() {
            let op = Op::read_at(fd.as_raw_fd(), Vec::with_capacity(SIZE), (i * SIZE) as u64);
            let id = cq.submit(op, i as u64).unwrap();
            *lent = cq.pool.runs_elsewhere(id.0);
        }
        // SAFETY: makes `fd`'s number name `new`'s file; `fd` still owns it.
        let reused = unsafe { libc::dup2(new.as_raw_fd(), fd.as_raw_fd()) };
        assert_eq!(reused, fd.as_raw_fd());
        let mut done = 0;
        while let Some(c) = cq.wait().await {
            let lent = elsewhere[c.token() as usize];
            let Output::Read(n, buf) = c.into_output() else {
                panic!("not a read")
            };
            assert_eq!(n.unwrap(), SIZE);
            if lent {
                assert_eq!(buf, [b'o'; SIZE], "a read on another worker kept its file");
            }
            done += 1;
            if done == READS {
                cq.close();
            }
        }
        elsewhere.iter().filter(|&&lent| lent).count()
    }

    /// On a multi-thread io_uring runtime, file reads submitted while the
    /// other worker has no task share the batch with it, and those reads
    /// keep their file when the caller's descriptor is closed at once and
    /// its number reused. On epoll every op stays with its own driver.
    #[test]
    fn file_reads_go_to_an_idle_worker_and_keep_their_file() {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let uring = rt.handle().io_backend() == IoBackend::IoUring;
        let lent = rt.block_on(async {
            crate::spawn(async {
                let (old, new) = (file_of(b'o'), file_of(b'n'));
                let mut lent = 0;
                // The other worker is idle once it found nothing to run.
                for _ in 0..200 {
                    lent += batch(&old, &new).await;
                    if lent >= READS {
                        break;
                    }
                    crate::time::sleep(Duration::from_millis(1)).await;
                }
                lent
            })
            .await
            .unwrap()
        });
        if uring {
            assert!(lent >= READS, "reads went to the idle worker: {lent}");
        } else {
            assert_eq!(lent, 0, "epoll keeps ops with their driver");
        }
    }
}
