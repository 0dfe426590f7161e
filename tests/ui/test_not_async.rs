#[zio::test]
fn not_async() {}

fn main() {}
