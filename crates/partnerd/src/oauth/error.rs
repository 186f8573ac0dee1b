//! The one error type of the token service and its pages, and the catalogue of its answers.
//!
//! Every failure the token service, the sign-in page or the device-code pages can produce is
//! an [`EntraError`] built by one of the named constructors below; its status, `error` name,
//! AADSTS code and message are fixed there and nowhere else. These answers are contract:
//! MSAL and other Entra clients branch on `error` and `error_codes` (to keep polling a device
//! code, to ask the user to sign in again, to give up), so one answer changing by accident
//! changes what a client does. Keeping the catalogue in this one file keeps every answer in
//! view and the same wherever it is given.

use std::fmt::Display;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use partnerd_store::Clock;
use partnerd_store::StoreError;
use serde::Serialize;

use crate::clock::entra_timestamp;

/// An Entra error response: `error`, `error_description` starting `AADSTS<code>:`,
/// `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
#[derive(Debug)]
pub struct EntraError {
    /// HTTP status.
    pub status: StatusCode,
    /// OAuth error name (`invalid_grant`, ...).
    pub error: &'static str,
    /// AADSTS code.
    pub code: u32,
    /// Human-readable message.
    pub message: String,
    /// The request's `client-request-id`, else a new GUID.
    pub correlation_id: String,
}

#[derive(Serialize)]
struct Body {
    error: &'static str,
    error_description: String,
    error_codes: Vec<u32>,
    timestamp: String,
    trace_id: String,
    correlation_id: String,
    error_uri: String,
}

