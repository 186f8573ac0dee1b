//! The Entra-shaped token service: `POST /{tenant}/oauth2/token` (v1, `resource`) and
//! `POST /{tenant}/oauth2/v2.0/token` (v2, `scope`), and the JWKS that validates its tokens.
//!
//! Grants: `client_credentials` (app-only) and `password` (app+user). Errors carry
//! `error`, `error_description` (with the AADSTS code first), `error_codes`, `timestamp`,
//! `trace_id` and `correlation_id`, as Entra sends them.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use partnerd_store::{AppRecord, PartnerRecord, UserRecord};
use serde::Serialize;

use crate::auth::{cloud, mint, TOKEN_LIFETIME_SECS};
use crate::clock::{entra_timestamp, now_secs};
use crate::identity::verify_secret;
use crate::state::AppState;

/// An Entra error response.
#[derive(Debug)]
pub struct EntraError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: String,
    correlation_id: String,
}

#[derive(Serialize)]
struct EntraErrorBody {
    error: &'static str,
    error_description: String,
    error_codes: Vec<u32>,
    timestamp: String,
    trace_id: String,
    correlation_id: String,
    error_uri: String,
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        let timestamp = entra_timestamp(now_secs());
        let trace_id = uuid::Uuid::new_v4().to_string();
        let body = EntraErrorBody {
            error: self.error,
            error_description: format!(
                "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {} Timestamp: {timestamp}",
                self.code, self.message, self.correlation_id
            ),
            error_codes: vec![self.code],
            timestamp,
            trace_id,
            correlation_id: self.correlation_id,
            error_uri: format!("https://login.microsoftonline.com/error?code={}", self.code),
        };
        (self.status, Json(body)).into_response()
    }
}

/// Which token endpoint was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    V1,
    V2,
}

#[derive(Serialize)]
struct V1Token {
    token_type: &'static str,
    expires_in: String,
    ext_expires_in: String,
    expires_on: String,
    not_before: String,
    resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    access_token: String,
}

#[derive(Serialize)]
struct V2Token {
    token_type: &'static str,
    scope: String,
    expires_in: i64,
    ext_expires_in: i64,
    access_token: String,
}

/// `POST /{tenant}/oauth2/token`.
pub async fn token_v1(
    state: State<AppState>,
    tenant: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(state, tenant, headers, body, Endpoint::V1).await
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub async fn token_v2(
    state: State<AppState>,
    tenant: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(state, tenant, headers, body, Endpoint::V2).await
}

/// `GET /{tenant}/discovery/keys` and `/{tenant}/discovery/v2.0/keys`.
pub async fn jwks(State(state): State<AppState>) -> Response {
    Json(state.keys.jwks()).into_response()
}

struct Request<'a> {
    form: HashMap<String, String>,
    correlation_id: String,
    headers: &'a HeaderMap,
}

impl Request<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.form
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn fail(
        &self,
        status: StatusCode,
        error: &'static str,
        code: u32,
        message: impl Into<String>,
    ) -> EntraError {
        EntraError {
            status,
            error,
            code,
            message: message.into(),
            correlation_id: self.correlation_id.clone(),
        }
    }

    fn require(&self, key: &str) -> Result<&str, EntraError> {
        self.get(key).ok_or_else(|| {
            self.fail(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                format!("The request body must contain the following parameter: '{key}'."),
            )
        })
    }

    /// Client id and secret from the body, or from HTTP Basic authentication.
    fn client(&self) -> Result<(String, Option<String>), EntraError> {
        if let Some(basic) = self
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Basic ")
                    .or_else(|| v.strip_prefix("basic "))
            })
        {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(basic.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
            if let Some((id, secret)) = decoded {
                return Ok((id, Some(secret)));
            }
        }
        let id = self.require("client_id")?.to_owned();
        Ok((id, self.get("client_secret").map(str::to_owned)))
    }
}

