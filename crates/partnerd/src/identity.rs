//! Partners and their credentials: secret generation, hashing, provisioning.
//!
//! Secrets and passwords are stored only as argon2id hashes (PHC strings), compared in
//! constant time. The functions here hash and check on the calling thread, allocating
//! argon2's 19 MiB afresh each time: they serve provisioning and tools. A server checks
//! through [`crate::auth::hashing::Hasher`], which does the same check off the async workers
//! in reused memory.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use partnerd_store::{
    AppRecord, ClientId, NewPartner, PartnerKind, PartnerRecord, Store, StoreError, TenantId,
    UserId, UserRecord, ValidationCodeRecord,
};
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use serde::Serialize;

/// Hashes a secret or password, on the calling thread. Only provisioning and the command
/// line hash new secrets; no request does.
pub fn hash_secret(secret: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand::thread_rng());
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `secret` matches a stored hash, on the calling thread; `false` for a hash that
/// cannot be read.
pub fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A one-way hash of a password partnerd generated itself: salted SHA-256, as a PHC-style
/// string `$sha256$<salt>$<hash>`. A generated password has about 119 bits of entropy, so a
/// fast hash is as safe as a slow one here and keeps creating customers cheap; passwords and
/// secrets that people choose or hold long-term go through [`hash_secret`] (argon2id).
pub fn hash_generated(secret: &str) -> String {
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let salt: [u8; 16] = rand::random();
    let mut h = Sha256::new();
    h.update(salt);
    h.update(secret.as_bytes());
    format!(
        "$sha256${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(h.finalize())
    )
}

/// A random client secret: 40 characters from letters, digits, `~`, `.`, `_` and `-`, never
/// beginning with `-`.
pub fn generate_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
    // A leading `-` would make `--client-secret VALUE` read the secret as a flag, so the first
    // character comes from the alphabet without it (`-` is last).
    let mut rng = rand::thread_rng();
    (0..40)
        .map(|i| {
            let choices = if i == 0 {
                ALPHABET.len() - 1
            } else {
                ALPHABET.len()
            };
            ALPHABET[rng.gen_range(0..choices)] as char
        })
        .collect()
}

/// A random password of 20 characters with upper case, lower case, digits and a symbol. It
/// begins with an upper-case letter, so never with `-`.
pub fn generate_password() -> String {
    let mut rng = rand::thread_rng();
    let body = Alphanumeric.sample_string(&mut rng, 16);
    let upper = rng.gen_range(b'A'..=b'Z') as char;
    let lower = rng.gen_range(b'a'..=b'z') as char;
    let digit = rng.gen_range(b'0'..=b'9') as char;
    let symbol = ['!', '#', '%', '*', '+', '=', '?', '@'][rng.gen_range(0..8)];
    format!("{upper}{body}{lower}{digit}{symbol}")
}

/// What `partner create` prints: the new partner and its credentials, shown once.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionedPartner {
    /// Tenant id.
    pub tenant_id: String,
    /// Name.
    pub name: String,
    /// `sandbox` or `production`.
    pub kind: PartnerKind,
    /// Verified domain, usable in token URLs instead of the tenant id.
    pub domain: String,
    /// Customer cap (sandbox only; 0 = none).
    pub customer_cap: u32,
    /// App client id.
    pub client_id: String,
    /// App client secret.
    pub client_secret: String,
    /// User principal name of the partner's admin user (MFA registered).
    pub user_name: String,
    /// That user's object id: the `oid` of its tokens, for tests that mint their own in
    /// `--auth claims` mode.
    pub user_object_id: String,
    /// That user's password.
    pub user_password: String,
}

impl ProvisionedPartner {
    /// The tenant id, typed.
    pub fn tenant(&self) -> TenantId {
        TenantId::from_stored(self.tenant_id.clone())
    }

    /// The app's client id, typed.
    pub fn client(&self) -> ClientId {
        ClientId::from_stored(self.client_id.clone())
    }
}

/// What `partner reset-secret` prints: a partner's new app secret and user password, shown
/// once.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetCredentials {
    /// The partner's tenant id.
    pub tenant_id: String,
    /// The app whose secret was replaced.
    pub client_id: String,
    /// Its new secret.
    pub client_secret: String,
    /// The user whose password was replaced.
    pub user_name: String,
    /// Their new password.
    pub user_password: String,
}

/// Gives `app` a new client secret and `user` a new password, storing only their hashes; the
/// old secret and password stop working at once.
///
/// The secret is written before the password. If the second write fails the app already has
/// a secret nobody has seen, so the error says so; running the reset again recovers.
pub async fn reset_credentials(
    store: &dyn Store,
    app: &AppRecord,
    user: &UserRecord,
) -> Result<ResetCredentials, StoreError> {
    let client_secret = generate_secret();
    let user_password = generate_password();
    let secret_hash = hash_secret(&client_secret).map_err(StoreError::Internal)?;
    let password_hash = hash_secret(&user_password).map_err(StoreError::Internal)?;
    if !store.set_app_secret(&app.client_id, &secret_hash).await? {
        return Err(StoreError::Internal(format!(
            "the app {} no longer exists",
            app.client_id
        )));
    }
    let written = match store
        .set_user_password(&user.object_id, &password_hash)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("the user {} no longer exists", user.upn)),
        Err(e) => Err(e.to_string()),
    };
    if let Err(why) = written {
        return Err(StoreError::Internal(format!(
            "the app's secret was replaced but the user's password was not ({why}); run the reset again"
        )));
    }
    Ok(ResetCredentials {
        tenant_id: app.tenant_id.to_string(),
        client_id: app.client_id.to_string(),
        client_secret,
        user_name: user.upn.clone(),
        user_password,
    })
}

