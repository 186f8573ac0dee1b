//! Removes the partner's reseller relationship with a customer (an app+user operation).
//!
//! Environment: `PC_BASE_URL` (API and authority; the public cloud when unset), `PC_TENANT`,
//! `PC_CLIENT_ID`, `PC_CLIENT_SECRET` (optional for a public client), `PC_USERNAME`,
//! `PC_PASSWORD` and `PC_CUSTOMER_ID`.

use partnerd_sdk::{Credentials, PartnerCenter};

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::password(
        env("PC_TENANT")?,
        env("PC_CLIENT_ID")?,
        std::env::var("PC_CLIENT_SECRET").ok(),
        env("PC_USERNAME")?,
        env("PC_PASSWORD")?,
    );
    let mut builder = PartnerCenter::builder().credentials(credentials);
    if let Ok(base) = std::env::var("PC_BASE_URL") {
        builder = builder.base_url(&base).authority(&base);
    }
    let client = builder.build()?;
    let customer = client
        .customers()
        .by_id(env("PC_CUSTOMER_ID")?)
        .remove_reseller_relationship()
        .await?;
    println!(
        "customer {}: relationship to partner is now {:?}",
        customer.id.unwrap_or_default(),
        customer.relationship_to_partner.map(|r| r.as_str())
    );
    Ok(())
}
