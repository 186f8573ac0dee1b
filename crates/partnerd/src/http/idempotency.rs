//! Idempotency by `MS-RequestId` for POST, PUT, PATCH and DELETE on the Partner Center routes.
//!
//! The layer authenticates the caller (the key is scoped to its partner), fingerprints the
//! request (method, path, `If-Match`, and the body in canonical form), and reserves the key in
//! the store, which rules on an existing record by [`partnerd_store::decide_reservation`], the
//! same on every backend:
//! - a completed record with the same fingerprint is replayed byte for byte, with
//!   `MS-Idempotent-Replay: true`; a different fingerprint is 409/990002;
//! - a record still running elsewhere is waited for (polling, bounded by its lease), then
//!   replayed: concurrent duplicates execute once, on one node or many;
//! - otherwise the request runs. Handlers that write pass a [`Completion`] to the store, so
//!   the response is stored in the same transaction as the change it describes. Responses of
//!   requests that wrote nothing (4xx) are stored afterwards; 5xx are not stored, and the key
//!   is released so that a retry runs again.
//!
//! Stored bodies are encrypted with a key derived from the server's idempotency secret and the
//! request id, and the request id itself is stored only as a hash: the admin password in a
//! create's response can be replayed to the client that knows the id, but is not readable from
//! the database alone.

use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use partnerd_store::{
    Completion, CustomerView, IdempotencyKey, Lease, Reservation, StoredResponse,
};
use sha2::{Digest, Sha256};

use crate::http::body::canonical_body;
use crate::http::error::ApiError;
use crate::http::reply::stored_to_response;
use crate::http::timeout::unreadable_body;
use crate::http::Caller;
use crate::state::AppState;

/// How long a running request holds its key before a retry may take it over.
pub const LEASE_SECS: i64 = 30;
/// Largest request body the layer buffers.
const MAX_BODY: usize = 1 << 20;
/// How often a duplicate checks whether the first request has finished.
const POLL: Duration = Duration::from_millis(20);

/// The reservation of the running request, for handlers that write.
#[derive(Clone)]
pub struct IdempotencyLease {
    lease: Lease,
    cipher_key: [u8; 32],
}

/// Marks a response whose record was stored inside the write's transaction.
#[derive(Clone, Copy)]
pub struct StoredInTransaction;

type HmacSha256 = Hmac<Sha256>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// XORs `data` with an HMAC-SHA256 keystream (counter mode): the key is unique per record and
/// each record is encrypted once, so no keystream is ever reused.
fn xor_stream(key: &[u8; 32], data: &mut [u8]) {
    for (counter, chunk) in data.chunks_mut(32).enumerate() {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key");
        mac.update(&(counter as u64).to_be_bytes());
        let block = mac.finalize().into_bytes();
        for (b, k) in chunk.iter_mut().zip(block.iter()) {
            *b ^= k;
        }
    }
}

impl IdempotencyLease {
    fn seal(&self, mut response: StoredResponse) -> StoredResponse {
        xor_stream(&self.cipher_key, &mut response.body);
        response
    }

    /// A completion that stores the response `render` makes from the written customer.
    pub fn completion(
        &self,
        render: impl FnOnce(Option<&CustomerView>) -> StoredResponse + Send + 'static,
    ) -> Completion {
        let sealer = self.clone();
        Completion {
            lease: self.lease.clone(),
            render: Box::new(move |view| sealer.seal(render(view))),
        }
    }
}

/// The completion for a handler's write, if the request is idempotent.
pub fn completion_for(
    lease: Option<&IdempotencyLease>,
    render: impl FnOnce(Option<&CustomerView>) -> StoredResponse + Send + 'static,
) -> Option<Completion> {
    lease.map(|l| l.completion(render))
}

/// Renders a write's response from the written customer; a write that yields none (which the
/// store never does for these operations) renders as an internal error.
pub fn from_view(
    render: impl FnOnce(&CustomerView) -> StoredResponse + Send + 'static,
) -> impl FnOnce(Option<&CustomerView>) -> StoredResponse + Send + 'static {
    move |view| match view {
        Some(v) => render(v),
        None => StoredResponse {
            status: 500,
            headers: Vec::new(),
            body: Vec::new(),
        },
    }
}

/// The response of a handler whose write stored its record (or not, without a lease).
pub fn respond(lease: Option<&IdempotencyLease>, stored: StoredResponse) -> Response {
    let mut response = stored_to_response(stored);
    if lease.is_some() {
        response.extensions_mut().insert(StoredInTransaction);
    }
    response
}

fn fingerprint(method: &Method, path: &str, if_match: Option<&str>, body: &str) -> String {
    let mut h = Sha256::new();
    for part in [method.as_str(), path, if_match.unwrap_or_default(), body] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())
}

async fn buffer(response: Response) -> Result<(axum::http::response::Parts, Vec<u8>), Response> {
    let (parts, body) = response.into_parts();
    match to_bytes(body, usize::MAX).await {
        Ok(bytes) => Ok((parts, bytes.to_vec())),
        Err(e) => {
            Err(ApiError::internal(&format!("response body unreadable: {e}")).into_response())
        }
    }
}

