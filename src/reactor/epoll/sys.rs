//! An epoll instance: `epoll_ctl` and a wait with a nanosecond timeout.
//!
//! The wait is `epoll_pwait2` (Linux 5.11), whose timeout is a `timespec`,
//! so a wait for a timer due in 300 µs neither wakes early nor needs a
//! timerfd armed per wait; kernels without it get `epoll_wait` with the
//! timeout rounded up to whole milliseconds (never early, as a timer
//! requires).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Events a wait collects at most; more stay ready for the next wait.
const EVENTS: usize = 1024;

pub(crate) struct EpollFd {
    fd: OwnedFd,
    /// False once `epoll_pwait2` returned `ENOSYS`.
    pwait2: bool,
    events: Vec<libc::epoll_event>,
}

/// Maps a -1 return to the thread's `errno`.
fn check(res: libc::c_int) -> io::Result<libc::c_int> {
    if res < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(res)
    }
}

impl EpollFd {
    pub(crate) fn new() -> io::Result<EpollFd> {
        // SAFETY: plain syscall; the result is checked.
        let fd = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        Ok(EpollFd {
            // SAFETY: `fd` is a fresh epoll descriptor nothing else owns.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            pwait2: true,
            events: Vec::with_capacity(EVENTS),
        })
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, events: u32, key: u64) -> io::Result<()> {
        let mut event = libc::epoll_event { events, u64: key };
        // SAFETY: `event` is a live local the kernel only reads. `fd` is a
        // number the kernel checks: an fd that is not open gives EBADF, and
        // epoll keeps no reference that would keep a file open.
        check(unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut event) }).map(drop)
    }

    /// Registers `fd` for `events`, reported with `key`.
    pub(crate) fn add(&self, fd: RawFd, events: u32, key: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, events, key)
    }

    /// Changes the events of `fd`'s registration.
    pub(crate) fn modify(&self, fd: RawFd, events: u32, key: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, events, key)
    }

    pub(crate) fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits up to `timeout` (`None`: until an event) and returns the
    /// events that are ready. `EINTR` returns no events.
    pub(crate) fn wait(&mut self, timeout: Option<Duration>) -> io::Result<&[libc::epoll_event]> {
        self.events.clear();
        let n = match self.wait_into(timeout) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        // SAFETY: the kernel initialised the first `n` entries, and
        // `n <= EVENTS`, the capacity it was given.
        unsafe { self.events.set_len(n as usize) };
        Ok(&self.events)
    }

    fn wait_into(&mut self, timeout: Option<Duration>) -> io::Result<libc::c_int> {
        let (epfd, buf) = (self.fd.as_raw_fd(), self.events.as_mut_ptr());
        if self.pwait2 {
            let ts = timeout.map(|t| libc::timespec {
                tv_sec: t.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
                tv_nsec: t.subsec_nanos() as libc::c_long,
            });
            let ts_ptr = ts.as_ref().map_or(std::ptr::null(), |t| t as *const _);
            // SAFETY: `buf` has room for EVENTS entries, which the kernel
            // writes at most; `ts_ptr` is null or points at a live local
            // timespec; a null sigmask leaves the mask alone.
            let res = unsafe {
                libc::epoll_pwait2(epfd, buf, EVENTS as libc::c_int, ts_ptr, std::ptr::null())
            };
            match check(res) {
                Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => self.pwait2 = false,
                r => return r,
            }
        }
        let ms = timeout.map_or(-1, |t| {
            t.as_nanos()
                .div_ceil(1_000_000)
                .min(libc::c_int::MAX as u128) as libc::c_int
        });
        // SAFETY: `buf` has room for EVENTS entries, which the kernel
        // writes at most.
        check(unsafe { libc::epoll_wait(epfd, buf, EVENTS as libc::c_int, ms) })
    }
}
