#[zio::main]
async fn main() {
    Ok::<(), ()>(())
}