async fn token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
    endpoint: Endpoint,
) -> Response {
    let req = Request {
        form: form_urlencoded::parse(&body).into_owned().collect(),
        correlation_id: headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        headers: &headers,
    };
    match issue(&state, &tenant, &req, endpoint).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// What was asked for: the audience and, for v2, the scope string to echo.
fn requested_audience(
    req: &Request<'_>,
    endpoint: Endpoint,
) -> Result<(String, String), EntraError> {
    let invalid = |what: &str| {
        req.fail(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            format!("The resource principal named {what} was not found in the tenant."),
        )
    };
    let known = |resource: &str| {
        let r = resource.trim_end_matches('/');
        if cloud::is_partner_center_audience(r) {
            Some(cloud::PARTNER_CENTER_RESOURCE.to_owned())
        } else if cloud::is_retired_audience(r) {
            Some(cloud::RETIRED_GRAPH_RESOURCE.to_owned())
        } else {
            None
        }
    };
    match endpoint {
        Endpoint::V1 => {
            let resource = req.require("resource")?;
            let aud = known(resource).ok_or_else(|| invalid(resource))?;
            Ok((aud, String::new()))
        }
        Endpoint::V2 => {
            let scope = req.require("scope")?;
            let api_scope = scope
                .split_whitespace()
                .find(|s| !matches!(*s, "openid" | "profile" | "offline_access" | "email"))
                .ok_or_else(|| invalid(scope))?;
            let (resource, permission) = api_scope.rsplit_once('/').ok_or_else(|| {
                req.fail(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    70011,
                    format!("The provided value for the input parameter 'scope' is not valid. The scope {api_scope} is not valid."),
                )
            })?;
            if !matches!(permission, ".default" | "user_impersonation") {
                return Err(req.fail(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    70011,
                    format!("The scope {api_scope} is not valid: use {}/.default or /user_impersonation.", cloud::PARTNER_CENTER_RESOURCE),
                ));
            }
            let aud = known(resource).ok_or_else(|| invalid(resource))?;
            Ok((aud, api_scope.to_owned()))
        }
    }
}

async fn resolve_tenant(
    state: &AppState,
    tenant: &str,
) -> Result<Option<PartnerRecord>, EntraError> {
    let found = if uuid::Uuid::parse_str(tenant).is_ok() {
        state.store.partner(tenant).await
    } else {
        state.store.partner_by_domain(tenant).await
    };
    found.map_err(|e| EntraError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        error: "temporarily_unavailable",
        code: 90033,
        message: format!(
            "The token service is unavailable: {}",
            short(&e.to_string())
        ),
        correlation_id: String::new(),
    })
}

fn short(s: &str) -> &str {
    s.split(':').next().unwrap_or(s)
}

async fn issue(
    state: &AppState,
    tenant: &str,
    req: &Request<'_>,
    endpoint: Endpoint,
) -> Result<Response, EntraError> {
    let grant = req.require("grant_type")?;
    if !matches!(grant, "client_credentials" | "password") {
        return Err(req.fail(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant}'."),
        ));
    }
    let (audience, scope) = requested_audience(req, endpoint)?;
    let unavailable = |e: partnerd_store::StoreError| {
        tracing::warn!(error = %e, "token service store failure");
        req.fail(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            90033,
            "The token service is temporarily unavailable.",
        )
    };
    let any_tenant = matches!(tenant, "common" | "organizations");
    let partner = if any_tenant && grant == "password" {
        None
    } else {
        Some(
            resolve_tenant(state, tenant)
                .await?
                .ok_or_else(|| req.fail(StatusCode::BAD_REQUEST, "invalid_request", 90002, format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")))?,
        )
    };
    // The user is looked up first because with `common` it decides the tenant; the password
    // is checked only after the client has authenticated.
    let user: Option<UserRecord> = if grant == "password" {
        let upn = req.require("username")?;
        req.require("password")?;
        let user = state.store.user_by_upn(upn).await.map_err(unavailable)?;
        let user = user
            .filter(|u| partner.as_ref().is_none_or(|p| p.tenant_id == u.tenant_id))
            .ok_or_else(|| {
                req.fail(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    50034,
                    format!("The user account {upn} does not exist in the directory."),
                )
            })?;
        Some(user)
    } else {
        None
    };
    let tenant_id = partner
        .as_ref()
        .map(|p| p.tenant_id.clone())
        .or_else(|| user.as_ref().map(|u| u.tenant_id.clone()))
        .unwrap_or_default();
    let (client_id, secret) = req.client()?;
    let app: AppRecord = state
        .store
        .app(&client_id)
        .await
        .map_err(unavailable)?
        .filter(|a| a.tenant_id == tenant_id)
        .ok_or_else(|| req.fail(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'.")))?;
    match secret {
        Some(secret) if verify_secret(&secret, &app.secret_hash) => {}
        // A public client (MSAL's PublicClientApplication) sends no secret with the password grant.
        None if grant == "password" => {}
        None => return Err(req.fail(StatusCode::UNAUTHORIZED, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")),
        Some(_) => return Err(req.fail(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")),
    }
    if let (Some(user), Some(password)) = (&user, req.get("password")) {
        if !verify_secret(password, &user.password_hash) {
            return Err(req.fail(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                50126,
                "Error validating credentials due to invalid username or password.",
            ));
        }
    }
    let (access_token, claims) =
        mint(&state.keys, &audience, &app, user.as_ref()).map_err(|e| {
            tracing::error!(error = %e, "token minting failed");
            req.fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                90033,
                "The token could not be issued.",
            )
        })?;
    let lifetime = TOKEN_LIFETIME_SECS - 1;
    let response = match endpoint {
        Endpoint::V1 => Json(V1Token {
            token_type: "Bearer",
            expires_in: lifetime.to_string(),
            ext_expires_in: lifetime.to_string(),
            expires_on: claims.exp.to_string(),
            not_before: claims.nbf.to_string(),
            resource: audience,
            scope: user.is_some().then_some("user_impersonation"),
            access_token,
        })
        .into_response(),
        Endpoint::V2 => Json(V2Token {
            token_type: "Bearer",
            scope,
            expires_in: lifetime,
            ext_expires_in: lifetime,
            access_token,
        })
        .into_response(),
    };
    Ok(response)
}
