//! Identity and authorization over HTTP: the Entra-shaped token service (v1 and v2 token
//! endpoints, grants, client authentication, error bodies, JWKS), validation of bearer tokens
//! by the API (each way a token can be refused, forged tokens included), MFA enforcement,
//! app-only versus app+user operations, the relationship check between partner and customer,
//! and the tracking headers every answer carries, errors included.
//!
//! Contract: `wire-decisions.md`, sections "Identity and authorization", "Headers" and
//! "Error body".

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use partnerd::auth::claims::Claims;
use partnerd::auth::cloud::{Cloud, PARTNER_CENTER_RESOURCE, RETIRED_GRAPH_RESOURCE};

fn issuer(tenant: &str) -> String {
    Cloud::Public.issuer(tenant)
}
use partnerd::auth::jwt;
use partnerd::auth::keys::LoadedKey;
use partnerd::identity::{hash_secret, ProvisionedPartner};
use partnerd_store::{AppRecord, NewPartner, PartnerKind, PartnerRecord, UserRecord};
use reqwest::{Method, Response};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::common::{assert_fault, customer_body, status_json, TestServer};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Which token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ep {
    V1,
    V2,
}

impl Ep {
    fn path(self, tenant: &str) -> String {
        match self {
            Ep::V1 => format!("/{tenant}/oauth2/token"),
            Ep::V2 => format!("/{tenant}/oauth2/v2.0/token"),
        }
    }

    /// The form field naming the API: `resource` (v1) or `scope` (v2, `.default`).
    fn api_field(self) -> (&'static str, String) {
        match self {
            Ep::V1 => ("resource", PARTNER_CENTER_RESOURCE.to_owned()),
            Ep::V2 => ("scope", format!("{PARTNER_CENTER_RESOURCE}/.default")),
        }
    }
}

type Form = Vec<(&'static str, String)>;

/// A client_credentials form for a partner's app.
fn cc_form(p: &ProvisionedPartner, ep: Ep) -> Form {
    let (k, v) = ep.api_field();
    vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", p.client_id.clone()),
        ("client_secret", p.client_secret.clone()),
        (k, v),
    ]
}

/// A password-grant form for a partner's user and app.
fn password_form(p: &ProvisionedPartner, ep: Ep) -> Form {
    let mut form = cc_form(p, ep);
    set(&mut form, "grant_type", "password");
    form.push(("username", p.user_name.clone()));
    form.push(("password", p.user_password.clone()));
    form
}

/// Sets (or adds) a form field.
fn set(form: &mut Form, key: &'static str, value: &str) {
    form.retain(|(k, _)| *k != key);
    form.push((key, value.to_owned()));
}

/// Removes a form field.
fn without(mut form: Form, key: &str) -> Form {
    form.retain(|(k, _)| *k != key);
    form
}

async fn post_token(server: &TestServer, ep: Ep, tenant: &str, form: &Form) -> Response {
    server
        .request(Method::POST, &ep.path(tenant))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Asserts a successful token response and returns its body.
async fn assert_token(r: Response, ep: Ep) -> Value {
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200, "token request failed: {v}");
    assert_eq!(v["token_type"], "Bearer", "{v}");
    assert!(
        v["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3),
        "no JWT access_token: {v}"
    );
    match ep {
        Ep::V1 => {
            for k in ["expires_in", "ext_expires_in", "expires_on", "not_before"] {
                let s = v[k]
                    .as_str()
                    .unwrap_or_else(|| panic!("v1 {k} must be a string: {v}"));
                assert!(s.parse::<i64>().is_ok(), "v1 {k} must be numeric text: {v}");
            }
            let expires_in: i64 = v["expires_in"].as_str().unwrap().parse().unwrap();
            assert!(expires_in > 0 && expires_in <= 3600, "{v}");
        }
        Ep::V2 => {
            assert!(
                v["expires_in"].as_i64().is_some_and(|n| n > 0 && n <= 3600),
                "v2 expires_in must be a number: {v}"
            );
            assert!(v["ext_expires_in"].is_number(), "{v}");
        }
    }
    v
}

/// Asserts an Entra-shaped token-service error.
async fn assert_entra(r: Response, status: u16, error: &str, code: u64) -> Value {
    let (s, v) = status_json(r).await;
    assert_eq!(s, status, "unexpected status, body {v}");
    assert_eq!(v["error"], error, "unexpected error, body {v}");
    assert_eq!(
        v["error_codes"],
        json!([code]),
        "unexpected error_codes, body {v}"
    );
    let d = v["error_description"]
        .as_str()
        .unwrap_or_else(|| panic!("no error_description: {v}"));
    assert!(
        d.starts_with(&format!("AADSTS{code}:")),
        "error_description must start with AADSTS{code}: {d}"
    );
    for k in ["timestamp", "trace_id", "correlation_id"] {
        assert!(
            v[k].as_str().is_some_and(|s| !s.is_empty()),
            "{k} missing: {v}"
        );
    }
    v
}

async fn get_customers(server: &TestServer, token: &str) -> Response {
    server
        .authed(Method::GET, "/v1/customers", token)
        .send()
        .await
        .unwrap()
}

async fn company_profile(server: &TestServer, token: &str, id: &str) -> Response {
    server
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/profiles/company"),
            token,
        )
        .send()
        .await
        .unwrap()
}

