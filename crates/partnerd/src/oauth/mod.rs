//! The Entra-shaped token service.
//!
//! - `POST /{tenant}/oauth2/token` (v1, `resource`) and `POST /{tenant}/oauth2/v2.0/token`
//!   (v2, `scope`), with the grants `client_credentials`, `password`, `refresh_token`,
//!   `authorization_code` (with PKCE) and the device code;
//! - the sign-in page of the authorization-code flow and the device-code pages ([`pages`]);
//! - OIDC discovery, user-realm discovery and the JWKS ([`discovery`]).
//!
//! `{tenant}` is a tenant id or a partner's domain; `common` and `organizations` stand for
//! "the user's tenant" in user flows.

pub mod discovery;
pub mod error;
pub mod grants;
pub mod pages;

use std::collections::HashMap;
use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use partnerd_store::{
    AppRecord, ClientId, PartnerRecord, RequestKind, RequestRecord, TenantId, UserRecord,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::lockout::Admission;
use crate::auth::{mint, mint_id_token};
use crate::http::params::Segment;
use crate::state::AppState;
pub use error::EntraError;

/// The address a request came from, when the listener knows it.
pub struct SourceAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for SourceAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SourceAddr(
            parts
                .extensions
                .get::<ConnectInfo<crate::server::ClientAddr>>()
                .map(|c| c.0 .0.ip()),
        ))
    }
}

/// Which token endpoint (and so which parameter and response shape) is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    /// `/oauth2/...`: `resource`, string lifetimes.
    V1,
    /// `/oauth2/v2.0/...`: `scope`, numeric lifetimes.
    V2,
}

pub use crate::http::origin::base_url;

/// A form-encoded request to the token service.
pub struct Form {
    fields: HashMap<String, String>,
    /// The first parameter the body gives more than once, if any.
    repeated: Option<String>,
    /// `client-request-id`, echoed as `correlation_id` in errors.
    pub correlation_id: String,
    basic: Option<(String, String)>,
}

impl Form {
    /// Parses the body and the headers that matter.
    pub fn parse(headers: &HeaderMap, body: &[u8]) -> Self {
        let basic = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Basic ")
                    .or_else(|| v.strip_prefix("basic "))
            })
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
        let mut fields = HashMap::new();
        let mut repeated = None;
        for (key, value) in form_urlencoded::parse(body).into_owned() {
            if fields.contains_key(&key) && repeated.is_none() {
                repeated = Some(key.clone());
            }
            fields.insert(key, value);
        }
        Self {
            fields,
            repeated,
            correlation_id: headers
                .get("client-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_default(),
            basic,
        }
    }

    /// Refuses a request that gives a parameter more than once: RFC 6749 §3.1 and §3.2 say
    /// parameters "MUST NOT be included more than once", and Entra answers `invalid_request`.
    pub fn no_repeats(&self) -> Result<(), EntraError> {
        match &self.repeated {
            Some(key) => Err(EntraError::repeated_parameter(key)),
            None => Ok(()),
        }
    }

    /// A non-empty field.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A required field.
    pub fn require(&self, key: &str) -> Result<&str, EntraError> {
        self.get(key).ok_or_else(|| EntraError::missing(key))
    }

    /// Client id and secret from the body, or from HTTP Basic authentication.
    pub fn client(&self) -> Result<(String, Option<String>), EntraError> {
        if let Some((id, secret)) = &self.basic {
            return Ok((id.clone(), Some(secret.clone())));
        }
        Ok((
            self.require("client_id")?.to_owned(),
            self.get("client_secret").map(str::to_owned),
        ))
    }
}

/// The tenant a request names.
#[derive(Debug, Clone)]
pub enum TenantRef {
    /// A partner, by tenant id or domain.
    Partner(PartnerRecord),
    /// `common` or `organizations`: the user's own tenant.
    Any,
}

impl TenantRef {
    /// The tenant id, unless any tenant goes.
    pub fn id(&self) -> Option<&TenantId> {
        match self {
            Self::Partner(p) => Some(&p.tenant_id),
            Self::Any => None,
        }
    }

    /// Whether a user of `tenant_id` may sign in here.
    pub fn admits(&self, tenant_id: &str) -> bool {
        self.id().is_none_or(|id| id == tenant_id)
    }
}