fn replay(lease: &IdempotencyLease, mut stored: StoredResponse) -> Response {
    xor_stream(&lease.cipher_key, &mut stored.body);
    let mut response = stored_to_response(stored);
    response
        .headers_mut()
        .insert("ms-idempotent-replay", HeaderValue::from_static("true"));
    response
}

fn reused() -> Response {
    ApiError::request_id_reused().into_response()
}

/// The middleware.
pub async fn idempotency_layer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let writes = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let request_id = request
        .headers()
        .get("ms-requestid")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    // Address validation writes nothing: its retries need no replay, and a reused request id
    // is no conflict there.
    let path = request.uri().path();
    let applies = path.starts_with("/v1/") && path != "/v1/validations/address";
    let (Some(request_id), true, true) = (request_id, writes, applies) else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return unreadable_body(
                &e,
                ApiError::malformed("The request body is too large or unreadable."),
            )
            .into_response()
        }
    };
    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let if_match = parts
        .headers
        .get(axum::http::header::IF_MATCH)
        .and_then(|v| v.to_str().ok());
    let print = fingerprint(
        &parts.method,
        parts.uri.path(),
        if_match,
        &canonical_body(content_type, &bytes),
    );

    let partner = caller.partner.tenant_id.clone();
    let mut key_mac =
        <HmacSha256 as Mac>::new_from_slice(&state.idempotency_secret).expect("HMAC takes any key");
    key_mac.update(partner.as_bytes());
    key_mac.update(&[0]);
    key_mac.update(request_id.as_bytes());
    let lease = IdempotencyLease {
        lease: Lease {
            key: IdempotencyKey {
                partner_id: partner,
                request_id: hex(&Sha256::digest(request_id.as_bytes())),
            },
            token: crate::http::context::new_guid(),
            node: state.settings.node.clone(),
        },
        cipher_key: key_mac.finalize().into_bytes().into(),
    };
    let keep = state.settings.idempotency_secs;
    let deadline = Instant::now() + Duration::from_secs(LEASE_SECS as u64 + 5);
    loop {
        match state
            .store
            .reserve(&lease.lease, &print, LEASE_SECS, keep)
            .await
        {
            Err(e) => return ApiError::from(e).into_response(),
            Ok(Reservation::Acquired) => break,
            Ok(Reservation::Completed {
                fingerprint,
                response,
            }) => {
                if fingerprint != print {
                    return reused();
                }
                state.ops.metrics.idempotent_replay();
                return replay(&lease, response);
            }
            Ok(Reservation::Pending { fingerprint }) => {
                if fingerprint != print {
                    return reused();
                }
                if Instant::now() > deadline {
                    return ApiError::unavailable("a duplicate request is still running")
                        .into_response();
                }
                tokio::time::sleep(POLL).await;
            }
        }
    }

    parts.extensions.insert(lease.clone());
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.extensions().get::<StoredInTransaction>().is_some() {
        return response;
    }
    let status = response.status();
    if status.is_server_error() {
        if let Err(e) = state.store.release(&lease.lease).await {
            tracing::warn!(error = %e, "idempotency key not released");
        }
        return response;
    }
    // A response of a request that wrote nothing: store it for replay.
    let (parts, body) = match buffer(response).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let headers = ["content-type", "etag", "retry-after", "www-authenticate"]
        .iter()
        .filter_map(|name| {
            parts
                .headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .map(|v| ((*name).to_owned(), v.to_owned()))
        })
        .collect();
    let stored = lease.seal(StoredResponse {
        status: status.as_u16(),
        headers,
        body: body.clone(),
    });
    if let Err(e) = state.store.complete(&lease.lease, stored).await {
        tracing::warn!(error = %e, "idempotency record not stored");
    }
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keystream_round_trips_and_hides_the_text() {
        let key = [7u8; 32];
        let text = b"{\"password\":\"Secret123!\"} and some more than one block of text".to_vec();
        let mut sealed = text.clone();
        xor_stream(&key, &mut sealed);
        assert_ne!(sealed, text);
        assert!(!String::from_utf8_lossy(&sealed).contains("Secret123"));
        xor_stream(&key, &mut sealed);
        assert_eq!(sealed, text);
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let a = fingerprint(&Method::PUT, "/v1/x", Some("\"1\""), "{}");
        assert_eq!(a, fingerprint(&Method::PUT, "/v1/x", Some("\"1\""), "{}"));
        assert_ne!(a, fingerprint(&Method::PUT, "/v1/x", Some("\"2\""), "{}"));
        assert_ne!(a, fingerprint(&Method::POST, "/v1/x", Some("\"1\""), "{}"));
        assert_ne!(
            a,
            fingerprint(&Method::PUT, "/v1/x", Some("\"1\""), "{\"a\":1}")
        );
    }
}
