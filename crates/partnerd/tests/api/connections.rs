//! Slow clients are cut off while normal clients are served: a connection that never finishes
//! its headers, a body that stalls, and a kept-alive connection left idle are all closed after
//! their timeouts, and the connection cap holds.

use std::time::{Duration, Instant};

use partnerd::config::{ConnectionLimits, Settings};
use partnerd_testkit::TestServer;
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn server(max_connections: usize) -> TestServer {
    TestServer::start_with(Settings {
        connections: ConnectionLimits {
            max_connections,
            header_timeout: Duration::from_secs(1),
            body_timeout: Duration::from_secs(1),
            drain_timeout: Duration::from_secs(1),
        },
        ..Settings::default()
    })
    .await
}

async fn connect(s: &TestServer) -> TcpStream {
    let addr = s.base.trim_start_matches("http://");
    TcpStream::connect(addr).await.expect("connect")
}

/// Everything the server sends until it closes the connection; panics if it is still open
/// after `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&got).into_owned(),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "the server kept the connection open past {limit:?}; it sent: {}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
}

/// A normal client on a connection of its own: a pooled one may be the kept-alive
/// connection the server is closing for idleness at that very moment (the race every HTTP
/// client meets, and retries).
async fn normal_request_works(s: &TestServer) {
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let r = fresh
        .request(Method::GET, format!("{}/_partnerd/health", s.base))
        .send()
        .await
        .expect("a normal client is served");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn half_sent_headers_are_cut_off() {
    let s = server(64).await;
    let mut slow = connect(&s).await;
    slow.write_all(b"GET /v1/customers HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    normal_request_works(&s).await;
    let sent = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    assert!(!sent.contains(" 200 "), "{sent}");
    normal_request_works(&s).await;
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_is_cut_off() {
    let s = server(64).await;
    let token = s.app_token().await;
    let mut slow = connect(&s).await;
    let head = format!(
        "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"companyProfile\":"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    normal_request_works(&s).await;
    let sent = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    assert!(sent.contains("990008"), "{sent}");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let s = server(64).await;
    let mut idle = connect(&s).await;
    idle.write_all(b"GET /_partnerd/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // The answer comes, then the connection sits idle until the server closes it.
    let sent = read_until_closed(&mut idle, Duration::from_secs(10)).await;
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
}

#[tokio::test]
async fn the_connection_cap_holds_and_frees_up() {
    let s = server(2).await;
    // Two slow clients take both slots.
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut c = connect(&s).await;
        c.write_all(b"GET /_partnerd/health HTTP/1.1\r\n")
            .await
            .unwrap();
        holders.push(c);
    }
    // A third client is not served while they hold the slots...
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = connect(&s).await;
    third
        .write_all(b"GET /_partnerd/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(300), third.read(&mut buf)).await;
    assert!(early.is_err(), "served past the cap");
    // ...and is served once the header timeout has cut the slow ones off.
    let sent = read_until_closed(&mut third, Duration::from_secs(10)).await;
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
    for mut h in holders {
        read_until_closed(&mut h, Duration::from_secs(10)).await;
    }
}
