#[zio::test]
async fn with_args(n: u32) {
    let _ = n;
}

fn main() {}
