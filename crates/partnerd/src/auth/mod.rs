//! Tokens: verifying them, minting access and ID tokens, and the signing keys, JWTs, claims,
//! clouds and password lockout behind both. Nothing here speaks HTTP: a refusal is an
//! [`AuthError`], and [`crate::http::error`] maps each to the contract's answer. Reading the
//! `Authorization` header and resolving the token's partner, app and user is the
//! [`crate::http::Caller`] extractor's job.
//!
//! A bearer token is verified once (signature, audience, issuer, lifetime, against the
//! store's clock) and its claims are cached by the token's hash until it expires. What the
//! store says of the partner, app and user it names is cached for only [`PRINCIPAL_TTL`]: a
//! miss always asks the store, so a partner created by the CLI is usable at once, and a
//! deleted app or user stops working within seconds. Signing keys are reloaded from the store
//! when stale, so a key retired on any node stops validating within seconds too.

pub mod claims;
pub mod cloud;
pub mod hashing;
pub mod jwt;
pub mod keys;
pub mod lockout;

/// Why a token does not authenticate its bearer; the HTTP layer maps each to the contract's
/// answer.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The token is malformed, forged, expired, or names no known partner, app or user.
    #[error("{0}")]
    Invalid(String),
    /// The token is for the retired Azure AD Graph audience.
    #[error("the token's audience is retired")]
    RetiredAudience,
    /// An app+user token without multi-factor authentication.
    #[error("the token carries no multi-factor authentication")]
    MfaRequired,
    /// The store could not answer.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    /// An invalid token, with a description for the caller.
    pub fn invalid(description: impl Into<String>) -> Self {
        Self::Invalid(description.into())
    }
}

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use partnerd_store::{AppRecord, ClientId, PartnerRecord, Principal, StoreError, UserRecord};
use serde::Serialize;

use crate::config::{AuthMode, Settings};
use crate::ops::history::{CallerTrace, UserTrace};
use claims::Claims;
use keys::KeyRing;

/// Clock skew tolerated on `nbf` and `exp`.
pub const SKEW_SECS: i64 = 300;

/// What the store said about a token's subject, shared by the requests that reuse it.
#[derive(Debug, Clone)]
pub(crate) struct CachedPrincipal {
    pub(crate) partner: Arc<PartnerRecord>,
    pub(crate) app_known: bool,
    /// The token's app, parsed once when the store was asked.
    pub(crate) app: ClientId,
    pub(crate) user: Option<Arc<UserRecord>>,
    /// The caller as the journal and the request history record it, built once per token.
    pub(crate) trace: Arc<CallerTrace>,
}

impl CachedPrincipal {
    /// What the store said of a token's subject, with the app id the token named and
    /// whether the token carried multi-factor authentication.
    pub(crate) fn new(p: Principal, app: ClientId, mfa: bool) -> Self {
        let trace = Arc::new(CallerTrace {
            partner: p.partner.tenant_id.to_string(),
            app_id: app.to_string(),
            user: p.user.as_ref().map(|u| UserTrace {
                object_id: u.object_id.to_string(),
                upn: u.upn.clone(),
                mfa,
            }),
        });
        Self {
            partner: Arc::new(p.partner),
            app_known: p.app_known,
            app,
            user: p.user.map(Arc::new),
            trace,
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

    pub(crate) fn principal(&self, key: &[u8; 32]) -> Option<CachedPrincipal> {
        let entries = self.principals.read().ok()?;
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < PRINCIPAL_TTL)
            .map(|(p, _)| p.clone())
    }

    pub(crate) fn put_principal(&self, key: [u8; 32], principal: CachedPrincipal) {
        if let Ok(mut entries) = self.principals.write() {
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            entries.insert(key, (principal, Instant::now()));
        }
    }
}

/// Checks the token's own claims, everything but the signature, in the order of the real
/// front door: lifetime, issuer, audience (the retired Graph audience is 900420), and
/// multi-factor authentication for app+user tokens (900421). Only a token that passes is
/// looked up in the directory, so a test minting its own tokens gets the codes the real
/// service would give.
pub fn check_claims(claims: &Claims, settings: &Settings, now: i64) -> Result<(), AuthError> {
    if claims.exp + SKEW_SECS <= now {
        return Err(AuthError::invalid("The token has expired."));
    }
    if claims.nbf - SKEW_SECS > now {
        return Err(AuthError::invalid("The token is not valid yet."));
    }
    if claims.iss != settings.cloud.issuer(&claims.tid) {
        return Err(AuthError::invalid(
            "The token issuer is not valid for its tenant.",
        ));
    }
    if cloud::is_retired_audience(&claims.aud) {
        return Err(AuthError::RetiredAudience);
    }
    if !settings.cloud.is_api_audience(&claims.aud) {
        return Err(AuthError::invalid(
            "The token audience is not the Partner Center API.",
        ));
    }
    if claims.is_app_user() && !claims.has_mfa() {
        return Err(AuthError::MfaRequired);
    }
    Ok(())
}

/// Verified claims of a bearer token at `now`, from `tokens` (the cache) or by full
/// verification against `keys`. `key` is the SHA-256 of the token.
pub async fn verified_claims(
    token: &str,
    key: [u8; 32],
    keys: &KeyRing,
    tokens: &TokenCache,
    settings: &Settings,
    now: i64,
) -> Result<Arc<Claims>, AuthError> {
    if settings.auth == AuthMode::Claims {
        let claims = jwt::decode_any(token).map_err(|reason| {
            AuthError::invalid(format!("The access token is not valid: {reason}."))
        })?;
        check_claims(&claims, settings, now)?;
        return Ok(Arc::new(claims));
    }
    keys.refresh_if_stale().await;
    if let Some((claims, kid)) = tokens.get(&key, now) {
        if keys.knows(&kid) {
            return Ok(claims);
        }
    }
    let (kid, _) = jwt::decode_unverified(token).map_err(|reason| {
        AuthError::invalid(format!("The access token is not valid: {reason}."))
    })?;
    let claims = jwt::verify(token, keys).await.map_err(|reason| {
        AuthError::invalid(format!("The access token is not valid: {reason}."))
    })?;
    check_claims(&claims, settings, now)?;
    let claims = Arc::new(claims);
    tokens.put(key, claims.clone(), kid);
    Ok(claims)
}

/// Mints an access token for an app, and for a user when one is given, issued at `now`.
pub fn mint(
    now: i64,
    keys: &KeyRing,
    settings: &Settings,
    audience: &str,
    app: &AppRecord,
    user: Option<&UserRecord>,
) -> Result<(String, Claims), String> {
    let tenant = &app.tenant_id;
    let mut claims = Claims {
        aud: audience.to_owned(),
        iss: settings.cloud.issuer(tenant),
        iat: now,
        nbf: now,
        exp: now + settings.access_token_secs,
        appid: app.client_id.to_string(),
        appidacr: Some("1".to_owned()),
        amr: None,
        idtyp: Some("app".to_owned()),
        oid: app.client_id.to_string(),
        scp: None,
        sub: app.client_id.to_string(),
        tid: tenant.to_string(),
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
        claims.oid = user.object_id.to_string();
        claims.sub = user.object_id.to_string();
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

/// Mints an ID token for a user signed in to an app, issued at `now`.
pub fn mint_id_token(
    now: i64,
    keys: &KeyRing,
    settings: &Settings,
    issuer: &str,
    app: &AppRecord,
    user: &UserRecord,
    nonce: Option<&str>,
) -> Result<String, String> {
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
