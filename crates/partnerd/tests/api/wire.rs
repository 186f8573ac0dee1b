//! Wire rules shared by every route: paths, media types, tracking headers (on every answer,
//! errors and the token service's included), 404/405 bodies, and leniency of input under
//! random casing.
//!
//! Contract: `wire-decisions.md`, section "Headers".

use partnerd_testkit::{assert_fault, customer_body, status_json, TestServer};
use proptest::prelude::*;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::token_service::{cc_form, domain, guid, Ep};

#[tokio::test]
async fn paths_match_case_insensitively_with_a_trailing_slash_and_v1_0() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    for path in [
        "/v1/customers",
        "/V1/Customers",
        "/v1/customers/",
        "/v1.0/customers",
        "/V1.0/CUSTOMERS/",
    ] {
        let r = s.authed(Method::GET, path, &t).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    for path in [
        "/v2/customers",
        "/v1/customerz",
        "/v1/customers/x/profiles/shipping",
        "/nothing",
    ] {
        let r = s.authed(Method::GET, path, &t).send().await.unwrap();
        let f = assert_fault(r, 404, 1000).await;
        assert!(f["description"].as_str().unwrap().len() > 3, "{path}");
    }
    let id = uuid::Uuid::new_v4();
    for (method, path) in [
        (Method::PUT, "/v1/customers".to_owned()),
        (Method::DELETE, "/v1/customers".to_owned()),
        (Method::POST, format!("/v1/customers/{id}/profiles/billing")),
        (Method::GET, "/v1/domains/x.onmicrosoft.com".to_owned()),
    ] {
        let r = s.authed(method.clone(), &path, &t).send().await.unwrap();
        assert_fault(r, 405, 990007).await;
    }
}

#[tokio::test]
async fn response_media_types_are_negotiated() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let get = |accept: Option<&'static str>| {
        let mut rb = s.authed(Method::GET, "/v1/customers", &t);
        if let Some(a) = accept {
            rb = rb.header("Accept", a);
        }
        rb.send()
    };
    for (accept, content_type) in [
        (None, "application/json; charset=utf-8"),
        (Some("*/*"), "application/json; charset=utf-8"),
        (Some("application/json"), "application/json; charset=utf-8"),
        (Some("text/json"), "text/json; charset=utf-8"),
        (
            Some("image/png, application/json;q=0.5"),
            "application/json; charset=utf-8",
        ),
    ] {
        let r = get(accept).await.unwrap();
        assert_eq!(r.status(), 200, "{accept:?}");
        assert_eq!(r.headers()["content-type"], content_type, "{accept:?}");
        let _: Value = r.json().await.unwrap();
    }
    let r = get(Some("image/png")).await.unwrap();
    assert_fault(r, 406, 990005).await;
    // Errors are negotiated too.
    let r = s
        .request(Method::GET, "/v1/customers")
        .header("Accept", "text/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/json; charset=utf-8");
    assert_fault(r, 401, 800001).await;
}

