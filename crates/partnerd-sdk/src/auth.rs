//! Credentials and the token cache.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{Error, Result, Tracking};
use crate::transport::Answer;
use crate::PartnerCenter;

/// Which version of the Entra token endpoint to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenEndpoint {
    /// `{authority}/{tenant}/oauth2/token` with `resource={resource}`.
    V1,
    /// `{authority}/{tenant}/oauth2/v2.0/token` with `scope={resource}/.default`.
    #[default]
    V2,
}

#[derive(Clone)]
enum Grant {
    ClientSecret {
        secret: String,
    },
    Password {
        client_secret: Option<String>,
        username: String,
        password: String,
    },
    RefreshToken {
        client_secret: Option<String>,
        refresh_token: String,
    },
    Static(String),
}

/// How the client gets its access tokens.
///
/// ```
/// use partnerd_sdk::Credentials;
/// let app_only = Credentials::client_secret("contoso.onmicrosoft.com", "client-id", "secret");
/// let v1 = app_only.clone().v1();
/// let app_user = Credentials::password("tenant", "client-id", None, "admin@contoso.onmicrosoft.com", "pw");
/// let fixed = Credentials::static_token("eyJ...");
/// # let _ = (v1, app_user, fixed);
/// ```
#[derive(Clone)]
pub struct Credentials {
    tenant: String,
    client_id: String,
    grant: Grant,
    endpoint: TokenEndpoint,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.grant {
            Grant::ClientSecret { .. } => "client_secret",
            Grant::Password { .. } => "password",
            Grant::RefreshToken { .. } => "refresh_token",
            Grant::Static(_) => "static_token",
        };
        f.debug_struct("Credentials")
            .field("kind", &kind)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// App-only tokens by the client-credentials grant (v2 endpoint; see [`Credentials::v1`]).
    pub fn client_secret(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        Self {
            tenant: tenant.into(),
            client_id: client_id.into(),
            grant: Grant::ClientSecret {
                secret: secret.into(),
            },
            endpoint: TokenEndpoint::V2,
        }
    }

    /// App+user tokens by the resource-owner password grant. `client_secret` is `None` for a
    /// public client. Later tokens come from the refresh token the service returns.
    pub fn password(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Option<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            tenant: tenant.into(),
            client_id: client_id.into(),
            grant: Grant::Password {
                client_secret,
                username: username.into(),
                password: password.into(),
            },
            endpoint: TokenEndpoint::V2,
        }
    }

    /// Tokens by the refresh-token grant. Each refresh token the service returns replaces the
    /// stored one (Entra and partnerd rotate them).
    pub fn refresh_token(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Option<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Self {
            tenant: tenant.into(),
            client_id: client_id.into(),
            grant: Grant::RefreshToken {
                client_secret,
                refresh_token: refresh_token.into(),
            },
            endpoint: TokenEndpoint::V2,
        }
    }

    /// A bearer token used as is, never refreshed.
    pub fn static_token(token: impl Into<String>) -> Self {
        Self {
            tenant: String::new(),
            client_id: String::new(),
            grant: Grant::Static(token.into()),
            endpoint: TokenEndpoint::V2,
        }
    }

    /// Uses the v1 token endpoint (`resource=`) instead of v2 (`scope=`).
    pub fn v1(self) -> Self {
        self.endpoint(TokenEndpoint::V1)
    }

    /// Chooses the token endpoint version.
    pub fn endpoint(mut self, endpoint: TokenEndpoint) -> Self {
        self.endpoint = endpoint;
        self
    }
}

/// The cached state of a client's tokens.
#[derive(Default)]
pub(crate) struct TokenState {
    access: Option<(String, Instant)>,
    refresh: Option<String>,
}

/// The token source: credentials plus cache, shared by every clone of a client.
pub(crate) struct TokenSource {
    credentials: Credentials,
    state: tokio::sync::Mutex<TokenState>,
}

/// How early a token is refreshed: 5 minutes, or half its life if that is shorter.
const EARLY: Duration = Duration::from_secs(300);

impl TokenSource {
    pub(crate) fn new(credentials: Credentials) -> Self {
        let refresh = match &credentials.grant {
            Grant::RefreshToken { refresh_token, .. } => Some(refresh_token.clone()),
            _ => None,
        };
        Self {
            credentials,
            state: tokio::sync::Mutex::new(TokenState {
                access: None,
                refresh,
            }),
        }
    }

    pub(crate) fn is_static(&self) -> bool {
        matches!(self.credentials.grant, Grant::Static(_))
    }

    /// Forgets the cached access token (after a 401).
    pub(crate) async fn invalidate(&self) {
        self.state.lock().await.access = None;
    }

