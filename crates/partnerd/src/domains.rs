//! Domain availability: `HEAD /v1/domains/{domain}` and the older
//! `GET /v1/validations/checkdomainavailability/{prefix}`.

use crate::path_param::Segment;
use axum::extract::State;
use axum::http::StatusCode;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::reply::{Format, Reply};
use crate::state::AppState;

/// `HEAD /v1/domains/{domain}`: 200 when a customer holds the domain, 404 when it is free;
/// no body either way.
pub async fn head(
    State(state): State<AppState>,
    _caller: Caller,
    Segment(domain): Segment,
) -> ApiResult<StatusCode> {
    let taken = state.store.domain_taken(domain.trim()).await?;
    Ok(if taken {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    })
}

/// `GET /v1/validations/checkdomainavailability/{prefix}`: `true` when
/// `{prefix}.onmicrosoft.com` is available.
pub async fn check_availability(
    State(state): State<AppState>,
    _caller: Caller,
    format: Format,
    Segment(prefix): Segment,
) -> ApiResult<Reply<bool>> {
    let prefix = prefix.trim();
    let domain = if prefix.contains('.') {
        prefix.to_owned()
    } else {
        format!("{prefix}.onmicrosoft.com")
    };
    let taken = state.store.domain_taken(&domain).await?;
    Ok(Reply::ok(format, !taken))
}
