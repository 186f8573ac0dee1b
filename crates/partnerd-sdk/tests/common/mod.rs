//! An in-process partnerd for the SDK's tests.

#![allow(dead_code, missing_docs)]

use std::sync::OnceLock;
use std::time::Duration;

use partnerd::identity::{provision_partner, ProvisionedPartner};
use partnerd::AppState;
use partnerd_sdk::{Credentials, Customer, PartnerCenter, RetryPolicy};
use partnerd_store::{PartnerKind, SigningKeyRecord};
use serde_json::{json, Value};
use tempfile::TempDir;

fn shared_key() -> SigningKeyRecord {
    static KEY: OnceLock<SigningKeyRecord> = OnceLock::new();
    KEY.get_or_init(|| partnerd::auth::keys::generate_key().expect("key generation"))
        .clone()
}

/// A running partnerd with one sandbox partner.
pub struct Server {
    pub base: String,
    pub state: AppState,
    pub partner: ProvisionedPartner,
    pub http: reqwest::Client,
    _server: partnerd::server::Background,
    _dir: TempDir,
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(partnerd::config::Settings::default()).await
    }

    pub async fn start_with(settings: partnerd::config::Settings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("partnerd.db").display());
        let store = partnerd_store::open(&url).await.expect("store");
        store.add_signing_key(shared_key()).await.expect("key");
        let partner = provision_partner(store.as_ref(), "Fabrikam", PartnerKind::Sandbox, None)
            .await
            .expect("partner");
        let state = AppState::with_settings(store.clone(), settings)
            .await
            .expect("state");
        let server = partnerd::server::spawn_background(state.clone())
            .await
            .expect("serve");
        Self {
            base: server.base_url.clone(),
            state,
            partner,
            http: reqwest::Client::new(),
            _server: server,
            _dir: dir,
        }
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
            .http
            .get(format!(
                "{}/_partnerd/requests?correlationId={correlation_id}",
                self.base
            ))
            .bearer_auth(&self.state.ops.admin_token)
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
            .http
            .post(format!("{}/_partnerd/faults", self.base))
            .bearer_auth(&self.state.ops.admin_token)
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

/// A valid new US customer.
pub fn new_customer(domain: &str) -> Customer {
    partnerd_sdk::wire::decode_value(json!({
        "companyProfile": {"domain": domain},
        "billingProfile": {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@contoso.com",
            "culture": "en-US",
            "language": "en",
            "companyName": "Contoso",
            "defaultAddress": {
                "country": "US",
                "city": "Redmond",
                "state": "WA",
                "addressLine1": "One Microsoft Way",
                "postalCode": "98052",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "phoneNumber": "4255550100"
            }
        }
    }))
    .expect("customer")
}

impl Server {
    /// The value of one metric line (`name{labels}`), 0 when absent.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self
            .http
            .get(format!("{}/_partnerd/metrics", self.base))
            .bearer_auth(&self.state.ops.admin_token)
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
