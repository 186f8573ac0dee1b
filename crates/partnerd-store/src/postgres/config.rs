//! The database URL: libpq's `postgres://` form plus partnerd's own query parameters.
//!
//! partnerd's parameters (see the module documentation of [`super`]) are taken out of the
//! query string; everything else goes to `tokio-postgres` unchanged, so every libpq-style
//! key it knows (`user`, `password`, `host`, `options`, `application_name`, `connect_timeout`,
//! `keepalives`, …) works as usual.

use std::str::FromStr;
use std::time::Duration;

use crate::error::{StoreError, StoreResult};

/// Connections per node when the URL does not say.
const DEFAULT_POOL_MAX_SIZE: usize = 16;
/// How long an operation waits for a free connection when the URL does not say.
const DEFAULT_POOL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long opening a connection may take when the URL does not say.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything a `postgres://` URL configures.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    /// How to connect (host, credentials, database, startup options).
    pub pg: tokio_postgres::Config,
    /// Most connections this node keeps open.
    pub pool_max_size: usize,
    /// How long an operation waits for a free connection before it is `Unavailable`.
    pub pool_timeout: Duration,
    /// How long opening one connection may take.
    pub connect_timeout: Duration,
    /// The schema partnerd's tables live in, if the URL names one.
    pub schema: Option<String>,
}

/// Parses a `postgres://` or `postgresql://` URL.
pub(super) fn parse(url: &str) -> StoreResult<Settings> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, query),
        None => (url, ""),
    };
    let mut passed_on = Vec::new();
    let mut pool_max_size = DEFAULT_POOL_MAX_SIZE;
    let mut pool_timeout = DEFAULT_POOL_TIMEOUT;
    let mut statement_timeout = None;
    let mut schema = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "pool_max_size" => {
                pool_max_size = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(key, value, "a whole number above 0"))?;
            }
            "pool_timeout" => pool_timeout = seconds(key, value)?,
            "statement_timeout" => statement_timeout = Some(seconds(key, value)?),
            "schema" => {
                if !is_identifier(value) {
                    return Err(bad(
                        key,
                        value,
                        "a lower-case identifier: a-z, 0-9 and _, not starting with a digit",
                    ));
                }
                schema = Some(value.to_owned());
            }
            _ => passed_on.push(pair),
        }
    }
    let libpq_url = if passed_on.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", passed_on.join("&"))
    };
    let mut pg = tokio_postgres::Config::from_str(&libpq_url).map_err(crate::error::invalid_url)?;
    let connect_timeout = pg
        .get_connect_timeout()
        .copied()
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    pg.connect_timeout(connect_timeout);
    // Session settings travel in the startup packet: no round trip per new connection.
    let mut options = pg.get_options().unwrap_or_default().to_owned();
    if let Some(schema) = &schema {
        options.push_str(&format!(" -c search_path={schema}"));
    }
    if let Some(timeout) = statement_timeout {
        options.push_str(&format!(" -c statement_timeout={}", timeout.as_millis()));
    }
    if !options.trim().is_empty() {
        pg.options(options.trim());
    }
    if pg.get_application_name().is_none() {
        pg.application_name("partnerd");
    }
    Ok(Settings {
        pg,
        pool_max_size,
        pool_timeout,
        connect_timeout,
        schema,
    })
}

/// Seconds, fractions allowed (`0.5`).
fn seconds(key: &str, value: &str) -> StoreResult<Duration> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| bad(key, value, "seconds, e.g. 5 or 0.5"))
}

fn bad(key: &str, value: &str, expected: &str) -> StoreError {
    crate::error::invalid_url(format_args!("{key}={value} must be {expected}"))
}

/// Whether `s` can be used unquoted as a schema name (and so safely inside SQL text).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && s.len() <= 63
}

/// The URL with any password replaced by `***`, for messages.
pub(super) fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partnerd_parameters_are_taken_out() {
        let s = parse(
            "postgres://u:p@db:5433/app?pool_max_size=4&connect_timeout=2&pool_timeout=0.5&statement_timeout=30&schema=tenant_1&application_name=x",
        )
        .unwrap();
        assert_eq!(s.pool_max_size, 4);
        assert_eq!(s.pool_timeout, Duration::from_millis(500));
        assert_eq!(s.connect_timeout, Duration::from_secs(2));
        assert_eq!(s.schema.as_deref(), Some("tenant_1"));
        assert_eq!(s.pg.get_dbname(), Some("app"));
        assert_eq!(s.pg.get_application_name(), Some("x"));
        assert_eq!(
            s.pg.get_options(),
            Some("-c search_path=tenant_1 -c statement_timeout=30000")
        );
    }

    #[test]
    fn defaults() {
        let s = parse("postgresql://u@localhost/app").unwrap();
        assert_eq!(s.pool_max_size, DEFAULT_POOL_MAX_SIZE);
        assert_eq!(s.pool_timeout, DEFAULT_POOL_TIMEOUT);
        assert_eq!(s.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(s.schema, None);
        assert_eq!(s.pg.get_options(), None);
        assert_eq!(s.pg.get_application_name(), Some("partnerd"));
    }

    #[test]
    fn bad_values_are_config_errors() {
        for url in [
            "postgres://u@h/d?pool_max_size=0",
            "postgres://u@h/d?pool_max_size=many",
            "postgres://u@h/d?pool_timeout=-1",
            "postgres://u@h/d?schema=Robert');DROP",
            "postgres://u@h/d?no_such_key=1",
        ] {
            assert!(
                matches!(parse(url), Err(StoreError::Config(_))),
                "{url} accepted"
            );
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_password("postgres://u:secret@h:5432/d?x=1"),
            "postgres://u:***@h:5432/d?x=1"
        );
        assert_eq!(redact_password("postgres://h/d"), "postgres://h/d");
    }
}
