//! An axum `Router` served on zio through hyper — no tokio runtime.
//!
//! ```text
//! cargo run --release -p zio-hyper --example axum -- 127.0.0.1:3000
//! curl http://127.0.0.1:3000/
//! curl http://127.0.0.1:3000/hello/ferris
//! curl 'http://127.0.0.1:3000/add?a=2&b=40'
//! curl -H 'content-type: application/json' -d '{"name":"ferris","tags":["crab"]}' http://127.0.0.1:3000/items
//! ```

mod common;

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use zio::net::TcpListener;

/// The app's routes; `next_id` numbers the items created.
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from axum on zio!" }))
        .route("/hello/{name}", get(greet))
        .route("/add", get(add))
        .route("/items", post(create_item))
        .with_state(Arc::new(AtomicU64::new(1)))
}

async fn greet(Path(name): Path<String>) -> String {
    format!("Hello, {name}!")
}

#[derive(Deserialize)]
struct Operands {
    a: i64,
    b: i64,
}

#[derive(Serialize)]
struct Sum {
    a: i64,
    b: i64,
    sum: i64,
}

async fn add(Query(Operands { a, b }): Query<Operands>) -> Json<Sum> {
    Json(Sum {
        a,
        b,
        sum: a.wrapping_add(b),
    })
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Item {
    id: u64,
    name: String,
    tags: Vec<String>,
}

async fn create_item(
    State(next_id): State<Arc<AtomicU64>>,
    Json(new): Json<NewItem>,
) -> (StatusCode, Json<Item>) {
    let id = next_id.fetch_add(1, Ordering::Relaxed);
    let item = Item {
        id,
        name: new.name,
        tags: new.tags,
    };
    (StatusCode::CREATED, Json(item))
}

#[zio::main]
async fn main() -> ExitCode {
    match run(&common::listen_addr("127.0.0.1:3000")).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("axum: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(addr: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr} — try: curl 'http://{addr}/add?a=2&b=40'");
    let signal = common::shutdown_signal()?;
    let service = TowerToHyperService::new(app());
    zio_hyper::Server::new()
        .serve_with_shutdown(listener, service, signal)
        .await;
    Ok(())
}