#[tokio::test]
async fn request_media_types() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let body = customer_body("media.onmicrosoft.com").to_string();
    let post = |ct: Option<&'static str>, body: String| {
        let mut rb = s.authed(Method::POST, "/v1/customers", &t).body(body);
        if let Some(ct) = ct {
            rb = rb.header("Content-Type", ct);
        }
        rb.send()
    };
    let r = post(Some("image/png"), body.clone()).await.unwrap();
    assert_fault(r, 415, 990004).await;
    let r = post(Some("text/json; charset=utf-8"), body.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = post(
        None,
        customer_body("nocontenttype.onmicrosoft.com").to_string(),
    )
    .await
    .unwrap();
    assert_eq!(
        r.status(),
        201,
        "a body without Content-Type is read as JSON"
    );
    // A JSON content type on a GET (the Python client sends one) is harmless.
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .header("Content-Type", "application/json; charset=utf-8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn tracking_headers_are_echoed_or_minted() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .header("MS-CorrelationId", "11111111-2222-3333-4444-555555555555")
        .header("MS-RequestId", "66666666-7777-8888-9999-000000000000")
        .header("MS-CV", "ObwhuhD2tUKJoM+Z.0")
        .header("Some-Unknown-Header", "x")
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(
        h["ms-correlationid"],
        "11111111-2222-3333-4444-555555555555"
    );
    assert_eq!(h["ms-requestid"], "66666666-7777-8888-9999-000000000000");
    assert_eq!(h["ms-cv"], "ObwhuhD2tUKJoM+Z.0.1");
    assert!(h.contains_key("ms-serverid") && h.contains_key("date"));
    let r = s.request(Method::GET, "/nowhere").send().await.unwrap();
    let h = r.headers();
    for name in ["ms-correlationid", "ms-requestid"] {
        assert!(
            uuid::Uuid::parse_str(h[name].to_str().unwrap()).is_ok(),
            "{name}"
        );
    }
    assert!(h["ms-cv"].to_str().unwrap().ends_with(".0"));
    assert_ne!(h["ms-correlationid"], h["ms-requestid"]);
}

/// Response header as text.
fn hdr(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

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

/// Rewrites every property name of a JSON tree with a casing chosen by `pick`.
fn recase(v: &Value, pick: &mut impl FnMut(&str) -> String) -> Value {
    match v {
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (pick(k), recase(v, pick))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| recase(v, pick)).collect()),
        other => other.clone(),
    }
}

fn apply_case(key: &str, mode: u8) -> String {
    match mode % 4 {
        0 => key.to_owned(),
        1 => key.to_ascii_uppercase(),
        2 => key.to_ascii_lowercase(),
        _ => {
            let mut c = key.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// Over HTTP: any property casing and any enum spelling of a PATCH means the same removal.
    #[test]
    fn patch_bodies_in_any_casing_mean_the_same(modes in proptest::collection::vec(any::<u8>(), 8), spelling in 0usize..5) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let s = TestServer::start().await;
            let t = s.user_token().await;
            let c = s.create_customer(&t, "casing.onmicrosoft.com").await;
            let id = c["id"].as_str().unwrap();
            let none = [json!("none"), json!("None"), json!("NONE"), json!(5), json!("nOnE")][spelling].clone();
            let mut i = 0;
            let body = recase(
                &json!({"relationshipToPartner": none, "allowDelegatedAccess": false, "attributes": {"objectType": "Customer"}}),
                &mut |k| { i += 1; apply_case(k, modes[i % modes.len()]) },
            );
            let r = s.authed(Method::PATCH, &format!("/v1/customers/{id}"), &t).json(&body).send().await.unwrap();
            let (status, v) = status_json(r).await;
            assert_eq!(status, 200, "{body} -> {v}");
            assert_eq!(v["relationshipToPartner"], "none");
            assert_eq!(v["allowDelegatedAccess"], false);
        });
    }
}

/// Contract: "Bodies in". An empty string in an optional text property means "not given",
/// like `null` (PowerShell sends `Region = ""`); a required one given as `""` is missing.
#[tokio::test]
async fn an_empty_optional_text_is_not_given() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let create = |body: Value| {
        s.authed(Method::POST, "/v1/customers", &t)
            .json(&body)
            .send()
    };
    let mut body = customer_body("emptyregion.onmicrosoft.com");
    body["billingProfile"]["defaultAddress"] = json!({
        "country": "GB", "city": "London", "addressLine1": "10 Downing Street",
        "postalCode": "SW1A 2AA", "region": "", "addressLine2": "", "phoneNumber": ""
    });
    body["billingProfile"]["firstName"] = json!("");
    let (status, c) = status_json(create(body).await.unwrap()).await;
    assert_eq!(status, 201, "{c}");
    let billing = &c["billingProfile"];
    for absent in ["region", "addressLine2", "phoneNumber"] {
        assert!(
            billing["defaultAddress"].get(absent).is_none(),
            "{absent}: {c}"
        );
    }
    assert!(billing.get("firstName").is_none(), "{c}");
    assert_eq!(billing["defaultAddress"]["country"], "GB");

    // On a US address, where a region is refused, an empty one is no region.
    let mut body = customer_body("emptyregionus.onmicrosoft.com");
    body["billingProfile"]["defaultAddress"]["region"] = json!("");
    let (status, c) = status_json(create(body).await.unwrap()).await;
    assert_eq!(status, 201, "{c}");
    assert!(c["billingProfile"]["defaultAddress"]
        .get("region")
        .is_none());

    let mut body = customer_body("emptyemail.onmicrosoft.com");
    body["billingProfile"]["email"] = json!("");
    let fault = assert_fault(create(body).await.unwrap(), 400, 27002).await;
    assert_eq!(
        fault["data"],
        json!(["property_name: billingProfile.email - is required"])
    );
}

