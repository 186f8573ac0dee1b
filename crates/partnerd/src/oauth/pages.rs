//! The pages a person uses: the sign-in page of the authorization-code flow, and the
//! device-code flow's code endpoint and the page where the code is entered.
//!
//! The pages are plain HTML forms so that a script can complete them too: POST the same
//! fields a browser would.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::grants::{self, GrantPayload, GrantState, DEVICE_CODE_SECS, DEVICE_POLL_INTERVAL};
use super::{
    app_named, base_url, check_password, find_user, resolve_tenant, target, Endpoint, EntraError,
    Form, SourceAddr, TenantRef,
};
use crate::http::params::Segment;
use crate::state::AppState;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:28em;margin:3em auto\"><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    (status, Html(html)).into_response()
}

fn failure(e: &EntraError) -> Response {
    page(
        e.status,
        "Sign-in failed",
        &format!("<p>AADSTS{}: {}</p>", e.code, escape(&e.message)),
    )
}

/// The parameters of an authorization request that the sign-in form carries along.
const CARRIED: [&str; 10] = [
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "resource",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "response_mode",
];

fn sign_in_form(params: &HashMap<String, String>, error: Option<&str>) -> String {
    let hidden: String = CARRIED
        .iter()
        .filter_map(|k| params.get(*k).map(|v| (k, v)))
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                escape(v)
            )
        })
        .collect();
    let login_hint = params
        .get("login_hint")
        .map(|h| escape(h))
        .unwrap_or_default();
    let error = error
        .map(|e| format!("<p style=\"color:#a00\">{}</p>", escape(e)))
        .unwrap_or_default();
    format!(
        "{error}<form method=\"post\">{hidden}\
         <p><label>User name <input name=\"username\" value=\"{login_hint}\" autocomplete=\"username\"></label></p>\
         <p><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label></p>\
         <p><button type=\"submit\">Sign in</button></p></form>"
    )
}

/// Checks an authorization request before showing or accepting the sign-in form.
async fn check_authorize(
    state: &AppState,
    tenant: &TenantRef,
    params: &HashMap<String, String>,
) -> Result<(), EntraError> {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id").ok_or_else(|| EntraError::missing("client_id"))?;
    app_named(state, client_id)
        .await?
        .filter(|a| tenant.admits(&a.tenant_id))
        .ok_or_else(|| EntraError::unknown_client(client_id))?;
    if !get("response_type").is_some_and(|r| r.split_whitespace().any(|t| t == "code")) {
        return Err(EntraError::unsupported_response_type());
    }
    let redirect = get("redirect_uri").ok_or_else(|| EntraError::missing("redirect_uri"))?;
    if !(redirect.starts_with("http://") || redirect.starts_with("https://")) {
        return Err(EntraError::redirect_uri_not_http());
    }
    if let Some(method) = get("code_challenge_method") {
        if !matches!(method, "S256" | "plain") {
            return Err(EntraError::unsupported_challenge_method());
        }
    }
    Ok(())
}

fn endpoint_of(path: &str) -> Endpoint {
    if path.contains("/v2.0/") {
        Endpoint::V2
    } else {
        Endpoint::V1
    }
}

/// `GET /{tenant}/oauth2[/v2.0]/authorize`: the sign-in page.
pub async fn authorize_page(
    State(state): State<AppState>,
    Segment(tenant): Segment,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let checked = match resolve_tenant(&state, &tenant, true).await {
        Ok(t) => check_authorize(&state, &t, &params).await,
        Err(e) => Err(e),
    };
    match checked {
        Ok(()) => page(
            StatusCode::OK,
            "Sign in to partnerd",
            &sign_in_form(&params, None),
        ),
        Err(e) => failure(&e),
    }
}

