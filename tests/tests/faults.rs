//! Collectors that misbehave in ways a network really does, and arguments
//! that look like secrets: lumogon's output, exit code and timing stay those
//! of a run without analytics, and no argument value reaches the collector.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use lumogon_tests::ANALYTICS;
use lumogon_tests::collector::Collector;
use lumogon_tests::lumogon::{FLUSH_BUDGET, Lumogon, Output};

const MARGIN: Duration = Duration::from_millis(700);

/// A collector on 127.0.0.1 run by `serve`, one connection at a time, on a
/// thread that ends with the test process.
fn raw_collector(serve: fn(std::net::TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    format!("http://127.0.0.1:{port}/collect")
}

fn read_request_head(stream: &mut std::net::TcpStream) {
    let mut buf = [0_u8; 4096];
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.read(&mut buf);
}

/// Answers 200 and then streams a 10 MiB body.
fn huge_body(mut stream: std::net::TcpStream) {
    read_request_head(&mut stream);
    let size = 10 * 1024 * 1024;
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nContent-Type: text/plain\r\n\r\n"
    );
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..size / chunk.len() {
        if stream.write_all(&chunk).is_err() {
            return;
        }
    }
}

/// Reads part of the request, then drops the connection with a reset.
fn reset(mut stream: std::net::TcpStream) {
    let mut buf = [0_u8; 16];
    let _ = stream.read(&mut buf);
    // SO_LINGER 0 is not in std; shutting down both ways mid-request and
    // dropping is the closest std offers: the client sees the connection
    // close before any answer.
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

fn disabled(args: &[&str]) -> Output {
    let mut args = args.to_vec();
    args.push("--disable-analytics");
    Lumogon::new(&args).run()
}

#[test]
fn a_huge_answer_or_a_reset_connection_changes_nothing() {
    for (what, url) in [
        ("10 MiB body", raw_collector(huge_body)),
        ("reset", raw_collector(reset)),
    ] {
        for args in [&["version"][..], &["capabilities"][..]] {
            let out = Lumogon::new(args).collector(&url).run();
            let reference = disabled(args);
            assert_eq!(
                (out.code, &out.stdout),
                (reference.code, &reference.stdout),
                "{what} {args:?}"
            );
            assert_eq!(out.stderr, "", "{what} {args:?}");
            assert!(
                out.elapsed < FLUSH_BUDGET + MARGIN,
                "{what} {args:?} took {:?}",
                out.elapsed
            );
        }
    }
}

/// Values that must never leave the machine through analytics.
const SECRETS: &[&str] = &[
    "s3cr3t-container",
    "hunter2",
    "reports.internal.example",
    "token=abc123",
    "/home/alice/private",
];

#[test]
fn no_argument_value_reaches_the_collector_from_any_command() {
    let endpoint = "https://alice:hunter2@reports.internal.example/home/alice/private?token=abc123";
    let commands: &[&[&str]] = &[
        &["scan", "s3cr3t-container", "/home/alice/private"],
        &["report", "s3cr3t-container", "--endpoint", endpoint],
        &[
            "report",
            "--endpoint",
            endpoint,
            "s3cr3t-container",
            "--timeout",
            "1",
        ],
        &["capabilities", "describe", "s3cr3t-container"],
        &["--debug", "capabilities", "describe", "hunter2"],
        &["version"],
    ];
    let collector = Collector::start(200);
    for args in commands {
        let out = Lumogon::new(args).collector(&collector.url()).run();
        assert!(out.code.is_some(), "{args:?}");
    }
    let requests = collector.requests();
    assert_eq!(
        requests.len(),
        if ANALYTICS { commands.len() } else { 0 },
        "one screenview per command"
    );
    for request in &requests {
        let raw = request.raw();
        for secret in SECRETS {
            assert!(
                !raw.contains(secret),
                "{secret:?} reached the collector:\n{raw}"
            );
        }
    }
    // The endpoint given by environment instead of flag: the same.
    let out = Lumogon::new(&["report", "s3cr3t-container"])
        .env("LUMOGON_ENDPOINT", endpoint)
        .collector(&collector.url())
        .run();
    assert_eq!(out.code, Some(1));
    for request in collector.requests() {
        for secret in SECRETS {
            assert!(!request.raw().contains(secret));
        }
    }
}
