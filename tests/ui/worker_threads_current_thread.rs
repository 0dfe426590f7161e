#[zio::test(worker_threads = 2)]
async fn default_flavor_is_current_thread() {}

#[zio::main(flavor = "current_thread", worker_threads = 2)]
async fn main() {}
