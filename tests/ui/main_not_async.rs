#[zio::main]
fn main() {}
