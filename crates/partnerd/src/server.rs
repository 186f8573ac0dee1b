//! Running the application: bootstrap of an empty store, listening, graceful shutdown.

use std::future::Future;

use partnerd_store::{DynStore, PartnerKind, StoreError};
use tokio::net::TcpListener;

use crate::identity::{provision_partner, ProvisionedPartner};
use crate::{build_app, AppState};

/// Creates the bootstrap sandbox partner when the store has no partner at all.
pub async fn bootstrap(store: &DynStore) -> Result<Option<ProvisionedPartner>, StoreError> {
    if store.partner_count().await? > 0 {
        return Ok(None);
    }
    provision_partner(
        store.as_ref(),
        "partnerd sandbox",
        PartnerKind::Sandbox,
        None,
    )
    .await
    .map(Some)
}

/// Serves the application on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, build_app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
