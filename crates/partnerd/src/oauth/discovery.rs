//! Discovery: OIDC configuration documents (v1 and v2), user-realm discovery and the JWKS.
//!
//! The documents name this server's own endpoints, built from the `Host` the client used, and
//! always advertise the tenant id (even when the path named a domain), because clients such
//! as MSAL take the tenant of the token endpoint as the account's realm.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::{base_url, resolve_tenant, TenantRef};
use crate::http::params::Segment;
use crate::state::AppState;

#[derive(Serialize)]
struct OpenIdConfiguration {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    device_authorization_endpoint: String,
    jwks_uri: String,
    token_endpoint_auth_methods_supported: [&'static str; 2],
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; 5],
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: [&'static str; 1],
    scopes_supported: [&'static str; 4],
    code_challenge_methods_supported: [&'static str; 2],
    claims_supported: [&'static str; 10],
    tenant_region_scope: Option<String>,
    cloud_instance_name: &'static str,
}

async fn configuration(state: &AppState, headers: &HeaderMap, tenant: &str, v2: bool) -> Response {
    let tenant_id = match resolve_tenant(state, tenant, true).await {
        Ok(TenantRef::Partner(p)) => p.tenant_id.into_string(),
        Ok(TenantRef::Any) => tenant.to_owned(),
        Err(e) => return e.into_response(),
    };
    let base = base_url(state, headers);
    let root = format!("{base}/{tenant_id}");
    let (issuer, oauth, keys) = if v2 {
        (
            format!("{root}/v2.0"),
            format!("{root}/oauth2/v2.0"),
            format!("{root}/discovery/v2.0/keys"),
        )
    } else {
        (
            state.settings.cloud.issuer(&tenant_id),
            format!("{root}/oauth2"),
            format!("{root}/discovery/keys"),
        )
    };
    Json(OpenIdConfiguration {
        issuer,
        authorization_endpoint: format!("{oauth}/authorize"),
        token_endpoint: format!("{oauth}/token"),
        device_authorization_endpoint: format!("{oauth}/devicecode"),
        jwks_uri: keys,
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: [
            "client_credentials",
            "password",
            "refresh_token",
            "authorization_code",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid", "profile", "email", "offline_access"],
        code_challenge_methods_supported: ["S256", "plain"],
        claims_supported: [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "nbf",
            "oid",
            "tid",
            "preferred_username",
            "nonce",
        ],
        tenant_region_scope: None,
        cloud_instance_name: state.settings.cloud.instance_name(),
    })
    .into_response()
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub async fn openid_configuration_v2(
    State(state): State<AppState>,
    Segment(tenant): Segment,
    headers: HeaderMap,
) -> Response {
    configuration(&state, &headers, &tenant, true).await
}

/// `GET /{tenant}/.well-known/openid-configuration`.
pub async fn openid_configuration_v1(
    State(state): State<AppState>,
    Segment(tenant): Segment,
    headers: HeaderMap,
) -> Response {
    configuration(&state, &headers, &tenant, false).await
}

#[derive(Serialize)]
struct UserRealm {
    ver: &'static str,
    account_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain_name: Option<String>,
    cloud_instance_name: &'static str,
    cloud_audience_urn: &'static str,
}

/// `GET /common/userrealm/{upn}`: every known user is a managed (password) account.
pub async fn user_realm(State(state): State<AppState>, Segment(upn): Segment) -> Response {
    let user = state.store.user_by_upn(&upn).await.ok().flatten();
    Json(UserRealm {
        ver: "1.0",
        account_type: if user.is_some() { "Managed" } else { "Unknown" },
        domain_name: upn.split_once('@').map(|(_, d)| d.to_owned()),
        cloud_instance_name: state.settings.cloud.instance_name(),
        cloud_audience_urn: "urn:federation:MicrosoftOnline",
    })
    .into_response()
}

/// `GET /{tenant}/discovery/keys` and `/{tenant}/discovery/v2.0/keys`.
pub async fn jwks(State(state): State<AppState>) -> Response {
    state.keys.refresh_if_stale().await;
    Json(state.keys.jwks()).into_response()
}
