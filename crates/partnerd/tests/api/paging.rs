//! Customer lists: sizes, seek paging with continuation tokens, filters, and scans under
//! concurrent inserts and deletes.

use std::collections::HashSet;
use std::sync::Arc;

use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

async fn page(s: &TestServer, t: &str, query: &str) -> Value {
    let r = s
        .authed(Method::GET, &format!("/v1/customers{query}"), t)
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 200, "{v}");
    v
}

/// Follows `links.next` as the .NET enumerator does: the uri verbatim (plus the version
/// prefix it adds) and every header of the link.
async fn follow(s: &TestServer, t: &str, prefix: &str, next: &Value) -> Value {
    let uri = next["uri"].as_str().unwrap();
    assert!(
        !uri.starts_with("/v1"),
        "next links carry no version prefix: {uri}"
    );
    let mut rb = s.authed(Method::GET, &format!("{prefix}{uri}"), t);
    for h in next["headers"].as_array().unwrap() {
        rb = rb.header(h["key"].as_str().unwrap(), h["value"].as_str().unwrap());
    }
    let (status, v) = status_json(rb.send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    v
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_follow_links_and_tokens_in_creation_order() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let mut created = Vec::new();
    for i in 0..5 {
        let c = s
            .create_customer(&t, &format!("page{i}.onmicrosoft.com"))
            .await;
        created.push(c["id"].as_str().unwrap().to_owned());
    }
    let first = page(&s, &t, "?size=2").await;
    assert_eq!(first["totalCount"], 2);
    assert_eq!(first["attributes"]["objectType"], "Collection");
    assert_eq!(first["links"]["self"]["uri"], "/customers?size=2");
    let token = first["continuationToken"].as_str().unwrap();
    assert_eq!(
        first["links"]["next"],
        json!({"uri": "/customers?size=2&seekOperation=Next", "method": "GET",
               "headers": [{"key": "MS-ContinuationToken", "value": token}]})
    );
    // List items are sparse.
    let item = &first["items"][0];
    assert!(item.get("billingProfile").is_none() && item.get("allowDelegatedAccess").is_none());
    assert_eq!(item["relationshipToPartner"], "reseller");
    assert_eq!(item["companyProfile"]["domain"], "page0.onmicrosoft.com");
    assert!(item["companyProfile"].get("address").is_none());

    let second = follow(&s, &t, "/v1", &first["links"]["next"]).await;
    // The seek query, as the SDK's BuildSeekQuery sends it, on the /v1.0/ spelling.
    let third = {
        let r = s
            .authed(Method::GET, "/v1.0/customers?seekOperation=Next", &t)
            .header(
                "MS-ContinuationToken",
                second["continuationToken"].as_str().unwrap(),
            )
            .send()
            .await
            .unwrap();
        status_json(r).await.1
    };
    assert_eq!(third["totalCount"], 1);
    assert!(third.get("continuationToken").is_none() && third["links"].get("next").is_none());
    let all: Vec<String> = [first, second, third].iter().flat_map(ids).collect();
    assert_eq!(all, created);

    // No size, size 0 and a huge size all mean pages of 500.
    for q in ["", "?size=0", "?size=9000"] {
        let p = page(&s, &t, q).await;
        assert_eq!(p["totalCount"], 5);
        assert_eq!(p["links"]["self"]["uri"], "/customers?size=500");
    }
}

#[tokio::test]
async fn bad_list_input_is_800002() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    s.create_customer(&t, "a1.onmicrosoft.com").await;
    s.create_customer(&t, "a2.onmicrosoft.com").await;
    let token = page(&s, &t, "?size=1").await["continuationToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let bad = |q: &str| s.authed(Method::GET, &format!("/v1/customers{q}"), &t);
    for q in [
        "?size=-1",
        "?size=ten",
        "?filter=nope",
        "?filter=%7B%7D",
        "?seekOperation=Next",
        "?seekOperation=Previous",
    ] {
        assert_fault(bad(q).send().await.unwrap(), 400, 800002).await;
    }
    let mut tampered = token.clone();
    tampered.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
    let r = bad("?seekOperation=Next")
        .header("MS-ContinuationToken", tampered)
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 800002).await;
    // Another partner cannot continue this partner's scan.
    let other = s.add_partner("Other", PartnerKind::Sandbox, None).await;
    let r = s
        .authed(
            Method::GET,
            "/v1/customers?seekOperation=Next",
            &s.app_token_of(&other).await,
        )
        .header("MS-ContinuationToken", &token)
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 800002).await;
}