/// Resolves `{tenant}`; `allow_any` admits `common` and `organizations`.
pub async fn resolve_tenant(
    state: &AppState,
    tenant: &str,
    allow_any: bool,
) -> Result<TenantRef, EntraError> {
    if allow_any && matches!(tenant, "common" | "organizations") {
        return Ok(TenantRef::Any);
    }
    let found = match TenantId::parse(tenant) {
        Ok(id) => state.store.partner(&id).await,
        Err(_) => state.store.partner_by_domain(tenant).await,
    };
    match found? {
        Some(p) => Ok(TenantRef::Partner(p)),
        None => Err(EntraError::tenant_not_found(tenant)),
    }
}

/// How a client must prove itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// A confidential client: the secret is required.
    Secret,
    /// A public client may send no secret (password, refresh, device and PKCE flows); a
    /// secret that is sent must still be right.
    SecretIfSent,
}

/// The app a request's `client_id` names. An id that is not a GUID names no app: it gets
/// the same answer as an unknown one.
pub async fn app_named(state: &AppState, client_id: &str) -> Result<Option<AppRecord>, EntraError> {
    let Ok(id) = ClientId::parse(client_id) else {
        return Ok(None);
    };
    Ok(state.store.app(&id).await?)
}

/// Whether `secret` matches a stored hash, checked by the state's [`Hasher`] off the async
/// workers; too many checks waiting already is 429 ([`EntraError::throttled`]).
///
/// [`Hasher`]: crate::auth::hashing::Hasher
async fn secret_matches(state: &AppState, secret: &str, hash: &str) -> Result<bool, EntraError> {
    state
        .hasher
        .verify(secret, hash)
        .await
        .map_err(|_| EntraError::throttled())
}

/// Finds the app in the tenant and checks its secret.
pub async fn authenticate_client(
    state: &AppState,
    form: &Form,
    tenant_id: &str,
    auth: ClientAuth,
) -> Result<AppRecord, EntraError> {
    let (client_id, secret) = form.client()?;
    let app = app_named(state, &client_id)
        .await?
        .filter(|a| a.tenant_id == tenant_id)
        .ok_or_else(|| EntraError::unknown_client_in(&client_id, tenant_id))?;
    match (secret, auth) {
        (Some(secret), _) => {
            if secret_matches(state, &secret, &app.secret_hash).await? {
                Ok(app)
            } else {
                Err(EntraError::invalid_client_secret())
            }
        }
        (None, ClientAuth::SecretIfSent) => Ok(app),
        (None, ClientAuth::Secret) => Err(EntraError::secret_required()),
    }
}

/// Checks a user's password under the lockout policy: refused while the user is locked
/// from this address, delayed (or throttled) while the address is spraying passwords.
pub async fn check_password(
    state: &AppState,
    user: &UserRecord,
    password: &str,
    source: Option<IpAddr>,
) -> Result<(), EntraError> {
    match state.lockout.admit(&user.upn, source) {
        Admission::Now => {}
        Admission::After(wait) => {
            tokio::time::sleep(wait).await;
            // Another attempt from the same address may have locked the user meanwhile.
            if state.lockout.is_locked(&user.upn, source) {
                return Err(EntraError::account_locked());
            }
        }
        Admission::Locked => return Err(EntraError::account_locked()),
        Admission::Throttled => return Err(EntraError::throttled()),
    }
    if secret_matches(state, password, &user.password_hash).await? {
        state.lockout.succeeded(&user.upn, source);
        Ok(())
    } else {
        state.lockout.failed(&user.upn, source);
        Err(EntraError::bad_credentials())
    }
}

/// Finds a user the tenant admits.
pub async fn find_user(
    state: &AppState,
    tenant: &TenantRef,
    upn: &str,
) -> Result<UserRecord, EntraError> {
    state
        .store
        .user_by_upn(upn)
        .await?
        .filter(|u| tenant.admits(&u.tenant_id))
        .ok_or_else(|| EntraError::user_not_found(upn))
}

/// What a token is for: its audience and the scope to echo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Target {
    /// The access token's audience.
    pub audience: String,
    /// The scope string echoed in v2 responses (the requested API scope and OIDC scopes).
    pub scope: String,
    /// Whether an ID token was asked for (`openid`).
    pub openid: bool,
    /// Whether a refresh token was asked for (`offline_access`; always on v1 user flows).
    pub offline: bool,
}

