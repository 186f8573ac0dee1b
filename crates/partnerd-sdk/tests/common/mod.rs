//! An in-process partnerd for the SDK's tests: partnerd-testkit's [`TestServer`] with the
//! SDK's own helpers on top (clients and credentials for its partner, the request journal,
//! fault rules, metrics), and a scripted fake server for answers partnerd never gives.

#![allow(dead_code, missing_docs)]

use std::ops::Deref;
use std::time::Duration;

use partnerd_sdk::{Credentials, PartnerCenter, RetryPolicy};
use partnerd_testkit::{Settings, TestServer};
use reqwest::Method;
use serde_json::Value;

pub use partnerd_testkit::new_customer;

/// A running partnerd with one sandbox partner. It derefs to the [`TestServer`] it wraps, so
/// `base`, `partner` and `http` read as before; the wrapper is only there to add the SDK's
/// helpers below, which the shared testkit does not know about.
pub struct Server(TestServer);

impl Deref for Server {
    type Target = TestServer;

    fn deref(&self) -> &TestServer {
        &self.0
    }
}

impl Server {
    pub async fn start() -> Self {
        Self(TestServer::start().await)
    }

    pub async fn start_with(settings: Settings) -> Self {
        Self(TestServer::start_with(settings).await)
    }

    /// Fast retries for tests.
    pub fn retry() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        }
    }

    pub fn client(&self, credentials: Credentials) -> PartnerCenter {
        PartnerCenter::builder()
            .base_url(&self.base)
            .authority(&self.base)
            .credentials(credentials)
            .retry(Self::retry())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client")
    }

    pub fn app_credentials(&self) -> Credentials {
        let p = &self.partner;
        Credentials::client_secret(&p.tenant_id, &p.client_id, &p.client_secret)
    }

    pub fn user_credentials(&self) -> Credentials {
        let p = &self.partner;
        Credentials::password(
            &p.tenant_id,
            &p.client_id,
            Some(p.client_secret.clone()),
            &p.user_name,
            &p.user_password,
        )
    }

    /// An app+user client.
    pub fn user_client(&self) -> PartnerCenter {
        self.client(self.user_credentials())
    }

    /// Journal entries of a correlation id, oldest first.
    pub async fn journal(&self, correlation_id: &str) -> Vec<Value> {
        let r = self
            .admin(
                Method::GET,
                &format!("/_partnerd/requests?correlationId={correlation_id}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let mut v: Vec<Value> = r.json().await.unwrap();
        v.reverse();
        v
    }

    /// Adds a fault rule.
    pub async fn fault(&self, rule: Value) {
        let r = self
            .admin(Method::POST, "/_partnerd/faults")
            .json(&rule)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
}

/// Token-service calls in a journal.
pub fn token_calls(entries: &[Value]) -> Vec<&Value> {
    entries
        .iter()
        .filter(|e| e["path"].as_str().unwrap_or("").contains("/oauth2/"))
        .collect()
}

impl Server {
    /// The value of one metric line (`name{labels}`), 0 when absent.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self
            .admin(Method::GET, "/_partnerd/metrics")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .map(|v| v.trim().parse().unwrap())
            .unwrap_or(0.0)
    }
}

/// One scripted answer: status, extra headers, body.
pub type ScriptedAnswer = (u16, Vec<(&'static str, String)>, String);

/// One request seen by a [`Scripted`] server.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub request_id: Option<String>,
}

/// A bare HTTP/1.1 server answering from a script, one answer per connection, recording what it
/// saw. An answer of `None` closes the connection without answering.
pub struct Scripted {
    pub base: String,
    pub seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl Scripted {
    pub async fn start(script: Vec<Option<ScriptedAnswer>>) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            let mut script = script.into_iter();
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let mut lines = head.lines();
                let mut first = lines.next().unwrap_or("").split(' ');
                let method = first.next().unwrap_or("").to_owned();
                let path = first.next().unwrap_or("").to_owned();
                let request_id = lines.find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("ms-requestid")
                        .then(|| v.trim().to_owned())
                });
                log.lock().unwrap().push(Seen {
                    method,
                    path,
                    request_id,
                });
                let answer = script
                    .next()
                    .unwrap_or(Some((200, vec![], "{}".to_owned())));
                let Some((status, headers, body)) = answer else {
                    drop(sock);
                    continue;
                };
                let mut out = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&body);
                let _ = sock.write_all(out.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        });
        Self { base, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// A client with a static token and fast retries.
    pub fn client(&self) -> PartnerCenter {
        PartnerCenter::builder()
            .base_url(&self.base)
            .authority(&self.base)
            .credentials(Credentials::static_token("t"))
            .retry(Server::retry())
            .build()
            .unwrap()
    }
}