#[tokio::test]
async fn filters_search_by_prefix_case_insensitively() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    s.create_customer_named(&t, "alpha.onmicrosoft.com", "Contoso Ltd")
        .await;
    s.create_customer_named(&t, "beta.onmicrosoft.com", "contoso GmbH")
        .await;
    s.create_customer_named(&t, "contosoish.onmicrosoft.com", "Fabrikam")
        .await;
    s.create_customer_named(&t, "gamma.onmicrosoft.com", "Überwald AG")
        .await;
    let search = |filter: Value, size: &'static str| {
        let f = filter.to_string();
        let s = &s;
        let t = &t;
        async move {
            let r = s
                .authed(Method::GET, "/v1/customers", t)
                .query(&[("size", size), ("filter", f.as_str())])
                .send()
                .await
                .unwrap();
            status_json(r).await.1
        }
    };
    let p = search(
        json!({"Field": "CompanyName", "Value": "CONTOSO", "Operator": "starts_with"}),
        "0",
    )
    .await;
    assert_eq!(p["totalCount"], 2, "{p}");
    let p = search(json!({"field": "companyName", "value": "über", "operator": "StartsWith", "fieldType": "string"}), "0").await;
    assert_eq!(p["totalCount"], 1, "{p}");
    let p = search(
        json!({"Field": "Domain", "Value": "Contoso", "Operator": "starts_with"}),
        "0",
    )
    .await;
    assert_eq!(ids(&p).len(), 1);
    assert_eq!(
        p["items"][0]["companyProfile"]["domain"],
        "contosoish.onmicrosoft.com"
    );
    // A filtered scan pages with the filter kept in the token.
    let p = search(
        json!({"Field": "CompanyName", "Value": "contoso", "Operator": "starts_with"}),
        "1",
    )
    .await;
    assert_eq!(p["totalCount"], 1);
    let next = follow(&s, &t, "/v1", &p["links"]["next"]).await;
    assert_eq!(next["totalCount"], 1);
    assert_eq!(
        next["items"][0]["companyProfile"]["companyName"],
        "contoso GmbH"
    );
    assert!(next["links"].get("next").is_none());
    for bad in [
        json!({"Field": "Email", "Value": "a", "Operator": "starts_with"}),
        json!({"Field": "Domain", "Value": "a", "Operator": "equals"}),
        json!({"Field": "IndirectReseller", "Value": "not-a-guid", "Operator": "starts_with"}),
    ] {
        let f = bad.to_string();
        let r = s
            .authed(Method::GET, "/v1/customers", &t)
            .query(&[("filter", f.as_str())])
            .send()
            .await
            .unwrap();
        assert_fault(r, 400, 800002).await;
    }
}

#[tokio::test]
async fn a_scan_under_concurrent_writes_never_repeats_or_skips() {
    let s = Arc::new(TestServer::start().await);
    let t = s.app_token().await;
    let mut survivors = HashSet::new();
    let mut doomed = Vec::new();
    for i in 0..24 {
        let c = s
            .create_customer(&t, &format!("scan{i}.onmicrosoft.com"))
            .await;
        let id = c["id"].as_str().unwrap().to_owned();
        if i % 3 == 0 {
            doomed.push(id);
        } else {
            survivors.insert(id);
        }
    }
    // A writer deletes a third of the customers and adds new ones while the scan runs.
    let writer = {
        let (s, t) = (s.clone(), t.clone());
        tokio::spawn(async move {
            for (i, id) in doomed.into_iter().enumerate() {
                let r = s
                    .authed(Method::DELETE, &format!("/v1/customers/{id}"), &t)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 204);
                s.create_customer(&t, &format!("late{i}.onmicrosoft.com"))
                    .await;
                tokio::task::yield_now().await;
            }
        })
    };
    let mut seen = Vec::new();
    let mut current = page(&s, &t, "?size=3").await;
    loop {
        seen.extend(ids(&current));
        let Some(next) = current["links"].get("next").cloned() else {
            break;
        };
        current = follow(&s, &t, "/v1", &next).await;
    }
    writer.await.unwrap();
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "an item was repeated");
    let missing: Vec<_> = survivors.difference(&unique).collect();
    assert!(
        missing.is_empty(),
        "customers that existed throughout were skipped: {missing:?}"
    );
}