/// `POST /{tenant}/oauth2[/v2.0]/authorize`: checks the user and redirects back with a code.
pub async fn authorize_submit(
    State(state): State<AppState>,
    Segment(tenant): Segment,
    SourceAddr(source): SourceAddr,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let form = Form::parse(&headers, &body);
    let endpoint = endpoint_of(uri.path());
    let outcome = async {
        form.no_repeats()?;
        let tenant = resolve_tenant(&state, &tenant, true).await?;
        check_authorize(&state, &tenant, &params).await?;
        let target = target(&state, &form, endpoint)?;
        let user = find_user(&state, &tenant, form.require("username")?).await?;
        let client_id = form.require("client_id")?;
        let app = app_named(&state, client_id).await?;
        let app_client_id = match app {
            Some(a) if a.tenant_id == user.tenant_id => a.client_id,
            _ => return Err(EntraError::client_not_in_user_tenant()),
        };
        check_password(&state, &user, form.require("password")?, source).await?;
        let payload = GrantPayload {
            state: GrantState::Active,
            client: app_client_id,
            tenant: user.tenant_id.to_string(),
            user: Some(user.object_id.clone()),
            target,
            endpoint,
            redirect_uri: form.get("redirect_uri").map(str::to_owned),
            challenge: form.get("code_challenge").map(|c| {
                (
                    c.to_owned(),
                    form.get("code_challenge_method")
                        .unwrap_or("plain")
                        .to_owned(),
                )
            }),
            nonce: form.get("nonce").map(str::to_owned),
            user_code: None,
            confidential: false,
            family: None,
        };
        grants::issue_code(&state, payload).await
    }
    .await;
    match outcome {
        Ok(code) => {
            let redirect = params.get("redirect_uri").cloned().unwrap_or_default();
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("code", &code);
            if let Some(s) = params.get("state") {
                query.append_pair("state", s);
            }
            let sep = if redirect.contains('?') { '&' } else { '?' };
            let location = format!("{redirect}{sep}{}", query.finish());
            (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
        }
        Err(e) if e.code == 50126 || e.code == 50034 => {
            let mut page_body =
                sign_in_form(&params, Some("The user name or password is incorrect."));
            page_body.push_str(&format!("<!-- AADSTS{} -->", e.code));
            page(StatusCode::UNAUTHORIZED, "Sign in to partnerd", &page_body)
        }
        Err(e) => failure(&e),
    }
}

#[derive(Serialize)]
struct DeviceCodeV2 {
    user_code: String,
    device_code: String,
    verification_uri: String,
    expires_in: i64,
    interval: i64,
    message: String,
}

#[derive(Serialize)]
struct DeviceCodeV1 {
    user_code: String,
    device_code: String,
    verification_url: String,
    expires_in: String,
    interval: String,
    message: String,
}

/// `POST /{tenant}/oauth2[/v2.0]/devicecode`: starts a device-code sign-in.
pub async fn device_code(
    State(state): State<AppState>,
    Segment(tenant): Segment,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Form::parse(&headers, &body);
    let endpoint = endpoint_of(uri.path());
    let outcome = async {
        form.no_repeats()?;
        let tenant = resolve_tenant(&state, &tenant, true).await?;
        let (client_id, _) = form.client()?;
        let app = app_named(&state, &client_id)
            .await?
            .filter(|a| tenant.admits(&a.tenant_id))
            .ok_or_else(|| EntraError::unknown_client(&client_id))?;
        let target = target(&state, &form, endpoint)?;
        let payload = GrantPayload {
            state: GrantState::Pending,
            client: app.client_id,
            tenant: tenant.id().map(ToString::to_string).unwrap_or_default(),
            user: None,
            target,
            endpoint,
            redirect_uri: None,
            challenge: None,
            nonce: None,
            user_code: None,
            confidential: false,
            family: None,
        };
        grants::issue_device_code(&state, payload).await
    }
    .await;
    let (device_code, user_code) = match outcome {
        Ok(codes) => codes,
        Err(mut e) => {
            e.correlation_id = form.correlation_id.clone();
            return e.into_response();
        }
    };
    let verification = format!("{}/devicelogin", base_url(&state, &headers));
    let message = format!("To sign in, use a web browser to open the page {verification} and enter the code {user_code} to authenticate.");
    match endpoint {
        Endpoint::V2 => Json(DeviceCodeV2 {
            user_code,
            device_code,
            verification_uri: verification,
            expires_in: DEVICE_CODE_SECS,
            interval: DEVICE_POLL_INTERVAL,
            message,
        })
        .into_response(),
        Endpoint::V1 => Json(DeviceCodeV1 {
            user_code,
            device_code,
            verification_url: verification,
            expires_in: DEVICE_CODE_SECS.to_string(),
            interval: DEVICE_POLL_INTERVAL.to_string(),
            message,
        })
        .into_response(),
    }
}

const DEVICE_FORM: &str = "<form method=\"post\">\
    <p><label>Code <input name=\"user_code\" autocomplete=\"one-time-code\"></label></p>\
    <p><label>User name <input name=\"username\" autocomplete=\"username\"></label></p>\
    <p><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label></p>\
    <p><button type=\"submit\" name=\"action\" value=\"approve\">Sign in</button> \
    <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></p></form>";

/// `GET /devicelogin`: the page where the user enters the code.
pub async fn device_login_page() -> Response {
    page(StatusCode::OK, "Enter code", DEVICE_FORM)
}

/// `POST /devicelogin` (`user_code`, `username`, `password`, optional `action=deny`).
pub async fn device_login_submit(
    State(state): State<AppState>,
    SourceAddr(source): SourceAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Form::parse(&headers, &body);
    let approve = form.get("action") != Some("deny");
    let outcome = async {
        let user_code = form.require("user_code")?;
        let user = find_user(&state, &TenantRef::Any, form.require("username")?).await?;
        check_password(&state, &user, form.require("password")?, source).await?;
        grants::decide_device_code(&state, user_code, &user, approve).await
    }
    .await;
    match outcome {
        Ok(()) if approve => page(
            StatusCode::OK,
            "You're signed in",
            "<p>You can close this window and return to the application.</p>",
        ),
        Ok(()) => page(
            StatusCode::OK,
            "Sign-in declined",
            "<p>The application will not be signed in.</p>",
        ),
        Err(e) => failure(&e),
    }
}