/// A partner's first app and first user (the ones `partner create` made), either missing when
/// the partner has none: whom the control plane and `--auth off` act as.
pub async fn first_app_and_user(
    store: &dyn Store,
    tenant: &partnerd_store::TenantId,
) -> Result<(Option<AppRecord>, Option<UserRecord>), StoreError> {
    let app = store.apps_of(tenant).await?.into_iter().next();
    let user = store.users_of(tenant).await?.into_iter().next();
    Ok((app, user))
}

/// The default cap of sandbox partners, as in the integration sandbox.
pub const DEFAULT_SANDBOX_CAP: u32 = 75;

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .take(20)
        .collect();
    if s.is_empty() {
        "partner".to_owned()
    } else {
        s
    }
}

/// How many customers the GCC validation code seeded for a sandbox partner may qualify.
pub const SEEDED_CODE_CREATES: u32 = 5;

/// A sandbox partner starts with one GCC validation code, so a GovernmentCommunityCloud
/// qualification can be tried at once; a production partner gets its codes from the control
/// plane, as a real one gets them from Microsoft's eligibility form.
pub fn seeded_validation_codes(
    store: &dyn Store,
    kind: PartnerKind,
    name: &str,
) -> Vec<ValidationCodeRecord> {
    match kind {
        PartnerKind::Production => Vec::new(),
        PartnerKind::Sandbox => vec![ValidationCodeRecord {
            validation_id: uuid::Uuid::new_v4().to_string(),
            organization_name: name.to_owned(),
            max_creates: SEEDED_CODE_CREATES,
            remaining_creates: SEEDED_CODE_CREATES,
            changed_at: store.clock().now_secs(),
        }],
    }
}

/// Creates a partner with one app and one MFA-registered user.
pub async fn provision_partner(
    store: &dyn Store,
    name: &str,
    kind: PartnerKind,
    customer_cap: Option<u32>,
) -> Result<ProvisionedPartner, StoreError> {
    let customer_cap = match kind {
        PartnerKind::Sandbox => customer_cap.unwrap_or(DEFAULT_SANDBOX_CAP),
        PartnerKind::Production => customer_cap.unwrap_or(0),
    };
    let client_secret = generate_secret();
    let user_password = generate_password();
    let secret_hash = hash_secret(&client_secret).map_err(StoreError::Internal)?;
    let password_hash = hash_secret(&user_password).map_err(StoreError::Internal)?;
    let base = slug(name);
    let mut attempt = 0;
    loop {
        let tenant_id = TenantId::random();
        let domain = if attempt == 0 {
            format!("{base}.onmicrosoft.com")
        } else {
            format!(
                "{base}{:04}.onmicrosoft.com",
                rand::thread_rng().gen_range(0..10_000)
            )
        };
        // A customer's domain can never be a partner's as well: pick another.
        if store.domain_taken(&domain).await? {
            if attempt >= 20 {
                return Err(StoreError::Duplicate(format!("partner domain {domain}")));
            }
            attempt += 1;
            continue;
        }
        let client_id = ClientId::random();
        let user_id = UserId::random();
        let user_name = format!("admin@{domain}");
        let new = NewPartner {
            partner: PartnerRecord {
                tenant_id: tenant_id.clone(),
                name: name.to_owned(),
                mpn_id: rand::thread_rng()
                    .gen_range(1_000_000..10_000_000)
                    .to_string(),
                kind,
                customer_cap,
                domain: domain.clone(),
            },
            apps: vec![AppRecord {
                client_id: client_id.clone(),
                tenant_id: tenant_id.clone(),
                name: format!("{name} app"),
                secret_hash: secret_hash.clone(),
            }],
            users: vec![UserRecord {
                object_id: user_id.clone(),
                tenant_id: tenant_id.clone(),
                upn: user_name.clone(),
                password_hash: password_hash.clone(),
                mfa: true,
            }],
            validation_codes: seeded_validation_codes(store, kind, name),
        };
        match store.create_partner(new).await {
            Ok(()) => {
                return Ok(ProvisionedPartner {
                    tenant_id: tenant_id.into_string(),
                    name: name.to_owned(),
                    kind,
                    domain,
                    customer_cap,
                    client_id: client_id.into_string(),
                    client_secret,
                    user_name,
                    user_object_id: user_id.into_string(),
                    user_password,
                })
            }
            Err(StoreError::Duplicate(_)) if attempt < 20 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_secret() {
        let h = hash_secret("s3cret").unwrap();
        assert!(verify_secret("s3cret", &h));
        assert!(!verify_secret("s3cret!", &h));
        assert!(!verify_secret("s3cret", "not a hash"));
    }

    #[test]
    fn generated_secrets_and_passwords_never_begin_with_a_dash() {
        // `-` is one character in 66 of the secret's alphabet: 20,000 secrets would begin
        // with one about 300 times if the first character were drawn like the others.
        for _ in 0..20_000 {
            let secret = generate_secret();
            assert_eq!(secret.len(), 40);
            assert!(!secret.starts_with('-'), "{secret}");
        }
        for _ in 0..2_000 {
            let password = generate_password();
            assert!(!password.starts_with('-'), "{password}");
        }
    }

    #[test]
    fn generated_passwords_are_strong() {
        let p = generate_password();
        assert!(p.len() >= 16);
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert_ne!(generate_password(), p);
    }
}
