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

/// The peer address of a connection, put into every request's extensions as
/// `ConnectInfo<ClientAddr>` (the password grant's lockout counts failures by it).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::SocketAddr);

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
///
/// The connection loop is partnerd's own rather than `axum::serve`, which sets no timer and
/// so no limit on slow clients. Here, per the state's [`crate::config::ConnectionLimits`]:
/// at most `max_connections` connections are served at once (the rest wait in the kernel's
/// backlog); a connection must send a request's complete headers within `header_timeout`,
/// which hyper also applies while a kept-alive connection waits for its next request; and a
/// request body that stalls for `body_timeout` between two chunks is cut off (the request
/// gets 408). Draining waits for running requests at most `drain_timeout`.
pub async fn serve<L>(
    mut listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let limits = state.settings.connections;
    let app = build_app(state);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = shutdown.as_mut() => break,
        };
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.as_mut() => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let mut request = request.map(|body| {
                    axum::body::Body::new(tower_http::timeout::TimeoutBody::new(
                        limits.body_timeout,
                        body,
                    ))
                });
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(ClientAddr(peer)));
                app.clone().oneshot(request)
            });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(io), service));
        tokio::spawn(async move {
            // A connection's end, clean or not, is the client's business; only the permit
            // matters here.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(limits.drain_timeout) => {
            tracing::warn!("shutting down with connections still open after the drain timeout");
        }
    }
    Ok(())
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
