//! Runs the `cq_echo` example's server (one task, one CompletionQueue for
//! every connection) against concurrent clients that check the echoes.

mod common;
use common::*;

#[path = "../examples/cq_echo.rs"]
#[allow(dead_code)]
mod cq_echo;

#[test]
fn echo_server_on_one_completion_queue_serves_many_clients() {
    watchdog("cq_echo", || cq_echo::self_check(20, 10).unwrap());
}
