//! The token service's user flows and settings: discovery, refresh tokens, authorization code
//! with PKCE, device code, lockout, validation modes, clouds, key rotation, TLS.

use partnerd::auth::cloud::Cloud;
use partnerd::config::{AuthMode, LockoutPolicy, Settings};
use partnerd_testkit::{jwt_claims, status_json, token_request, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

const API: &str = "https://api.partnercenter.microsoft.com";

fn user_scope() -> String {
    format!("{API}/user_impersonation openid profile offline_access")
}

async fn password_v2(s: &TestServer) -> Value {
    let p = &s.partner;
    let scope = user_scope();
    let (status, t) = token_request(
        s,
        &format!("/{}/oauth2/v2.0/token", p.tenant_id),
        &[
            ("grant_type", "password"),
            ("client_id", &p.client_id),
            ("username", &p.user_name),
            ("password", &p.user_password),
            ("scope", &scope),
            ("client_info", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{t}");
    t
}

async fn api_status(s: &TestServer, token: &str) -> u16 {
    s.authed(Method::GET, "/v1/customers", token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn discovery_documents_name_this_server_and_the_tenant_id() {
    let s = TestServer::start().await;
    let p = &s.partner;
    let base = s.base.clone();
    for tenant in [p.tenant_id.as_str(), p.domain.as_str()] {
        let r = s
            .request(
                Method::GET,
                &format!("/{tenant}/v2.0/.well-known/openid-configuration"),
            )
            .send()
            .await
            .unwrap();
        let (status, doc) = status_json(r).await;
        assert_eq!(status, 200, "{doc}");
        let root = format!("{base}/{}", p.tenant_id);
        assert_eq!(doc["issuer"], format!("{root}/v2.0"));
        assert_eq!(doc["token_endpoint"], format!("{root}/oauth2/v2.0/token"));
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{root}/oauth2/v2.0/authorize")
        );
        assert_eq!(
            doc["device_authorization_endpoint"],
            format!("{root}/oauth2/v2.0/devicecode")
        );
        let jwks = doc["jwks_uri"]
            .as_str()
            .unwrap()
            .strip_prefix(&base)
            .unwrap()
            .to_owned();
        let r = s.request(Method::GET, &jwks).send().await.unwrap();
        let (_, keys) = status_json(r).await;
        assert!(!keys["keys"].as_array().unwrap().is_empty());
    }
    let r = s
        .request(
            Method::GET,
            &format!("/{}/.well-known/openid-configuration", p.tenant_id),
        )
        .send()
        .await
        .unwrap();
    let (_, v1) = status_json(r).await;
    assert_eq!(
        v1["issuer"],
        Cloud::Public.issuer(&p.tenant_id),
        "the v1 issuer is that of the access tokens"
    );
    assert_eq!(
        v1["token_endpoint"],
        format!("{base}/{}/oauth2/token", p.tenant_id)
    );
    // A doubled slash, as MSAL writes it after an authority with a trailing slash.
    let r = s
        .request(
            Method::GET,
            &format!("/{}//v2.0/.well-known/openid-configuration", p.tenant_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .request(
            Method::GET,
            "/nobody.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        )
        .send()
        .await
        .unwrap();
    let (status, e) = status_json(r).await;
    assert_eq!((status, e["error_codes"][0].clone()), (400, json!(90002)));

    let r = s
        .request(
            Method::GET,
            &format!("/common/userrealm/{}?api-version=1.0", p.user_name),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["account_type"], "Managed");
    let r = s
        .request(
            Method::GET,
            "/common/userrealm/ghost@nowhere.example?api-version=1.0",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["account_type"], "Unknown");
}

#[tokio::test]
async fn user_flows_return_id_token_client_info_and_rotating_refresh_tokens() {
    let s = TestServer::start().await;
    let p = &s.partner;
    let t = password_v2(&s).await;
    assert_eq!(t["scope"], user_scope());
    let id = jwt_claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], json!(p.client_id));
    assert_eq!(id["iss"], format!("{}/{}/v2.0", s.base, p.tenant_id));
    assert_eq!(id["tid"], json!(p.tenant_id));
    assert_eq!(id["preferred_username"], json!(p.user_name));
    let info: Value = {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t["client_info"].as_str().unwrap())
            .unwrap();
        serde_json::from_slice(&raw).unwrap()
    };
    assert_eq!(info, json!({"uid": id["oid"], "utid": p.tenant_id}));

    // Refresh: new tokens, and the old refresh token stops working.
    let rt1 = t["refresh_token"].as_str().unwrap().to_owned();
    let path = format!("/{}/oauth2/v2.0/token", p.tenant_id);
    let scope = user_scope();
    let refresh = |rt: String| {
        let (s, path, scope) = (&s, path.clone(), scope.clone());
        async move {
            token_request(
                s,
                &path,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &s.partner.client_id),
                    ("refresh_token", &rt),
                    ("scope", &scope),
                ],
            )
            .await
        }
    };
    let (status, t2) = refresh(rt1.clone()).await;
    assert_eq!(status, 200, "{t2}");
    let rt2 = t2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert_eq!(
        api_status(&s, t2["access_token"].as_str().unwrap()).await,
        200
    );
    let (status, t3) = refresh(rt2.clone()).await;
    assert_eq!(status, 200, "{t3}");
    let rt3 = t3["refresh_token"].as_str().unwrap().to_owned();
    // A refresh token presented twice revokes every token of its sign-in (OAuth security
    // BCP): the reuse is refused, and so is the newest token rotated from the same sign-in.
    let (status, e) = refresh(rt1).await;
    assert_eq!(
        (status, e["error"].clone(), e["error_codes"][0].clone()),
        (400, json!("invalid_grant"), json!(70000)),
        "{e}"
    );
    let (status, e) = refresh(rt3).await;
    assert_eq!(
        (status, e["error"].clone(), e["error_codes"][0].clone()),
        (400, json!("invalid_grant"), json!(70000)),
        "the family is revoked: {e}"
    );
    assert!(
        e["error_description"].as_str().unwrap().contains("revoked"),
        "{e}"
    );
    // Another sign-in is a family of its own and unaffected.
    let other = password_v2(&s).await;
    let (status, _) = refresh(other["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, 200);
    let (status, e) = refresh("pdrt.forged".to_owned()).await;
    assert_eq!((status, e["error"].clone()), (400, json!("invalid_grant")));

    // v1 user flows always get a refresh token, which also works without a resource.
    let (status, v1) = token_request(
        &s,
        &format!("/{}/oauth2/token", p.tenant_id),
        &[
            ("grant_type", "password"),
            ("client_id", &p.client_id),
            ("client_secret", &p.client_secret),
            ("username", &p.user_name),
            ("password", &p.user_password),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v1}");
    let (status, v1b) = token_request(
        &s,
        &format!("/{}/oauth2/token", p.tenant_id),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &p.client_id),
            ("client_secret", &p.client_secret),
            ("refresh_token", v1["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v1b}");
    assert_eq!(v1b["resource"], API);

    // That refresh token went to a confidential client (it sent its secret): redeeming it
    // needs the secret, and a wrong one is refused.
    let rt = v1b["refresh_token"].as_str().unwrap();
    let v1_refresh = |secret: Option<String>| {
        let mut form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", p.client_id.clone()),
            ("refresh_token", rt.to_owned()),
        ];
        if let Some(secret) = secret {
            form.push(("client_secret", secret));
        }
        let s = &s;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token_request(s, &format!("/{}/oauth2/token", p.tenant_id), &form).await
        }
    };
    let (status, e) = v1_refresh(None).await;
    assert_eq!(
        (status, e["error"].clone(), e["error_codes"][0].clone()),
        (401, json!("invalid_client"), json!(7000218)),
        "{e}"
    );
    let (status, e) = v1_refresh(Some("not-the-secret".to_owned())).await;
    assert_eq!(
        (status, e["error_codes"][0].clone()),
        (401, json!(7000215)),
        "{e}"
    );
    let (status, t) = v1_refresh(Some(p.client_secret.clone())).await;
    assert_eq!(status, 200, "refused attempts leave the token usable: {t}");
}

fn pkce() -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let verifier = format!("verifier-{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

#[tokio::test]
async fn authorization_code_with_pkce() {
    let s = TestServer::start().await;
    let p = &s.partner;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let authorize = format!("{}/{}/oauth2/v2.0/authorize", s.base, p.tenant_id);
    let redirect = "http://localhost:5173/callback";
    let scope = user_scope();
    let sign_in = |challenge: String, password: String| {
        let (no_redirects, authorize, scope) =
            (no_redirects.clone(), authorize.clone(), scope.clone());
        let (client_id, user) = (p.client_id.clone(), p.user_name.clone());
        async move {
            no_redirects
                .post(&authorize)
                .form(&[
                    ("client_id", client_id.as_str()),
                    ("response_type", "code"),
                    ("redirect_uri", redirect),
                    ("scope", &scope),
                    ("state", "xyz"),
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "S256"),
                    ("nonce", "n-1"),
                    ("username", &user),
                    ("password", &password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let (verifier, challenge) = pkce();
    // The page itself.
    let r = no_redirects
        .get(&authorize)
        .query(&[
            ("client_id", p.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", &scope),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("name=\"password\""));
    // A wrong password stays on the page.
    let r = sign_in(challenge.clone(), "wrong".into()).await;
    assert_eq!(r.status(), 401);
    // The right one redirects back with a code and the state.
    let r = sign_in(challenge.clone(), p.user_password.clone()).await;
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(redirect) && location.contains("state=xyz"),
        "{location}"
    );
    let code = url_param(&location, "code");
    let token_path = format!("/{}/oauth2/v2.0/token", p.tenant_id);
    let redeem = |code: String, verifier: String, redirect: &'static str| {
        let (s, token_path) = (&s, token_path.clone());
        async move {
            token_request(
                s,
                &token_path,
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &s.partner.client_id),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", &verifier),
                ],
            )
            .await
        }
    };
    let (status, e) = redeem(code.clone(), "not-the-verifier".into(), redirect).await;
    assert_eq!(
        (status, e["error_codes"][0].clone()),
        (400, json!(501481)),
        "{e}"
    );
    let (status, e) = redeem(code.clone(), verifier.clone(), "http://localhost:1/other").await;
    assert_eq!(
        (status, e["error_codes"][0].clone()),
        (400, json!(50011)),
        "{e}"
    );
    let (status, t) = redeem(code.clone(), verifier.clone(), redirect).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(jwt_claims(t["id_token"].as_str().unwrap())["nonce"], "n-1");
    assert_eq!(
        api_status(&s, t["access_token"].as_str().unwrap()).await,
        200
    );
    let (status, e) = redeem(code, verifier, redirect).await;
    assert_eq!(
        (status, e["error_codes"][0].clone()),
        (400, json!(54005)),
        "a code is redeemed once: {e}"
    );
}

fn url_param(url: &str, name: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn device_code_flow() {
    let clock = partnerd_store::ManualClock::new();
    let s = TestServer::start_with_clock(Settings::default(), clock.clone()).await;
    let p = &s.partner;
    let scope = user_scope();
    let start = || async {
        let (status, d) = token_request(
            &s,
            &format!("/{}/oauth2/v2.0/devicecode", p.tenant_id),
            &[("client_id", &p.client_id), ("scope", &scope)],
        )
        .await;
        assert_eq!(status, 200, "{d}");
        d
    };
    let d = start().await;
    assert_eq!(d["verification_uri"], format!("{}/devicelogin", s.base));
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains(d["user_code"].as_str().unwrap()));
    assert!(d["interval"].as_i64().unwrap() > 0 && d["expires_in"].as_i64().unwrap() > 0);
    let poll = |device_code: String| {
        let s = &s;
        async move {
            token_request(
                s,
                &format!("/{}/oauth2/v2.0/token", s.partner.tenant_id),
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", &s.partner.client_id),
                    ("device_code", &device_code),
                    ("client_info", "1"),
                ],
            )
            .await
        }
    };
    let device_code = d["device_code"].as_str().unwrap().to_owned();
    let (status, e) = poll(device_code.clone()).await;
    assert_eq!(
        (status, e["error"].clone()),
        (400, json!("authorization_pending"))
    );
    let login = |user_code: String, password: String, action: &'static str| {
        let s = &s;
        async move {
            s.request(Method::POST, "/devicelogin")
                .form(&[
                    ("user_code", user_code.as_str()),
                    ("username", &s.partner.user_name),
                    ("password", &password),
                    ("action", action),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let user_code = d["user_code"].as_str().unwrap().to_lowercase();
    assert_eq!(
        login(user_code.clone(), "wrong".into(), "approve").await,
        400
    );
    assert_eq!(
        login(user_code.clone(), p.user_password.clone(), "approve").await,
        200
    );
    let (status, t) = poll(device_code.clone()).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["scope"], scope);
    assert!(t["refresh_token"].is_string() && t["id_token"].is_string());
    assert_eq!(
        api_status(&s, t["access_token"].as_str().unwrap()).await,
        200
    );
    let (status, e) = poll(device_code).await;
    assert_eq!(
        (status, e["error_codes"][0].clone()),
        (400, json!(54005)),
        "reused: {e}"
    );
    assert_eq!(
        login(user_code, p.user_password.clone(), "approve").await,
        400,
        "a used code cannot be approved again"
    );

    // Declined.
    let d = start().await;
    assert_eq!(
        login(
            d["user_code"].as_str().unwrap().into(),
            p.user_password.clone(),
            "deny"
        )
        .await,
        200
    );
    let (_, e) = poll(d["device_code"].as_str().unwrap().into()).await;
    assert_eq!(e["error"], "authorization_declined");

    // Expired.
    let d = start().await;
    clock.advance(d["expires_in"].as_i64().unwrap() + 1);
    let (status, e) = poll(d["device_code"].as_str().unwrap().into()).await;
    assert_eq!(
        (status, e["error"].clone(), e["error_codes"][0].clone()),
        (400, json!("expired_token"), json!(70020))
    );
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_user() {
    let s = TestServer::start_with(Settings {
        lockout: LockoutPolicy {
            user_threshold: 3,
            source_threshold: 0,
            window_secs: 60,
        },
        ..Settings::default()
    })
    .await;
    let p = &s.partner;
    let path = format!("/{}/oauth2/token", p.tenant_id);
    let attempt = |password: String| {
        let (s, path) = (&s, path.clone());
        async move {
            token_request(
                s,
                &path,
                &[
                    ("grant_type", "password"),
                    ("client_id", &s.partner.client_id),
                    ("username", &s.partner.user_name),
                    ("password", &password),
                    ("resource", API),
                ],
            )
            .await
        }
    };
    for _ in 0..3 {
        let (_, e) = attempt("wrong".into()).await;
        assert_eq!(e["error_codes"][0], 50126);
    }
    let (status, e) = attempt(p.user_password.clone()).await;
    assert_eq!(
        (status, e["error_codes"][0].clone()),
        (400, json!(50053)),
        "locked even with the right password: {e}"
    );
    // Other users are not affected.
    let other = s
        .add_partner("Other", partnerd_store::PartnerKind::Sandbox, None)
        .await;
    let (status, _) = token_request(
        &s,
        &format!("/{}/oauth2/token", other.tenant_id),
        &[
            ("grant_type", "password"),
            ("client_id", &other.client_id),
            ("username", &other.user_name),
            ("password", &other.user_password),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn spraying_many_users_from_one_address_locks_none_of_them() {
    // Every request comes from 127.0.0.1, so this address sprays: one wrong password for
    // each of four users, twice its threshold. Locking a user from one address takes two
    // failures for that user, which none has.
    let s = TestServer::start_with(Settings {
        lockout: LockoutPolicy {
            user_threshold: 2,
            source_threshold: 2,
            window_secs: 60,
        },
        ..Settings::default()
    })
    .await;
    let mut users = vec![s.partner.clone()];
    for name in ["Northwind", "Tailspin", "Litware"] {
        users.push(
            s.add_partner(name, partnerd_store::PartnerKind::Sandbox, None)
                .await,
        );
    }
    let sign_in = |p: &partnerd::identity::ProvisionedPartner, password: &str| {
        let path = format!("/{}/oauth2/token", p.tenant_id);
        let form = [
            ("grant_type", "password".to_owned()),
            ("client_id", p.client_id.clone()),
            ("username", p.user_name.clone()),
            ("password", password.to_owned()),
            ("resource", API.to_owned()),
        ];
        let s = &s;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token_request(s, &path, &form).await
        }
    };
    for p in &users {
        let (status, e) = sign_in(p, "wrong").await;
        assert_eq!(
            (status, e["error_codes"][0].clone()),
            (400, json!(50126)),
            "{e}"
        );
    }
    // The address is now slowed down, but a right password from it still signs in.
    for p in &users {
        let (status, t) = sign_in(p, &p.user_password).await;
        assert_eq!(
            status, 200,
            "{} was locked out by the spray: {t}",
            p.user_name
        );
    }
    // The per-user rule still holds from this address: two wrong passwords for one user
    // since that user's last sign-in lock that user from it.
    let p = &users[1];
    for _ in 0..2 {
        let (status, e) = sign_in(p, "wrong").await;
        assert_eq!(
            (status, e["error_codes"][0].clone()),
            (400, json!(50126)),
            "{e}"
        );
    }
    let (status, e) = sign_in(p, &p.user_password).await;
    assert_eq!(
        (status, e["error_codes"][0].clone()),
        (400, json!(50053)),
        "{e}"
    );
}

#[tokio::test]
async fn claims_mode_skips_signatures_and_off_mode_takes_any_bearer() {
    let s = TestServer::start_with(Settings {
        auth: AuthMode::Claims,
        ..Settings::default()
    })
    .await;
    let real = s.app_token().await;
    let mut parts: Vec<&str> = real.split('.').collect();
    parts[2] = "not-a-signature";
    let forged = parts.join(".");
    assert_eq!(api_status(&s, &forged).await, 200);
    // The claims are still checked.
    let mut claims = jwt_claims(&real);
    claims["aud"] = json!("https://example.com");
    let bad = {
        use base64::Engine;
        format!(
            "{}.{}.x",
            parts[0],
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    };
    assert_eq!(api_status(&s, &bad).await, 401);

    let s = TestServer::start_with(Settings {
        auth: AuthMode::Off,
        ..Settings::default()
    })
    .await;
    let c = s
        .create_customer("anything-at-all", "offmode.onmicrosoft.com")
        .await;
    // The caller is the bootstrap partner, with its user: an app+user route works.
    let r = s
        .authed(
            Method::GET,
            &format!(
                "/v1/customers/{}/profiles/company",
                c["id"].as_str().unwrap()
            ),
            "x",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        s.request(Method::GET, "/v1/customers")
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "a bearer is still required"
    );
}

#[tokio::test]
async fn clouds_mint_and_accept_their_own_audience() {
    let s = TestServer::start_with(Settings {
        cloud: Cloud::China,
        access_token_secs: 900,
        ..Settings::default()
    })
    .await;
    let p = &s.partner;
    let china = Cloud::China.resource();
    let (status, t) = token_request(
        &s,
        &format!("/{}/oauth2/token", p.tenant_id),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &p.client_id),
            ("client_secret", &p.client_secret),
            ("resource", china),
        ],
    )
    .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["expires_in"], "899");
    let claims = jwt_claims(t["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], china);
    assert_eq!(claims["iss"], Cloud::China.issuer(&p.tenant_id));
    assert_eq!(
        api_status(&s, t["access_token"].as_str().unwrap()).await,
        200
    );
    // The public cloud's resource is unknown here, and its tokens are refused.
    let (status, e) = token_request(
        &s,
        &format!("/{}/oauth2/token", p.tenant_id),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &p.client_id),
            ("client_secret", &p.client_secret),
            ("resource", API),
        ],
    )
    .await;
    assert_eq!((status, e["error_codes"][0].clone()), (400, json!(500011)));
    let public = TestServer::start().await;
    let foreign = public.app_token().await;
    assert_eq!(api_status(&s, &foreign).await, 401);
}

#[tokio::test]
async fn rotated_keys_sign_and_retired_keys_stop_validating() {
    let s = TestServer::start().await;
    let old_token = s.app_token().await;
    let old_kid = s.state.keys.signer().unwrap().kid.clone();
    s.store
        .add_signing_key(partnerd::auth::keys::generate_key().unwrap())
        .await
        .unwrap();
    s.state.keys.reload().await.unwrap();
    let new_token = s.app_token().await;
    let kid_of = |t: &str| {
        use base64::Engine;
        let header: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    assert_ne!(kid_of(&new_token), old_kid, "the new key signs");
    assert_eq!(
        api_status(&s, &old_token).await,
        200,
        "the old key still validates"
    );
    assert_eq!(api_status(&s, &new_token).await, 200);
    assert!(s.store.retire_signing_key(&old_kid).await.unwrap());
    s.state.keys.reload().await.unwrap();
    assert_eq!(
        api_status(&s, &old_token).await,
        401,
        "retired, even though the token was cached"
    );
    assert_eq!(api_status(&s, &new_token).await, 200);
    let r = s
        .request(
            Method::GET,
            &format!("/{}/discovery/keys", s.partner.tenant_id),
        )
        .send()
        .await
        .unwrap();
    let (_, jwks) = status_json(r).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(!kids.contains(&old_kid.as_str()));
}

#[tokio::test]
async fn self_signed_tls_serves_https_and_keeps_its_ca() {
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let files = partnerd::tls::self_signed(&dir.path().join("tls")).unwrap();
    let ca = std::fs::read(&files.ca).unwrap();
    let again = partnerd::tls::self_signed(&dir.path().join("tls")).unwrap();
    assert_eq!(
        std::fs::read(&again.ca).unwrap(),
        ca,
        "the CA is made once and kept"
    );

    let store = partnerd_store::open(&format!("sqlite://{}/p.db", dir.path().display()))
        .await
        .unwrap();
    let state = partnerd::AppState::with_settings(
        store,
        Settings {
            tls: true,
            ..Settings::default()
        },
    )
    .await
    .unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let config = partnerd::tls::server_config(&files.cert, &files.key).unwrap();
    let listener = partnerd::tls::TlsListener::new(tcp, config).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(partnerd::server::serve(listener, state, async {
        let _ = rx.await;
    }));

    let mut roots = rustls::RootCertStore::empty();
    use rustls_pki_types::pem::PemObject;
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&ca) {
        roots.add(cert.unwrap()).unwrap();
    }
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    for name in ["localhost", "127.0.0.1"] {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let server_name = rustls_pki_types::ServerName::try_from(name.to_owned()).unwrap();
        let mut tls = connector
            .connect(server_name, tcp)
            .await
            .expect("the certificate is valid for this name");
        tls.write_all(format!("GET /t/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: {name}:{}\r\nConnection: close\r\n\r\n", addr.port()).as_bytes()).await.unwrap();
        let mut out = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            tls.read_to_end(&mut out),
        )
        .await
        .unwrap()
        .ok();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with("HTTP/1.1 400"),
            "unknown tenant over TLS: {text}"
        );
        assert!(text.contains("AADSTS90002"), "{text}");
    }
    let _ = tx.send(());
}

#[tokio::test]
async fn deleted_apps_and_users_lose_access() {
    let s = TestServer::start().await;
    let app_token = s.app_token().await;
    let user_token = s.user_token().await;
    assert_eq!(api_status(&s, &app_token).await, 200);
    assert_eq!(api_status(&s, &user_token).await, 200);
    let user = s
        .store
        .user_by_upn(&s.partner.user_name)
        .await
        .unwrap()
        .unwrap();
    assert!(s.store.delete_user(&user.object_id).await.unwrap());
    // What the store said of a token is reused for at most PRINCIPAL_TTL.
    tokio::time::sleep(partnerd::auth::PRINCIPAL_TTL + std::time::Duration::from_millis(200)).await;
    assert_eq!(api_status(&s, &user_token).await, 401, "deleted user");
    assert_eq!(api_status(&s, &app_token).await, 200);
    assert!(s.store.delete_app(&s.partner.client()).await.unwrap());
    tokio::time::sleep(partnerd::auth::PRINCIPAL_TTL + std::time::Duration::from_millis(200)).await;
    assert_eq!(api_status(&s, &app_token).await, 401, "deleted app");
}