const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// Reads `resource` (v1) or `scope` (v2) into a target.
pub fn target(state: &AppState, form: &Form, endpoint: Endpoint) -> Result<Target, EntraError> {
    let cloud = state.settings.cloud;
    match endpoint {
        Endpoint::V1 => {
            let resource = form.require("resource")?;
            let audience = cloud
                .audience_for(resource)
                .ok_or_else(|| EntraError::unknown_resource(resource))?;
            let openid = form
                .get("scope")
                .is_some_and(|s| s.split_whitespace().any(|x| x == "openid"));
            Ok(Target {
                audience: audience.to_owned(),
                scope: "user_impersonation".to_owned(),
                openid,
                offline: true,
            })
        }
        Endpoint::V2 => {
            let scope = form.require("scope")?;
            let words: Vec<&str> = scope.split_whitespace().collect();
            let api: Vec<&str> = words
                .iter()
                .copied()
                .filter(|w| !OIDC_SCOPES.contains(w))
                .collect();
            let [api_scope] = api.as_slice() else {
                return Err(EntraError::scope_not_one_api(cloud.resource()));
            };
            let (resource, permission) = api_scope
                .rsplit_once('/')
                .ok_or_else(|| EntraError::unknown_resource(api_scope))?;
            if !matches!(permission, ".default" | "user_impersonation") {
                return Err(EntraError::scope_permission_invalid(
                    api_scope,
                    cloud.resource(),
                ));
            }
            let audience = cloud
                .audience_for(resource)
                .ok_or_else(|| EntraError::unknown_resource(resource))?;
            Ok(Target {
                audience: audience.to_owned(),
                scope: (*api_scope).to_owned(),
                openid: words.contains(&"openid"),
                offline: words.contains(&"offline_access"),
            })
        }
    }
}

/// Everything needed to answer a successful token request.
pub struct Issue<'a> {
    /// Endpoint shape.
    pub endpoint: Endpoint,
    /// This server's URL as the client sees it.
    pub base: String,
    /// Audience and scope.
    pub target: Target,
    /// The app.
    pub app: &'a AppRecord,
    /// The user, for app+user tokens.
    pub user: Option<&'a UserRecord>,
    /// OIDC nonce of the authorization request.
    pub nonce: Option<String>,
    /// Whether the client proved itself with its secret: a refresh token issued now can then
    /// be redeemed only with that secret.
    pub confidential: bool,
    /// The refresh-token family a rotation continues; none when a sign-in starts a new one.
    pub family: Option<String>,
}

