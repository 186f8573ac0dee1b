//! A domain added to a customer tenant by a registrar partner
//! (`POST /v1/customers/{id}/verifieddomain`).

use serde::{Deserialize, Serialize};

use crate::enums::{
    AuthenticationProtocol, DomainAuthenticationType, DomainCapability, DomainStatus,
    DomainVerificationMethod, PromptLoginBehavior,
};

/// A domain of a customer tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    /// The domain name (`contoso.com`); required, checked by the server so that an empty name
    /// reads as a missing one, as for every other optional-looking text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it is used for.
    pub capability: DomainCapability,
    /// Managed or federated.
    pub authentication_type: DomainAuthenticationType,
    /// Whether it is verified.
    pub status: DomainStatus,
    /// How it was verified.
    pub verification_method: DomainVerificationMethod,
    /// Whether it is the tenant's default domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Whether it is the tenant's initial (`onmicrosoft.com`) domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_initial: Option<bool>,
    /// The root domain of a subdomain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_domain: Option<String>,
}

/// How a federated domain's users sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DomainFederationSettings {
    /// The federation service's issuer.
    pub issuer_uri: String,
    /// Where sign-out goes.
    pub log_off_uri: String,
    /// Where passive (browser) sign-in goes.
    pub passive_log_on_uri: String,
    /// WS-Federation or SAML-P.
    pub preferred_authentication_protocol: AuthenticationProtocol,
    /// How prompts for fresh sign-in are handled.
    pub prompt_login_behavior: PromptLoginBehavior,
    /// The token-signing certificate, base64.
    pub signing_certificate: String,
    /// Where active (rich client) sign-in goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_log_on_uri: Option<String>,
    /// The metadata exchange endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_exchange_uri: Option<String>,
    /// The next token-signing certificate, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_signing_certificate: Option<String>,
    /// The OpenID Connect discovery endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id_connect_discovery_endpoint: Option<String>,
    /// The brand shown at sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_brand_name: Option<String>,
    /// The default interactive authentication method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_interactive_authentication_method: Option<String>,
    /// Whether the federation service performs multi-factor authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_mfa: Option<bool>,
}

/// The body of `POST /v1/customers/{id}/verifieddomain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    /// The domain's name; equal to `domain.name`.
    pub verified_domain_name: String,
    /// The domain.
    pub domain: Domain,
    /// Required when the domain is federated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_federation_settings: Option<DomainFederationSettings>,
}
