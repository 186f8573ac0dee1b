//! What the dashboard stands on: its page and assets, and the control-plane operations it
//! calls (partners, their credentials and tokens, signing keys, recent traffic, the journal's
//! route filter). The page itself is driven in a browser by `tests/ui/run.sh`.

use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn the_page_and_its_assets_are_served_without_a_token_and_locked_down() {
    let s = TestServer::start().await;
    for (path, media) in [
        ("/_partnerd/ui/", "text/html"),
        ("/_partnerd/ui", "text/html"),
        ("/_partnerd/ui/app.js", "text/javascript"),
        ("/_partnerd/ui/app.css", "text/css"),
        ("/_partnerd/ui/icon.svg", "image/svg+xml"),
    ] {
        let r = s.request(Method::GET, path).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        assert!(
            h["content-type"].to_str().unwrap().starts_with(media),
            "{path}"
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        let body = r.text().await.unwrap();
        assert!(!body.contains(&s.state.ops.admin_token));
    }
    let page = s
        .request(Method::GET, "/_partnerd/ui/")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"src="/_partnerd/ui/app.js""#), "{page}");
    // No script or style from anywhere else, and none inline.
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(!page.contains("<script>") && !page.contains("style="));
    let r = s
        .request(Method::GET, "/_partnerd/ui/nothing.js")
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 1000).await;
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/_partnerd", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/_partnerd/ui/");
}

#[tokio::test]
async fn partners_are_listed_with_ids_and_never_a_hash() {
    let s = TestServer::start().await;
    let second = s
        .add_partner("Northwind", partnerd_store::PartnerKind::Production, None)
        .await;
    let r = s
        .request(Method::GET, "/_partnerd/partners")
        .send()
        .await
        .unwrap();
    assert_fault(r, 401, 800001).await;
    let (status, list) = status_json(
        s.admin(Method::GET, "/_partnerd/partners")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["tenantId"], s.partner.tenant_id.as_str());
    assert_eq!(list[0]["apps"][0]["clientId"], s.partner.client_id.as_str());
    assert_eq!(
        list[0]["users"][0]["userName"],
        s.partner.user_name.as_str()
    );
    assert_eq!(list[0]["users"][0]["mfa"], true);
    assert_eq!(list[1]["kind"], "production");
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains("argon2") && !text.contains(&s.partner.client_secret));

    // One, by tenant id or domain; an unknown one as the control plane says it.
    for key in [second.tenant_id.as_str(), second.domain.as_str()] {
        let (status, one) = status_json(
            s.admin(Method::GET, &format!("/_partnerd/partners/{key}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(one["name"], "Northwind");
    }
    let r = s
        .admin(Method::GET, "/_partnerd/partners/nobody.example")
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 60003).await;
}

#[tokio::test]
async fn a_credential_reset_answers_the_new_secret_once_and_the_old_one_stops() {
    let s = TestServer::start().await;
    let token = |secret: String| {
        let s = &s;
        async move {
            s.request(
                Method::POST,
                &format!("/{}/oauth2/token", s.partner.tenant_id),
            )
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", s.partner.client_id.as_str()),
                ("client_secret", secret.as_str()),
                ("resource", "https://api.partnercenter.microsoft.com"),
            ])
            .send()
            .await
            .unwrap()
            .status()
        }
    };
    assert_eq!(token(s.partner.client_secret.clone()).await, 200);
    let (status, fresh) = status_json(
        s.admin(
            Method::POST,
            &format!("/_partnerd/partners/{}/credentials", s.partner.domain),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(fresh["clientId"], s.partner.client_id.as_str());
    assert_eq!(fresh["userName"], s.partner.user_name.as_str());
    let secret = fresh["clientSecret"].as_str().unwrap().to_owned();
    assert_ne!(secret, s.partner.client_secret);
    assert_eq!(token(secret).await, 200);
    assert_eq!(token(s.partner.client_secret.clone()).await, 401);
    // The listing still shows no secret.
    let listed = s
        .admin(Method::GET, "/_partnerd/partners")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(fresh["clientSecret"].as_str().unwrap()));
}

