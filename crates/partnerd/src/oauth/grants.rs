//! Refresh tokens, authorization codes and device codes: issued, stored hashed, redeemed once.
//!
//! Each grant's state lives in the store as JSON under a hash of its secret. Redemption is a
//! compare-and-swap from the state the grant was read in, so of two concurrent redemptions
//! only one succeeds, on one node or many. Redeemed grants stay (as `redeemed`) until a day
//! after they expire, so a reuse is told apart from a forgery.

use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use partnerd_store::{
    AppRecord, ClientId, GrantKind, GrantRecord, GrantSwap, StoreError, TenantId, UserId,
    UserRecord,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    authenticate_client, grant_key, resolve_tenant, respond, target, ClientAuth, Endpoint,
    EntraError, Form, Issue, Target,
};
use crate::state::AppState;

/// Lifetime of authorization codes.
pub const CODE_SECS: i64 = 600;
/// Lifetime of device codes.
pub const DEVICE_CODE_SECS: i64 = 900;
/// Seconds between device-code polls that clients are told to keep.
pub const DEVICE_POLL_INTERVAL: i64 = 5;

/// The state of a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GrantState {
    /// Usable (refresh tokens, authorization codes).
    Active,
    /// A device code waiting for its user.
    Pending,
    /// A device code its user approved.
    Approved,
    /// A device code its user declined.
    Declined,
    /// Used up.
    Redeemed,
}

/// What every grant records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantPayload {
    /// Where it stands.
    pub state: GrantState,
    /// Client id it was issued to.
    pub client: ClientId,
    /// Tenant id it belongs to, empty while a device code may still go to any tenant.
    pub tenant: String,
    /// The user's object id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// Audience and scope of the tokens it yields.
    pub target: Target,
    /// Endpoint shape it was issued on.
    pub endpoint: Endpoint,
    /// Authorization codes: where the code was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Authorization codes: the PKCE challenge and its method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<(String, String)>,
    /// Authorization codes: the OIDC nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Device codes: the code the user types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_code: Option<String>,
    /// Refresh tokens: issued to a client that proved itself with its secret, so redeeming
    /// needs the secret too.
    #[serde(default)]
    pub confidential: bool,
    /// Refresh tokens: the family of every token rotated from one sign-in, revoked whole when
    /// one of them is presented twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

impl GrantPayload {
    fn json(&self) -> Result<String, EntraError> {
        serde_json::to_string(self).map_err(EntraError::grant_encoding_failed)
    }
}

/// A new random secret with a recognisable prefix.
fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

async fn store_grant(
    state: &AppState,
    kind: GrantKind,
    key: String,
    payload: &GrantPayload,
    lifetime: i64,
) -> Result<(), EntraError> {
    Ok(state
        .store
        .put_grant(GrantRecord {
            kind,
            key,
            payload: payload.json()?,
            expires_at: state.clock.now_secs() + lifetime,
        })
        .await?)
}

/// A grant, its payload, and whether it has expired.
async fn load(
    state: &AppState,
    kind: GrantKind,
    key: &str,
) -> Result<Option<(GrantRecord, GrantPayload, bool)>, EntraError> {
    let Some(record) = state.store.grant(kind, key).await? else {
        return Ok(None);
    };
    let payload: GrantPayload =
        serde_json::from_str(&record.payload).map_err(EntraError::grant_unreadable)?;
    let expired = record.expires_at <= state.clock.now_secs();
    Ok(Some((record, payload, expired)))
}

/// Moves a grant from the state it was read in to `next`; false if someone else moved it first.
async fn advance(
    state: &AppState,
    record: &GrantRecord,
    next: GrantPayload,
) -> Result<bool, EntraError> {
    Ok(state
        .store
        .swap_grant(
            record.kind,
            &record.key,
            GrantSwap {
                expected: &record.payload,
                new: &next.json()?,
            },
        )
        .await?)
}

/// Marks a single-use grant redeemed; `already` is the error when another request redeemed it
/// first.
async fn redeem(
    state: &AppState,
    record: &GrantRecord,
    payload: &GrantPayload,
    already: impl FnOnce() -> EntraError,
) -> Result<(), EntraError> {
    let redeemed = GrantPayload {
        state: GrantState::Redeemed,
        ..payload.clone()
    };
    if advance(state, record, redeemed).await? {
        Ok(())
    } else {
        Err(already())
    }
}

