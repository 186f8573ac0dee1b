//! Domain availability: `HEAD /v1/domains/{domain}` and the older
//! `GET /v1/validations/checkdomainavailability/{prefix}`.

use axum::extract::State;
use axum::http::StatusCode;

use crate::http::error::ApiResult;
use crate::http::params::Segment;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
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

/// The domain operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::head("/v1/domains/{domain}", "domainExists", head)
            .summary("200 if a customer holds the domain, 404 if it is free."),
        Route::get(
            "/v1/validations/checkdomainavailability/{prefix}",
            "checkDomainAvailability",
            check_availability,
        )
        .summary("Whether {prefix}.onmicrosoft.com is available.")
        .answers(200, Some(Body::Boolean)),
    ]
}