#[derive(Serialize)]
struct V1Token {
    token_type: &'static str,
    expires_in: String,
    ext_expires_in: String,
    expires_on: String,
    not_before: String,
    resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

#[derive(Serialize)]
struct V2Token {
    token_type: &'static str,
    scope: String,
    expires_in: i64,
    ext_expires_in: i64,
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_info: Option<String>,
}

fn minting_failed(e: String) -> EntraError {
    tracing::error!(error = %e, "token minting failed");
    EntraError::token_not_issued()
}

/// Mints the tokens of a successful request and renders the response.
pub async fn respond(state: &AppState, issue: Issue<'_>) -> Result<Response, EntraError> {
    state.keys.refresh_if_stale().await;
    let settings = &state.settings;
    let (access_token, claims) = mint(
        state.clock.now_secs(),
        &state.keys,
        settings,
        &issue.target.audience,
        issue.app,
        issue.user,
    )
    .map_err(minting_failed)?;
    let mut refresh_token = None;
    let mut id_token = None;
    let mut client_info = None;
    if let (Some(user), None) = (issue.user, &issue.family) {
        // A sign-in (not a refresh) counts in the MFA reports.
        state.history.record(RequestRecord {
            partner_id: user.tenant_id.clone(),
            kind: RequestKind::SignIn,
            at_ms: crate::http::operations::now_ms(state),
            request_id: claims.uti.clone(),
            correlation_id: String::new(),
            operation: "Sign-in".to_owned(),
            source_ip: String::new(),
            object_id: user.object_id.to_string(),
            tenant_id: user.tenant_id.to_string(),
            upn: user.upn.clone(),
            application_id: issue.app.client_id.to_string(),
            mfa: user.mfa,
        });
    }
    if let Some(user) = issue.user {
        if issue.target.offline {
            refresh_token = Some(grants::issue_refresh_token(state, &issue, user).await?);
        }
        if issue.target.openid {
            let issuer = match issue.endpoint {
                Endpoint::V2 => format!("{}/{}/v2.0", issue.base, user.tenant_id),
                Endpoint::V1 => settings.cloud.issuer(&user.tenant_id),
            };
            id_token = Some(
                mint_id_token(
                    state.clock.now_secs(),
                    &state.keys,
                    settings,
                    &issuer,
                    issue.app,
                    user,
                    issue.nonce.as_deref(),
                )
                .map_err(minting_failed)?,
            );
            let info =
                serde_json::json!({"uid": user.object_id, "utid": user.tenant_id}).to_string();
            client_info = Some(URL_SAFE_NO_PAD.encode(info));
        }
    }
    let lifetime = settings.access_token_secs - 1;
    Ok(match issue.endpoint {
        Endpoint::V1 => Json(V1Token {
            token_type: "Bearer",
            expires_in: lifetime.to_string(),
            ext_expires_in: lifetime.to_string(),
            expires_on: claims.exp.to_string(),
            not_before: claims.nbf.to_string(),
            resource: issue.target.audience.clone(),
            scope: issue.user.is_some().then_some("user_impersonation"),
            access_token,
            refresh_token,
            id_token,
        })
        .into_response(),
        Endpoint::V2 => {
            let mut scope = issue.target.scope.clone();
            for (wanted, word) in [
                (issue.target.openid, "openid profile"),
                (issue.target.offline, "offline_access"),
            ] {
                if wanted && issue.user.is_some() {
                    scope.push(' ');
                    scope.push_str(word);
                }
            }
            Json(V2Token {
                token_type: "Bearer",
                scope,
                expires_in: lifetime,
                ext_expires_in: lifetime,
                access_token,
                refresh_token,
                id_token,
                client_info,
            })
            .into_response()
        }
    })
}

/// Hash under which a secret grant is stored.
pub fn grant_key(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `POST /{tenant}/oauth2/token`.
pub async fn token_v1(
    state: State<AppState>,
    tenant: Segment,
    source: SourceAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(state, tenant, source, headers, body, Endpoint::V1).await
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub async fn token_v2(
    state: State<AppState>,
    tenant: Segment,
    source: SourceAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(state, tenant, source, headers, body, Endpoint::V2).await
}

async fn token(
    State(state): State<AppState>,
    Segment(tenant): Segment,
    SourceAddr(source): SourceAddr,
    headers: HeaderMap,
    body: Bytes,
    endpoint: Endpoint,
) -> Response {
    let form = Form::parse(&headers, &body);
    let base = base_url(&state, &headers);
    let outcome = match form.no_repeats().and_then(|()| form.require("grant_type")) {
        Err(e) => Err(e),
        Ok(grant) => match grant {
            "client_credentials" => {
                client_credentials(&state, &tenant, &form, endpoint, base).await
            }
            "password" => password(&state, &tenant, &form, endpoint, base, source).await,
            "refresh_token" => {
                grants::redeem_refresh_token(&state, &tenant, &form, endpoint, base).await
            }
            "authorization_code" => {
                grants::redeem_code(&state, &tenant, &form, endpoint, base).await
            }
            "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
                grants::redeem_device_code(&state, &tenant, &form, endpoint, base).await
            }
            other => Err(EntraError::unsupported_grant_type(other)),
        },
    };
    outcome.unwrap_or_else(|mut e| {
        e.correlation_id = form.correlation_id.clone();
        e.into_response()
    })
}

async fn client_credentials(
    state: &AppState,
    tenant: &str,
    form: &Form,
    endpoint: Endpoint,
    base: String,
) -> Result<Response, EntraError> {
    let target = target(state, form, endpoint)?;
    let tenant = resolve_tenant(state, tenant, false).await?;
    let app = authenticate_client(
        state,
        form,
        tenant.id().map(TenantId::as_str).unwrap_or_default(),
        ClientAuth::Secret,
    )
    .await?;
    respond(
        state,
        Issue {
            endpoint,
            base,
            target,
            app: &app,
            user: None,
            nonce: None,
            confidential: true,
            family: None,
        },
    )
    .await
}

async fn password(
    state: &AppState,
    tenant: &str,
    form: &Form,
    endpoint: Endpoint,
    base: String,
    source: Option<IpAddr>,
) -> Result<Response, EntraError> {
    let target = target(state, form, endpoint)?;
    let tenant = resolve_tenant(state, tenant, true).await?;
    let upn = form.require("username")?;
    let password = form.require("password")?;
    // The user decides the tenant under `common`; the password is checked only after the
    // client has authenticated.
    let user = find_user(state, &tenant, upn).await?;
    let app = authenticate_client(state, form, &user.tenant_id, ClientAuth::SecretIfSent).await?;
    check_password(state, &user, password, source).await?;
    respond(
        state,
        Issue {
            endpoint,
            base,
            target,
            app: &app,
            user: Some(&user),
            nonce: None,
            confidential: form.client()?.1.is_some(),
            family: None,
        },
    )
    .await
}