async fn user_of(state: &AppState, payload: &GrantPayload) -> Result<UserRecord, EntraError> {
    let users = match TenantId::parse(&payload.tenant) {
        Ok(tenant) => state.store.users_of(&tenant).await?,
        Err(_) => Vec::new(),
    };
    users
        .into_iter()
        .find(|u| Some(&u.object_id) == payload.user.as_ref())
        .ok_or_else(EntraError::grant_user_gone)
}

fn check_client(payload: &GrantPayload, app: &AppRecord, what: &str) -> Result<(), EntraError> {
    if payload.client != app.client_id {
        return Err(EntraError::issued_to_another_client(what));
    }
    Ok(())
}

/// Issues and stores a refresh token for a user of an app, in the family the issue
/// continues (or a new one).
pub async fn issue_refresh_token(
    state: &AppState,
    issue: &Issue<'_>,
    user: &UserRecord,
) -> Result<String, EntraError> {
    let token = new_secret("pdrt");
    let payload = GrantPayload {
        state: GrantState::Active,
        client: issue.app.client_id.clone(),
        tenant: user.tenant_id.to_string(),
        user: Some(user.object_id.clone()),
        target: issue.target.clone(),
        endpoint: issue.endpoint,
        redirect_uri: None,
        challenge: None,
        nonce: None,
        user_code: None,
        confidential: issue.confidential,
        family: Some(
            issue
                .family
                .clone()
                .unwrap_or_else(|| grant_key(&new_secret("pdrf"))),
        ),
    };
    store_grant(
        state,
        GrantKind::Refresh,
        grant_key(&token),
        &payload,
        state.settings.refresh_token_secs,
    )
    .await?;
    Ok(token)
}

/// The `refresh_token` grant: the token is rotated (the old one stops working).
pub async fn redeem_refresh_token(
    state: &AppState,
    tenant: &str,
    form: &Form,
    endpoint: Endpoint,
    base: String,
) -> Result<Response, EntraError> {
    let tenant = resolve_tenant(state, tenant, true).await?;
    let token = form.require("refresh_token")?;
    let (record, payload, expired) = load(state, GrantKind::Refresh, &grant_key(token))
        .await?
        .ok_or_else(|| EntraError::grant_not_valid("refresh_token"))?;
    if !tenant.admits(&payload.tenant) {
        return Err(EntraError::issued_in_another_tenant("refresh token"));
    }
    // A token issued to a client that proved itself with its secret is bound to that secret.
    let auth = if payload.confidential {
        ClientAuth::Secret
    } else {
        ClientAuth::SecretIfSent
    };
    let app = authenticate_client(state, form, &payload.tenant, auth).await?;
    check_client(&payload, &app, "refresh token")?;
    if payload.state != GrantState::Active {
        // Presented twice: whoever holds the other copy may be an attacker, so the whole
        // family goes (OAuth 2.0 Security BCP, refresh token rotation).
        revoke_family(state, &payload).await?;
        return Err(EntraError::refresh_token_reused());
    }
    if family_revoked(state, &payload).await? {
        return Err(EntraError::refresh_token_revoked());
    }
    if expired {
        return Err(EntraError::refresh_token_expired());
    }
    // A new audience or scope may be asked for; otherwise the grant's own is used.
    let wanted = match endpoint {
        Endpoint::V1 if form.get("resource").is_some() => target(state, form, endpoint)?,
        Endpoint::V2 if form.get("scope").is_some() => target(state, form, endpoint)?,
        _ => payload.target.clone(),
    };
    let user = user_of(state, &payload).await?;
    if redeem(state, &record, &payload, EntraError::refresh_token_reused)
        .await
        .is_err()
    {
        // Another request redeemed it a moment ago: presented twice all the same.
        revoke_family(state, &payload).await?;
        return Err(EntraError::refresh_token_reused());
    }
    let target = Target {
        offline: true,
        ..wanted
    };
    respond(
        state,
        Issue {
            endpoint,
            base,
            target,
            app: &app,
            user: Some(&user),
            nonce: None,
            confidential: payload.confidential,
            family: payload.family.clone(),
        },
    )
    .await
}

