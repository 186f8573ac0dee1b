//! A customer's user accounts and directory roles: the admin made with the customer, create
//! with Entra's rules, lists with filters and seek paging, update, password reset, delete and
//! restore within 30 days, roles and their members, App+User only, every media type,
//! idempotent writes, and the customer's deletion taking its users along.

use partnerd::config::Settings;
use partnerd_store::ManualClock;
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

struct Tenant {
    id: String,
    domain: String,
}

async fn tenant(s: &TestServer, token: &str, name: &str) -> Tenant {
    let domain = format!("{name}.onmicrosoft.com");
    let c = s.create_customer(token, &domain).await;
    Tenant {
        id: c["id"].as_str().unwrap().to_owned(),
        domain,
    }
}

async fn call(
    s: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = s.authed(method, path, token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    status_json(r.send().await.unwrap()).await
}

async fn patch(s: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    call(s, token, Method::PATCH, path, Some(body)).await
}

/// A create body as the .NET SDK sends it: PascalCase, every unset property an explicit null.
fn sdk_user(upn: &str, display: &str, password: &str) -> Value {
    json!({
        "UsageLocation": "us", "Id": null, "UserPrincipalName": upn, "FirstName": "Grace",
        "LastName": "Hopper", "DisplayName": display,
        "PasswordProfile": {"ForceChangePassword": true, "Password": password},
        "LastDirectorySyncTime": null, "UserDomainType": "none", "State": "active",
        "SoftDeletionTime": null, "Attributes": {"ObjectType": "CustomerUser"}
    })
}

async fn create(s: &TestServer, token: &str, t: &Tenant, local: &str, display: &str) -> Value {
    let (status, u) = call(
        s,
        token,
        Method::POST,
        &format!("/v1/customers/{}/users/", t.id),
        Some(sdk_user(
            &format!("{local}@{}", t.domain),
            display,
            "Password!1",
        )),
    )
    .await;
    assert_eq!(status, 200, "{u}");
    u
}

#[tokio::test]
async fn the_customers_admin_is_a_global_administrator_from_the_start() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = tenant(&s, &t, "adminfirst").await;
    let (status, page) = call(
        &s,
        &t,
        Method::GET,
        &format!("/v1/customers/{}/users", c.id),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["totalCount"], 1);
    let admin = &page["items"][0];
    assert_eq!(
        admin["userPrincipalName"],
        "admin@adminfirst.onmicrosoft.com"
    );
    assert_eq!(admin["state"], "active");
    assert_eq!(admin["attributes"]["objectType"], "CustomerUser");
    let admin_id = admin["id"].as_str().unwrap();
    let (_, roles) = call(
        &s,
        &t,
        Method::GET,
        &format!("/v1/customers/{}/users/{admin_id}/directoryroles", c.id),
        None,
    )
    .await;
    assert_eq!(roles["items"][0]["id"], GLOBAL_ADMIN);
    assert_eq!(roles["items"][0]["name"], "Global Administrator");
    // The same admin, read again and through another path.
    let (_, again) = call(
        &s,
        &t,
        Method::GET,
        &format!("/v1/customers/{}/users/{admin_id}", c.id),
        None,
    )
    .await;
    assert_eq!(again["id"], admin["id"]);
}

#[tokio::test]
async fn a_user_is_created_as_the_sdk_sends_it_and_its_password_is_kept_as_a_hash() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = tenant(&s, &t, "createsdk").await;
    let u = create(&s, &t, &c, "grace", "Grace Hopper").await;
    assert_eq!(u["userPrincipalName"], "grace@createsdk.onmicrosoft.com");
    assert_eq!(u["displayName"], "Grace Hopper");
    assert_eq!(u["usageLocation"], "US");
    assert_eq!(
        (u["state"].as_str(), u["userDomainType"].as_str()),
        (Some("active"), Some("none"))
    );
    assert!(u.get("passwordProfile").is_none(), "never answered: {u}");
    let id = u["id"].as_str().unwrap();
    assert!(partnerd_store::canonical_guid(id).is_some());
    let (status, got) = call(
        &s,
        &t,
        Method::GET,
        &format!("/v1/customers/{}/users/{id}", c.id),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got, u);

    let conn = rusqlite::Connection::open(&s.db_path).unwrap();
    let body: String = conn
        .query_row(
            "SELECT body FROM customer_records WHERE kind = 'customer_user' AND key = 'directory'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!body.contains("Password!1"), "{body}");
    assert!(body.contains("$argon2id$"), "{body}");
}

