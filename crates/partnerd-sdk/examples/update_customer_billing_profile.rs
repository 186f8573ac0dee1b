//! Reads a customer's billing profile, changes it, writes it back with its ETag and prints the
//! new ETag.
//!
//! Environment: `PC_BASE_URL` (API and authority, e.g. `http://127.0.0.1:8080`; the public
//! cloud when unset), `PC_TENANT`, `PC_CLIENT_ID`, `PC_CLIENT_SECRET`, `PC_USERNAME`,
//! `PC_PASSWORD` (app+user when both are set, else app-only) and `PC_CUSTOMER_ID`.

use partnerd_sdk::{Credentials, PartnerCenter};

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}

/// Builds a client from the environment.
pub fn client_from_env() -> Result<PartnerCenter, Box<dyn std::error::Error>> {
    let tenant = env("PC_TENANT")?;
    let client_id = env("PC_CLIENT_ID")?;
    let secret = std::env::var("PC_CLIENT_SECRET").ok();
    let credentials = match (std::env::var("PC_USERNAME"), std::env::var("PC_PASSWORD")) {
        (Ok(user), Ok(password)) => {
            Credentials::password(tenant, client_id, secret, user, password)
        }
        _ => Credentials::client_secret(tenant, client_id, secret.ok_or("set PC_CLIENT_SECRET")?),
    };
    let mut builder = PartnerCenter::builder().credentials(credentials);
    if let Ok(base) = std::env::var("PC_BASE_URL") {
        builder = builder.base_url(&base).authority(&base);
    }
    Ok(builder.build()?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = client_from_env()?;
    let billing = client
        .customers()
        .by_id(env("PC_CUSTOMER_ID")?)
        .profiles()
        .billing();
    let mut profile = billing.get().await?;
    let old = profile.attributes.as_ref().and_then(|a| a.etag.clone());
    profile.first_name = Some("Grace".to_owned());
    profile.last_name = Some("Hopper".to_owned());
    let updated = billing.update(&profile).await?;
    let new = updated.attributes.as_ref().and_then(|a| a.etag.clone());
    println!(
        "billing profile updated; etag {} -> {}",
        old.unwrap_or_default(),
        new.unwrap_or_default()
    );
    Ok(())
}
