//! `partnerd serve`: bind every listening socket, take the store's serve lock, bootstrap a first
//! partner, choose TLS and the control plane's token, then serve until SIGINT or SIGTERM.
//!
//! The sockets are bound before anything is written, so a `serve` that cannot listen leaves no
//! database, partner, lock, certificate or token behind. What it prints on standard output (the
//! bootstrap credentials, the CA to trust, the admin token, the `listening on` line) is what
//! scripts and tests wait for, so its wording is part of the command line's contract.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use partnerd::server::{bootstrap, serve_all, shutdown_signal};
use partnerd::AppState;
use tokio::net::TcpListener;

use crate::args::{AuthArgs, Database, OpsArgs, TlsArgs};
use crate::error::CliError;
use crate::partner::print_partner;

/// Serves the API, the token service and the control plane on every address of `listen`:
/// one server, one state, several sockets (each of them TLS when TLS is on).
pub async fn run(
    listen: Vec<SocketAddr>,
    db: Database,
    tls: TlsArgs,
    auth: AuthArgs,
    ops: OpsArgs,
) -> Result<(), CliError> {
    // Certificate files given on the command line are only read: check them before anything
    // is made, like the sockets.
    let given_tls = match (&tls.tls_cert, &tls.tls_key) {
        (Some(cert), Some(key)) => {
            Some(partnerd::tls::server_config(cert, key).map_err(CliError::Tls)?)
        }
        _ => None,
    };
    let mut listeners = Vec::with_capacity(listen.len());
    for addr in listen {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| CliError::Listen { addr, source })?;
        listeners.push(listener);
    }
    let _serving = partnerd_store::lock_for_serving(&db.database)?;
    for file in partnerd_store::readable_by_others(&db.database)? {
        eprintln!(
            "partnerd: warning: other users can read {}, which holds the token signing keys; \
             make it private with `chmod 600 {}`",
            file.display(),
            file.display()
        );
    }
    let store = db.open().await?;
    let bound = listeners
        .iter()
        .map(TcpListener::local_addr)
        .collect::<Result<Vec<_>, _>>()?;
    // The seed file first: with partners of its own, no bootstrap partner is made.
    let seed = match &ops.seed {
        Some(file) => Some(crate::seed_file::apply(store.as_ref(), file).await?),
        None => None,
    };
    let created = bootstrap(&store).await?;
    if let Some(p) = &created {
        println!("Created the bootstrap sandbox partner:");
        print_partner(p, false);
    }
    let tls_config = match given_tls {
        Some(config) => Some(config),
        None if tls.tls_self_signed => {
            let (cert, key) = self_signed_files(&db.database)?;
            Some(partnerd::tls::server_config(&cert, &key).map_err(CliError::Tls)?)
        }
        None => None,
    };
    if let Some(p) = &created {
        let scheme = if tls_config.is_some() {
            "https"
        } else {
            "http"
        };
        write_bootstrap_file(&db.database, p, scheme, bound[0])?;
    }
    let mut settings = auth.settings(tls_config.is_some());
    settings.throttle = ops.throttle.then(|| {
        (
            ops.throttle_limit,
            Duration::from_secs(ops.throttle_window.max(1)),
        )
    });
    settings.journal_capacity = ops.journal_size;
    settings.journal_bytes = ops.journal_bytes;
    settings.connections = ops.connections();
    settings.address_validation = ops.address_validation;
    settings.qualification_review_secs = i64::from(ops.qualification_review_delay);
    settings.request_history_days = ops.request_history_days;
    settings.node = ops.node.clone().unwrap_or_else(|| default_node(bound[0]));
    settings.admin_token = Some(admin_token(ops.admin_token, &db.database)?);
    // A crash leaves the leases of the requests it cut short; release them now rather than
    // make their retries wait for them to lapse. A SQLite file has this server alone, so every
    // pending lease is a dead process's; a shared database releases this node's own.
    let node = settings.node.clone();
    let stale = if partnerd_store::is_shared(&db.database) {
        store.release_stale(Some(&node)).await?
    } else {
        store.release_stale(None).await?
    };
    if stale > 0 {
        println!("Released {stale} idempotency lease(s) a stopped process of node {node} held");
    }
    let state = AppState::with_settings(store, settings).await?;
    if let Some(file) = &ops.faults {
        let n = state.ops.faults.load_file(file).map_err(CliError::Faults)?;
        println!("Loaded {n} fault rule(s) from {}", file.display());
    }
    if let Some(seed) = seed {
        crate::seed_file::arm_faults(&state, &seed)?;
    }
    let shutdown = shutdown_signal();
    // The bound addresses, not the asked-for ones: `--listen 127.0.0.1:0` gets a free port,
    // and this line is where a script learns which.
    let announce = |scheme: &str| {
        let urls: Vec<String> = bound.iter().map(|a| format!("{scheme}://{a}")).collect();
        println!(
            "partnerd listening on {} (database {})",
            urls.join(", "),
            db.shown()
        );
        println!(
            "Dashboard: {}{} (sign in with the admin token)",
            urls[0],
            partnerd::control::ui::PAGE
        );
    };
    match tls_config {
        Some(config) => {
            let listeners = listeners
                .into_iter()
                .map(|l| partnerd::tls::TlsListener::new(l, config.clone()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(CliError::Tls)?;
            announce("https");
            serve_all(listeners, state, shutdown)
                .await
                .map_err(CliError::Serve)
        }
        None => {
            announce("http");
            serve_all(listeners, state, shutdown)
                .await
                .map_err(CliError::Serve)
        }
    }
}

/// The node name when none is given: this host's name and the first port served, which a
/// restart on the same host and port keeps.
fn default_node(addr: SocketAddr) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", addr.port())
}