#[tokio::test]
async fn taken_names_foreign_domains_and_weak_passwords_are_refused_and_nothing_is_written() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = tenant(&s, &t, "refusals").await;
    create(&s, &t, &c, "ada", "Ada").await;
    let users = format!("/v1/customers/{}/users", c.id);
    let post = |body: Value| call(&s, &t, Method::POST, &users, Some(body));

    let (status, e) = post(sdk_user(
        "ADA@Refusals.onmicrosoft.com",
        "Other Ada",
        "Password!1",
    ))
    .await;
    assert_eq!((status, e["code"].as_i64()), (409, Some(990001)), "{e}");
    let (status, e) = post(sdk_user(
        "admin@refusals.onmicrosoft.com",
        "Admin 2",
        "Password!1",
    ))
    .await;
    assert_eq!(
        (status, e["code"].as_i64()),
        (409, Some(990001)),
        "the admin holds its name: {e}"
    );

    let (status, e) = post(sdk_user("ada@fabrikam.com", "Ada", "Password!1")).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(27002)));
    assert!(
        e["data"][0].as_str().unwrap().contains("userPrincipalName"),
        "{e}"
    );
    assert!(
        e["data"][0].as_str().unwrap().contains("fabrikam.com"),
        "{e}"
    );

    // The .NET SDK's own sample password: two character classes of four.
    let (status, e) = post(sdk_user(
        "weak@refusals.onmicrosoft.com",
        "Weak",
        "testPassword",
    ))
    .await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(27002)));
    assert!(
        e["data"][0]
            .as_str()
            .unwrap()
            .contains("passwordProfile.password"),
        "{e}"
    );
    let (status, _) = post(sdk_user("short@refusals.onmicrosoft.com", "Short", "Ab1!")).await;
    assert_eq!(status, 400);

    let (status, e) = post(json!({"userPrincipalName": "x@refusals.onmicrosoft.com"})).await;
    assert_eq!(status, 400);
    let data = e["data"].to_string();
    assert!(
        data.contains("displayName") && data.contains("passwordProfile.password"),
        "{e}"
    );

    let (_, page) = call(&s, &t, Method::GET, &users, None).await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "admin@refusals.onmicrosoft.com",
            "ada@refusals.onmicrosoft.com"
        ]
    );
}

#[tokio::test]
async fn users_are_app_plus_user_only_and_only_for_related_customers() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let app = s.app_token().await;
    let c = tenant(&s, &user, "apponly").await;
    for (method, path) in [
        (Method::GET, format!("/v1/customers/{}/users", c.id)),
        (Method::POST, format!("/v1/customers/{}/users", c.id)),
        (
            Method::GET,
            format!("/v1/customers/{}/directoryroles", c.id),
        ),
    ] {
        let r = s
            .authed(method, &path, &app)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_fault(r, 403, 2032).await;
    }
    let other = s
        .add_partner("Other", partnerd_store::PartnerKind::Sandbox, None)
        .await;
    let theirs = s.user_token_of(&other).await;
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{}/users", c.id),
            &theirs,
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 20002).await;
    let r = s
        .authed(Method::GET, "/v1/customers/not-a-guid/users", &user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn lists_page_by_seek_and_filter_by_name_and_state() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = tenant(&s, &t, "paging").await;
    for (local, display) in [
        ("b1", "Bob One"),
        ("a2", "Alice Two"),
        ("b3", "Bob Three"),
        ("c4", "Carol"),
    ] {
        create(&s, &t, &c, local, display).await;
    }
    let users = format!("/v1/customers/{}/users", c.id);
    // Creation order, two at a time, following links.next as the .NET SDK's enumerator does.
    let (_, mut page) = call(&s, &t, Method::GET, &format!("{users}?size=2"), None).await;
    let mut seen = Vec::new();
    loop {
        for u in page["items"].as_array().unwrap() {
            seen.push(u["displayName"].as_str().unwrap().to_owned());
        }
        let Some(next) = page["links"]["next"].as_object().cloned() else {
            assert!(page.get("continuationToken").is_none());
            break;
        };
        let token = next["headers"][0]["value"].as_str().unwrap();
        assert_eq!(page["continuationToken"], token);
        let uri = next["uri"].as_str().unwrap();
        let r = s
            .authed(Method::GET, &format!("/v1{uri}"), &t)
            .header("MS-ContinuationToken", token)
            .send()
            .await
            .unwrap();
        let (status, p) = status_json(r).await;
        assert_eq!(status, 200, "{p}");
        page = p;
    }
    assert_eq!(
        seen,
        ["admin", "Bob One", "Alice Two", "Bob Three", "Carol"]
    );

    let (_, names, _) = filtered(&s, &t, &users, json!({"field": "userPrincipalName", "value": "C4@PAGING.onmicrosoft.com", "operator": "equals"})).await;
    assert_eq!(names.unwrap(), ["Carol"]);
    let (_, names, _) = filtered(
        &s,
        &t,
        &users,
        json!({"Field": "UserState", "Value": "Inactive", "Operator": "equals"}),
    )
    .await;
    assert_eq!(names.unwrap(), Vec::<String>::new());
    let (status, _, e) = filtered(
        &s,
        &t,
        &users,
        json!({"Field": "Email", "Value": "x", "Operator": "equals"}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(800002)));

    // Sorted as the .NET SDK asks.
    let (_, sorted) = call(
        &s,
        &t,
        Method::GET,
        &format!("{users}?size=3&sortField=DisplayName&sortDirection=Descending"),
        None,
    )
    .await;
    let names: Vec<&str> = sorted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Carol", "Bob Three", "Bob One"]);

    // A token is bound to its customer's list.
    let other = tenant(&s, &t, "pagingother").await;
    let token = sorted["continuationToken"].as_str().unwrap();
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{}/users?seekOperation=Next", other.id),
            &t,
        )
        .header("MS-ContinuationToken", token)
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 800002).await;
    let (status, _) = call(&s, &t, Method::GET, &format!("{users}?size=-1"), None).await;
    assert_eq!(status, 400);
}

