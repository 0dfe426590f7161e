//! Faults injected into the kernel interface with strace: `io_uring_enter`
//! failing with EINTR or EBUSY (must be retried, never a panic or a lost
//! op) and `io_uring_setup` refused: the runtime falls back to epoll, and
//! says so in one `tracing` warning that names the cause, and
//! with `ZIO_BACKEND=uring` forcing io_uring, `build` fails with an error
//! naming the cause. On epoll, `epoll_pwait2` interrupted (EINTR) or
//! missing (ENOSYS, kernels before 5.11: the driver waits with
//! `epoll_wait`, its timeout rounded up so that no timer fires early).
//!
//! Each case re-runs this test binary under `strace -e inject=...`
//! (`common::strace`), the child running the scenario it is given.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs the named scenario in a child under strace with `inject`, with
/// `ZIO_BACKEND` set to `backend` (or unset).
fn run_child(scenario: &str, inject: &str, backend: Option<&str>) {
    common::strace::run_child(scenario, &["-e", inject], backend);
}

#[test]
fn io_uring_enter_eintr_is_retried() {
    let inject = "inject=io_uring_enter:error=EINTR:when=2+3";
    run_child("work_uring", inject, Some("uring"));
}

#[test]
fn io_uring_enter_ebusy_is_retried() {
    let inject = "inject=io_uring_enter:error=EBUSY:when=3+5";
    run_child("work_uring", inject, Some("uring"));
}

#[test]
fn epoll_pwait2_eintr_is_retried() {
    let inject = "inject=epoll_pwait2:error=EINTR:when=2+3";
    run_child("work_epoll", inject, Some("epoll"));
}

#[test]
fn epoll_pwait2_missing_falls_back_to_epoll_wait() {
    let inject = "inject=epoll_pwait2:error=ENOSYS";
    run_child("work_epoll", inject, Some("epoll"));
}

#[test]
fn io_uring_refused_falls_back_to_epoll() {
    for errno in ["EPERM", "ENOSYS", "ENOMEM"] {
        let inject = format!("inject=io_uring_setup:error={errno}");
        run_child(&format!("fallback_{errno}"), &inject, None);
    }
}

#[test]
fn io_uring_setup_eperm_names_the_cause() {
    let inject = "inject=io_uring_setup:error=EPERM";
    run_child("setup_eperm", inject, Some("uring"));
}

#[test]
fn io_uring_setup_enosys_names_the_cause() {
    let inject = "inject=io_uring_setup:error=ENOSYS";
    run_child("setup_enosys", inject, Some("uring"));
}

#[test]
fn io_uring_setup_enomem_names_rlimit_memlock() {
    let inject = "inject=io_uring_setup:error=ENOMEM";
    run_child("setup_enomem", inject, Some("uring"));
}

/// The child side: does nothing unless this process is a child.
#[test]
fn child_entry() {
    let Some(scenario) = common::strace::child_scenario() else {
        return;
    };
    match scenario.as_str() {
        "work_uring" => work(zio::runtime::IoBackend::IoUring),
        "work_epoll" => work(zio::runtime::IoBackend::Epoll),
        "fallback_EPERM" => fallback("not permitted"),
        "fallback_ENOSYS" => fallback("no io_uring"),
        "fallback_ENOMEM" => fallback("RLIMIT_MEMLOCK"),
        "setup_eperm" => setup_fails_with("not permitted"),
        "setup_enosys" => setup_fails_with("no io_uring"),
        "setup_enomem" => setup_fails_with("RLIMIT_MEMLOCK"),
        other => panic!("unknown scenario {other}"),
    }
    println!("child scenario passed");
}

/// The warnings logged through `tracing`, by message.
struct Warnings(Arc<Mutex<Vec<String>>>);

/// Takes the `message` field of an event.
struct Message<'a>(&'a mut String);

impl tracing::field::Visit for Message<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for Warnings {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::WARN
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = String::new();
        event.record(&mut Message(&mut text));
        self.0.lock().unwrap().push(text);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// io_uring refused: every runtime the process builds (several flavors,
/// several workers) runs on epoll, and exactly one warning says so and
/// names the `cause`.
fn fallback(cause: &str) {
    let warnings = Arc::new(Mutex::new(Vec::new()));
    tracing::subscriber::set_global_default(Warnings(warnings.clone()))
        .expect("the first subscriber");
    work(zio::runtime::IoBackend::Epoll);
    let warnings = warnings.lock().unwrap();
    assert_eq!(warnings.len(), 1, "one warning: {warnings:?}");
    assert!(
        warnings[0].contains(cause) && warnings[0].contains("epoll backend"),
        "the warning names the cause and the backend: {}",
        warnings[0]
    );
}

/// Tasks, timers, cross-thread wakes and TCP round trips on both flavors,
/// on the expected backend (with faults injected into its syscalls
/// meanwhile).
fn work(expected: zio::runtime::IoBackend) {
    for multi in [true, false] {
        let rt = if multi {
            zio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap()
        } else {
            zio::runtime::Builder::new_current_thread().build().unwrap()
        };
        assert_eq!(rt.handle().io_backend(), expected);
        let total = rt.block_on(async {
            let mut handles = Vec::new();
            for i in 0..200u64 {
                handles.push(zio::spawn(async move {
                    let deadline = Instant::now() + Duration::from_micros(100 * (i % 7));
                    zio::time::sleep_until(deadline.into()).await;
                    assert!(Instant::now() >= deadline, "a sleep ended early");
                    zio::task::yield_now().await;
                    i
                }));
            }
            let mut total = 0;
            for h in handles {
                total += h.await.unwrap();
            }
            echo_round_trips().await;
            total
        });
        assert_eq!(total, (0..200).sum::<u64>());
    }
}

/// A loopback pair where the server echoes 100 messages, each read after
/// it waited for data.
async fn echo_round_trips() {
    let listener = zio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = zio::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    let echo = zio::spawn(async move {
        loop {
            let (n, buf) = server.read(Vec::with_capacity(64)).await;
            match n.unwrap() {
                0 => break,
                n => server.write_all(buf[..n].to_vec()).await.0.unwrap(),
            }
        }
    });
    for i in 0..100u32 {
        let msg = i.to_le_bytes().to_vec();
        client.write_all(msg.clone()).await.0.unwrap();
        let (r, back) = client.read_exact(Vec::with_capacity(4)).await;
        r.unwrap();
        assert_eq!(back, msg);
    }
    drop(client);
    echo.await.unwrap();
}

fn setup_fails_with(cause: &str) {
    for multi in [true, false] {
        let result = if multi {
            zio::runtime::Builder::new_multi_thread().build()
        } else {
            zio::runtime::Builder::new_current_thread().build()
        };
        let err = result.expect_err("io_uring_setup fails, so build must fail");
        let msg = err.to_string();
        assert!(msg.contains(cause), "error {msg:?} does not name {cause:?}");
    }
}