/// What the first start writes beside the database: the bootstrap partner's credentials and
/// where it was served, so a walk-through or a script reads its variables from one file.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BootstrapFile<'a> {
    #[serde(flatten)]
    partner: &'a partnerd::identity::ProvisionedPartner,
    base_url: String,
    port: u16,
}

/// Writes the bootstrap file once (readable by its owner alone: it holds the secret and the
/// password) and says where it is.
fn write_bootstrap_file(
    database: &str,
    partner: &partnerd::identity::ProvisionedPartner,
    scheme: &str,
    addr: SocketAddr,
) -> Result<(), CliError> {
    let path = partnerd_store::bootstrap_file(database)?;
    let file = BootstrapFile {
        partner,
        base_url: format!("{scheme}://{addr}"),
        port: addr.port(),
    };
    let text = serde_json::to_string_pretty(&file)?;
    if let Err(source) = partnerd::tls::write_private(&path, &text) {
        return Err(CliError::Write { path, source });
    }
    println!("The same credentials, as JSON: {}", path.display());
    Ok(())
}

/// The local CA's server certificate and key, made once under `tls/` in the data directory;
/// the CA to trust is printed.
fn self_signed_files(database: &str) -> Result<(PathBuf, PathBuf), CliError> {
    let dir = partnerd_store::data_dir(database)?.join("tls");
    let files =
        partnerd::tls::self_signed(&dir).map_err(|source| CliError::TlsMaterial { dir, source })?;
    println!(
        "TLS CA certificate (trust it in your clients): {}",
        files.ca.display()
    );
    Ok((files.cert, files.key))
}

/// The admin token: given, or kept in the database's token file (made and printed on first
/// start; see [`partnerd_store::admin_token_file`]).
fn admin_token(given: Option<String>, database: &str) -> Result<String, CliError> {
    if let Some(token) = given.filter(|t| !t.trim().is_empty()) {
        return Ok(token.trim().to_owned());
    }
    let path = partnerd_store::admin_token_file(database)?;
    // Before the file was named after its database it was `admin-token` in the data
    // directory; a set-up made then keeps its token until the new file exists.
    let legacy = partnerd_store::data_dir(database)?.join("admin-token");
    for file in [&path, &legacy] {
        if let Some(token) = read_token(file) {
            return Ok(token);
        }
    }
    let token = partnerd::identity::generate_secret();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    if let Err(source) = partnerd::tls::write_private(&path, &token) {
        return Err(CliError::Write { path, source });
    }
    println!(
        "Control-plane admin token (kept in {}): {token}",
        path.display()
    );
    Ok(token)
}

/// The token a file keeps, if it exists and is not blank.
fn read_token(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let token = text.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use partnerd_store::admin_token_file;

    #[test]
    fn each_database_has_its_own_admin_token_file() {
        let file = |url: &str| admin_token_file(url).unwrap();
        assert_eq!(
            file("sqlite://partnerd.db"),
            PathBuf::from("partnerd.db.admin-token")
        );
        assert_eq!(
            file("sqlite:///srv/a/other.db"),
            PathBuf::from("/srv/a/other.db.admin-token")
        );
        assert_eq!(
            file("postgres://u:secret@db:5432/partnerd"),
            PathBuf::from("./partnerd-partnerd.admin-token")
        );
        assert_eq!(
            file("postgresql://u@db/app?schema=tenant_1&pool_max_size=4"),
            PathBuf::from("./partnerd-app-tenant_1.admin-token")
        );
        // libpq's defaults: `dbname=`, else the user's name.
        assert_eq!(
            file("postgres://db?dbname=stage"),
            PathBuf::from("./partnerd-stage.admin-token")
        );
        assert_eq!(
            file("postgres://ada@db"),
            PathBuf::from("./partnerd-ada.admin-token")
        );
        // Nothing from the URL can leave the working directory.
        assert_eq!(
            file("postgres://u@db/a%2F..%2Fb"),
            PathBuf::from("./partnerd-a_2F.._2Fb.admin-token")
        );
        assert!(admin_token_file("sqlite::memory:").is_err());
    }
}
