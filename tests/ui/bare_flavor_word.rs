#[zio::test(multi_thread)]
async fn bare_word() {}

fn main() {}
