//! Identity: minting access and ID tokens and authenticating API callers.
//!
//! A bearer token is verified once (signature, audience, issuer, lifetime) and its claims are
//! cached by the token's hash until it expires; the partner, app and user it names are looked
//! up in the store on every request, so a partner created by the CLI is usable at once, and a
//! retired signing key stops validating within seconds.

pub mod claims;
pub mod cloud;
pub mod jwt;
pub mod keys;
pub mod lockout;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use partnerd_store::{AppRecord, PartnerRecord, Principal, UserRecord};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::now_secs;
use crate::config::{AuthMode, Settings};
use crate::error::ApiError;
use crate::state::AppState;
use claims::Claims;
use keys::KeyRing;

/// Clock skew tolerated on `nbf` and `exp`.
pub const SKEW_SECS: i64 = 300;

/// The authenticated caller of an API operation.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The partner the token belongs to.
    pub partner: Arc<PartnerRecord>,
    /// Client id of the app.
    pub app_id: String,
    /// The signed-in user, for app+user tokens.
    pub user: Option<Arc<UserRecord>>,
}

/// What the store said about a token's subject, shared by the requests that reuse it.
#[derive(Debug, Clone)]
struct CachedPrincipal {
    partner: Arc<PartnerRecord>,
    app_known: bool,
    user: Option<Arc<UserRecord>>,
}

impl From<Principal> for CachedPrincipal {
    fn from(p: Principal) -> Self {
        Self {
            partner: Arc::new(p.partner),
            app_known: p.app_known,
            user: p.user.map(Arc::new),
        }
    }
}

impl Caller {
    /// Fails with 403/2032 unless the caller is app+user.
    pub fn require_user(&self) -> Result<(), ApiError> {
        match self.user {
            Some(_) => Ok(()),
            None => Err(ApiError::app_only_forbidden()),
        }
    }
}

/// SHA-256 of a bearer token.
type TokenKey = [u8; 32];
/// A token's verified claims and the `kid` of the key that signed it.
type VerifiedToken = (Arc<Claims>, String);

/// Verified claims (and the key that signed them) by token hash, until each token expires;
/// and, for [`PRINCIPAL_TTL`], what the store said of the token's partner, app and user.
#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<TokenKey, VerifiedToken>>,
    principals: RwLock<HashMap<[u8; 32], (CachedPrincipal, Instant)>>,
}

/// How long the store's answer about a token's partner, app and user is reused. New partners
/// are seen at once (a miss always asks the store); a deleted app or user stops working
/// within this time.
pub const PRINCIPAL_TTL: Duration = Duration::from_secs(2);

/// Most tokens remembered; the cache is emptied when it would grow past this.
const CACHE_CAPACITY: usize = 10_000;

impl TokenCache {
    fn get(&self, key: &[u8; 32], now: i64) -> Option<(Arc<Claims>, String)> {
        let entries = self.entries.read().ok()?;
        entries
            .get(key)
            .filter(|(c, _)| c.exp + SKEW_SECS > now)
            .cloned()
    }

    fn put(&self, key: [u8; 32], claims: Arc<Claims>, kid: String) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            entries.insert(key, (claims, kid));
        }
    }

    fn principal(&self, key: &[u8; 32]) -> Option<CachedPrincipal> {
        let entries = self.principals.read().ok()?;
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < PRINCIPAL_TTL)
            .map(|(p, _)| p.clone())
    }

    fn put_principal(&self, key: [u8; 32], principal: CachedPrincipal) {
        if let Ok(mut entries) = self.principals.write() {
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            entries.insert(key, (principal, Instant::now()));
        }
    }
}

/// Checks everything but the signature and the store: audience, issuer, lifetime.
pub fn check_claims(claims: &Claims, settings: &Settings, now: i64) -> Result<(), ApiError> {
    if cloud::is_retired_audience(&claims.aud) {
        return Err(ApiError::retired_audience());
    }
    if !settings.cloud.is_api_audience(&claims.aud) {
        return Err(ApiError::unauthorized(
            "The token audience is not the Partner Center API.",
        ));
    }
    if claims.iss != settings.cloud.issuer(&claims.tid) {
        return Err(ApiError::unauthorized(
            "The token issuer is not valid for its tenant.",
        ));
    }
    if claims.exp + SKEW_SECS <= now {
        return Err(ApiError::unauthorized("The token has expired."));
    }
    if claims.nbf - SKEW_SECS > now {
        return Err(ApiError::unauthorized("The token is not valid yet."));
    }
    Ok(())
}

/// Verified claims of a bearer token, from the cache or by full verification.
/// `key` is the SHA-256 of the token.
pub async fn verified_claims(
    token: &str,
    key: [u8; 32],
    state: &AppState,
) -> Result<Arc<Claims>, ApiError> {
    let now = now_secs();
    let settings = &state.settings;
    if settings.auth == AuthMode::Claims {
        let claims = jwt::decode_any(token).map_err(|reason| {
            ApiError::unauthorized(format!("The access token is not valid: {reason}."))
        })?;
        check_claims(&claims, settings, now)?;
        return Ok(Arc::new(claims));
    }
    state.keys.refresh_if_stale().await;
    if let Some((claims, kid)) = state.tokens.get(&key, now) {
        if state.keys.knows(&kid) {
            return Ok(claims);
        }
    }
    let (kid, _) = jwt::decode_unverified(token).map_err(|reason| {
        ApiError::unauthorized(format!("The access token is not valid: {reason}."))
    })?;
    let claims = jwt::verify(token, &state.keys).await.map_err(|reason| {
        ApiError::unauthorized(format!("The access token is not valid: {reason}."))
    })?;
    check_claims(&claims, settings, now)?;
    let claims = Arc::new(claims);
    state.tokens.put(key, claims.clone(), kid);
    Ok(claims)
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "Partner token missing in request context: send Authorization: Bearer <token>.",
            )
        })?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::unauthorized(
            "The Authorization header must carry a Bearer token.",
        ));
    }
    Ok(token)
}

