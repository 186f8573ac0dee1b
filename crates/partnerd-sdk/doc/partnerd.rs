// Included by the crate's doc tests (not part of the crate): an in-process partnerd with one
// sandbox partner, an app+user client for it, and a valid new customer, so that every
// example runs for real.

/// Stops the in-process partnerd and removes its store when dropped.
pub struct DocServer {
    _server: partnerd::server::Background,
    _dir: tempfile::TempDir,
}

/// A started partnerd and an app+user client pointed at it.
pub async fn partnerd() -> (partnerd_sdk::PartnerCenter, DocServer) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("partnerd.db").display());
    let store = partnerd_store::open(&url).await.expect("store");
    let p = partnerd::identity::provision_partner(
        store.as_ref(),
        "Fabrikam",
        partnerd_store::PartnerKind::Sandbox,
        None,
    )
    .await
    .expect("partner");
    let state = partnerd::AppState::with_settings(store, Default::default())
        .await
        .expect("state");
    let server = partnerd::server::spawn_background(state)
        .await
        .expect("serve");
    let base = server.base_url.clone();
    let credentials = partnerd_sdk::Credentials::password(
        &p.tenant_id,
        &p.client_id,
        Some(p.client_secret.clone()),
        &p.user_name,
        &p.user_password,
    );
    let client = partnerd_sdk::PartnerCenter::builder()
        .base_url(&base)
        .authority(&base)
        .credentials(credentials)
        .build()
        .expect("client");
    (
        client,
        DocServer {
            _server: server,
            _dir: dir,
        },
    )
}

/// A customer that passes validation, under `domain`.
pub fn new_customer(domain: &str) -> partnerd_sdk::Customer {
    partnerd_sdk::wire::decode_value(serde_json::json!({
        "companyProfile": {"domain": domain},
        "billingProfile": {
            "email": "ada@contoso.com", "culture": "en-US", "language": "en",
            "companyName": "Contoso",
            "defaultAddress": {"country": "US", "city": "Redmond", "state": "WA",
                "addressLine1": "One Microsoft Way", "postalCode": "98052"}
        }
    }))
    .expect("customer")
}