#[tokio::test]
async fn a_minted_partner_token_acts_as_its_app_and_user() {
    let s = TestServer::start().await;
    let mint = |body: Option<Value>| {
        let s = &s;
        async move {
            let mut r = s.admin(
                Method::POST,
                &format!("/_partnerd/partners/{}/token", s.partner.tenant_id),
            );
            if let Some(b) = body {
                r = r.json(&b);
            }
            status_json(r.send().await.unwrap()).await
        }
    };
    let (status, user) = mint(None).await;
    assert_eq!(status, 200);
    assert_eq!(user["token_type"], "Bearer");
    assert!(user["expires_in"].as_i64().unwrap() > 0);
    let user = user["access_token"].as_str().unwrap().to_owned();
    // App+user routes accept it.
    let r = s
        .authed(Method::GET, "/v1/customers/relationshiprequests", &user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (_, app) = mint(Some(json!({"user": false}))).await;
    let app = app["access_token"].as_str().unwrap().to_owned();
    let r = s
        .authed(Method::GET, "/v1/customers", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .authed(Method::GET, "/v1/customers/relationshiprequests", &app)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "app-only is app-only");

    let (status, bad) = mint(Some(json!({"user": "yes"}))).await;
    assert_eq!((status, bad["code"].as_i64()), (400, Some(800002)));
    let r = s
        .request(
            Method::POST,
            &format!("/_partnerd/partners/{}/token", s.partner.tenant_id),
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 401, 800001).await;
}

#[tokio::test]
async fn signing_keys_are_listed_rotated_and_retired_but_never_the_last() {
    let s = TestServer::start().await;
    let keys = |s: &TestServer| {
        let r = s.admin(Method::GET, "/_partnerd/keys");
        async move { status_json(r.send().await.unwrap()).await.1 }
    };
    let before = keys(&s).await;
    assert_eq!(before.as_array().unwrap().len(), 1);
    let only = before[0]["kid"].as_str().unwrap().to_owned();
    assert_eq!(before[0]["signs"], true);
    assert!(before[0]["created"].as_str().unwrap().ends_with('Z'));
    assert!(!before.to_string().contains("PRIVATE"));
    let r = s
        .admin(Method::DELETE, &format!("/_partnerd/keys/{only}"))
        .send()
        .await
        .unwrap();
    assert_fault(r, 409, 1000).await;

    let old_token = s.app_token().await;
    let (status, after) = status_json(
        s.admin(Method::POST, "/_partnerd/keys")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(after.as_array().unwrap().len(), 2);
    let newest = after[0]["kid"].as_str().unwrap().to_owned();
    assert_ne!(newest, only);
    assert_eq!(
        (after[0]["signs"].clone(), after[1]["signs"].clone()),
        (json!(true), json!(false))
    );
    // This node signs with the new key at once; the old key's tokens still pass.
    let (_, minted) = status_json(
        s.admin(
            Method::POST,
            &format!("/_partnerd/partners/{}/token", s.partner.tenant_id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    let header = minted["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap();
    let header = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap(),
    )
    .unwrap();
    assert!(header.contains(&newest), "{header}");
    let ok = |t: String| {
        let r = s.authed(Method::GET, "/v1/customers", &t);
        async move { r.send().await.unwrap().status() }
    };
    assert_eq!(ok(old_token.clone()).await, 200);

    let r = s
        .admin(Method::DELETE, &format!("/_partnerd/keys/{only}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(ok(old_token).await, 401, "the retired key's tokens stop");
    let r = s
        .admin(Method::DELETE, &format!("/_partnerd/keys/{only}"))
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 1000).await;
    assert_eq!(keys(&s).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn recent_traffic_counts_api_requests_per_route_and_leaves_the_control_plane_out() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    for _ in 0..3 {
        s.authed(Method::GET, "/v1/customers", &t)
            .send()
            .await
            .unwrap();
    }
    s.admin(Method::GET, "/_partnerd/requests")
        .send()
        .await
        .unwrap();
    // The sampler runs every few seconds; a test takes its snapshot itself.
    s.state.ops.recent.sample(std::time::SystemTime::now());
    let (status, traffic) = status_json(
        s.admin(Method::GET, "/_partnerd/metrics/recent?minutes=1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(traffic["stepSeconds"], 5);
    let series = traffic["series"].as_array().unwrap();
    let customers = series
        .iter()
        .find(|s| s["route"] == "/v1/customers" && s["method"] == "GET")
        .unwrap_or_else(|| panic!("{traffic}"));
    assert_eq!(customers["requests"], 3);
    let last = customers["points"].as_array().unwrap().last().unwrap();
    assert_eq!(last["requests"], 3);
    assert!(last["p99Ms"].as_f64().unwrap() > 0.0);
    assert!(
        series
            .iter()
            .all(|s| !s["route"].as_str().unwrap().starts_with("/_partnerd")),
        "{traffic}"
    );
    let r = s
        .admin(Method::GET, "/_partnerd/metrics/recent?minutes=soon")
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 800002).await;
}

#[tokio::test]
async fn the_journal_filters_by_route_pattern() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let c = s.create_customer(&t, "routefilter.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    s.authed(Method::GET, &format!("/v1/customers/{id}"), &t)
        .send()
        .await
        .unwrap();
    s.authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    let (_, hits) = status_json(
        s.admin(
            Method::GET,
            "/_partnerd/requests?route=%2Fv1%2FCustomers%2F%7Bid%7D",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["path"], format!("/v1/customers/{id}"));
    let (_, all) = status_json(
        s.admin(Method::GET, "/_partnerd/requests?route=/v1/customers")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let methods: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["GET", "POST"]);
}
