//! Running the application: bootstrap of an empty store, serving one listener or several
//! (plain TCP or [`crate::tls::TlsListener`]) until shutdown, then draining.
//!
//! [`spawn_background`] is the one way to run partnerd in-process: the API tests, the SDK's
//! tests and its doc tests all start their server through it (by way of partnerd-testkit), so
//! they exercise the same [`serve`] path as `partnerd serve`.

use std::future::Future;

use partnerd_store::{DynStore, PartnerKind, StoreError};

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

/// The peer address of a connection, on any listener whose addresses are socket addresses.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::SocketAddr);

macro_rules! client_addr_of {
    ($listener:ty) => {
        impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, $listener>>
            for ClientAddr
        {
            fn connect_info(stream: axum::serve::IncomingStream<'_, $listener>) -> Self {
                ClientAddr(*stream.remote_addr())
            }
        }
    };
}
client_addr_of!(tokio::net::TcpListener);
client_addr_of!(crate::tls::TlsListener);

/// A partnerd serving on a task of the current runtime, on a free loopback port; it stops
/// when dropped. For tests, partnerd's own and those of programs that embed it.
pub struct Background {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves `state` on `127.0.0.1:0` in the background (see [`Background`]).
pub async fn spawn_background(state: AppState) -> std::io::Result<Background> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve(listener, state, async {
            let _ = stopped.await;
        })
        .await;
    });
    Ok(Background {
        base_url,
        stop: Some(stop),
    })
}

/// Serves the application on `listener` (plain TCP or [`crate::tls::TlsListener`]) until
/// `shutdown` completes, then drains.
pub async fn serve<L>(
    listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
    ClientAddr: for<'a> axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    axum::serve(
        listener,
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<ClientAddr>(
            build_app(state),
        ),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves the application on every listener of `listeners` (all plain TCP or all
/// [`crate::tls::TlsListener`]) with one state, until `shutdown` completes; then each drains.
///
/// One server on several sockets is what lets MSAL work unchanged: its password grant sends
/// the user-realm lookup to port 443 of the authority's host, whatever port the authority
/// names. If one listener's server fails, the others are stopped too and the first error is
/// returned, so the process never runs on fewer sockets than it was asked for.
pub async fn serve_all<L>(
    listeners: Vec<L>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
    ClientAddr: for<'a> axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    // One signal, many servers: a watch channel turns the single shutdown future into one
    // stop notice for every listener's graceful shutdown.
    let (stop, _) = tokio::sync::watch::channel(false);
    let mut servers = tokio::task::JoinSet::new();
    for listener in listeners {
        let mut stopped = stop.subscribe();
        servers.spawn(serve(listener, state.clone(), async move {
            let _ = stopped.wait_for(|stopped| *stopped).await;
        }));
    }
    let mut shutdown = std::pin::pin!(shutdown);
    let mut stopping = false;
    let mut outcome = Ok(());
    loop {
        tokio::select! {
            () = shutdown.as_mut(), if !stopping => {
                stopping = true;
                stop.send_replace(true);
            }
            joined = servers.join_next() => {
                let Some(joined) = joined else { break };
                // A server ends early only when it failed: stop the others with it.
                if !stopping {
                    stopping = true;
                    stop.send_replace(true);
                }
                // The first failure is the one to report.
                outcome = outcome.and(joined.unwrap_or_else(|e| Err(std::io::Error::other(e))));
            }
        }
    }
    outcome
}

/// A future that completes on SIGINT or SIGTERM.
///
/// The handlers are installed when this is called, not when the future is first polled, so a
/// signal that arrives right after start-up is not lost to the default action.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut i), Ok(mut t)) => {
                    tokio::select! {
                        _ = i.recv() => {},
                        _ = t.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
            tracing::info!("shutting down");
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}