/// Asserts 401/800001 with `WWW-Authenticate: Bearer`.
async fn assert_unauthorized(r: Response, case: &str) -> Value {
    let challenge = r
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (s, v) = status_json(r).await;
    assert_eq!(s, 401, "{case}: unexpected status, body {v}");
    assert_eq!(
        v["code"],
        json!(800001),
        "{case}: unexpected code, body {v}"
    );
    assert_eq!(v["source"], "PartnerFD", "{case}: {v}");
    assert!(
        v["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{case}: {v}"
    );
    assert_eq!(
        challenge.as_deref(),
        Some("Bearer"),
        "{case}: WWW-Authenticate must be Bearer"
    );
    v
}

fn guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn now() -> i64 {
    partnerd::clock::now_secs()
}

/// A fresh customer domain.
fn domain() -> String {
    format!(
        "id{}.onmicrosoft.com",
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    )
}

/// The claims partnerd would mint for a partner's app (and user).
async fn minted_claims(server: &TestServer, p: &ProvisionedPartner, user: bool) -> Claims {
    let app = server.store.app(&p.client_id).await.unwrap().expect("app");
    let user = if user {
        Some(
            server
                .store
                .user_by_upn(&p.user_name)
                .await
                .unwrap()
                .expect("user"),
        )
    } else {
        None
    };
    partnerd::auth::mint(
        &server.state.keys,
        &server.state.settings,
        PARTNER_CENTER_RESOURCE,
        &app,
        user.as_ref(),
    )
    .expect("mint")
    .1
}

/// Signs claims with the server's own key.
fn sign(server: &TestServer, claims: &Claims) -> String {
    jwt::sign(claims, &server.state.keys.signer().expect("signer")).expect("sign")
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `base64url(header).base64url(claims)`.
fn signing_input(header: &Value, claims: &Claims) -> String {
    format!(
        "{}.{}",
        b64(&serde_json::to_vec(header).unwrap()),
        b64(&serde_json::to_vec(claims).unwrap())
    )
}

fn header_of(token: &str) -> Value {
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
}

fn claims_of(token: &str) -> Claims {
    jwt::decode_unverified(token).expect("decodable token").1
}

/// Response header as text.
fn hdr(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Token service: grants
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn client_credentials_v1_issues_a_working_app_token() {
    let server = TestServer::start().await;
    let p = &server.partner;
    let r = post_token(&server, Ep::V1, &p.tenant_id, &cc_form(p, Ep::V1)).await;
    let v = assert_token(r, Ep::V1).await;
    assert_eq!(v["resource"], PARTNER_CENTER_RESOURCE, "{v}");
    assert!(
        v.get("scope").is_none(),
        "app-only v1 answer has no scope: {v}"
    );
    let token = v["access_token"].as_str().unwrap();
    let c = claims_of(token);
    assert_eq!(c.aud, PARTNER_CENTER_RESOURCE);
    assert_eq!(c.tid, p.tenant_id);
    assert_eq!(c.appid, p.client_id);
    assert_eq!(c.iss, issuer(&p.tenant_id));
    assert!(c.scp.is_none() && c.upn.is_none(), "app-only token: {c:?}");
    assert_eq!(header_of(token)["alg"], "RS256");
    let (status, body) = status_json(get_customers(&server, token).await).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn client_credentials_v2_issues_a_working_app_token() {
    let server = TestServer::start().await;
    let p = &server.partner;
    let r = post_token(&server, Ep::V2, &p.tenant_id, &cc_form(p, Ep::V2)).await;
    let v = assert_token(r, Ep::V2).await;
    assert_eq!(
        v["scope"],
        format!("{PARTNER_CENTER_RESOURCE}/.default"),
        "scope echoed: {v}"
    );
    let token = v["access_token"].as_str().unwrap();
    let c = claims_of(token);
    assert_eq!(c.aud, PARTNER_CENTER_RESOURCE);
    assert_eq!(c.tid, p.tenant_id);
    let (status, body) = status_json(get_customers(&server, token).await).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn client_credentials_accepts_the_domain_as_tenant() {
    let server = TestServer::start().await;
    let p = &server.partner;
    for ep in [Ep::V1, Ep::V2] {
        let r = post_token(&server, ep, &p.domain, &cc_form(p, ep)).await;
        let v = assert_token(r, ep).await;
        let token = v["access_token"].as_str().unwrap();
        assert_eq!(claims_of(token).tid, p.tenant_id);
        let (status, body) = status_json(get_customers(&server, token).await).await;
        assert_eq!(status, 200, "{ep:?}: {body}");
    }
}

#[tokio::test]
async fn password_grant_v1_and_v2_issue_working_app_user_tokens() {
    let server = TestServer::start().await;
    let p = server.partner.clone();
    let customer = server
        .create_customer(&server.app_token().await, &domain())
        .await;
    let id = customer["id"].as_str().unwrap();
    for ep in [Ep::V1, Ep::V2] {
        for tenant in [p.tenant_id.as_str(), p.domain.as_str()] {
            let mut form = password_form(&p, ep);
            if ep == Ep::V2 {
                set(
                    &mut form,
                    "scope",
                    &format!("{PARTNER_CENTER_RESOURCE}/user_impersonation"),
                );
            }
            let r = post_token(&server, ep, tenant, &form).await;
            let v = assert_token(r, ep).await;
            match ep {
                Ep::V1 => {
                    assert_eq!(v["resource"], PARTNER_CENTER_RESOURCE, "{v}");
                    assert_eq!(v["scope"], "user_impersonation", "{v}");
                }
                Ep::V2 => assert_eq!(
                    v["scope"],
                    format!("{PARTNER_CENTER_RESOURCE}/user_impersonation"),
                    "{v}"
                ),
            }
            let token = v["access_token"].as_str().unwrap();
            let c = claims_of(token);
            assert_eq!(c.tid, p.tenant_id);
            assert_eq!(c.appid, p.client_id);
            assert_eq!(c.upn.as_deref(), Some(p.user_name.as_str()));
            assert_eq!(c.scp.as_deref(), Some("user_impersonation"));
            assert!(c.has_mfa(), "MFA-registered user gets amr mfa: {c:?}");
            let (status, body) = status_json(company_profile(&server, token, id).await).await;
            assert_eq!(status, 200, "{ep:?} tenant {tenant}: {body}");
        }
    }
}

#[tokio::test]
async fn http_basic_client_authentication_works() {
    let server = TestServer::start().await;
    let p = server.partner.clone();
    let customer = server
        .create_customer(&server.app_token().await, &domain())
        .await;
    let id = customer["id"].as_str().unwrap();
    for ep in [Ep::V1, Ep::V2] {
        // client_credentials, credentials only in the Authorization header.
        let form = without(without(cc_form(&p, ep), "client_id"), "client_secret");
        let r = server
            .request(Method::POST, &ep.path(&p.tenant_id))
            .basic_auth(&p.client_id, Some(&p.client_secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        let v = assert_token(r, ep).await;
        let token = v["access_token"].as_str().unwrap();
        let (status, body) = status_json(get_customers(&server, token).await).await;
        assert_eq!(status, 200, "{ep:?}: {body}");

        // password grant likewise.
        let form = without(without(password_form(&p, ep), "client_id"), "client_secret");
        let r = server
            .request(Method::POST, &ep.path(&p.tenant_id))
            .basic_auth(&p.client_id, Some(&p.client_secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        let v = assert_token(r, ep).await;
        let token = v["access_token"].as_str().unwrap();
        let (status, body) = status_json(company_profile(&server, token, id).await).await;
        assert_eq!(status, 200, "{ep:?}: {body}");

        // A wrong secret in the Basic header is refused like one in the body.
        let form = without(without(cc_form(&p, ep), "client_id"), "client_secret");
        let r = server
            .request(Method::POST, &ep.path(&p.tenant_id))
            .basic_auth(&p.client_id, Some("not-the-secret"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_entra(r, 401, "invalid_client", 7000215).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Token service: errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_tenant_is_90002() {
    let server = TestServer::start().await;
    let p = &server.partner;
    for ep in [Ep::V1, Ep::V2] {
        for tenant in [guid(), "nowhere.onmicrosoft.com".to_owned()] {
            let r = post_token(&server, ep, &tenant, &cc_form(p, ep)).await;
            assert_entra(r, 400, "invalid_request", 90002).await;
        }
    }
}

#[tokio::test]
async fn wrong_client_secret_is_7000215() {
    let server = TestServer::start().await;
    let p = &server.partner;
    for ep in [Ep::V1, Ep::V2] {
        let mut form = cc_form(p, ep);
        set(&mut form, "client_secret", "wrong-secret");
        let r = post_token(&server, ep, &p.tenant_id, &form).await;
        assert_entra(r, 401, "invalid_client", 7000215).await;
    }
}

#[tokio::test]
async fn unknown_client_id_is_700016() {
    let server = TestServer::start().await;
    let p = &server.partner;
    for ep in [Ep::V1, Ep::V2] {
        let mut form = cc_form(p, ep);
        set(&mut form, "client_id", &guid());
        let r = post_token(&server, ep, &p.tenant_id, &form).await;
        assert_entra(r, 400, "unauthorized_client", 700016).await;
    }
}

#[tokio::test]
async fn client_of_another_partner_is_700016() {
    let server = TestServer::start().await;
    let a = server.partner.clone();
    let b = server
        .add_partner("Northwind", PartnerKind::Sandbox, None)
        .await;
    for ep in [Ep::V1, Ep::V2] {
        // B's app asking for a token in A's tenant.
        let r = post_token(&server, ep, &a.tenant_id, &cc_form(&b, ep)).await;
        assert_entra(r, 400, "unauthorized_client", 700016).await;
        // A's user signing in through B's app.
        let mut form = password_form(&a, ep);
        set(&mut form, "client_id", &b.client_id);
        set(&mut form, "client_secret", &b.client_secret);
        let r = post_token(&server, ep, &a.tenant_id, &form).await;
        assert_entra(r, 400, "unauthorized_client", 700016).await;
    }
}

#[tokio::test]
async fn wrong_password_is_50126() {
    let server = TestServer::start().await;
    let p = &server.partner;
    for ep in [Ep::V1, Ep::V2] {
        let mut form = password_form(p, ep);
        set(&mut form, "password", "not-the-password-1!");
        let r = post_token(&server, ep, &p.tenant_id, &form).await;
        assert_entra(r, 400, "invalid_grant", 50126).await;
    }
}

#[tokio::test]
async fn unknown_user_is_50034() {
    let server = TestServer::start().await;
    let p = &server.partner;
    let b = server
        .add_partner("Northwind", PartnerKind::Sandbox, None)
        .await;
    for ep in [Ep::V1, Ep::V2] {
        let mut form = password_form(p, ep);
        set(&mut form, "username", &format!("ghost@{}", p.domain));
        let r = post_token(&server, ep, &p.tenant_id, &form).await;
        assert_entra(r, 400, "invalid_grant", 50034).await;
        // A user of another partner does not exist in this tenant's directory.
        let mut form = password_form(p, ep);
        set(&mut form, "username", &b.user_name);
        set(&mut form, "password", &b.user_password);
        let r = post_token(&server, ep, &p.tenant_id, &form).await;
        assert_entra(r, 400, "invalid_grant", 50034).await;
    }
}

#[tokio::test]
async fn unsupported_grant_type_is_70003() {
    let server = TestServer::start().await;
    let p = &server.partner;
    for ep in [Ep::V1, Ep::V2] {
        for grant in ["banana", "implicit"] {
            let mut form = cc_form(p, ep);
            set(&mut form, "grant_type", grant);
            let r = post_token(&server, ep, &p.tenant_id, &form).await;
            assert_entra(r, 400, "unsupported_grant_type", 70003).await;
        }
    }
}

#[tokio::test]
async fn missing_grant_type_is_900144() {
    let server = TestServer::start().await;
    let p = &server.partner;
    for ep in [Ep::V1, Ep::V2] {
        let form = without(cc_form(p, ep), "grant_type");
        let r = post_token(&server, ep, &p.tenant_id, &form).await;
        let v = assert_entra(r, 400, "invalid_request", 900144).await;
        assert!(
            v["error_description"]
                .as_str()
                .unwrap()
                .contains("grant_type"),
            "the description names the missing parameter: {v}"
        );
    }
}

#[tokio::test]
async fn unknown_resource_is_500011() {
    let server = TestServer::start().await;
    let p = &server.partner;
    let mut form = cc_form(p, Ep::V1);
    set(&mut form, "resource", "https://management.azure.com");
    let r = post_token(&server, Ep::V1, &p.tenant_id, &form).await;
    assert_entra(r, 400, "invalid_resource", 500011).await;

    let mut form = cc_form(p, Ep::V2);
    set(&mut form, "scope", "https://management.azure.com/.default");
    let r = post_token(&server, Ep::V2, &p.tenant_id, &form).await;
    assert_entra(r, 400, "invalid_resource", 500011).await;
}

#[tokio::test]
async fn graph_tokens_are_issued_but_refused_by_the_api_with_900420() {
    let server = TestServer::start().await;
    let p = &server.partner;
    let mut v1 = cc_form(p, Ep::V1);
    set(&mut v1, "resource", RETIRED_GRAPH_RESOURCE);
    let mut v2 = cc_form(p, Ep::V2);
    set(
        &mut v2,
        "scope",
        &format!("{RETIRED_GRAPH_RESOURCE}/.default"),
    );
    for (ep, form) in [(Ep::V1, v1), (Ep::V2, v2)] {
        let r = post_token(&server, ep, &p.tenant_id, &form).await;
        let v = assert_token(r, ep).await;
        let token = v["access_token"].as_str().unwrap();
        assert_eq!(claims_of(token).aud, RETIRED_GRAPH_RESOURCE);
        assert_fault(get_customers(&server, token).await, 401, 900420).await;
    }
}

#[tokio::test]
async fn jwks_publishes_the_signing_keys() {
    let server = TestServer::start().await;
    let p = &server.partner;
    let minted = server.app_token().await;
    let issued = {
        let r = post_token(&server, Ep::V2, &p.tenant_id, &cc_form(p, Ep::V2)).await;
        assert_token(r, Ep::V2).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for path in [
        format!("/{}/discovery/v2.0/keys", p.tenant_id),
        format!("/{}/discovery/keys", p.tenant_id),
    ] {
        let r = server.request(Method::GET, &path).send().await.unwrap();
        let (status, v) = status_json(r).await;
        assert_eq!(status, 200, "{path}: {v}");
        let keys = v["keys"]
            .as_array()
            .unwrap_or_else(|| panic!("no keys: {v}"));
        assert!(!keys.is_empty(), "{v}");
        for k in keys {
            for f in ["kid", "n", "e"] {
                assert!(
                    k[f].as_str().is_some_and(|s| !s.is_empty()),
                    "key without {f}: {k}"
                );
            }
            assert_eq!(k["kty"], "RSA", "{k}");
        }
        for token in [&minted, &issued] {
            let kid = header_of(token)["kid"].as_str().unwrap().to_owned();
            let jwk = keys
                .iter()
                .find(|k| k["kid"] == kid.as_str())
                .unwrap_or_else(|| panic!("kid {kid} not in {v}"));
            // The published n and e really verify the token's signature.
            let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
            let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
            let public =
                RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e)).unwrap();
            let (input, sig) = token.rsplit_once('.').unwrap();
            let sig = Signature::try_from(URL_SAFE_NO_PAD.decode(sig).unwrap().as_slice()).unwrap();
            VerifyingKey::<Sha256>::new(public)
                .verify(input.as_bytes(), &sig)
                .expect("JWKS key verifies the token");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// API authentication: refused tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn missing_authorization_is_800001() {
    let server = TestServer::start().await;
    let r = server
        .request(Method::GET, "/v1/customers")
        .send()
        .await
        .unwrap();
    assert_unauthorized(r, "no Authorization").await;
}

#[tokio::test]
async fn non_bearer_schemes_are_800001() {
    let server = TestServer::start().await;
    let token = server.app_token().await;
    for value in [
        format!("Basic {token}"),
        format!("Token {token}"),
        token.clone(),
        "Bearer".to_owned(),
        "Bearer    ".to_owned(),
        "Basic YWRtaW46cGFzc3dvcmQ=".to_owned(),
    ] {
        let r = server
            .request(Method::GET, "/v1/customers")
            .header("Authorization", &value)
            .send()
            .await
            .unwrap();
        let case = format!("Authorization: {}", &value[..value.len().min(20)]);
        assert_unauthorized(r, &case).await;
    }
}

#[tokio::test]
async fn garbage_tokens_are_800001() {
    let server = TestServer::start().await;
    for token in [
        "garbage",
        "a.b.c",
        "not.a.jwt.at.all",
        "eyJhbGciOiJSUzI1NiJ9.eyJ9.AAAA",
        "...",
    ] {
        assert_unauthorized(get_customers(&server, token).await, token).await;
    }
}

#[tokio::test]
async fn alg_none_is_800001() {
    let server = TestServer::start().await;
    let claims = minted_claims(&server, &server.partner, false).await;
    let signed = sign(&server, &claims);
    let real_sig = signed.rsplit_once('.').unwrap().1.to_owned();
    let kid = header_of(&signed)["kid"].clone();
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
        let input = signing_input(&header, &claims);
        for token in [format!("{input}."), format!("{input}.{real_sig}")] {
            assert_unauthorized(get_customers(&server, &token).await, alg).await;
        }
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_800001() {
    let server = TestServer::start().await;
    let key = server.state.keys.signer().unwrap();
    let claims = minted_claims(&server, &server.partner, false).await;
    let spki_pem = key.public.to_public_key_pem(LineEnding::LF).unwrap();
    let spki_der = key.public.to_public_key_der().unwrap().as_bytes().to_vec();
    let pkcs1_pem = key.public.to_pkcs1_pem(LineEnding::LF).unwrap();
    let n = URL_SAFE_NO_PAD.encode(rsa::traits::PublicKeyParts::n(&key.public).to_bytes_be());
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("spki pem", spki_pem.into_bytes()),
        ("spki der", spki_der),
        ("pkcs1 pem", pkcs1_pem.into_bytes()),
        ("jwk n", n.into_bytes()),
    ];
    for (what, secret) in secrets {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": key.kid});
        let input = signing_input(&header, &claims);
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
        mac.update(input.as_bytes());
        let token = format!("{input}.{}", b64(&mac.finalize().into_bytes()));
        assert_unauthorized(get_customers(&server, &token).await, what).await;
    }
}

#[tokio::test]
async fn unknown_kid_is_800001() {
    let server = TestServer::start().await;
    let claims = minted_claims(&server, &server.partner, false).await;
    let own = server.state.keys.signer().unwrap();

    // The server's own key material under a kid the server does not know.
    let renamed = LoadedKey {
        kid: "not-a-known-kid".to_owned(),
        private: own.private.clone(),
        public: own.public.clone(),
    };
    let token = jwt::sign(&claims, &renamed).unwrap();
    assert_unauthorized(get_customers(&server, &token).await, "renamed kid").await;

    // A key of the attacker's own, with its own kid.
    let record = partnerd::auth::keys::generate_key().unwrap();
    let private = RsaPrivateKey::from_pkcs8_pem(&record.private_pem).unwrap();
    let foreign = LoadedKey {
        kid: record.kid,
        public: RsaPublicKey::from(&private),
        private,
    };
    let token = jwt::sign(&claims, &foreign).unwrap();
    assert_unauthorized(get_customers(&server, &token).await, "foreign key").await;

    // A foreign key claiming the server's kid.
    let impostor = LoadedKey {
        kid: own.kid.clone(),
        private: foreign.private.clone(),
        public: foreign.public.clone(),
    };
    let token = jwt::sign(&claims, &impostor).unwrap();
    assert_unauthorized(get_customers(&server, &token).await, "impostor key").await;

    // Sanity: the same claims signed by the server's key pass.
    let (status, body) = status_json(get_customers(&server, &sign(&server, &claims)).await).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn tampered_payload_is_800001() {
    let server = TestServer::start().await;
    let b = server
        .add_partner("Northwind", PartnerKind::Sandbox, None)
        .await;
    let claims = minted_claims(&server, &server.partner, false).await;
    let original = sign(&server, &claims);
    let (status, body) = status_json(get_customers(&server, &original).await).await;
    assert_eq!(status, 200, "the untampered token works: {body}");

    let mut parts = original.split('.');
    let (header, _, sig) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let mut longer = claims.clone();
    longer.exp += 86_400;
    let other_partner = minted_claims(&server, &b, false).await;
    let mut user = claims.clone();
    user.scp = Some("user_impersonation".to_owned());
    for (case, forged) in [
        ("longer life", longer),
        ("another partner", other_partner),
        ("promoted to user", user),
    ] {
        let payload = b64(&serde_json::to_vec(&forged).unwrap());
        let token = format!("{header}.{payload}.{sig}");
        assert_unauthorized(get_customers(&server, &token).await, case).await;
    }
}

#[tokio::test]
async fn wrong_audience_is_800001() {
    let server = TestServer::start().await;
    let claims = minted_claims(&server, &server.partner, false).await;
    for aud in [
        "https://management.azure.com",
        "https://graph.microsoft.com",
        "00000003-0000-0000-c000-000000000000",
        "https://api.partnercenter.microsoft.com.evil.example",
        "",
    ] {
        let mut c = claims.clone();
        c.aud = aud.to_owned();
        let token = sign(&server, &c);
        assert_unauthorized(get_customers(&server, &token).await, aud).await;
    }
}

#[tokio::test]
async fn wrong_issuer_is_800001() {
    let server = TestServer::start().await;
    let claims = minted_claims(&server, &server.partner, false).await;
    for iss in [
        issuer(&guid()),
        format!("https://evil.example/{}/", claims.tid),
        String::new(),
    ] {
        let mut c = claims.clone();
        c.iss = iss.clone();
        let token = sign(&server, &c);
        assert_unauthorized(get_customers(&server, &token).await, &iss).await;
    }
}

#[tokio::test]
async fn expired_beyond_skew_is_800001() {
    let server = TestServer::start().await;
    let mut c = minted_claims(&server, &server.partner, false).await;
    let t = now();
    c.iat = t - 4200;
    c.nbf = t - 4200;
    c.exp = t - 600;
    let token = sign(&server, &c);
    assert_unauthorized(get_customers(&server, &token).await, "expired").await;
}

#[tokio::test]
async fn expired_within_skew_is_accepted() {
    let server = TestServer::start().await;
    let mut c = minted_claims(&server, &server.partner, false).await;
    let t = now();
    c.iat = t - 3720;
    c.nbf = t - 3720;
    c.exp = t - 120;
    let token = sign(&server, &c);
    let (status, body) = status_json(get_customers(&server, &token).await).await;
    assert_eq!(
        status, 200,
        "exp 2 minutes ago is inside the 5-minute skew: {body}"
    );
}

#[tokio::test]
async fn not_yet_valid_is_800001() {
    let server = TestServer::start().await;
    let mut c = minted_claims(&server, &server.partner, false).await;
    let t = now();
    c.iat = t + 600;
    c.nbf = t + 600;
    c.exp = t + 4200;
    let token = sign(&server, &c);
    assert_unauthorized(get_customers(&server, &token).await, "nbf in the future").await;
}

#[tokio::test]
async fn unknown_tenant_token_is_800001() {
    let server = TestServer::start().await;
    let mut c = minted_claims(&server, &server.partner, false).await;
    let tenant = guid();
    c.tid = tenant.clone();
    c.iss = issuer(&tenant);
    let token = sign(&server, &c);
    assert_unauthorized(get_customers(&server, &token).await, "unknown tenant").await;
}

#[tokio::test]
async fn unknown_app_token_is_800001() {
    let server = TestServer::start().await;
    let app = guid();
    let mut c = minted_claims(&server, &server.partner, false).await;
    c.appid = app.clone();
    c.oid = app.clone();
    c.sub = app;
    let token = sign(&server, &c);
    assert_unauthorized(get_customers(&server, &token).await, "unknown app").await;

    // The app of another partner, named in this partner's tenant.
    let b = server
        .add_partner("Northwind", PartnerKind::Sandbox, None)
        .await;
    let mut c = minted_claims(&server, &server.partner, false).await;
    c.appid = b.client_id.clone();
    let token = sign(&server, &c);
    assert_unauthorized(
        get_customers(&server, &token).await,
        "app of another tenant",
    )
    .await;
}

#[tokio::test]
async fn unknown_user_token_is_800001() {
    let server = TestServer::start().await;
    let mut c = minted_claims(&server, &server.partner, true).await;
    c.oid = guid();
    c.sub = c.oid.clone();
    let token = sign(&server, &c);
    assert_unauthorized(get_customers(&server, &token).await, "unknown user").await;
}

// ---------------------------------------------------------------------------------------------
// Authorization: relationships, MFA, app-only versus app+user
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn another_partners_customer_is_20002() {
    let server = TestServer::start().await;
    let b = server
        .add_partner("Northwind", PartnerKind::Sandbox, None)
        .await;
    let b_token = server.app_token_of(&b).await;
    let customer = server.create_customer(&b_token, &domain()).await;
    let id = customer["id"].as_str().unwrap();

    let a_app = server.app_token().await;
    let a_user = server.user_token().await;
    let r = server
        .authed(Method::GET, &format!("/v1/customers/{id}"), &a_app)
        .send()
        .await
        .unwrap();
    let v = assert_fault(r, 403, 20002).await;
    assert_eq!(
        v["description"],
        "No relationship between caller and account."
    );
    assert_fault(company_profile(&server, &a_user, id).await, 403, 20002).await;
    let r = server
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/profiles/billing"),
            &a_user,
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 20002).await;

    // B itself may.
    let r = server
        .authed(Method::GET, &format!("/v1/customers/{id}"), &b_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn app_user_token_without_mfa_is_900421() {
    let server = TestServer::start().await;
    let app_token = server.app_token().await;
    let customer = server.create_customer(&app_token, &domain()).await;
    let id = customer["id"].as_str().unwrap();

    let claims = minted_claims(&server, &server.partner, true).await;
    assert!(claims.has_mfa());
    let mut pwd_only = claims.clone();
    pwd_only.amr = Some(vec!["pwd".to_owned()]);
    let mut no_amr = claims.clone();
    no_amr.amr = None;
    for (case, c) in [("amr pwd", pwd_only), ("no amr", no_amr)] {
        let token = sign(&server, &c);
        let r = company_profile(&server, &token, id).await;
        let v = assert_fault(r, 401, 900421).await;
        assert!(
            v["description"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("mfa")
                || v["description"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("multi-factor"),
            "{case}: {v}"
        );
        assert_fault(get_customers(&server, &token).await, 401, 900421).await;
    }

    // App-only tokens are unaffected.
    let (status, body) = status_json(get_customers(&server, &app_token).await).await;
    assert_eq!(status, 200, "{body}");
    // And the MFA token passes.
    let (status, body) =
        status_json(company_profile(&server, &sign(&server, &claims), id).await).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn user_without_mfa_signs_in_but_is_refused_with_900421() {
    let server = TestServer::start().await;
    let tenant_id = guid();
    let client_id = guid();
    let secret = "a-client-secret-for-no-mfa-partner";
    let password = "Pa55word!NoMfa";
    let upn = "nomfa@nomfa-partner.onmicrosoft.com";
    server
        .store
        .create_partner(NewPartner {
            partner: PartnerRecord {
                tenant_id: tenant_id.clone(),
                name: "No MFA".to_owned(),
                mpn_id: "7654321".to_owned(),
                kind: PartnerKind::Sandbox,
                customer_cap: 75,
                domain: "nomfa-partner.onmicrosoft.com".to_owned(),
            },
            apps: vec![AppRecord {
                client_id: client_id.clone(),
                tenant_id: tenant_id.clone(),
                name: "No MFA app".to_owned(),
                secret_hash: hash_secret(secret).unwrap(),
            }],
            users: vec![UserRecord {
                object_id: guid(),
                tenant_id: tenant_id.clone(),
                upn: upn.to_owned(),
                password_hash: hash_secret(password).unwrap(),
                mfa: false,
            }],
        })
        .await
        .unwrap();

    for ep in [Ep::V1, Ep::V2] {
        let (k, v) = ep.api_field();
        let form: Form = vec![
            ("grant_type", "password".to_owned()),
            ("client_id", client_id.clone()),
            ("client_secret", secret.to_owned()),
            ("username", upn.to_owned()),
            ("password", password.to_owned()),
            (k, v.clone()),
        ];
        let r = post_token(&server, ep, &tenant_id, &form).await;
        let body = assert_token(r, ep).await;
        let user_token = body["access_token"].as_str().unwrap();
        let c = claims_of(user_token);
        assert!(!c.has_mfa(), "no mfa in amr for a user without MFA: {c:?}");
        assert_eq!(c.amr, Some(vec!["pwd".to_owned()]));
        assert_fault(get_customers(&server, user_token).await, 401, 900421).await;

        // The same partner's app-only token works.
        let form: Form = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", client_id.clone()),
            ("client_secret", secret.to_owned()),
            (k, v),
        ];
        let r = post_token(&server, ep, &tenant_id, &form).await;
        let body = assert_token(r, ep).await;
        let app_token = body["access_token"].as_str().unwrap();
        let (status, body) = status_json(get_customers(&server, app_token).await).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn app_only_tokens_get_2032_on_app_user_operations() {
    let server = TestServer::start().await;
    let reseller = server
        .add_partner("Tailspin", PartnerKind::Sandbox, None)
        .await;
    server
        .store
        .link_partners(&server.partner.tenant_id, &reseller.tenant_id)
        .await
        .unwrap();
    let app = server.app_token().await;
    let user = server.user_token().await;
    let customer = server.create_customer(&app, &domain()).await;
    let id = customer["id"].as_str().unwrap().to_owned();

    let mut indirect = customer_body(&domain());
    indirect["associatedPartnerId"] = json!(reseller.tenant_id);

    // App-only: each is 403/2032.
    let r = server
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &app)
        .json(&json!({"relationshipToPartner": "none"}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 2032).await;
    assert_fault(company_profile(&server, &app, &id).await, 403, 2032).await;
    let r = server
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/relationships"),
            &app,
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 2032).await;
    let r = server
        .authed(Method::POST, "/v1/customers", &app)
        .json(&indirect)
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 2032).await;

    // App+user: the same operations succeed.
    let (status, v) = status_json(company_profile(&server, &user, &id).await).await;
    assert_eq!(status, 200, "company profile with app+user: {v}");
    let r = server
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/relationships"),
            &user,
        )
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200, "relationships with app+user: {v}");
    let r = server
        .authed(Method::POST, "/v1/customers", &user)
        .json(&indirect)
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_ne!(v["code"], json!(2032), "{v}");
    assert_eq!(status, 201, "indirect create with app+user: {v}");
    assert_eq!(v["associatedPartnerId"], json!(reseller.tenant_id), "{v}");
    let r = server
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &user)
        .json(&json!({"relationshipToPartner": "none"}))
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_ne!(v["code"], json!(2032), "{v}");
    assert_eq!(status, 200, "PATCH with app+user: {v}");
    assert_eq!(v["relationshipToPartner"], "none", "{v}");
}

#[tokio::test]
async fn app_only_tokens_may_use_app_only_operations() {
    let server = TestServer::start().await;
    let app = server.app_token().await;
    let customer = server.create_customer(&app, &domain()).await;
    let id = customer["id"].as_str().unwrap();
    for path in [
        "/v1/customers".to_owned(),
        format!("/v1/customers/{id}"),
        format!("/v1/customers/{id}/profiles/billing"),
    ] {
        let r = server
            .authed(Method::GET, &path, &app)
            .send()
            .await
            .unwrap();
        let (status, v) = status_json(r).await;
        assert_eq!(status, 200, "{path}: {v}");
    }
}

// ---------------------------------------------------------------------------------------------
// Tracking headers on every answer
// ---------------------------------------------------------------------------------------------

/// Sends one request twice, with and without tracking headers, and checks the answer's
/// tracking headers both times.
async fn check_tracking(case: &str, build: impl Fn() -> reqwest::RequestBuilder) {
    // With the caller's values.
    let correlation = guid();
    let request_id = guid();
    let cv = "kZ3Uk1Tq0kW8hY5x.4";
    let r = build()
        .header("MS-CorrelationId", &correlation)
        .header("MS-RequestId", &request_id)
        .header("MS-CV", cv)
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(
        hdr(&r, "ms-correlationid").as_deref(),
        Some(correlation.as_str()),
        "{case} ({status})"
    );
    assert_eq!(
        hdr(&r, "ms-requestid").as_deref(),
        Some(request_id.as_str()),
        "{case} ({status})"
    );
    assert_eq!(
        hdr(&r, "ms-cv"),
        Some(format!("{cv}.1")),
        "{case} ({status})"
    );
    assert!(
        hdr(&r, "ms-serverid").is_some_and(|s| !s.is_empty()),
        "{case} ({status}): MS-ServerId"
    );
    assert!(
        hdr(&r, "date").is_some_and(|s| !s.is_empty()),
        "{case} ({status}): Date"
    );

    // Without: new values.
    let r = build().send().await.unwrap();
    let status = r.status();
    for name in ["ms-correlationid", "ms-requestid"] {
        let v = hdr(&r, name).unwrap_or_else(|| panic!("{case} ({status}): no {name}"));
        assert!(
            uuid::Uuid::parse_str(&v).is_ok(),
            "{case} ({status}): {name} {v} is not a GUID"
        );
    }
    let new_cv = hdr(&r, "ms-cv").unwrap_or_else(|| panic!("{case} ({status}): no MS-CV"));
    assert!(
        new_cv.ends_with(".0") && new_cv.len() > 2,
        "{case} ({status}): new MS-CV {new_cv}"
    );
    assert!(
        hdr(&r, "ms-serverid").is_some_and(|s| !s.is_empty()),
        "{case} ({status}): MS-ServerId"
    );
    assert!(
        hdr(&r, "date").is_some_and(|s| !s.is_empty()),
        "{case} ({status}): Date"
    );
}

#[tokio::test]
async fn tracking_headers_on_every_answer() {
    let server = TestServer::start().await;
    let p = server.partner.clone();
    let app = server.app_token().await;
    let user = server.user_token().await;
    let customer = server.create_customer(&app, &domain()).await;
    let id = customer["id"].as_str().unwrap().to_owned();

    check_tracking("200 list", || {
        server.authed(Method::GET, "/v1/customers", &app)
    })
    .await;
    check_tracking("200 get", || {
        server.authed(Method::GET, &format!("/v1/customers/{id}"), &app)
    })
    .await;
    check_tracking("401 no token", || {
        server.request(Method::GET, "/v1/customers")
    })
    .await;
    check_tracking("401 bad token", || {
        server.authed(Method::GET, "/v1/customers", "junk")
    })
    .await;
    check_tracking("403 app-only", || {
        server.authed(
            Method::GET,
            &format!("/v1/customers/{id}/profiles/company"),
            &app,
        )
    })
    .await;
    check_tracking("404 customer", || {
        server.authed(Method::GET, &format!("/v1/customers/{}", guid()), &user)
    })
    .await;
    check_tracking("400 not a guid", || {
        server.authed(Method::GET, "/v1/customers/not-a-guid", &app)
    })
    .await;
    check_tracking("404 route", || {
        server.authed(Method::GET, "/v1/nowhere", &app)
    })
    .await;
    check_tracking("405", || server.authed(Method::PUT, "/v1/customers", &app)).await;
    check_tracking("406", || {
        server
            .authed(Method::GET, "/v1/customers", &app)
            .header("Accept", "image/png")
    })
    .await;
    check_tracking("200 token", || {
        server
            .request(Method::POST, &Ep::V1.path(&p.tenant_id))
            .form(&cc_form(&p, Ep::V1))
    })
    .await;
    check_tracking("400 token error", || {
        server
            .request(Method::POST, &Ep::V2.path(&guid()))
            .form(&cc_form(&p, Ep::V2))
    })
    .await;
    check_tracking("200 jwks", || {
        server.request(
            Method::GET,
            &format!("/{}/discovery/v2.0/keys", p.tenant_id),
        )
    })
    .await;
}
