//! `partnerd token`: an access token for a partner's app (or its first user), minted with the
//! store's signing key, for trying the API with curl without going through the token service.

use partnerd::auth::cloud::Cloud;
use partnerd::config::Settings;
use partnerd_store::TenantId;

use crate::args::Database;
use crate::error::CliError;

/// Prints a token for the partner `tenant` (a tenant id or a domain): app-only, or app+user
/// for the partner's first user when `user` is set.
pub async fn run(db: &Database, tenant: &str, user: bool, cloud: Cloud) -> Result<(), CliError> {
    let store = db.open().await?;
    let by_id = match TenantId::parse(tenant) {
        Ok(id) => store.partner(&id).await?,
        Err(_) => None,
    };
    let partner = match by_id {
        Some(p) => p,
        None => store
            .partner_by_domain(tenant)
            .await?
            .ok_or_else(|| CliError::NoPartner(tenant.to_owned()))?,
    };
    let app = store
        .apps_of(&partner.tenant_id)
        .await?
        .into_iter()
        .next()
        .ok_or(CliError::NoApp)?;
    let user = if user {
        Some(
            store
                .users_of(&partner.tenant_id)
                .await?
                .into_iter()
                .next()
                .ok_or(CliError::NoUser)?,
        )
    } else {
        None
    };
    let now = store.clock().now_secs();
    let keys = partnerd::auth::keys::KeyRing::open(store).await?;
    let settings = Settings {
        cloud,
        ..Settings::default()
    };
    let (token, _) =
        partnerd::auth::mint(now, &keys, &settings, cloud.resource(), &app, user.as_ref())
            .map_err(CliError::Mint)?;
    println!("{token}");
    Ok(())
}
