//! A started partnerd and the helpers the server, SDK and doc tests share around it.

use std::sync::OnceLock;

use partnerd::auth::claims::Claims;
use partnerd::identity::{provision_partner, ProvisionedPartner};
use partnerd::AppState;
use partnerd_store::{DynStore, PartnerKind, SharedClock, SigningKeyRecord};
use partnerd_wire::Customer;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};
use tempfile::TempDir;

/// The server's settings, re-exported so that tests which only tweak them need no dependency
/// on `partnerd` itself.
pub use partnerd::config::Settings;

/// One RSA key for the whole test binary: key generation is the slowest thing a start does.
pub fn shared_key() -> SigningKeyRecord {
    static KEY: OnceLock<SigningKeyRecord> = OnceLock::new();
    KEY.get_or_init(|| partnerd::auth::keys::generate_key().expect("key generation"))
        .clone()
}

/// A running partnerd with one sandbox partner ("Fabrikam", cap 75); stops when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The database URL, for the CLI and direct SQL.
    pub db_url: String,
    /// The database file.
    pub db_path: std::path::PathBuf,
    /// The server's store, for arranging state directly.
    pub store: DynStore,
    /// The server's state (keys for minting tokens, the admin token).
    pub state: AppState,
    /// The sandbox partner created at start.
    pub partner: ProvisionedPartner,
    /// An HTTP client.
    pub http: reqwest::Client,
    _server: partnerd::server::Background,
    _dir: TempDir,
}

impl TestServer {
    /// Starts a server with default settings.
    pub async fn start() -> Self {
        Self::start_with(Settings::default()).await
    }

    /// Starts a server with these settings.
    pub async fn start_with(settings: Settings) -> Self {
        Self::start_with_clock(settings, partnerd_store::SystemClock::shared()).await
    }

    /// Starts a server whose every expiry follows `clock`: a test that holds a
    /// [`partnerd_store::ManualClock`] moves time forward instead of rewriting rows.
    pub async fn start_with_clock(settings: Settings, clock: SharedClock) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("partnerd.db");
        let url = format!("sqlite://{}", db_path.display());
        let store = partnerd_store::open_with_clock(&url, clock)
            .await
            .expect("store");
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
            db_url: url,
            db_path,
            store,
            state,
            partner,
            http: reqwest::Client::new(),
            _server: server,
            _dir: dir,
        }
    }

    /// Provisions another partner.
    pub async fn add_partner(
        &self,
        name: &str,
        kind: PartnerKind,
        cap: Option<u32>,
    ) -> ProvisionedPartner {
        provision_partner(self.store.as_ref(), name, kind, cap)
            .await
            .expect("partner")
    }

    /// A token partnerd would mint for a partner's app (and its user, with MFA), for the
    /// server's cloud, with its claims: tests that forge tokens start from these claims.
    pub async fn minted(&self, p: &ProvisionedPartner, user: bool) -> (String, Claims) {
        let app = self.store.app(&p.client()).await.unwrap().expect("app");
        let user = if user {
            Some(
                self.store
                    .user_by_upn(&p.user_name)
                    .await
                    .unwrap()
                    .expect("user"),
            )
        } else {
            None
        };
        partnerd::auth::mint(
            self.state.clock.now_secs(),
            &self.state.keys,
            &self.state.settings,
            self.state.settings.cloud.resource(),
            &app,
            user.as_ref(),
        )
        .expect("mint")
    }

    async fn mint(&self, p: &ProvisionedPartner, user: bool) -> String {
        self.minted(p, user).await.0
    }

    /// An app-only token of a partner, minted with the server's key.
    pub async fn app_token_of(&self, p: &ProvisionedPartner) -> String {
        self.mint(p, false).await
    }

    /// An app+user token (with MFA) of a partner.
    pub async fn user_token_of(&self, p: &ProvisionedPartner) -> String {
        self.mint(p, true).await
    }

    /// App-only token of the default partner.
    pub async fn app_token(&self) -> String {
        self.app_token_of(&self.partner).await
    }

    /// App+user token of the default partner.
    pub async fn user_token(&self) -> String {
        self.user_token_of(&self.partner).await
    }

    /// A request to a path of this server.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// A control-plane request with the admin token.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path)
            .bearer_auth(&self.state.ops.admin_token)
    }

    /// An authenticated request.
    pub fn authed(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    /// Creates a customer with `customer_body(domain)`; panics unless 201.
    pub async fn create_customer(&self, token: &str, domain: &str) -> Value {
        self.create_customer_named(token, domain, "Contoso").await
    }

    /// Creates a customer with a company name; panics unless 201.
    pub async fn create_customer_named(&self, token: &str, domain: &str, name: &str) -> Value {
        let mut body = customer_body(domain);
        body["billingProfile"]["companyName"] = json!(name);
        let r = self
            .authed(Method::POST, "/v1/customers", token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "create failed: {v}");
        v
    }
}

/// A valid create body for a US customer, as JSON.
pub fn customer_body(domain: &str) -> Value {
    json!({
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
    })
}

/// The same customer as [`customer_body`], as the wire type the SDK sends.
pub fn new_customer(domain: &str) -> Customer {
    partnerd_wire::decode_value(customer_body(domain)).expect("a valid customer")
}

/// Status and JSON body of a response (Null for an empty body).
pub async fn status_json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, v)
}

/// Asserts a Partner Center fault with this status and code, and the envelope's shape.
pub async fn assert_fault(r: Response, status: u16, code: i64) -> Value {
    let (s, v) = status_json(r).await;
    assert_eq!(s, status, "unexpected status, body {v}");
    assert_eq!(v["code"], json!(code), "unexpected code, body {v}");
    assert_eq!(v["source"], "PartnerFD");
    let d = v["description"].as_str().expect("description");
    assert!(!d.is_empty() && d.len() <= 1024);
    assert!(v["data"].is_array());
    v
}

/// A token-service form request.
pub async fn token_request(s: &TestServer, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = s
        .request(Method::POST, path)
        .form(form)
        .send()
        .await
        .unwrap();
    status_json(r).await
}

/// The claims of a JWT, unverified.
pub fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}