    /// A valid access token, from the cache or the token service. Concurrent callers wait for
    /// one acquisition.
    pub(crate) async fn token(&self, client: &PartnerCenter) -> Result<String> {
        if let Grant::Static(t) = &self.credentials.grant {
            return Ok(t.clone());
        }
        let mut state = self.state.lock().await;
        if let Some((token, refresh_at)) = &state.access {
            if Instant::now() < *refresh_at {
                return Ok(token.clone());
            }
        }
        let answer = match state.refresh.clone() {
            Some(rt) => {
                let first = self.request(client, Some(&rt)).await;
                match (&self.credentials.grant, first) {
                    // A password or secret client whose refresh token failed signs in again.
                    (Grant::Password { .. } | Grant::ClientSecret { .. }, Err(_)) => {
                        self.request(client, None).await?
                    }
                    (_, r) => r?,
                }
            }
            None => self.request(client, None).await?,
        };
        let now = Instant::now();
        let life = Duration::from_secs(answer.expires_in);
        let early = EARLY.min(life / 2);
        state.access = Some((answer.access_token.clone(), now + life - early));
        if let Some(rt) = answer.refresh_token {
            state.refresh = Some(rt);
        }
        Ok(answer.access_token)
    }

    async fn request(&self, client: &PartnerCenter, refresh: Option<&str>) -> Result<TokenAnswer> {
        let c = &self.credentials;
        let inner = &client.inner;
        let url = match c.endpoint {
            TokenEndpoint::V1 => format!("{}/{}/oauth2/token", inner.authority, c.tenant),
            TokenEndpoint::V2 => format!("{}/{}/oauth2/v2.0/token", inner.authority, c.tenant),
        };
        let mut form: Vec<(&str, String)> = vec![("client_id", c.client_id.clone())];
        let user_flow;
        match (&c.grant, refresh) {
            (Grant::Static(_), _) => unreachable!("static tokens are never requested"),
            (grant, Some(rt)) => {
                user_flow = !matches!(grant, Grant::ClientSecret { .. });
                form.push(("grant_type", "refresh_token".into()));
                form.push(("refresh_token", rt.to_owned()));
                if let Some(s) = secret_of(grant) {
                    form.push(("client_secret", s.to_owned()));
                }
            }
            (Grant::ClientSecret { secret }, None) => {
                user_flow = false;
                form.push(("grant_type", "client_credentials".into()));
                form.push(("client_secret", secret.clone()));
            }
            (
                Grant::Password {
                    client_secret,
                    username,
                    password,
                },
                None,
            ) => {
                user_flow = true;
                form.push(("grant_type", "password".into()));
                form.push(("username", username.clone()));
                form.push(("password", password.clone()));
                if let Some(s) = client_secret {
                    form.push(("client_secret", s.clone()));
                }
            }
            (Grant::RefreshToken { .. }, None) => {
                return Err(Error::Config("no refresh token left to use".into()))
            }
        }
        match c.endpoint {
            TokenEndpoint::V1 => form.push(("resource", inner.resource.clone())),
            TokenEndpoint::V2 => {
                let scope = if user_flow {
                    format!("{}/.default offline_access", inner.resource)
                } else {
                    format!("{}/.default", inner.resource)
                };
                form.push(("scope", scope));
            }
        }
        let tracking = client.new_tracking();
        let answer = client
            .send_retrying(&tracking, || {
                Ok(inner
                    .http
                    .post(&url)
                    .header("MS-CorrelationId", &client.correlation_id)
                    .header("MS-RequestId", tracking.request_id.as_deref().unwrap_or(""))
                    .header("Accept", "application/json")
                    .form(&form))
            })
            .await?;
        parse_token_answer(answer, tracking)
    }
}

fn secret_of(grant: &Grant) -> Option<&str> {
    match grant {
        Grant::ClientSecret { secret } => Some(secret),
        Grant::Password { client_secret, .. } | Grant::RefreshToken { client_secret, .. } => {
            client_secret.as_deref()
        }
        Grant::Static(_) => None,
    }
}

struct TokenAnswer {
    access_token: String,
    expires_in: u64,
    refresh_token: Option<String>,
}

fn parse_token_answer(answer: Answer, tracking: Tracking) -> Result<TokenAnswer> {
    let v: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    if !(200..300).contains(&answer.status) {
        return Err(Error::Auth {
            status: answer.status,
            error: v["error"].as_str().unwrap_or("unknown_error").to_owned(),
            description: v["error_description"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| String::from_utf8_lossy(&answer.body).into_owned()),
            error_codes: v["error_codes"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default(),
            tracking: Box::new(tracking),
        });
    }
    let Some(access_token) = v["access_token"].as_str() else {
        return Err(Error::Decode {
            status: answer.status,
            message: "the token answer has no access_token".into(),
            tracking: Box::new(tracking),
        });
    };
    // v1 writes `expires_in` as a string, v2 as a number.
    let expires_in = match &v["expires_in"] {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .unwrap_or(3600);
    Ok(TokenAnswer {
        access_token: access_token.to_owned(),
        expires_in,
        refresh_token: v["refresh_token"].as_str().map(str::to_owned),
    })
}
