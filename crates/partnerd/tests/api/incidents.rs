//! Service incidents: the seeded ones grouped per workload, the .NET filter, the count, the
//! customer view, and the control plane.

use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

async fn get(s: &TestServer, token: &str, path: &str) -> (u16, Value) {
    status_json(s.authed(Method::GET, path, token).send().await.unwrap()).await
}

#[tokio::test]
async fn incidents_are_seeded_grouped_filtered_and_managed() {
    let s = TestServer::start().await;
    let app = s.app_token().await;
    let (status, page) = get(&s, &app, "/v1/serviceIncidents/office").await;
    assert_eq!(status, 200, "{page}");
    let workloads: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["workload"].as_str().unwrap(),
                g["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        workloads,
        [
            ("Exchange", "warning"),
            ("MicrosoftTeams", "normal"),
            ("SharePoint", "critical")
        ]
    );
    assert_eq!(
        page["items"][0]["messageCenterMessages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(page["items"][0]["incidents"][0]["id"], "EX100001");

    // The .NET SDK's filter, URL-encoded JSON; the count follows the same filter.
    let open = r#"{"Field":"Resolved","Value":"false","Operator":"equals"}"#;
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", open)
        .finish();
    let (_, filtered) = get(&s, &app, &format!("/v1/serviceincidents/office?{query}")).await;
    let incidents: usize = filtered["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g["incidents"].as_array().unwrap().len()
                + g["messageCenterMessages"].as_array().unwrap().len()
        })
        .sum();
    assert_eq!(incidents, 3);
    assert_eq!(
        get(
            &s,
            &app,
            &format!("/v1/serviceincidents/office/count?{query}")
        )
        .await,
        (200, json!(3))
    );
    assert_eq!(
        get(&s, &app, "/v1/serviceincidents/office/count").await,
        (200, json!(4))
    );
    let (status, e) = get(&s, &app, "/v1/serviceincidents/office?filter=%7Bnot%20json").await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(800002)));

    // A customer's own incident, created through the control plane, shows for it alone.
    let c = s.create_customer(&app, "incident.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let r = s
        .admin(Method::POST, "/_partnerd/serviceincidents")
        .json(
            &json!({"id": "TM200001", "workload": "MicrosoftTeams", "status": "critical",
                      "message": "Calls drop for this tenant.", "affectedTenants": [id]}),
        )
        .send()
        .await
        .unwrap();
    let (status, created) = status_json(r).await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/v1/customers/{id}/serviceincidents/office");
    let (_, mine) = get(&s, &app, &path).await;
    let teams = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["workload"] == "MicrosoftTeams")
        .unwrap()
        .clone();
    assert_eq!(teams["status"], "critical");
    let (_, everyone) = get(&s, &app, "/v1/serviceincidents/office/count").await;
    assert_eq!(everyone, json!(5));
    let other = s.create_customer(&app, "bystander.onmicrosoft.com").await;
    let (_, theirs) = get(
        &s,
        &app,
        &format!(
            "/v1/customers/{}/serviceincidents/office",
            other["id"].as_str().unwrap()
        ),
    )
    .await;
    let teams = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["workload"] == "MicrosoftTeams")
        .unwrap()
        .clone();
    assert_eq!(
        teams["status"], "normal",
        "the customer's incident is not theirs"
    );

    // Resolve, then delete.
    let r = s
        .admin(Method::POST, "/_partnerd/serviceincidents/TM200001/resolve")
        .send()
        .await
        .unwrap();
    let (status, resolved) = status_json(r).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["detail"]["resolved"], true);
    assert_eq!(resolved["detail"]["messages"].as_array().unwrap().len(), 2);
    assert_eq!(
        s.admin(Method::DELETE, "/_partnerd/serviceincidents/TM200001")
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_fault(
        s.admin(Method::DELETE, "/_partnerd/serviceincidents/TM200001")
            .send()
            .await
            .unwrap(),
        404,
        1000,
    )
    .await;
    let (_, listed) = status_json(
        s.admin(Method::GET, "/_partnerd/serviceincidents")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 4);
}
