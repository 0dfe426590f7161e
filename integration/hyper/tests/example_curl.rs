//! The examples, run as a user runs them, answered by real clients: curl
//! over HTTP/1.1 and HTTP/2 (prior knowledge), and the `client` example.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{curl, example_path, run_tool, watchdog, Example};

const LIMIT: Duration = Duration::from_secs(60);

/// curl's flags for HTTP/1.1 and for HTTP/2 with prior knowledge, with the
/// version curl reports for each.
const PROTOCOLS: [(&str, &str); 2] = [("--http1.1", "1.1"), ("--http2-prior-knowledge", "2")];

/// The body, then a line with the HTTP version and status.
const STATUS_LINE: &str = "\n%{http_version} %{response_code}";

#[test]
fn hello_with_curl() {
    watchdog("hello_with_curl", LIMIT, || {
        let hello = Example::start("hello");
        for (flag, version) in PROTOCOLS {
            let out = curl(&[flag, "-w", STATUS_LINE, &hello.url("/")]);
            assert_eq!(out, format!("Hello, World!\n{version} 200"), "curl {flag}");
        }
        let status = hello.interrupt();
        assert!(status.success(), "hello after Ctrl-C: {status}");
    });
}

#[test]
fn hello_self_test() {
    watchdog("hello_self_test", LIMIT, || {
        common::require_tool("curl", "curl");
        let output = run_tool(
            Command::new(example_path("hello")).arg("--self-test"),
            LIMIT,
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "hello --self-test: {}\n{stdout}",
            output.status
        );
        assert!(stdout.contains("Hello, World!\n1.1 200"), "{stdout}");
        assert!(stdout.contains("Hello, World!\n2 200"), "{stdout}");
        assert!(stdout.ends_with("self-test passed\n"), "{stdout}");
    });
}

#[test]
fn axum_with_curl() {
    watchdog("axum_with_curl", LIMIT, || {
        let app = Example::start("axum");
        for (flag, version) in PROTOCOLS {
            let out = curl(&[flag, "-w", STATUS_LINE, &app.url("/")]);
            assert_eq!(
                out,
                format!("Hello from axum on zio!\n{version} 200"),
                "curl {flag}"
            );

            let out = curl(&[flag, &app.url("/hello/ferris")]);
            assert_eq!(out, "Hello, ferris!");

            let sum: serde_json::Value =
                serde_json::from_str(&curl(&[flag, &app.url("/add?a=2&b=40")])).unwrap();
            assert_eq!(sum, serde_json::json!({"a": 2, "b": 40, "sum": 42}));

            let new_item = r#"{"name":"ferris","tags":["crab"]}"#;
            let json = ["-H", "content-type: application/json", "-d", new_item];
            let out =
                curl(&[&[flag, "-w", STATUS_LINE][..], &json, &[&app.url("/items")]].concat());
            let (body, status) = out.rsplit_once('\n').unwrap();
            assert_eq!(status, format!("{version} 201"));
            let item: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(item["name"], "ferris");
            assert_eq!(item["tags"], serde_json::json!(["crab"]));
            assert!(item["id"].as_u64().is_some(), "{item}");

            let out = curl(&[
                flag,
                "-o",
                "/dev/null",
                "-w",
                "%{response_code}",
                &app.url("/nowhere"),
            ]);
            assert_eq!(out, "404");
        }
        assert!(app.interrupt().success());
    });
}

#[test]
fn echo_with_curl() {
    watchdog("echo_with_curl", LIMIT, || {
        let echo = Example::start("echo");
        let dir = std::env::temp_dir().join(format!("zio-hyper-echo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sent = dir.join("sent");
        let data: Vec<u8> = (0..3 << 20)
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        std::fs::write(&sent, &data).unwrap();
        for (flag, _) in PROTOCOLS {
            let received = dir.join("received");
            let upload = format!("@{}", sent.display());
            curl(&[
                flag,
                "--data-binary",
                &upload,
                "-o",
                received.to_str().unwrap(),
                &echo.url("/"),
            ]);
            assert!(
                std::fs::read(&received).unwrap() == data,
                "curl {flag}: the echo differs"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(echo.interrupt().success());
    });
}

#[test]
fn client_example_fetches_from_hello() {
    watchdog("client_example_fetches_from_hello", LIMIT, || {
        let hello = Example::start("hello");
        for flags in [&[][..], &["--http2"][..]] {
            let output = run_tool(
                Command::new(example_path("client"))
                    .args(flags)
                    .arg(hello.url("/")),
                LIMIT,
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "client {flags:?}: {stderr}");
            assert_eq!(String::from_utf8_lossy(&output.stdout), "Hello, World!");
            let version = if flags.is_empty() {
                "HTTP/1.1 200"
            } else {
                "HTTP/2.0 200"
            };
            assert!(stderr.starts_with(version), "client {flags:?}: {stderr}");
        }
        let output = run_tool(
            Command::new(example_path("client")).arg("https://127.0.0.1:1/"),
            LIMIT,
        );
        assert!(!output.status.success(), "https is refused with an error");
    });
}
