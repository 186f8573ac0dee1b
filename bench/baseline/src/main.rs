//! The benchmark's yardstick: a bare axum endpoint that answers
//! `GET /v1/customers/{id}/profiles/billing` with a fixed billing profile, and `PUT` on the
//! same path by reading the request body and answering the same fixed profile.
//!
//! No authentication, no store, no validation: it measures what the framework, the runtime
//! and the loopback cost on their own, so `bench/run.sh` can report partnerd's throughput
//! as a ratio of it. The body is shaped like partnerd's real answer for the customer that
//! `bench/run.sh` creates, and has the same size give or take the width of the random ETag
//! (the script prints both sizes).
//!
//! Usage: `partnerd-bench-baseline [ADDR]` (default `127.0.0.1:8090`).

use axum::body::Bytes;
use axum::http::header::{CONTENT_TYPE, ETAG};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// Where the server listens when no address is given.
const DEFAULT_ADDR: &str = "127.0.0.1:8090";

/// The ETag sent with every answer; the same value as `attributes.etag` in [`PROFILE`].
const ETAG_VALUE: &str = "\"4611686018427387904\"";

/// A billing profile laid out as partnerd serialises one, with fixed ids and ETag.
const PROFILE: &str = concat!(
    r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","firstName":"Ada","lastName":"Lovelace","#,
    r#""email":"ada@contoso.com","culture":"en-US","language":"en","companyName":"Contoso","#,
    r#""defaultAddress":{"country":"US","city":"Redmond","state":"WA","#,
    r#""addressLine1":"One Microsoft Way","postalCode":"98052","phoneNumber":"4255550100"},"#,
    r#""links":{"self":{"uri":"/customers/3f2504e0-4f89-41d3-9a0c-0305e82c3301/profiles/billing","#,
    r#""method":"GET","headers":[]}},"#,
    r#""attributes":{"etag":"4611686018427387904","objectType":"CustomerBillingProfile"}}"#
);

/// The fixed answer: `200 OK`, JSON content type, quoted ETag, [`PROFILE`].
fn profile() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "application/json; charset=utf-8"),
            (ETAG, ETAG_VALUE),
        ],
        PROFILE,
    )
}

/// `GET /v1/customers/{id}/profiles/billing`.
async fn get_billing() -> impl IntoResponse {
    profile()
}

/// `PUT /v1/customers/{id}/profiles/billing`: the body is read in full, then ignored.
async fn put_billing(body: Bytes) -> impl IntoResponse {
    std::hint::black_box(body.len());
    profile()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let app = Router::new().route(
        "/v1/customers/{id}/profiles/billing",
        get(get_billing).put(put_billing),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("baseline listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await
}
