//! Compile-time checks of the auto traits the API promises: handles and
//! errors cross threads; `EnterGuard` does not (a `compile_fail` doctest on
//! it checks that).

fn is_send<T: Send>() {}
fn is_sync<T: Sync>() {}

#[test]
fn runtime_types_are_send_and_sync() {
    is_send::<zio::runtime::Runtime>();
    is_sync::<zio::runtime::Runtime>();
    is_send::<zio::runtime::Handle>();
    is_sync::<zio::runtime::Handle>();
    is_send::<zio::runtime::Builder>();
    is_send::<zio::task::JoinHandle<u8>>();
    is_sync::<zio::task::JoinHandle<u8>>();
    is_send::<zio::task::AbortHandle>();
    is_sync::<zio::task::AbortHandle>();
    is_send::<zio::task::JoinError>();
    is_send::<zio::task::JoinSet<u8>>();
    is_send::<zio::time::Sleep>();
    is_sync::<zio::time::Sleep>();
    is_send::<zio::time::Interval>();
    is_send::<zio::time::Timeout<std::future::Ready<()>>>();
    is_send::<zio::time::Elapsed>();
    is_sync::<zio::time::Elapsed>();
}

#[test]
fn futures_of_send_tasks_are_send() {
    fn check<F: std::future::Future + Send>(_: F) {}
    check(zio::time::sleep(std::time::Duration::ZERO));
    check(zio::task::yield_now());
    check(async {
        let mut set = zio::task::JoinSet::<u8>::new();
        set.join_next().await
    });
}
