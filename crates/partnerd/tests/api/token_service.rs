//! The Entra-shaped token service over HTTP: the v1 and v2 token endpoints, their grants
//! (client credentials, password) with client authentication in the body or by HTTP Basic,
//! the Entra error bodies and codes of each way a token request can fail, and the JWKS that
//! publishes the signing keys. The user flows (refresh tokens, authorization code, device
//! code), discovery and lockout are in `flows.rs`; how the API takes the tokens issued here
//! is in `authentication.rs`, which shares this file's helpers.
//!
//! Contract: `wire-decisions.md`, section "Identity and authorization".

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use partnerd::auth::claims::Claims;
use partnerd::auth::cloud::{Cloud, PARTNER_CENTER_RESOURCE, RETIRED_GRAPH_RESOURCE};
use partnerd::auth::jwt;
use partnerd::identity::ProvisionedPartner;
use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::{Method, Response};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use rsa::{BigUint, RsaPublicKey};
use serde_json::{json, Value};
use sha2::Sha256;

// ---------------------------------------------------------------------------------------------
// Helpers: token requests and their answers, and API calls that show whether a token works
// (shared with authentication.rs and wire.rs)
// ---------------------------------------------------------------------------------------------

/// The issuer partnerd names in a tenant's tokens.
pub(crate) fn issuer(tenant: &str) -> String {
    Cloud::Public.issuer(tenant)
}

/// Which token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ep {
    V1,
    V2,
}

impl Ep {
    pub(crate) fn path(self, tenant: &str) -> String {
        match self {
            Ep::V1 => format!("/{tenant}/oauth2/token"),
            Ep::V2 => format!("/{tenant}/oauth2/v2.0/token"),
        }
    }

    /// The form field naming the API: `resource` (v1) or `scope` (v2, `.default`).
    pub(crate) fn api_field(self) -> (&'static str, String) {
        match self {
            Ep::V1 => ("resource", PARTNER_CENTER_RESOURCE.to_owned()),
            Ep::V2 => ("scope", format!("{PARTNER_CENTER_RESOURCE}/.default")),
        }
    }
}

/// A token request's form fields.
pub(crate) type Form = Vec<(&'static str, String)>;

/// A client_credentials form for a partner's app.
pub(crate) fn cc_form(p: &ProvisionedPartner, ep: Ep) -> Form {
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

/// Posts a token request to a tenant's v1 or v2 endpoint.
pub(crate) async fn post_token(server: &TestServer, ep: Ep, tenant: &str, form: &Form) -> Response {
    server
        .request(Method::POST, &ep.path(tenant))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Asserts a successful token response and returns its body.
pub(crate) async fn assert_token(r: Response, ep: Ep) -> Value {
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

/// Lists customers with a token: an operation app-only and app+user tokens may both use.
pub(crate) async fn get_customers(server: &TestServer, token: &str) -> Response {
    server
        .authed(Method::GET, "/v1/customers", token)
        .send()
        .await
        .unwrap()
}

/// Reads a customer's company profile: an operation only app+user tokens may use.
pub(crate) async fn company_profile(server: &TestServer, token: &str, id: &str) -> Response {
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

/// A fresh GUID.
pub(crate) fn guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A fresh customer domain.
pub(crate) fn domain() -> String {
    format!(
        "id{}.onmicrosoft.com",
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    )
}

/// The header of a JWT, unverified.
pub(crate) fn header_of(token: &str) -> Value {
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
}

/// The claims of a JWT, unverified, as partnerd's own type.
pub(crate) fn claims_of(token: &str) -> Claims {
    jwt::decode_unverified(token).expect("decodable token").1
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
async fn repeated_parameters_are_invalid_request() {
    let server = TestServer::start().await;
    let p = &server.partner;
    for ep in [Ep::V1, Ep::V2] {
        // RFC 6749 §3.2: a parameter given twice, even with the same value, is refused.
        for (key, value) in [
            ("client_secret", p.client_secret.clone()),
            ("grant_type", "client_credentials".to_owned()),
        ] {
            let mut form = cc_form(p, ep);
            form.push((key, value));
            let r = post_token(&server, ep, &p.tenant_id, &form).await;
            let v = assert_entra(r, 400, "invalid_request", 9002313).await;
            assert!(
                v["error_description"].as_str().unwrap().contains(key),
                "{v}"
            );
        }
        // The same form without the repeat works.
        assert_token(
            post_token(&server, ep, &p.tenant_id, &cc_form(p, ep)).await,
            ep,
        )
        .await;
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
// Token service: secret checks under load
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn concurrent_secret_checks_each_get_their_own_answer() {
    // More checks at once than the server runs (one per core), right and wrong secrets
    // interleaved: they take turns with the same reused argon2 memory, and each must still be
    // judged on its own secret.
    let server = TestServer::start().await;
    let p = &server.partner;
    let mut checks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let right = i % 2 == 0;
        let mut form = cc_form(p, Ep::V2);
        if !right {
            set(&mut form, "client_secret", &format!("wrong-secret-{i}"));
        }
        let request = server
            .request(Method::POST, &Ep::V2.path(&p.tenant_id))
            .form(&form);
        checks.spawn(async move { (right, request.send().await.unwrap()) });
    }
    while let Some(check) = checks.join_next().await {
        let (right, r) = check.unwrap();
        if right {
            assert_token(r, Ep::V2).await;
        } else {
            assert_entra(r, 401, "invalid_client", 7000215).await;
        }
    }
}
