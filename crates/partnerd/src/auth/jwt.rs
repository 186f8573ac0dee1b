//! RS256 JSON Web Tokens, signed and verified with the `jsonwebtoken` crate.
//!
//! Only RS256 is accepted: `alg: none`, HMAC algorithms and anything else are refused before
//! a key is even looked up, so no key confusion is possible. The one reading done without
//! the crate is [`decode_any`], for `--auth claims`, which is documented to read the claims
//! of a token of any algorithm, `none` and names the crate does not know included.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde::Serialize;

use super::claims::Claims;
use super::keys::{KeyRing, LoadedKey};

/// Signs any claims (access or ID token) with a key.
pub fn sign<C: Serialize>(claims: &C, key: &LoadedKey) -> Result<String, String> {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, key.encoding()).map_err(|e| e.to_string())
}

/// Splits a token and decodes its claims without checking the signature or the algorithm:
/// the `claims` validation mode, where tests mint tokens of their own.
pub fn decode_any(token: &str) -> Result<Claims, String> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload)) = (parts.next(), parts.next()) else {
        return Err("the token is not a JWT".to_owned());
    };
    URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| "the token claims are unreadable".to_owned())
}

/// What the crate checks besides the signature: nothing. partnerd checks the times,
/// audience and issuer itself ([`super::check_claims`]), to answer each failure with the
/// contract's words.
fn signature_only() -> Validation {
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    v
}

/// Splits an RS256 token and decodes its `kid` and claims without checking the signature.
pub fn decode_unverified(token: &str) -> Result<(String, Claims), String> {
    if token.split('.').count() != 3 {
        return Err("the token is not a JWT".to_owned());
    }
    let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
        ErrorKind::InvalidToken => "the token is not a JWT".to_owned(),
        // An algorithm the crate has no name for reads as an unreadable header.
        _ => "the token header is unreadable (or names an unknown algorithm)".to_owned(),
    })?;
    if header.alg != Algorithm::RS256 {
        return Err(format!(
            "the token algorithm {:?} is not accepted",
            header.alg
        ));
    }
    let mut unverified = signature_only();
    unverified.insecure_disable_signature_validation();
    let data = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&[]), &unverified)
        .map_err(|_| "the token claims are unreadable".to_owned())?;
    Ok((header.kid.unwrap_or_default(), data.claims))
}

/// Verifies the signature of a token and returns its claims.
pub async fn verify(token: &str, keys: &KeyRing) -> Result<Claims, String> {
    let (kid, _) = decode_unverified(token)?;
    let key = keys
        .find(&kid)
        .await
        .ok_or_else(|| "the token is signed with an unknown key".to_owned())?;
    jsonwebtoken::decode::<Claims>(token, key.decoding(), &signature_only())
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::Base64(_) => "the token signature is unreadable".to_owned(),
            _ => "the token signature is invalid".to_owned(),
        })
}
