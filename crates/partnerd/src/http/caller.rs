//! Who is calling: the bearer token parser shared by the API and the control plane, and the
//! [`Caller`] extractor that authenticates a Partner Center request.
//!
//! The token's own claims (signature, lifetime, issuer, audience, MFA) are checked first, by
//! [`crate::auth`] (which knows nothing of HTTP); only then does this module ask the store
//! what the token names (tenant, app, user), as the real front door does, and map every
//! refusal to the contract's answer.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use partnerd_store::{ClientId, PartnerRecord, TenantId, UserId, UserRecord};
use sha2::{Digest, Sha256};

use crate::auth::{verified_claims, AuthError, CachedPrincipal};
use crate::config::AuthMode;
use crate::http::error::ApiError;
use crate::http::operations::PartnerSlot;
use crate::ops::history::{CallerTrace, UserTrace};
use crate::state::AppState;

/// The authenticated caller of an API operation.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The partner the token belongs to.
    pub partner: Arc<PartnerRecord>,
    /// Client id of the app (none under `--auth off` for a partner without apps).
    pub app_id: Option<ClientId>,
    /// The signed-in user, for app+user tokens.
    pub user: Option<Arc<UserRecord>>,
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

/// Why a request carries no usable bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoBearer {
    /// No `Authorization` header (or one that is not text).
    Missing,
    /// A header with another scheme, or `Bearer` with nothing after it.
    NotBearer,
}

/// The token of `Authorization: Bearer <token>` (the scheme in any casing, surrounding
/// whitespace ignored).
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, NoBearer> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(NoBearer::Missing)?;
    let value = value.trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(NoBearer::NotBearer);
    }
    Ok(token)
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    bearer_token(&parts.headers).map_err(|why| match why {
        NoBearer::Missing => ApiError::unauthorized(
            "Partner token missing in request context: send Authorization: Bearer <token>.",
        ),
        NoBearer::NotBearer => {
            ApiError::unauthorized("The Authorization header must carry a Bearer token.")
        }
    })
}

/// The caller under `--auth off`: the oldest partner's first app and user.
async fn bootstrap_caller(state: &AppState) -> Result<Caller, ApiError> {
    let partner = state
        .store
        .first_partner()
        .await?
        .ok_or_else(|| ApiError::unauthorized("There is no partner to act as."))?;
    let (app, user) =
        crate::identity::first_app_and_user(state.store.as_ref(), &partner.tenant_id).await?;
    Ok(Caller {
        app_id: app.map(|a| a.client_id),
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
        let claims = match verified_claims(
            token,
            key,
            &state.keys,
            &state.tokens,
            &state.settings,
            state.clock.now_secs(),
        )
        .await
        {
            Ok(claims) => claims,
            Err(AuthError::MfaRequired) => {
                // A request refused for want of MFA still counts in the MFA reports: its
                // token was genuine, only its authentication method fell short.
                if let (Some(slot), Ok(c)) = (
                    parts.extensions.get::<PartnerSlot>(),
                    crate::auth::jwt::decode_any(token),
                ) {
                    let _ = slot.0.set(Arc::new(CallerTrace {
                        partner: c.tid.clone(),
                        app_id: c.appid.clone(),
                        user: Some(UserTrace {
                            object_id: c.oid.clone(),
                            upn: c.upn.clone().or(c.unique_name.clone()).unwrap_or_default(),
                            mfa: false,
                        }),
                    }));
                }
                return Err(AuthError::MfaRequired.into());
            }
            Err(e) => return Err(e.into()),
        };
        let principal = match state.tokens.principal(&key) {
            Some(p) => p,
            None => {
                let unknown_tenant =
                    || ApiError::unauthorized("The token's tenant is not a known partner.");
                // Ids that are not GUIDs name nothing the store holds: they are refused the
                // same way as well-formed ids that match nothing.
                let tenant = TenantId::parse(&claims.tid).map_err(|_| unknown_tenant())?;
                let app = ClientId::parse(&claims.appid).map_err(|_| {
                    ApiError::unauthorized(
                        "The token's application is not registered with the partner.",
                    )
                })?;
                let user = if claims.is_app_user() {
                    Some(UserId::parse(&claims.oid).map_err(|_| {
                        ApiError::unauthorized(
                            "The token's user does not exist in the partner tenant.",
                        )
                    })?)
                } else {
                    None
                };
                let p = state
                    .store
                    .principal(&tenant, &app, user.as_ref())
                    .await?
                    .ok_or_else(unknown_tenant)?;
                let p = CachedPrincipal::new(p, app, claims.has_mfa());
                state.tokens.put_principal(key, p.clone());
                p
            }
        };
        if !principal.app_known {
            return Err(ApiError::unauthorized(
                "The token's application is not registered with the partner.",
            ));
        }
        if claims.is_app_user() && principal.user.is_none() {
            return Err(ApiError::unauthorized(
                "The token's user does not exist in the partner tenant.",
            ));
        }
        tracing::Span::current().record("partner", principal.partner.tenant_id.as_str());
        if let Some(slot) = parts.extensions.get::<PartnerSlot>() {
            let _ = slot.0.set(principal.trace.clone());
        }
        Ok(Caller {
            partner: principal.partner,
            app_id: Some(principal.app),
            user: principal.user,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn bearer_tokens_are_read_in_any_scheme_casing() {
        assert_eq!(bearer_token(&with("Bearer abc")), Ok("abc"));
        assert_eq!(bearer_token(&with("  bearer   abc ")), Ok("abc"));
        assert_eq!(bearer_token(&with("BEARER abc")), Ok("abc"));
        assert_eq!(bearer_token(&HeaderMap::new()), Err(NoBearer::Missing));
        assert_eq!(bearer_token(&with("Basic abc")), Err(NoBearer::NotBearer));
        assert_eq!(bearer_token(&with("Bearer ")), Err(NoBearer::NotBearer));
    }
}
