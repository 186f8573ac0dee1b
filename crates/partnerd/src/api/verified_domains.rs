//! `POST /v1/customers/{id}/verifieddomain`: a registrar partner adds a domain it registered
//! to a customer tenant, managed or federated. Sandbox partners are registrars; production
//! partners are not (403/990012). The name must be a custom domain held by no tenant (409, the
//! same rule as a customer's first domain); it joins the customer's `customDomains`, and
//! `HEAD /v1/domains/{name}` finds it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use partnerd_store::{CustomerId, PartnerKind, StoreError};
use partnerd_wire::{DomainAuthenticationType, VerifiedDomain};

use crate::api::customers::related;
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult, Violation};
use crate::http::idempotency::{completion_for, respond, IdempotencyLease};
use crate::http::params::PathId;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// Why `name` cannot be a custom domain, if it cannot: DNS labels of letters, digits and
/// inner hyphens, at least two of them, at most 253 characters, and not under
/// `onmicrosoft.com` (a tenant's initial domain comes with the tenant).
pub fn custom_domain_problem(name: &str) -> Option<&'static str> {
    if name.len() > 253 || !name.contains('.') {
        return Some("must be a domain name such as contoso.com");
    }
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !name.split('.').all(label_ok) {
        return Some("each label must be 1 to 63 letters, digits or inner hyphens");
    }
    let lower = name.to_ascii_lowercase();
    if lower == "onmicrosoft.com" || lower.ends_with(".onmicrosoft.com") {
        return Some("an onmicrosoft.com domain is a tenant's initial domain and comes with it");
    }
    None
}

/// The request's problems, as `property_name` violations.
fn violations(body: &VerifiedDomain) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut fail = |path: &str, reason: &str| out.push((path.to_owned(), reason.to_owned()));
    match body.domain.name.as_deref() {
        None => fail("domain.name", "required"),
        Some(name) => {
            if let Some(problem) = custom_domain_problem(name) {
                fail("domain.name", problem);
            }
            if !body.verified_domain_name.eq_ignore_ascii_case(name) {
                fail("verifiedDomainName", "must equal domain.name");
            }
        }
    }
    if body.domain.is_initial == Some(true) {
        fail(
            "domain.isInitial",
            "a tenant's initial domain comes with the tenant",
        );
    }
    let federated = body.domain.authentication_type == DomainAuthenticationType::Federated;
    match (&body.domain_federation_settings, federated) {
        (None, true) => fail(
            "domainFederationSettings",
            "required when domain.authenticationType is Federated",
        ),
        (Some(_), false) => fail(
            "domainFederationSettings",
            "only a Federated domain takes federation settings",
        ),
        _ => {}
    }
    out
}

/// `POST /v1/customers/{id}/verifieddomain`: 201 with the domain.
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    lease: Option<Extension<IdempotencyLease>>,
    PathId(id): PathId<CustomerId>,
    WireBody(body): WireBody<VerifiedDomain>,
) -> ApiResult<Response> {
    if caller.partner.kind != PartnerKind::Sandbox {
        return Err(ApiError::not_a_registrar());
    }
    related(&state, &caller, &id).await?;
    let problems = violations(&body);
    if !problems.is_empty() {
        return Err(ApiError::invalid_properties(problems));
    }
    let name = body.domain.name.clone().unwrap_or_default();
    if state.store.partner_by_domain(&name).await?.is_some() {
        return Err(ApiError::domain_taken(&name));
    }
    let lease = lease.map(|Extension(l)| l);
    let response =
        Reply::with_status(StatusCode::CREATED, format, body.domain.clone()).into_stored();
    let stored = response.clone();
    let completion = completion_for(lease.as_ref(), move |_| stored);
    state
        .store
        .add_domain(&id, body, completion)
        .await
        .map_err(|e| match e {
            StoreError::DomainTaken => ApiError::domain_taken(&name),
            other => other.into(),
        })?;
    Ok(respond(lease.as_ref(), response))
}

/// The verified-domain operation.
pub fn routes() -> Vec<Route> {
    vec![Route::post(
        "/v1/customers/{id}/verifieddomain",
        "addVerifiedDomain",
        add,
    )
    .summary("A registrar partner adds a managed or federated domain to the customer tenant.")
    .takes(Body::VerifiedDomain)
    .answers(201, Some(Body::Domain))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_domains_are_dns_names_outside_onmicrosoft() {
        assert_eq!(custom_domain_problem("contoso.com"), None);
        assert_eq!(custom_domain_problem("mail.contoso.co.uk"), None);
        assert!(custom_domain_problem("contoso").is_some());
        assert!(custom_domain_problem("-x.com").is_some());
        assert!(custom_domain_problem("a..com").is_some());
        assert!(custom_domain_problem("x.onmicrosoft.com").is_some());
        assert!(custom_domain_problem("x y.com").is_some());
    }
}