/// The caller under `--auth off`: the oldest partner's first app and user.
async fn bootstrap_caller(state: &AppState) -> Result<Caller, ApiError> {
    let partner = state
        .store
        .first_partner()
        .await?
        .ok_or_else(|| ApiError::unauthorized("There is no partner to act as."))?;
    let app = state
        .store
        .apps_of(&partner.tenant_id)
        .await?
        .into_iter()
        .next();
    let user = state
        .store
        .users_of(&partner.tenant_id)
        .await?
        .into_iter()
        .next();
    Ok(Caller {
        app_id: app.map(|a| a.client_id).unwrap_or_default(),
        user: user.map(Arc::new),
        partner: Arc::new(partner),
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        if state.settings.auth == AuthMode::Off {
            return bootstrap_caller(state).await;
        }
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let claims = verified_claims(token, key, state).await?;
        let principal = match state.tokens.principal(&key) {
            Some(p) => p,
            None => {
                let user_id = claims.is_app_user().then_some(claims.oid.as_str());
                let p = state
                    .store
                    .principal(&claims.tid, &claims.appid, user_id)
                    .await?
                    .ok_or_else(|| {
                        ApiError::unauthorized("The token's tenant is not a known partner.")
                    })?;
                let p = CachedPrincipal::from(p);
                state.tokens.put_principal(key, p.clone());
                p
            }
        };
        if !principal.app_known {
            return Err(ApiError::unauthorized(
                "The token's application is not registered with the partner.",
            ));
        }
        if claims.is_app_user() {
            if principal.user.is_none() {
                return Err(ApiError::unauthorized(
                    "The token's user does not exist in the partner tenant.",
                ));
            }
            if !claims.has_mfa() {
                return Err(ApiError::mfa_required());
            }
        }
        tracing::Span::current().record("partner", principal.partner.tenant_id.as_str());
        if let Some(slot) = parts.extensions.get::<crate::ops::layer::PartnerSlot>() {
            let _ = slot.0.set(principal.partner.tenant_id.clone());
        }
        Ok(Caller {
            partner: principal.partner,
            app_id: claims.appid.clone(),
            user: principal.user,
        })
    }
}

/// Mints an access token for an app, and for a user when one is given.
pub fn mint(
    keys: &KeyRing,
    settings: &Settings,
    audience: &str,
    app: &AppRecord,
    user: Option<&UserRecord>,
) -> Result<(String, Claims), String> {
    let now = now_secs();
    let tenant = &app.tenant_id;
    let mut claims = Claims {
        aud: audience.to_owned(),
        iss: settings.cloud.issuer(tenant),
        iat: now,
        nbf: now,
        exp: now + settings.access_token_secs,
        appid: app.client_id.clone(),
        appidacr: Some("1".to_owned()),
        amr: None,
        idtyp: Some("app".to_owned()),
        oid: app.client_id.clone(),
        scp: None,
        sub: app.client_id.clone(),
        tid: tenant.clone(),
        upn: None,
        unique_name: None,
        uti: uuid::Uuid::new_v4().simple().to_string(),
        ver: "1.0".to_owned(),
    };
    if let Some(user) = user {
        let mut amr = vec!["pwd".to_owned()];
        if user.mfa {
            amr.push("mfa".to_owned());
        }
        claims.amr = Some(amr);
        claims.idtyp = Some("user".to_owned());
        claims.oid = user.object_id.clone();
        claims.sub = user.object_id.clone();
        claims.scp = Some("user_impersonation".to_owned());
        claims.upn = Some(user.upn.clone());
        claims.unique_name = Some(user.upn.clone());
    }
    let key = keys.signer().ok_or("no signing key")?;
    Ok((jwt::sign(&claims, &key)?, claims))
}

/// Claims of an ID token.
#[derive(Debug, Serialize)]
struct IdClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    sub: &'a str,
    oid: &'a str,
    tid: &'a str,
    preferred_username: &'a str,
    name: &'a str,
    ver: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

/// Mints an ID token for a user signed in to an app.
pub fn mint_id_token(
    keys: &KeyRing,
    settings: &Settings,
    issuer: &str,
    app: &AppRecord,
    user: &UserRecord,
    nonce: Option<&str>,
) -> Result<String, String> {
    let now = now_secs();
    let name = user.upn.split('@').next().unwrap_or(&user.upn);
    let claims = IdClaims {
        aud: &app.client_id,
        iss: issuer,
        iat: now,
        nbf: now,
        exp: now + settings.access_token_secs,
        sub: &user.object_id,
        oid: &user.object_id,
        tid: &user.tenant_id,
        preferred_username: &user.upn,
        name,
        ver: if issuer.ends_with("/v2.0") {
            "2.0"
        } else {
            "1.0"
        },
        nonce,
    };
    let key = keys.signer().ok_or("no signing key")?;
    jwt::sign(&claims, &key)
}
