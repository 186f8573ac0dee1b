// Included by the crate's doc tests (not part of the crate), so that every example runs for
// real: the server the SDK's own tests use (partnerd-testkit's TestServer, an in-process
// partnerd with one sandbox partner), an app+user client for that partner, and the testkit's
// valid new customer.

use partnerd_testkit::new_customer;

/// A started partnerd and an app+user client pointed at it. The server stops, and its store
/// is removed, when the second value drops.
async fn partnerd() -> (partnerd_sdk::PartnerCenter, partnerd_testkit::TestServer) {
    let server = partnerd_testkit::TestServer::start().await;
    let p = &server.partner;
    let credentials = partnerd_sdk::Credentials::password(
        &p.tenant_id,
        &p.client_id,
        Some(p.client_secret.clone()),
        &p.user_name,
        &p.user_password,
    );
    let client = partnerd_sdk::PartnerCenter::builder()
        .base_url(&server.base)
        .authority(&server.base)
        .credentials(credentials)
        .build()
        .expect("client");
    (client, server)
}