impl EntraError {
    /// An error with a status, name, code and message. Private: every answer the token
    /// service gives has a named constructor below, so the catalogue is this one file.
    fn new(status: StatusCode, error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            error,
            code,
            message: message.into(),
            correlation_id: String::new(),
        }
    }

    /// 400/AADSTS90002 invalid_request: the `{tenant}` of the path names no partner.
    pub fn tenant_not_found(tenant: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        )
    }

    /// 400/AADSTS900144 invalid_request: a required parameter is missing.
    pub fn missing(key: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{key}'."),
        )
    }

    /// 400/AADSTS50011 invalid_request: an authorization request's redirect URI is not an
    /// http or https URL.
    pub fn redirect_uri_not_http() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50011,
            "The redirect URI must be an http or https URL.",
        )
    }

    /// 400/AADSTS50148 invalid_request: a PKCE challenge method other than S256 or plain.
    pub fn unsupported_challenge_method() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50148,
            "code_challenge_method must be S256 or plain.",
        )
    }

    /// 400/AADSTS50011 invalid_grant: a code redeemed with another redirect URI than the one
    /// it was sent to.
    pub fn redirect_uri_mismatch() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50011,
            "The redirect URI does not match the one the code was issued for.",
        )
    }

    /// 400/AADSTS50034 invalid_grant: no user with this UPN in a tenant the request admits.
    pub fn user_not_found(upn: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50034,
            format!("The user account {upn} does not exist in the directory."),
        )
    }

    /// 400/AADSTS50034 invalid_grant: the user a grant was issued for has been removed.
    pub fn grant_user_gone() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50034,
            "The user of this grant no longer exists.",
        )
    }

    /// 400/AADSTS50034 invalid_grant: a user of another tenant entered a device code issued
    /// for a named tenant.
    pub fn user_in_another_tenant() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50034,
            "The user does not belong to the tenant this code was issued for.",
        )
    }

    /// 400/AADSTS50053 invalid_grant: the account is locked out after too many wrong
    /// passwords.
    pub fn account_locked() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50053,
            "Your account is locked because you've tried to sign in too many times with an incorrect user ID or password.",
        )
    }

    /// 400/AADSTS50126 invalid_grant: the password is wrong.
    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        )
    }

    /// 400/AADSTS54005 invalid_grant: the authorization code was already redeemed.
    pub fn code_redeemed() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code.",
        )
    }

    /// 400/AADSTS54005 invalid_grant: the device code was already redeemed.
    pub fn device_code_redeemed() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            54005,
            "The device code has already been redeemed.",
        )
    }

    /// 400/AADSTS70000 invalid_grant: the grant named by `param` (`refresh_token`, `code`,
    /// `device_code`) is not one this service issued, or is long gone.
    pub fn grant_not_valid(param: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            format!("The provided value for '{param}' is not valid."),
        )
    }

    /// 400/AADSTS70000 invalid_grant: the grant (`what`: "refresh token", "code", "device
    /// code") belongs to another tenant than the path names.
    pub fn issued_in_another_tenant(what: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            format!("The {what} was issued in another tenant."),
        )
    }

    /// 400/AADSTS70000 invalid_grant: the grant (`what`: "refresh token", "code") was issued
    /// to another client than the one redeeming it.
    pub fn issued_to_another_client(what: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            format!("The provided {what} was issued to another client."),
        )
    }

    /// 400/AADSTS70000 invalid_grant: a device code polled for by another client than the
    /// one it was issued to.
    pub fn device_code_to_another_client() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "The device code was issued to another client.",
        )
    }

    /// 400/AADSTS9002313 invalid_request: a parameter given more than once.
    pub fn repeated_parameter(key: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            9002313,
            format!("Invalid request. Request is malformed or invalid: the parameter '{key}' is given more than once."),
        )
    }

    /// 400/AADSTS70000 invalid_grant: a refresh token of a family revoked because one of its
    /// tokens was presented twice.
    pub fn refresh_token_revoked() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "The refresh token was revoked: a token of its sign-in was used twice.",
        )
    }

    /// 400/AADSTS70000 invalid_grant: the refresh token was already used (they rotate).
    pub fn refresh_token_reused() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "The refresh token has already been used; refresh tokens are rotated on use.",
        )
    }

    /// 400/AADSTS70000 invalid_grant: the user code typed on the device-login page is
    /// unknown, expired, already decided, or was decided concurrently.
    pub fn user_code_not_valid() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "That code is not valid, or has expired or been used.",
        )
    }

    /// 400/AADSTS70008 invalid_grant: the authorization code has expired.
    pub fn code_expired() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70008,
            "The provided authorization code has expired.",
        )
    }

    /// 400/AADSTS700082 invalid_grant: the refresh token has expired.
    pub fn refresh_token_expired() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            700082,
            "The refresh token has expired due to inactivity.",
        )
    }

    /// 400/AADSTS501481 invalid_grant: the PKCE verifier does not answer the code's
    /// challenge.
    pub fn pkce_mismatch() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        )
    }

    /// 400/AADSTS70016 authorization_pending: the device code's user has not decided yet;
    /// the client keeps polling.
    pub fn authorization_pending() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "authorization_pending",
            70016,
            "The user has not yet signed in with the code.",
        )
    }

    /// 400/AADSTS70000 authorization_declined: the device code's user declined.
    pub fn authorization_declined() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "authorization_declined",
            70000,
            "The user declined the sign-in.",
        )
    }

    /// 400/AADSTS70020 expired_token: the device code expired before its user decided.
    pub fn device_code_expired() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "expired_token",
            70020,
            "The device code has expired: the user did not sign in in time.",
        )
    }

    /// 400/AADSTS700016 unauthorized_client: no app with this client id in the tenant the
    /// token request is for.
    pub fn unknown_client_in(client_id: &str, tenant_id: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{tenant_id}'."),
        )
    }

    /// 400/AADSTS700016 unauthorized_client: no app with this client id in a tenant the
    /// authorization or device-code request admits.
    pub fn unknown_client(client_id: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory."),
        )
    }

    /// 400/AADSTS700016 unauthorized_client: the app exists but not in the tenant of the user
    /// signing in.
    pub fn client_not_in_user_tenant() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            "The application is not registered in the user's tenant.",
        )
    }

    /// 400/AADSTS70003 unsupported_grant_type: a `grant_type` the service does not know.
    pub fn unsupported_grant_type(grant: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant}'."),
        )
    }

    /// 400/AADSTS70005 unsupported_response_type: an authorization request not asking for a
    /// code.
    pub fn unsupported_response_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            70005,
            "Only response_type=code is supported.",
        )
    }

    /// 400/AADSTS70011 invalid_scope: a v2 `scope` naming no API scope, or more than one;
    /// `resource` is the API clients should name.
    pub fn scope_not_one_api(resource: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            format!("The provided value for the input parameter 'scope' is not valid: name exactly one {resource} scope."),
        )
    }

    /// 400/AADSTS70011 invalid_scope: an API scope whose permission is neither `.default`
    /// nor `user_impersonation`; `resource` is the API clients should name.
    pub fn scope_permission_invalid(scope: &str, resource: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            format!(
                "The scope {scope} is not valid: use {resource}/.default or /user_impersonation."
            ),
        )
    }

    /// 400/AADSTS500011 invalid_resource: a `resource` or scope naming an API this service
    /// does not issue tokens for.
    pub fn unknown_resource(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            format!("The resource principal named {name} was not found in the tenant."),
        )
    }

    /// 400/AADSTS90033 server_error: a grant could not be encoded for the store.
    pub fn grant_encoding_failed(e: impl Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "server_error",
            90033,
            format!("grant encoding failed: {e}"),
        )
    }

    /// 400/AADSTS90033 server_error: a stored grant could not be decoded.
    pub fn grant_unreadable(e: impl Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "server_error",
            90033,
            format!("stored grant unreadable: {e}"),
        )
    }

    /// 401/AADSTS7000218 invalid_client: a confidential flow without a client secret.
    pub fn secret_required() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    }

    /// 401/AADSTS7000215 invalid_client: the client secret is wrong.
    pub fn invalid_client_secret() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        )
    }

    /// 429/AADSTS90055 invalid_request, with `Retry-After: 1`: too many requests at once,
    /// as Entra throttles its token endpoint (429 and `Retry-After`, which MSAL honours).
    /// Given when more secret checks are waiting than the server queues, and when an address
    /// spraying passwords has more attempts waiting their turn than it may.
    pub fn throttled() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "invalid_request",
            90055,
            "There are too many incoming requests. Retry after the time the Retry-After header gives.",
        )
    }

    /// 500/AADSTS90033 server_error: a token could not be minted. The cause goes to the log
    /// where the failure is seen, never into the answer.
    pub fn token_not_issued() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            90033,
            "The token could not be issued.",
        )
    }
}

/// 503/AADSTS90033 temporarily_unavailable: the store could not answer. The cause is logged,
/// not answered, and clients retry on this name.
impl From<StoreError> for EntraError {
    fn from(e: StoreError) -> Self {
        tracing::warn!(error = %e, "token service store failure");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            90033,
            "The token service is temporarily unavailable.",
        )
    }
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        // Rendering has no state at hand: the timestamp, shown to people only, reads the
        // system clock rather than the store's.
        let timestamp = entra_timestamp(partnerd_store::SystemClock.now_secs());
        let trace_id = uuid::Uuid::new_v4().to_string();
        let correlation_id = if self.correlation_id.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            self.correlation_id
        };
        let body = Body {
            error: self.error,
            error_description: format!(
                "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
                self.code, self.message
            ),
            error_codes: vec![self.code],
            timestamp,
            trace_id,
            correlation_id,
            error_uri: format!("https://login.microsoftonline.com/error?code={}", self.code),
        };
        let mut response = (self.status, Json(body)).into_response();
        // Every throttled answer says when to come back, as Entra's do.
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}
