//! The claims of the access tokens partnerd mints and accepts.

use serde::{Deserialize, Serialize};

/// Claims of an Entra-style v1.0 access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Audience: the Partner Center API.
    pub aud: String,
    /// Issuer: `https://sts.windows.net/{tid}/`.
    pub iss: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
    /// Client id of the app.
    pub appid: String,
    /// `1`: the app authenticated with a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appidacr: Option<String>,
    /// Authentication methods of the user (`pwd`, `mfa`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// `app` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    /// Object id of the user, or of the app for app-only tokens.
    pub oid: String,
    /// Delegated scopes (`user_impersonation`): present only on app+user tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// Subject.
    pub sub: String,
    /// Tenant id of the partner.
    pub tid: String,
    /// User principal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// User name, as Entra repeats it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    /// Unique token id.
    #[serde(default)]
    pub uti: String,
    /// Token format version.
    #[serde(default)]
    pub ver: String,
}

impl Claims {
    /// Whether the token speaks for a user (app+user) rather than an app alone.
    pub fn is_app_user(&self) -> bool {
        self.scp.is_some() || self.upn.is_some()
    }

    /// Whether the user signed in with multi-factor authentication.
    pub fn has_mfa(&self) -> bool {
        self.amr
            .as_ref()
            .is_some_and(|amr| amr.iter().any(|m| m.eq_ignore_ascii_case("mfa")))
    }
}
