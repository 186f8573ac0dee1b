//! RS256 JSON Web Tokens: signing and signature verification.
//!
//! Only RS256 is accepted: `alg: none`, HMAC algorithms and anything else are refused before
//! a key is even looked up, so no key confusion is possible.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::claims::Claims;
use super::keys::{KeyRing, LoadedKey};

#[derive(Serialize, Deserialize)]
struct Header {
    #[serde(default)]
    typ: Option<String>,
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// Signs any claims (access or ID token) with a key.
pub fn sign<C: Serialize>(claims: &C, key: &LoadedKey) -> Result<String, String> {
    let header = Header {
        typ: Some("JWT".to_owned()),
        alg: "RS256".to_owned(),
        kid: Some(key.kid.clone()),
    };
    let header = serde_json::to_vec(&header).map_err(|e| e.to_string())?;
    let payload = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signer = SigningKey::<Sha256>::new(key.private.clone());
    let signature = signer.sign(signing_input.as_bytes());
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
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

/// Splits an RS256 token and decodes its `kid` and claims without checking the signature.
pub fn decode_unverified(token: &str) -> Result<(String, Claims), String> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the token is not a JWT".to_owned());
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("the token header is unreadable")?;
    if header.alg != "RS256" {
        return Err(format!(
            "the token algorithm {} is not accepted",
            header.alg
        ));
    }
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("the token claims are unreadable")?;
    Ok((header.kid.unwrap_or_default(), claims))
}

/// Verifies the signature of a token and returns its claims.
pub async fn verify(token: &str, keys: &KeyRing) -> Result<Claims, String> {
    let (kid, claims) = decode_unverified(token)?;
    let key = keys
        .find(&kid)
        .await
        .ok_or_else(|| "the token is signed with an unknown key".to_owned())?;
    let (signing_input, signature) = token.rsplit_once('.').ok_or("the token is not a JWT")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|s| Signature::try_from(s.as_slice()).ok())
        .ok_or("the token signature is unreadable")?;
    VerifyingKey::<Sha256>::new(key.public.clone())
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| "the token signature is invalid".to_owned())?;
    Ok(claims)
}
