//! `partnerd token`: an access token for a partner's app (or its first user), minted with the
//! store's signing key, for trying the API with curl without going through the token service.

use partnerd::auth::cloud::Cloud;
use partnerd::config::Settings;

use crate::args::Database;
use crate::error::CliError;
use crate::partner::{first_app, first_user, resolve_partner};

/// Prints a token for the partner `tenant` (a tenant id or a domain): app-only, or app+user
/// for the partner's first user when `user` is set.
pub async fn run(db: &Database, tenant: &str, user: bool, cloud: Cloud) -> Result<(), CliError> {
    let store = db.open().await?;
    let partner = resolve_partner(store.as_ref(), tenant).await?;
    let app = first_app(store.as_ref(), &partner).await?;
    let user = if user {
        Some(first_user(store.as_ref(), &partner).await?)
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