/// Revokes the refresh-token family of `payload`: from now on no token of it is redeemed.
/// The mark outlives every token of the family (none lives longer than the refresh-token
/// lifetime from now).
async fn revoke_family(state: &AppState, payload: &GrantPayload) -> Result<(), EntraError> {
    let Some(family) = &payload.family else {
        return Ok(());
    };
    if family_revoked(state, payload).await? {
        return Ok(());
    }
    let mark = GrantRecord {
        kind: GrantKind::RevokedFamily,
        key: family.clone(),
        payload: payload.json()?,
        expires_at: state.clock.now_secs() + state.settings.refresh_token_secs,
    };
    match state.store.put_grant(mark).await {
        // Two requests revoking at once: the other one's mark does the job.
        Ok(()) | Err(StoreError::Duplicate(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Whether the refresh-token family of `payload` was revoked.
async fn family_revoked(state: &AppState, payload: &GrantPayload) -> Result<bool, EntraError> {
    let Some(family) = &payload.family else {
        return Ok(false);
    };
    Ok(state
        .store
        .grant(GrantKind::RevokedFamily, family)
        .await?
        .is_some())
}

/// Stores an authorization code for a signed-in user and returns it.
pub async fn issue_code(state: &AppState, payload: GrantPayload) -> Result<String, EntraError> {
    let code = new_secret("pdac");
    store_grant(
        state,
        GrantKind::Code,
        grant_key(&code),
        &payload,
        CODE_SECS,
    )
    .await?;
    Ok(code)
}

/// Whether a PKCE verifier answers a challenge.
pub fn pkce_matches(verifier: &str, challenge: &str, method: &str) -> bool {
    if method.eq_ignore_ascii_case("plain") {
        return verifier == challenge;
    }
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// The `authorization_code` grant.
pub async fn redeem_code(
    state: &AppState,
    tenant: &str,
    form: &Form,
    endpoint: Endpoint,
    base: String,
) -> Result<Response, EntraError> {
    let tenant = resolve_tenant(state, tenant, true).await?;
    let code = form.require("code")?;
    let (record, payload, expired) = load(state, GrantKind::Code, &grant_key(code))
        .await?
        .ok_or_else(|| EntraError::grant_not_valid("code"))?;
    if !tenant.admits(&payload.tenant) {
        return Err(EntraError::issued_in_another_tenant("code"));
    }
    // A public client proves itself with PKCE instead of a secret.
    let auth = if payload.challenge.is_some() {
        ClientAuth::SecretIfSent
    } else {
        ClientAuth::Secret
    };
    let app = authenticate_client(state, form, &payload.tenant, auth).await?;
    check_client(&payload, &app, "code")?;
    if payload.state != GrantState::Active {
        return Err(EntraError::code_redeemed());
    }
    if expired {
        return Err(EntraError::code_expired());
    }
    if form.get("redirect_uri") != payload.redirect_uri.as_deref() {
        return Err(EntraError::redirect_uri_mismatch());
    }
    if let Some((challenge, method)) = &payload.challenge {
        let verifier = form.get("code_verifier").unwrap_or_default();
        if !pkce_matches(verifier, challenge, method) {
            return Err(EntraError::pkce_mismatch());
        }
    }
    let user = user_of(state, &payload).await?;
    redeem(state, &record, &payload, EntraError::code_redeemed).await?;
    let nonce = payload.nonce.clone();
    respond(
        state,
        Issue {
            endpoint,
            base,
            target: payload.target.clone(),
            app: &app,
            user: Some(&user),
            nonce,
            confidential: form.client()?.1.is_some(),
            family: None,
        },
    )
    .await
}

/// A user code: eight letters without look-alikes, as `ABCD-EFGH`.
fn new_user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::thread_rng();
    let mut bytes = [0u8; 8];
    rng.fill_bytes(&mut bytes);
    let letters: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// Folds a user code as typed (any case, with or without the hyphen or spaces).
pub fn fold_user_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// A new device code and its user code.
pub async fn issue_device_code(
    state: &AppState,
    payload: GrantPayload,
) -> Result<(String, String), EntraError> {
    let device_code = new_secret("pddc");
    let user_code = new_user_code();
    let key = grant_key(&device_code);
    let payload = GrantPayload {
        user_code: Some(user_code.clone()),
        ..payload
    };
    store_grant(
        state,
        GrantKind::Device,
        key.clone(),
        &payload,
        DEVICE_CODE_SECS,
    )
    .await?;
    let pointer = serde_json::json!({"device": key}).to_string();
    state
        .store
        .put_grant(GrantRecord {
            kind: GrantKind::UserCode,
            key: fold_user_code(&user_code),
            payload: pointer,
            expires_at: state.clock.now_secs() + DEVICE_CODE_SECS,
        })
        .await?;
    Ok((device_code, user_code))
}

/// Approves (or declines) the device code a user typed, for that user.
pub async fn decide_device_code(
    state: &AppState,
    user_code: &str,
    user: &UserRecord,
    approve: bool,
) -> Result<(), EntraError> {
    let invalid = EntraError::user_code_not_valid;
    let pointer = state
        .store
        .grant(GrantKind::UserCode, &fold_user_code(user_code))
        .await?
        .ok_or_else(invalid)?;
    let device_key = serde_json::from_str::<serde_json::Value>(&pointer.payload)
        .ok()
        .and_then(|v| v["device"].as_str().map(str::to_owned))
        .ok_or_else(invalid)?;
    let (record, payload, expired) = load(state, GrantKind::Device, &device_key)
        .await?
        .ok_or_else(invalid)?;
    if expired || payload.state != GrantState::Pending {
        return Err(invalid());
    }
    if !payload.tenant.is_empty() && user.tenant_id != payload.tenant.as_str() {
        return Err(EntraError::user_in_another_tenant());
    }
    let next = GrantPayload {
        state: if approve {
            GrantState::Approved
        } else {
            GrantState::Declined
        },
        tenant: user.tenant_id.to_string(),
        user: Some(user.object_id.clone()),
        ..payload.clone()
    };
    if advance(state, &record, next).await? {
        Ok(())
    } else {
        Err(invalid())
    }
}

/// The device-code grant: polled until the user decides.
pub async fn redeem_device_code(
    state: &AppState,
    tenant: &str,
    form: &Form,
    endpoint: Endpoint,
    base: String,
) -> Result<Response, EntraError> {
    let tenant = resolve_tenant(state, tenant, true).await?;
    let code = form
        .get("device_code")
        .or_else(|| form.get("code"))
        .ok_or_else(|| EntraError::missing("device_code"))?;
    let (record, payload, expired) = load(state, GrantKind::Device, &grant_key(code))
        .await?
        .ok_or_else(|| EntraError::grant_not_valid("device_code"))?;
    let (client_id, _) = form.client()?;
    if payload.client != client_id.as_str() {
        return Err(EntraError::device_code_to_another_client());
    }
    if payload.state == GrantState::Redeemed {
        return Err(EntraError::device_code_redeemed());
    }
    if expired {
        return Err(EntraError::device_code_expired());
    }
    match payload.state {
        GrantState::Pending => {
            return Err(EntraError::authorization_pending());
        }
        GrantState::Declined => {
            return Err(EntraError::authorization_declined());
        }
        _ => {}
    }
    if !tenant.admits(&payload.tenant) {
        return Err(EntraError::issued_in_another_tenant("device code"));
    }
    let app = authenticate_client(state, form, &payload.tenant, ClientAuth::SecretIfSent).await?;
    let user = user_of(state, &payload).await?;
    redeem(state, &record, &payload, EntraError::device_code_redeemed).await?;
    respond(
        state,
        Issue {
            endpoint,
            base,
            target: payload.target.clone(),
            app: &app,
            user: Some(&user),
            nonce: None,
            confidential: form.client()?.1.is_some(),
            family: None,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_and_plain() {
        // Challenge computed independently (base64url of SHA-256 of the verifier).
        let verifier = "dBjftJeZ4CVP-mJ92K1qUdaVeUk7PuWOPeZ5cJyW8ss";
        assert!(pkce_matches(
            verifier,
            "HMrzltZWELX4joYSDnfS33vXzvg1o-bV_xKqj3TI0O0",
            "S256"
        ));
        assert!(!pkce_matches(
            "other",
            "HMrzltZWELX4joYSDnfS33vXzvg1o-bV_xKqj3TI0O0",
            "S256"
        ));
        assert!(pkce_matches("abc", "abc", "plain"));
    }

    #[test]
    fn user_codes_fold() {
        let code = new_user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(
            fold_user_code(&code.to_lowercase().replace('-', " ")),
            fold_user_code(&code)
        );
    }
}
