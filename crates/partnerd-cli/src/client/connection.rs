//! Where a client command connects and as whom: flags, each with a `PC_` environment variable,
//! then a named profile from the profile file for whatever is still unset.
//!
//! The flags are global, so they may come before or after the subcommand.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use partnerd_sdk::{Credentials, PartnerCenter, RetryEvent};
use serde::Deserialize;

use super::output::Output;
use crate::error::{CliError, ConfigError};

/// Where to connect and as whom; each flag falls back to an environment variable.
#[derive(Args, Clone)]
pub struct Connection {
    /// Base URL of the API and the token authority (the public cloud when unset).
    #[arg(long, env = "PC_BASE_URL", global = true)]
    url: Option<String>,
    /// The partner's tenant id or domain.
    #[arg(long, env = "PC_TENANT", global = true)]
    tenant: Option<String>,
    /// The partner's application (client) id.
    #[arg(long, env = "PC_CLIENT_ID", global = true)]
    client_id: Option<String>,
    /// The application's secret.
    #[arg(long, env = "PC_CLIENT_SECRET", global = true, hide_env_values = true)]
    client_secret: Option<String>,
    /// A user name: with --password, app+user tokens instead of app-only ones.
    #[arg(long, env = "PC_USERNAME", global = true)]
    username: Option<String>,
    /// The user's password.
    #[arg(long, env = "PC_PASSWORD", global = true, hide_env_values = true)]
    password: Option<String>,
    /// A ready access token; replaces the other credentials.
    #[arg(long, env = "PC_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
    /// Also trust this CA certificate (PEM), e.g. partnerd's `tls/ca.pem`.
    #[arg(long, env = "PC_CA_CERT", global = true)]
    ca_cert: Option<PathBuf>,
    /// Print JSON (the wire shape) instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// A named connection from the profile file; `default` is used when it exists.
    #[arg(long, env = "PC_PROFILE", global = true)]
    profile: Option<String>,
    /// The profile file (JSON); `$XDG_CONFIG_HOME/partnerd/profiles.json` or
    /// `~/.config/partnerd/profiles.json` when unset.
    #[arg(long, env = "PC_PROFILE_FILE", global = true)]
    profile_file: Option<PathBuf>,
}

/// One named connection of the profile file: `{"local": {"url": …, "tenant": …}}`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Profile {
    url: Option<String>,
    tenant: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    token: Option<String>,
    ca_cert: Option<PathBuf>,
}

impl Connection {
    /// The client these settings describe (after the profile file), and the output they ask for.
    pub fn connect(self) -> Result<(PartnerCenter, Output), CliError> {
        let connection = self.with_profile()?;
        let client = connection.client()?;
        Ok((
            client,
            Output {
                json: connection.json,
            },
        ))
    }

    fn default_profile_file() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("partnerd").join("profiles.json"))
    }

    /// Fills the settings flags and environment left unset from the profile file.
    fn with_profile(mut self) -> Result<Self, ConfigError> {
        let explicit = self.profile_file.is_some() || self.profile.is_some();
        let Some(path) = self
            .profile_file
            .clone()
            .or_else(Self::default_profile_file)
        else {
            return Ok(self);
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(self),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let mut profiles: BTreeMap<String, Profile> = match serde_json::from_str(&text) {
            Ok(profiles) => profiles,
            Err(source) => return Err(ConfigError::Profiles { path, source }),
        };
        let name = self.profile.clone().unwrap_or_else(|| "default".to_owned());
        let p = match profiles.remove(&name) {
            Some(p) => p,
            None if self.profile.is_none() => return Ok(self),
            None => return Err(ConfigError::NoProfile { path, name }),
        };
        let fill = |slot: &mut Option<String>, v: Option<String>| {
            if slot.is_none() {
                *slot = v;
            }
        };
        fill(&mut self.url, p.url);
        fill(&mut self.tenant, p.tenant);
        fill(&mut self.client_id, p.client_id);
        fill(&mut self.client_secret, p.client_secret);
        fill(&mut self.username, p.username);
        fill(&mut self.password, p.password);
        fill(&mut self.token, p.token);
        if self.ca_cert.is_none() {
            self.ca_cert = p.ca_cert;
        }
        Ok(self)
    }

    /// The SDK client: a ready token, or the password grant when a user and password are
    /// given, or client credentials.
    fn client(&self) -> Result<PartnerCenter, CliError> {
        let need =
            |v: &Option<String>, flag: &'static str| v.clone().ok_or(ConfigError::Missing(flag));
        let credentials = if let Some(token) = &self.token {
            Credentials::static_token(token.clone())
        } else {
            let tenant = need(&self.tenant, "--tenant")?;
            let client_id = need(&self.client_id, "--client-id")?;
            match (&self.username, &self.password) {
                (Some(user), Some(password)) => Credentials::password(
                    tenant,
                    client_id,
                    self.client_secret.clone(),
                    user.clone(),
                    password.clone(),
                ),
                _ => Credentials::client_secret(
                    tenant,
                    client_id,
                    need(&self.client_secret, "--client-secret")?,
                ),
            }
        };
        let mut builder = PartnerCenter::builder().credentials(credentials);
        if let Some(url) = &self.url {
            builder = builder.base_url(url).authority(url);
        }
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path).map_err(|source| ConfigError::CaCert {
                path: path.clone(),
                source,
            })?;
            builder = builder.root_certificate_pem(pem);
        }
        builder
            .on_retry(|retry: &RetryEvent| {
                eprintln!(
                    "{}",
                    retry_notice(retry.status, retry.wait, retry.attempt, retry.max_attempts)
                );
            })
            .build()
            .map_err(CliError::from)
    }
}

/// The line a retry prints on standard error: the SDK retries throttling (429), server errors
/// and lost connections by itself, and without a word a throttled command looks hung.
fn retry_notice(status: Option<u16>, wait: Duration, attempt: u32, max_attempts: u32) -> String {
    let why = match status {
        Some(429) => "throttled (429)".to_owned(),
        Some(status) => format!("the service answered {status}"),
        None => "no answer".to_owned(),
    };
    format!(
        "partnerd: {why}; retrying in {:.1} s (attempt {} of {max_attempts})",
        wait.as_secs_f64(),
        attempt + 1
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::retry_notice;

    #[test]
    fn retries_say_why_and_when() {
        assert_eq!(
            retry_notice(Some(429), Duration::from_secs(2), 1, 4),
            "partnerd: throttled (429); retrying in 2.0 s (attempt 2 of 4)"
        );
        assert_eq!(
            retry_notice(Some(503), Duration::from_millis(300), 2, 4),
            "partnerd: the service answered 503; retrying in 0.3 s (attempt 3 of 4)"
        );
        assert_eq!(
            retry_notice(None, Duration::ZERO, 3, 4),
            "partnerd: no answer; retrying in 0.0 s (attempt 4 of 4)"
        );
    }
}
