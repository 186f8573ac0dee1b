//! Sending requests: tracking headers, tokens, retries and error decoding.

use std::sync::Arc;
use std::time::Duration;

use partnerd_wire::ApiFault;
use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result, Tracking};
use crate::PartnerCenter;

/// When and how long to retry.
///
/// 429 (after `Retry-After` when given), 5xx, timeouts and connection errors are retried; other
/// 4xx never are. Between attempts the client waits a random time between zero and
/// `min(max_delay, base_delay * 2^(attempt - 1))` ("full jitter").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per operation, the first included (1 turns retries off).
    pub max_attempts: u32,
    /// The back-off before the second attempt.
    pub base_delay: Duration,
    /// The longest back-off (a `Retry-After` may ask for longer and is honoured).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts, 500 ms base, 30 s cap.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt per operation.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let cap = exp.min(self.max_delay);
        let nanos = cap.as_nanos().min(u64::MAX as u128) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }
}

/// An attempt that failed and is about to be retried, as told to the hook set with
/// [`crate::PartnerCenterBuilder::on_retry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryEvent {
    /// The attempt that failed, from 1.
    pub attempt: u32,
    /// The most attempts the policy allows.
    pub max_attempts: u32,
    /// The status that failed it (429 or 5xx); none for a timeout or a dropped connection.
    pub status: Option<u16>,
    /// How long the client waits before the next attempt: `Retry-After` when the answer gave
    /// one, else the back-off.
    pub wait: Duration,
}

/// Told of every retry (see [`RetryEvent`]).
pub type RetryHook = Arc<dyn Fn(&RetryEvent) + Send + Sync>;

/// A final answer: a success, a non-retryable status, or the last retryable one.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// One logical call to the API.
pub(crate) struct Call {
    pub(crate) method: Method,
    /// Path under the base URL, starting with `/v1/`.
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<Value>,
}

impl Call {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn json(mut self, body: &impl serde::Serialize) -> Result<Self> {
        self.body = Some(
            serde_json::to_value(body)
                .map_err(|e| Error::Config(format!("the body cannot be serialised: {e}")))?,
        );
        Ok(self)
    }
}

fn retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 allows both); a date in the
/// past means no wait.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Percent-encodes one path segment.
pub(crate) fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl PartnerCenter {
    pub(crate) fn new_tracking(&self) -> Tracking {
        Tracking {
            correlation_id: Some(self.correlation_id.clone()),
            request_id: Some(uuid::Uuid::new_v4().to_string()),
        }
    }

    /// Sends attempts built by `make` until one gives a final answer.
    pub(crate) async fn send_retrying(
        &self,
        tracking: &Tracking,
        mut make: impl FnMut() -> Result<RequestBuilder>,
    ) -> Result<Answer> {
        let policy = self.inner.retry;
        let max = policy.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let outcome = match make()?.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    resp.bytes().await.map(|body| Answer {
                        status,
                        headers,
                        body: body.to_vec(),
                    })
                }
                Err(e) => Err(e),
            };
            let (wait, status) = match outcome {
                Ok(answer) if retryable_status(answer.status) && attempt < max => {
                    let backoff = policy.backoff(attempt);
                    let wait = retry_after(&answer.headers).unwrap_or(backoff);
                    (wait, Some(answer.status))
                }
                Ok(answer) => return Ok(answer),
                Err(e) if !e.is_builder() && attempt < max => (policy.backoff(attempt), None),
                Err(source) => {
                    return Err(Error::Transport {
                        source,
                        tracking: Box::new(tracking.clone()),
                    })
                }
            };
            if let Some(hook) = &self.inner.on_retry {
                hook(&RetryEvent {
                    attempt,
                    max_attempts: max,
                    status,
                    wait,
                });
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Runs a call and returns its final answer, whatever its status.
    pub(crate) async fn execute_raw(&self, call: &Call) -> Result<(Answer, Tracking)> {
        let tracking = self.new_tracking();
        let url = format!("{}{}", self.inner.base_url, call.path);
        let mut reauthenticated = false;
        loop {
            let token = self.inner.tokens.token(self).await?;
            let answer = self
                .send_retrying(&tracking, || {
                    let mut rb = self
                        .inner
                        .http
                        .request(call.method.clone(), &url)
                        .bearer_auth(&token)
                        .header("Accept", "application/json")
                        .header("MS-CorrelationId", &self.correlation_id)
                        .header("MS-RequestId", tracking.request_id.as_deref().unwrap_or(""))
                        .header("MS-PartnerCenter-Client", "partnerd-sdk")
                        .header("MS-SdkVersion", env!("CARGO_PKG_VERSION"));
                    if !call.query.is_empty() {
                        rb = rb.query(&call.query);
                    }
                    for (k, v) in &call.headers {
                        rb = rb.header(*k, v);
                    }
                    if let Some(body) = &call.body {
                        rb = rb.json(body);
                    }
                    Ok(rb)
                })
                .await?;
            // A token the service no longer takes (rotated key, revoked): get a new one, once.
            if answer.status == 401 && !reauthenticated && !self.inner.tokens.is_static() {
                reauthenticated = true;
                self.inner.tokens.invalidate().await;
                continue;
            }
            return Ok((answer, tracking));
        }
    }

    /// Runs a call; a non-2xx answer is an [`Error::Api`].
    pub(crate) async fn execute(&self, call: &Call) -> Result<(Answer, Tracking)> {
        let (answer, tracking) = self.execute_raw(call).await?;
        if (200..300).contains(&answer.status) {
            Ok((answer, tracking))
        } else {
            Err(api_error(&answer, tracking))
        }
    }

    /// Runs a call and decodes its JSON answer leniently.
    pub(crate) async fn execute_json<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
        let (answer, tracking) = self.execute(call).await?;
        decode(&answer, tracking)
    }
}

pub(crate) fn decode<T: DeserializeOwned>(answer: &Answer, tracking: Tracking) -> Result<T> {
    partnerd_wire::decode_json(&answer.body).map_err(|e| Error::Decode {
        status: answer.status,
        message: e.to_string(),
        tracking: Box::new(tracking),
    })
}

/// Decodes a failed answer: an `ApiFault`, the gateway's `{"statusCode","message"}`, or text.
pub(crate) fn api_error(answer: &Answer, tracking: Tracking) -> Error {
    let retry_after = retry_after(&answer.headers);
    let value: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let (code, description, data) = match value {
        Some(v) if v.get("code").is_some() || v.get("Code").is_some() => {
            match partnerd_wire::decode_value::<ApiFault>(v.clone()) {
                Ok(f) => (Some(f.code), f.description, f.data),
                Err(_) => (None, v.to_string(), Vec::new()),
            }
        }
        Some(v) if v.get("message").is_some() => (
            None,
            v["message"].as_str().unwrap_or_default().to_owned(),
            Vec::new(),
        ),
        _ => (
            None,
            String::from_utf8_lossy(&answer.body).into_owned(),
            Vec::new(),
        ),
    };
    let description = if description.is_empty() {
        format!("HTTP {}", answer.status)
    } else {
        description
    };
    Error::Api {
        status: answer.status,
        code,
        description,
        data,
        retry_after,
        tracking: Box::new(tracking),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn after(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", value.parse().unwrap());
        retry_after(&headers)
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        assert_eq!(after("7"), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = after(&later).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        assert_eq!(after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(after("soon"), None);
    }
}
