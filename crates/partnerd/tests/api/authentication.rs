//! How the API authenticates and authorizes its callers: each way a bearer token can be
//! refused with 401/800001 (missing, another scheme, malformed, forged, `alg: none`, HS256
//! with the public key, unknown keys, tampered claims, wrong audience or issuer, expired, not
//! yet valid, unknown tenant, app or user), MFA enforcement for app+user tokens (900421),
//! app-only versus app+user operations (2032), and the relationship check between partner and
//! customer (20002). The validation modes and clouds are in `flows.rs`.
//!
//! Contract: `wire-decisions.md`, sections "Identity and authorization" and "Error body".

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use partnerd::auth::claims::Claims;
use partnerd::auth::jwt;
use partnerd::auth::keys::LoadedKey;
use partnerd::identity::{hash_secret, ProvisionedPartner};
use partnerd_store::{
    AppRecord, ClientId, NewPartner, PartnerKind, PartnerRecord, TenantId, UserId, UserRecord,
};
use partnerd_testkit::{assert_fault, customer_body, status_json, TestServer};
use reqwest::{Method, Response};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::token_service::{
    assert_token, claims_of, company_profile, domain, get_customers, guid, header_of, issuer,
    post_token, Ep, Form,
};

// ---------------------------------------------------------------------------------------------
// Helpers: tokens made by hand, and the 401 every refusal answers with
// ---------------------------------------------------------------------------------------------

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

fn now() -> i64 {
    partnerd_store::Clock::now_secs(&partnerd_store::SystemClock)
}

/// The claims partnerd would mint for a partner's app (and user).
async fn minted_claims(server: &TestServer, p: &ProvisionedPartner, user: bool) -> Claims {
    server.minted(p, user).await.1
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
    let renamed = LoadedKey::new("not-a-known-kid".to_owned(), own.private.clone()).unwrap();
    let token = jwt::sign(&claims, &renamed).unwrap();
    assert_unauthorized(get_customers(&server, &token).await, "renamed kid").await;

    // A key of the attacker's own, with its own kid.
    let record = partnerd::auth::keys::generate_key().unwrap();
    let private = RsaPrivateKey::from_pkcs8_pem(&record.private_pem).unwrap();
    let foreign = LoadedKey::new(record.kid, private).unwrap();
    let token = jwt::sign(&claims, &foreign).unwrap();
    assert_unauthorized(get_customers(&server, &token).await, "foreign key").await;

    // A foreign key claiming the server's kid.
    let impostor = LoadedKey::new(own.kid.clone(), foreign.private.clone()).unwrap();
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

    // The token's own claims are checked before the directory, as the real front door does:
    // a token without MFA naming an unknown tenant, app and user is 900421, not 800001.
    let mut stranger = claims.clone();
    stranger.amr = Some(vec!["pwd".to_owned()]);
    stranger.tid = uuid::Uuid::new_v4().to_string();
    stranger.iss = server.state.settings.cloud.issuer(&stranger.tid);
    stranger.appid = uuid::Uuid::new_v4().to_string();
    stranger.oid = uuid::Uuid::new_v4().to_string();
    assert_fault(
        get_customers(&server, &sign(&server, &stranger)).await,
        401,
        900421,
    )
    .await;
    // And lifetime comes before the audience: an expired Graph token is 800001, not 900420.
    let mut expired_graph = claims.clone();
    expired_graph.aud = "https://graph.windows.net".to_owned();
    expired_graph.exp = now() - 3600;
    assert_fault(
        get_customers(&server, &sign(&server, &expired_graph)).await,
        401,
        800001,
    )
    .await;

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
                tenant_id: TenantId::parse(&tenant_id).unwrap(),
                name: "No MFA".to_owned(),
                mpn_id: "7654321".to_owned(),
                kind: PartnerKind::Sandbox,
                customer_cap: 75,
                domain: "nomfa-partner.onmicrosoft.com".to_owned(),
            },
            apps: vec![AppRecord {
                client_id: ClientId::parse(&client_id).unwrap(),
                tenant_id: TenantId::parse(&tenant_id).unwrap(),
                name: "No MFA app".to_owned(),
                secret_hash: hash_secret(secret).unwrap(),
            }],
            users: vec![UserRecord {
                object_id: UserId::random(),
                tenant_id: TenantId::parse(&tenant_id).unwrap(),
                upn: upn.to_owned(),
                password_hash: hash_secret(password).unwrap(),
                mfa: false,
            }],
            validation_codes: vec![],
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
        .link_partners(&server.partner.tenant(), &reseller.tenant())
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
