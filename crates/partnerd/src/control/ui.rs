//! The dashboard under `/_partnerd/ui/`: one page, its script and its style sheet, compiled
//! into the binary. The page holds no data and needs no token; the script asks for the admin
//! token, keeps it in the tab's session storage and sends it as a bearer token to the control
//! plane, exactly as a script of the user's own would. A cookie would make the server's pages
//! carry authority, and a query parameter would put the token in logs and history; neither is
//! used.
//!
//! The headers forbid everything the page does not do: no script, style, image or connection
//! but from this origin, no framing, no referrer.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use crate::http::error::ApiError;
use crate::http::params::Segment;
use crate::state::AppState;

/// Where the dashboard is served.
pub const BASE: &str = "/_partnerd/ui";

/// The page's address as people type it.
pub const PAGE: &str = "/_partnerd/ui/";

const INDEX: &str = include_str!("../../ui/index.html");

/// The assets the page loads, by file name, with their media types.
const ASSETS: [(&str, &str, &str); 3] = [
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../ui/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../ui/app.css"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_str!("../../ui/icon.svg"),
    ),
];

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset(media: &'static str, body: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    // Tiny files, revalidated each load, so a new binary's page is never mixed with an old
    // script.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX)
}

async fn file(Segment(name): Segment) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, media, body)) => asset(media, body),
        None => ApiError::route_not_found().into_response(),
    }
}

/// The dashboard's routes (outside the OpenAPI document: they serve a page, not an API).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(BASE, get(index))
        .route("/_partnerd/ui/{file}", get(file))
        // Paths are normalised without their trailing slash, so `/_partnerd/ui/` lands on
        // BASE; `/_partnerd` alone is where people guess.
        .route(
            "/_partnerd",
            get(|| async { Redirect::to("/_partnerd/ui/") }),
        )
}