/// The display names a filtered list answers, with its status and body.
async fn filtered(
    s: &TestServer,
    t: &str,
    users: &str,
    f: Value,
) -> (u16, Option<Vec<String>>, Value) {
    let path = format!("{users}?filter={}", urlencode(&f.to_string()));
    let (status, p) = call(s, t, Method::GET, &path, None).await;
    let names = p["items"].as_array().map(|items| {
        items
            .iter()
            .map(|u| u["displayName"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    });
    (status, names, p)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn updates_reset_passwords_and_renames_follow_the_name_rules() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = tenant(&s, &t, "updates").await;
    let u = create(&s, &t, &c, "grace", "Grace").await;
    create(&s, &t, &c, "taken", "Taken").await;
    let path = format!("/v1/customers/{}/users/{}", c.id, u["id"].as_str().unwrap());
    // As PowerShell's Set-PartnerCustomerUser sends it: the user read, changed, sent back
    // whole, with the read-only properties and explicit nulls.
    let mut whole = u.clone();
    whole["displayName"] = json!("Grace B. Hopper");
    whole["lastName"] = Value::Null;
    whole["passwordProfile"] = json!({"password": null, "forceChangePassword": true});
    let (status, v) = patch(&s, &t, &path, whole).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["displayName"], "Grace B. Hopper");
    assert_eq!(v["lastName"], "Hopper", "a null leaves it");

    // A password reset: the new hash replaces the old one.
    let hash = || {
        let conn = rusqlite::Connection::open(&s.db_path).unwrap();
        conn.query_row(
            "SELECT body FROM customer_records WHERE kind = 'customer_user' AND key = 'directory'",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
    };
    let before = hash();
    let (status, _) = patch(&s, &t, &path, json!({"passwordProfile": {"password": "Renew456*", "forceChangePassword": true}, "attributes": {"objectType": "CustomerUser"}})).await;
    assert_eq!(status, 200);
    assert_ne!(hash(), before);
    let (status, e) = patch(
        &s,
        &t,
        &path,
        json!({"passwordProfile": {"password": "weakweak"}}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(27002)));

    // Renames: to a taken name refused; to a free one, and the old name is free again.
    let (status, e) = patch(
        &s,
        &t,
        &path,
        json!({"userPrincipalName": "taken@updates.onmicrosoft.com"}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (409, Some(990001)));
    let (status, v) = patch(
        &s,
        &t,
        &path,
        json!({"UserPrincipalName": "admiral@updates.onmicrosoft.com"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["userPrincipalName"], "admiral@updates.onmicrosoft.com");
    create(&s, &t, &c, "grace", "New Grace").await;
    let (status, e) = patch(&s, &t, &path, json!({"state": "inactive"})).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(27002)));
    let (status, e) = patch(
        &s,
        &t,
        &format!("/v1/customers/{}/users/{}", c.id, uuid::Uuid::new_v4()),
        json!({"displayName": "x"}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (404, Some(3000)));
}

#[tokio::test]
async fn a_deleted_user_is_inactive_restorable_for_thirty_days_then_gone() {
    let clock = ManualClock::new();
    let s = TestServer::start_with_clock(Settings::default(), clock.clone()).await;
    let t = s.user_token().await;
    let c = tenant(&s, &t, "deletes").await;
    let u = create(&s, &t, &c, "temp", "Temp").await;
    let id = u["id"].as_str().unwrap();
    let path = format!("/v1/customers/{}/users/{id}", c.id);
    let users = format!("/v1/customers/{}/users", c.id);
    let inactive = format!(
        "{users}?size=500&filter={}",
        urlencode(r#"{"Field":"UserState","Value":"Inactive","Operator":"equals"}"#)
    );
    let r = s.authed(Method::DELETE, &path, &t).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.text().await.unwrap().is_empty());
    let r = s.authed(Method::GET, &path, &t).send().await.unwrap();
    assert_fault(r, 404, 3000).await;
    let r = s.authed(Method::DELETE, &path, &t).send().await.unwrap();
    assert_fault(r, 404, 3000).await;
    let (_, active) = call(&s, &t, Method::GET, &users, None).await;
    assert_eq!(active["totalCount"], 1, "only the admin: {active}");
    let (_, deleted) = call(&s, &t, Method::GET, &inactive, None).await;
    assert_eq!(deleted["items"][0]["id"], id);
    assert_eq!(deleted["items"][0]["state"], "inactive");
    assert!(deleted["items"][0]["softDeletionTime"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    // Its name stays held while it can come back.
    let (status, _) = call(
        &s,
        &t,
        Method::POST,
        &users,
        Some(sdk_user(
            "temp@deletes.onmicrosoft.com",
            "Again",
            "Password!1",
        )),
    )
    .await;
    assert_eq!(status, 409);
    // Any change but a restore is refused.
    let (status, _) = patch(&s, &t, &path, json!({"displayName": "x"})).await;
    assert_eq!(status, 404);

    // Restore, as PowerShell's Restore-PartnerCustomerUser sends it.
    clock.advance(29 * 24 * 3600);
    let t = s.user_token().await;
    let (status, back) = patch(&s, &t, &path, json!({"State": "active", "UserDomainType": "none", "Attributes": {"ObjectType": "CustomerUser"}})).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["state"], "active");
    assert_eq!(back["displayName"], "Temp");
    assert!(back.get("softDeletionTime").is_none());

    // Deleted again, and 30 days later: gone, its name free.
    s.authed(Method::DELETE, &path, &t).send().await.unwrap();
    clock.advance(30 * 24 * 3600);
    let t = s.user_token().await;
    let (status, _) = patch(&s, &t, &path, json!({"State": "active"})).await;
    assert_eq!(status, 404);
    let (_, deleted) = call(&s, &t, Method::GET, &inactive, None).await;
    assert_eq!(deleted["totalCount"], 0);
    let again = create(&s, &t, &c, "temp", "Temp Again").await;
    assert_ne!(again["id"], u["id"]);
}

#[tokio::test]
async fn directory_roles_list_their_templates_and_members() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = tenant(&s, &t, "roles").await;
    let u = create(&s, &t, &c, "help", "Help Desk").await;
    let uid = u["id"].as_str().unwrap();
    let (_, roles) = call(
        &s,
        &t,
        Method::GET,
        &format!("/v1/customers/{}/directoryroles", c.id),
        None,
    )
    .await;
    let ids: Vec<&str> = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&GLOBAL_ADMIN) && ids.contains(&HELPDESK));
    assert_eq!(
        roles["items"][0]["attributes"]["objectType"],
        "DirectoryRole"
    );

    let members = format!(
        "/v1/customers/{}/directoryroles/{HELPDESK}/usermembers",
        c.id
    );
    // As the .NET SDK sends it.
    let body = json!({"Id": uid, "DisplayName": "Help Desk", "UserPrincipalName": u["userPrincipalName"], "Attributes": {"ObjectType": "UserMember"}});
    let (status, m) = call(&s, &t, Method::POST, &members, Some(body.clone())).await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(
        (m["id"].as_str(), m["roleId"].as_str()),
        (Some(uid), Some(HELPDESK))
    );
    assert_eq!(m["attributes"]["objectType"], "UserMember");
    let (status, e) = call(&s, &t, Method::POST, &members, Some(body)).await;
    assert_eq!((status, e["code"].as_i64()), (409, Some(990001)));
    let (_, listed) = call(&s, &t, Method::GET, &members, None).await;
    assert_eq!(listed["totalCount"], 1);
    assert_eq!(
        listed["items"][0]["userPrincipalName"],
        "help@roles.onmicrosoft.com"
    );
    let (_, mine) = call(
        &s,
        &t,
        Method::GET,
        &format!("/v1/customers/{}/users/{uid}/directoryroles", c.id),
        None,
    )
    .await;
    assert_eq!(mine["items"][0]["name"], "Helpdesk Administrator");

    let (status, e) = call(
        &s,
        &t,
        Method::POST,
        &format!(
            "/v1/customers/{}/directoryroles/{}/usermembers",
            c.id,
            uuid::Uuid::new_v4()
        ),
        Some(json!({"id": uid})),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (404, Some(1000)));
    let (status, e) = call(
        &s,
        &t,
        Method::POST,
        &members,
        Some(json!({"id": uuid::Uuid::new_v4().to_string()})),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (404, Some(3000)));
    let (status, _) = call(
        &s,
        &t,
        Method::POST,
        &members,
        Some(json!({"displayName": "no id"})),
    )
    .await;
    assert_eq!(status, 400);

    let one = format!("{members}/{uid}");
    let r = s.authed(Method::DELETE, &one, &t).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = s.authed(Method::DELETE, &one, &t).send().await.unwrap();
    assert_fault(r, 404, 1000).await;

    // A deleted user leaves its roles.
    call(&s, &t, Method::POST, &members, Some(json!({"id": uid}))).await;
    s.authed(
        Method::DELETE,
        &format!("/v1/customers/{}/users/{uid}", c.id),
        &t,
    )
    .send()
    .await
    .unwrap();
    let (_, listed) = call(&s, &t, Method::GET, &members, None).await;
    assert_eq!(listed["totalCount"], 0);
}

#[tokio::test]
async fn writes_replay_by_request_id_and_speak_xml() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = tenant(&s, &t, "replays").await;
    let users = format!("/v1/customers/{}/users", c.id);
    let send = || {
        s.authed(Method::POST, &users, &t)
            .header("MS-RequestId", "5e1b6d5c-9a55-4c2e-8f43-0b5a1c3d2e10")
            .json(&sdk_user(
                "once@replays.onmicrosoft.com",
                "Once",
                "Password!1",
            ))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 200);
    let first_body = first.text().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.headers()["MS-Idempotent-Replay"], "true");
    assert_eq!(again.text().await.unwrap(), first_body);
    let (_, page) = call(&s, &t, Method::GET, &users, None).await;
    assert_eq!(page["totalCount"], 2, "the admin and one user: {page}");

    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<CustomerUser xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <UserPrincipalName>xml@replays.onmicrosoft.com</UserPrincipalName><DisplayName>In XML</DisplayName>
  <PasswordProfile><Password>Password!1</Password><ForceChangePassword>true</ForceChangePassword></PasswordProfile>
  <State>active</State>
</CustomerUser>"#;
    let r = s
        .authed(Method::POST, &users, &t)
        .header("Content-Type", "application/xml; charset=utf-8")
        .header("Accept", "application/xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("<CustomerUser") && text.contains("<displayName>In XML</displayName>"),
        "{text}"
    );
    let form = "userPrincipalName=form%40replays.onmicrosoft.com&displayName=Form&passwordProfile.password=Password%211";
    let r = s
        .authed(Method::POST, &users, &t)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let (status, u) = status_json(r).await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(u["displayName"], "Form");
}

#[tokio::test]
async fn a_customers_deletion_and_a_partner_reset_take_its_users_along() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let count = || {
        let conn = rusqlite::Connection::open(&s.db_path).unwrap();
        conn.query_row(
            "SELECT count(*) FROM customer_records WHERE kind = 'customer_user'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
    };
    let a = tenant(&s, &t, "cascadea").await;
    create(&s, &t, &a, "one", "One").await;
    assert_eq!(count(), 1, "the customer's directory");
    let r = s
        .authed(Method::DELETE, &format!("/v1/customers/{}", a.id), &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(count(), 0);

    let b = tenant(&s, &t, "cascadeb").await;
    create(&s, &t, &b, "two", "Two").await;
    assert!(count() > 0);
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/partners/{}/reset", s.partner.tenant_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(count(), 0);
}
