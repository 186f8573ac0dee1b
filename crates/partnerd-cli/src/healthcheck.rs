//! `partnerd healthcheck [URL]`: asks a partnerd whether it is alive and exits 0 when it
//! answers 200, 1 otherwise; the container image's `HEALTHCHECK`, which has no curl.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use crate::error::CliError;

/// How long the probe waits for an answer.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Probes `url`, or the health endpoint of the server this environment's `PARTNERD_*`
/// settings describe.
pub async fn run(url: Option<String>) -> Result<(), CliError> {
    let url = url.unwrap_or_else(|| {
        default_url(
            std::env::var("PARTNERD_LISTEN").ok().as_deref(),
            tls_from_env(),
        )
    });
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        // The probe runs beside the server it checks, which may serve a self-signed
        // certificate: it asks whether the server is alive, not who it is.
        .danger_accept_invalid_certs(true)
        .build()
        .map_err(|e| CliError::Unhealthy(format!("cannot make an HTTP client: {e}")))?;
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|e| CliError::Unhealthy(format!("{url}: {}", chain(&e))))?;
    let status = response.status();
    if status.is_success() {
        println!("{url}: {status}");
        Ok(())
    } else {
        Err(CliError::Unhealthy(format!("{url} answered {status}")))
    }
}

/// An error with its causes, which is where a transport error says what went wrong.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Whether `serve` would run TLS with this environment's settings.
fn tls_from_env() -> bool {
    let set = |name: &str| {
        std::env::var(name)
            .ok()
            .is_some_and(|v| !v.is_empty() && !matches!(v.as_str(), "0" | "false" | "no"))
    };
    set("PARTNERD_TLS_CERT") || set("PARTNERD_TLS_SELF_SIGNED")
}

/// The health endpoint of the first address of `listen` (a `PARTNERD_LISTEN` value), with
/// an unspecified address (`0.0.0.0`, `::`) reached on loopback.
fn default_url(listen: Option<&str>, tls: bool) -> String {
    let first = listen
        .and_then(|l| l.split(',').next())
        .and_then(|a| a.trim().parse::<SocketAddr>().ok())
        .unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)));
    let ip = match first.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if tls { "https" } else { "http" };
    format!(
        "{scheme}://{}/_partnerd/health",
        SocketAddr::new(ip, first.port())
    )
}

#[cfg(test)]
mod tests {
    use super::default_url;

    #[test]
    fn the_default_url_follows_the_listen_setting() {
        assert_eq!(
            default_url(None, false),
            "http://127.0.0.1:8080/_partnerd/health"
        );
        assert_eq!(
            default_url(Some("0.0.0.0:9000,127.0.0.1:443"), true),
            "https://127.0.0.1:9000/_partnerd/health"
        );
        assert_eq!(
            default_url(Some("[::]:8080"), false),
            "http://[::1]:8080/_partnerd/health"
        );
        assert_eq!(
            default_url(Some("10.1.2.3:81"), false),
            "http://10.1.2.3:81/_partnerd/health"
        );
    }
}
