//! Token signing keys: kept in the store so every node signs and validates alike.

use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use partnerd_store::{DynStore, SigningKeyRecord, StoreError};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One usable key: its RSA halves, and the same as `jsonwebtoken` keys, made once.
pub struct LoadedKey {
    /// JWT `kid`.
    pub kid: String,
    /// Signing half.
    pub private: RsaPrivateKey,
    /// Verifying half.
    pub public: RsaPublicKey,
    encoding: jsonwebtoken::EncodingKey,
    decoding: jsonwebtoken::DecodingKey,
}

impl LoadedKey {
    /// A key under a `kid`.
    pub fn new(kid: String, private: RsaPrivateKey) -> Result<Self, String> {
        let public = RsaPublicKey::from(&private);
        let der = private.to_pkcs1_der().map_err(|e| e.to_string())?;
        Ok(Self {
            kid,
            encoding: jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
            decoding: jsonwebtoken::DecodingKey::from_rsa_raw_components(
                &public.n().to_bytes_be(),
                &public.e().to_bytes_be(),
            ),
            public,
            private,
        })
    }

    /// The signing half, for `jsonwebtoken`.
    pub fn encoding(&self) -> &jsonwebtoken::EncodingKey {
        &self.encoding
    }

    /// The verifying half, for `jsonwebtoken`.
    pub fn decoding(&self) -> &jsonwebtoken::DecodingKey {
        &self.decoding
    }
}

/// A JSON Web Key as published at the JWKS endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Jwk {
    kty: &'static str,
    #[serde(rename = "use")]
    use_: &'static str,
    alg: &'static str,
    kid: String,
    n: String,
    e: String,
}

/// `{"keys": [...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct JwkSet {
    keys: Vec<Jwk>,
}

/// The keys of the store, cached; reloaded when a token names an unknown `kid`.
pub struct KeyRing {
    store: DynStore,
    keys: RwLock<std::sync::Arc<Vec<std::sync::Arc<LoadedKey>>>>,
    last_reload: Mutex<Instant>,
    /// When an unknown `kid` last caused a reload; `None` until one has, so the first unknown
    /// `kid` (a key another node made a moment ago) is looked up at once. An async lock:
    /// requests that miss together wait for the one reload rather than fail beside it.
    last_miss: tokio::sync::Mutex<Option<Instant>>,
}

/// Generates a new 2048-bit RSA signing key record.
pub fn generate_key() -> Result<SigningKeyRecord, String> {
    let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| e.to_string())?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    let der = RsaPublicKey::from(&private)
        .to_public_key_der()
        .map_err(|e| e.to_string())?;
    // Hex rather than base64url: a `kid` starting with `-` would read as a flag in
    // `partnerd keys retire KID`.
    let kid: String = Sha256::digest(der.as_bytes())[..20]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let created_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    Ok(SigningKeyRecord {
        kid,
        private_pem: pem.to_string(),
        created_at,
    })
}

fn load(record: &SigningKeyRecord) -> Option<LoadedKey> {
    let private = RsaPrivateKey::from_pkcs8_pem(&record.private_pem).ok()?;
    LoadedKey::new(record.kid.clone(), private).ok()
}

/// How often an unknown `kid` may trigger a reload from the store.
const RELOAD_INTERVAL: Duration = Duration::from_secs(1);
/// How old the cached keys may grow before they are reloaded: a key rotated or retired on
/// any node takes effect everywhere within this time.
const MAX_AGE: Duration = Duration::from_secs(10);

impl KeyRing {
    /// Loads the store's keys, creating the first one if there is none.
    pub async fn open(store: DynStore) -> Result<Self, StoreError> {
        if store.signing_keys().await?.is_empty() {
            let key = generate_key().map_err(StoreError::Internal)?;
            store.add_signing_key(key).await?;
        }
        let ring = Self {
            store,
            keys: RwLock::new(Default::default()),
            last_reload: Mutex::new(Instant::now()),
            last_miss: tokio::sync::Mutex::new(None),
        };
        ring.reload().await?;
        Ok(ring)
    }

    /// Reloads the active keys from the store now.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let records = self.store.signing_keys().await?;
        let loaded: Vec<_> = records
            .iter()
            .filter_map(load)
            .map(std::sync::Arc::new)
            .collect();
        if let Ok(mut keys) = self.keys.write() {
            *keys = std::sync::Arc::new(loaded);
        }
        Ok(())
    }

    fn snapshot(&self) -> std::sync::Arc<Vec<std::sync::Arc<LoadedKey>>> {
        self.keys.read().map(|k| k.clone()).unwrap_or_default()
    }

    /// The key that signs new tokens: the newest.
    pub fn signer(&self) -> Option<std::sync::Arc<LoadedKey>> {
        self.snapshot().first().cloned()
    }

    /// Reloads the keys if they are older than [`MAX_AGE`].
    pub async fn refresh_if_stale(&self) {
        let due = match self.last_reload.lock() {
            Ok(mut last) if last.elapsed() >= MAX_AGE => {
                *last = Instant::now();
                true
            }
            _ => false,
        };
        if due {
            if let Err(e) = self.reload().await {
                tracing::warn!(error = %e, "signing keys could not be reloaded");
            }
        }
    }

    /// Whether a key with this `kid` is (still) active.
    pub fn knows(&self, kid: &str) -> bool {
        self.snapshot().iter().any(|k| k.kid == kid)
    }

    /// The key with this `kid`, reloading from the store (at most once a second) if unknown.
    pub async fn find(&self, kid: &str) -> Option<std::sync::Arc<LoadedKey>> {
        if let Some(k) = self.snapshot().iter().find(|k| k.kid == kid) {
            return Some(k.clone());
        }
        let mut last = self.last_miss.lock().await;
        // Another request may have reloaded while this one waited.
        if let Some(k) = self.snapshot().iter().find(|k| k.kid == kid) {
            return Some(k.clone());
        }
        if last.is_none_or(|at| at.elapsed() >= RELOAD_INTERVAL) {
            *last = Some(Instant::now());
            if self.reload().await.is_ok() {
                return self.snapshot().iter().find(|k| k.kid == kid).cloned();
            }
        }
        None
    }

    /// The public keys, for the JWKS endpoint.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .snapshot()
                .iter()
                .map(|k| Jwk {
                    kty: "RSA",
                    use_: "sig",
                    alg: "RS256",
                    kid: k.kid.clone(),
                    n: URL_SAFE_NO_PAD.encode(k.public.n().to_bytes_be()),
                    e: URL_SAFE_NO_PAD.encode(k.public.e().to_bytes_be()),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kids_are_hex_so_no_command_line_reads_them_as_flags() {
        let key = super::generate_key().unwrap();
        assert_eq!(key.kid.len(), 40);
        assert!(
            key.kid.bytes().all(|b| b.is_ascii_hexdigit()),
            "{}",
            key.kid
        );
    }
}
