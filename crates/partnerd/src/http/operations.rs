//! The operations layer: metrics and the journal for every request; throttling and fault
//! injection for the Partner Center routes.
//!
//! It sits inside the wire layer (so throttled and faulted answers still carry the tracking
//! headers) and outside idempotency (so a fault that drops the connection after the commit
//! leaves a stored response for the client's retry to replay).

use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::context::RequestContext;
use crate::http::error::ApiError;
use crate::http::timeout::unreadable_body;
use crate::http::Caller;
use crate::ops::faults::Effect;
use crate::ops::history::{ApiCall, CallerTrace};
use crate::ops::journal::{RawBody, RawEntry, TrackingIds};
use crate::ops::throttle::throttled_body;
use crate::server::ClientAddr;
use crate::state::AppState;

/// Where the authentication extractor leaves the caller for the journal and the request
/// history.
#[derive(Debug, Clone, Default)]
pub struct PartnerSlot(pub Arc<OnceLock<Arc<CallerTrace>>>);

/// Largest request body buffered for the journal.
const MAX_JOURNALED_REQUEST: usize = 1 << 20;

/// A body that fails at once: hyper aborts the connection instead of finishing the response.
struct Dropped;

impl http_body::Body for Dropped {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped after commit",
        ))))
    }
}

fn content_type(headers: &axum::http::HeaderMap) -> Option<HeaderValue> {
    headers.get(header::CONTENT_TYPE).cloned()
}

/// Journals an answer the layer gave itself (throttled or faulted), without the request body,
/// which was never read.
async fn journal_answer(
    state: &AppState,
    parts: &axum::http::request::Parts,
    route: &'static str,
    started: Instant,
    response: Response,
) -> Response {
    if !state.ops.journal.is_on() {
        return response;
    }
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    state.ops.journal.record_raw(
        RawEntry {
            at: SystemTime::now(),
            method: parts.method.clone(),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            route,
            status: head.status.as_u16(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            partner: parts
                .extensions
                .get::<PartnerSlot>()
                .and_then(|s| s.0.get().map(|t| t.partner.clone())),
            context: parts
                .extensions
                .get::<Arc<RequestContext>>()
                .map(|c| c.clone() as Arc<dyn TrackingIds>),
        },
        None,
        Some(RawBody {
            content_type: content_type(&head.headers),
            bytes: bytes.clone(),
        }),
    );
    Response::from_parts(head, Body::from(bytes))
}

/// Hands an app+user request to the request history (app-only requests are not in it).
fn record_history(
    state: &AppState,
    trace: Arc<CallerTrace>,
    method: &Method,
    route: &'static str,
    source: Option<std::net::IpAddr>,
    ids: Option<Arc<dyn TrackingIds>>,
) {
    if trace.user.is_none() {
        return;
    }
    state.history.record_call(ApiCall {
        caller: trace,
        method: static_method(method),
        route,
        source,
        ids,
        at_ms: now_ms(state),
    });
}

/// The method's name with a `'static` lifetime (the API's methods are the standard ones).
fn static_method(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Now on the store's clock, in milliseconds (the clock counts seconds; the wall clock gives
/// the milliseconds, which only order rows within a second).
pub fn now_ms(state: &AppState) -> i64 {
    let millis = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::from(d.subsec_millis()));
    state.clock.now_secs() * 1000 + millis
}

/// The middleware.
pub async fn ops_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let ops = &state.ops;
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| ops.route_label(m.as_str()));
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let control = path.starts_with("/_partnerd/");
    let api = path.starts_with("/v1/");
    let slot = PartnerSlot::default();
    let source = request
        .extensions()
        .get::<ConnectInfo<ClientAddr>>()
        .map(|c| c.0 .0.ip());
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(slot.clone());

    let mut drop_after = false;
    if api && (ops.throttle.is_some() || ops.faults.is_armed()) {
        // Throttling and partner-specific faults need the caller; authentication failures are
        // left to the handler, which answers them in the contract's shape.
        let partner = Caller::from_request_parts(&mut parts, &state)
            .await
            .ok()
            .map(|c| c.partner.tenant_id.clone());
        if let (Some(throttle), Some(partner)) = (&ops.throttle, &partner) {
            if let Err(retry) = throttle.check(partner) {
                ops.metrics.throttled();
                let mut response =
                    (StatusCode::TOO_MANY_REQUESTS, throttled_body(retry.0)).into_response();
                let h = response.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json; charset=utf-8"),
                );
                h.insert(header::RETRY_AFTER, HeaderValue::from(retry.0));
                ops.count_request(control, route, method.as_str(), 429, started.elapsed());
                return journal_answer(&state, &parts, route, started, response).await;
            }
        }
        if let Some((id, effect)) = ops
            .faults
            .decide(method.as_str(), &path, partner.as_deref())
        {
            ops.metrics.fault_fired(effect.kind());
            tracing::info!(rule = %id, kind = effect.kind(), "fault injected");
            match effect {
                Effect::Error {
                    status,
                    code,
                    description,
                } => {
                    let status =
                        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    let text =
                        description.unwrap_or_else(|| format!("Injected fault (rule {id})."));
                    let error = ApiError::injected(status, code, text);
                    ops.count_request(
                        control,
                        route,
                        method.as_str(),
                        status.as_u16(),
                        started.elapsed(),
                    );
                    let response = error.into_response();
                    return journal_answer(&state, &parts, route, started, response).await;
                }
                Effect::Latency { ms } => {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await
                }
                Effect::DropAfterCommit => drop_after = true,
            }
        }
    }

    let journal = ops.journal.is_on() && !control;
    let (request, request_body) = if journal {
        match to_bytes(body, MAX_JOURNALED_REQUEST).await {
            Ok(bytes) => {
                let raw = RawBody {
                    content_type: content_type(&parts.headers),
                    bytes: bytes.clone(),
                };
                (Request::from_parts(parts, Body::from(bytes)), Some(raw))
            }
            Err(e) => {
                return unreadable_body(
                    &e,
                    ApiError::malformed("The request body is too large or unreadable."),
                )
                .into_response();
            }
        }
    } else {
        (Request::from_parts(parts, body), None)
    };
    let context = request
        .extensions()
        .get::<Arc<RequestContext>>()
        .map(|c| c.clone() as Arc<dyn TrackingIds>);
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();

    let response = next.run(request).await;
    let status = response.status();
    ops.count_request(
        control,
        route,
        method.as_str(),
        status.as_u16(),
        started.elapsed(),
    );
    let trace = slot.0.get().cloned();
    let partner = if journal {
        trace.as_ref().map(|t| t.partner.clone())
    } else {
        None
    };
    if let (true, Some(trace)) = (api, trace) {
        record_history(&state, trace, &method, route, source, context.clone());
    }
    if drop_after {
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::new(Dropped));
    }
    if !journal {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    ops.journal.record_raw(
        RawEntry {
            at: SystemTime::now(),
            method,
            path: path_and_query,
            route,
            status: status.as_u16(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            partner,
            context,
        },
        request_body,
        Some(RawBody {
            content_type: content_type(&parts.headers),
            bytes: bytes.clone(),
        }),
    );
    Response::from_parts(parts, Body::from(bytes))
}