/// Contract: "Bodies in". A property given twice, in any casing, in JSON, XML or a form, is
/// 400/800002 naming it; items of an array repeat without being duplicates.
#[tokio::test]
async fn a_property_given_twice_is_refused_in_every_format() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let post = |content_type: &'static str, body: String| {
        s.authed(Method::POST, "/v1/customers", &t)
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    // JSON: a tree of serde_json would silently keep the second.
    let json_body = customer_body("twicejson.onmicrosoft.com").to_string();
    let doubled = json_body.replacen(
        r#""email":"ada@contoso.com""#,
        r#""email":"ada@contoso.com","Email":"eve@contoso.com""#,
        1,
    );
    assert_ne!(doubled, json_body, "the body has the property to double");
    // XML: the two alone in their element, which must not read as an array of two.
    let xml = "<Customer><CompanyProfile><Domain>twicexml.onmicrosoft.com</Domain>\
        <domain>other.onmicrosoft.com</domain></CompanyProfile><BillingProfile>\
        <Email>ada@contoso.com</Email><Culture>en-US</Culture><Language>en</Language>\
        <CompanyName>Contoso</CompanyName><DefaultAddress><Country>US</Country><State>WA</State>\
        <City>Redmond</City><AddressLine1>1 Way</AddressLine1><PostalCode>98052</PostalCode>\
        </DefaultAddress></BillingProfile></Customer>"
        .to_owned();
    let form = "companyProfile.domain=twiceform.onmicrosoft.com\
        &billingProfile.email=ada%40contoso.com&BillingProfile[Email]=eve%40contoso.com\
        &billingProfile.culture=en-US&billingProfile.language=en&billingProfile.companyName=Contoso\
        &billingProfile.defaultAddress.country=US&billingProfile.defaultAddress.state=WA\
        &billingProfile.defaultAddress.city=Redmond&billingProfile.defaultAddress.addressLine1=1+Way\
        &billingProfile.defaultAddress.postalCode=98052";
    for (content_type, body, path) in [
        ("application/json", doubled, "billingProfile.email"),
        ("application/xml", xml, "companyProfile.domain"),
        (
            "application/x-www-form-urlencoded",
            form.to_owned(),
            "billingProfile.email",
        ),
    ] {
        let fault = assert_fault(post(content_type, body).await.unwrap(), 400, 800002).await;
        let description = fault["description"].as_str().unwrap();
        assert!(
            description.contains(&format!("'{path}'")),
            "{content_type}: {fault}"
        );
        assert!(
            description.contains("more than once"),
            "{content_type}: {fault}"
        );
        assert_eq!(
            fault["data"],
            json!([format!("property_name: {path}")]),
            "{content_type}"
        );
    }
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(r).await.1["totalCount"],
        0,
        "nothing was created"
    );

    // Repeated items of an array are no duplicates, in any format.
    let body = customer_body("items.onmicrosoft.com").to_string().replacen(
        r#""companyProfile""#,
        r#""customDomains":["x.example","x.example"],"companyProfile""#,
        1,
    );
    let (status, c) = status_json(post("application/json", body).await.unwrap()).await;
    assert_eq!(status, 201, "{c}");
    let body = form.replace("twiceform", "itemsform").replace(
        "&BillingProfile[Email]=eve%40contoso.com",
        "&customDomains[0]=x.example&customDomains[1]=x.example",
    );
    let (status, c) = status_json(
        post("application/x-www-form-urlencoded", body)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{c}");
}
