//! The customer routes: create, list and search, get, PATCH (remove relationship or delegated
//! access) and DELETE.

pub mod paging;
pub mod rules;
pub mod validate;
pub mod view;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use partnerd_store::{
    fold, CustomerFilter, CustomerId, CustomerLookup, CustomerQuery, CustomerView, LinkDirection,
    NewCustomer, PartnerKind, RelationshipRemoval, StoreError, StoredResponse, TenantId,
};
use partnerd_wire::{
    Customer, CustomerCompanyProfile, CustomerPartnerRelationship, CustomerSearchField,
    ResourceCollection, ResourceLinks, UserCredentials,
};

use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::idempotency::{completion_for, from_view, respond, IdempotencyLease};
use crate::http::params::PathId;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::identity::{generate_password, hash_generated};
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;
use paging::PageState;

/// Largest (and default) page of a customer list.
pub const MAX_PAGE: u32 = 500;

/// Maps the store's customer outcomes to the contract's errors.
pub fn customer_error(id: &CustomerId) -> impl Fn(StoreError) -> ApiError + '_ {
    move |e| match e {
        StoreError::CustomerNotFound => ApiError::customer_not_found(id),
        other => other.into(),
    }
}

/// The customer as the caller sees it, or 404/60003, or 403/20002.
pub async fn related(
    state: &AppState,
    caller: &Caller,
    id: &CustomerId,
) -> ApiResult<CustomerView> {
    match state.store.customer(&caller.partner.tenant_id, id).await? {
        CustomerLookup::Related(view) => Ok(*view),
        CustomerLookup::Unrelated => Err(ApiError::no_relationship()),
        CustomerLookup::Missing => Err(ApiError::customer_not_found(id)),
    }
}

/// `POST /v1/customers`.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    lease: Option<Extension<IdempotencyLease>>,
    WireBody(body): WireBody<Customer>,
) -> ApiResult<Response> {
    let lease = lease.map(|Extension(l)| l);
    let input = validate::new_customer(&body)?;
    // A partner tenant's own domain can never be a customer's: the token service and the
    // directory resolve it to the partner.
    if state
        .store
        .partner_by_domain(&input.domain)
        .await?
        .is_some()
    {
        return Err(ApiError::domain_taken(&input.domain));
    }
    let associated = match body.associated_partner_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(associated_reseller(&state, &caller, raw).await?),
    };
    let cap = match caller.partner.kind {
        PartnerKind::Sandbox => Some(caller.partner.customer_cap),
        PartnerKind::Production => None,
    };
    let domain = input.domain.clone();
    let (new, password) = new_record(
        caller.partner.tenant_id.clone(),
        CustomerId::random(),
        input,
        associated,
    );
    let render = {
        let password = password.clone();
        from_view(move |view| created(format, view, password))
    };
    let completion = completion_for(lease.as_ref(), render);
    let view = state
        .store
        .create_customer(new, cap, completion)
        .await
        .map_err(|e| match e {
            StoreError::DomainTaken => ApiError::domain_taken(&domain),
            other => other.into(),
        })?;
    Ok(respond(lease.as_ref(), created(format, &view, password)))
}

/// A validated create body as the store takes it, with the admin password it was given
/// (shown once, stored as a hash).
pub fn new_record(
    partner_id: TenantId,
    id: CustomerId,
    input: validate::NewCustomerInput,
    associated_partner_id: Option<TenantId>,
) -> (NewCustomer, String) {
    let password = generate_password();
    let admin_password_hash = hash_generated(&password);
    let billing = input.billing;
    let new = NewCustomer {
        partner_id,
        id,
        commerce_id: uuid::Uuid::new_v4().to_string(),
        domain: input.domain,
        company: CustomerCompanyProfile {
            company_name: billing.company_name.clone(),
            address: billing.default_address.clone(),
            email: billing.email.clone(),
            organization_registration_number: input.registration_number,
            ..CustomerCompanyProfile::default()
        },
        billing: partnerd_store::BillingProfile {
            id: Some(uuid::Uuid::new_v4().to_string()),
            ..billing
        },
        etag: rand::random(),
        admin_password_hash,
        associated_partner_id,
    };
    (new, password)
}

/// The 201 of a create: the full customer and, this once, its admin credentials.
fn created(format: Format, view: &CustomerView, password: String) -> StoredResponse {
    let mut customer = view::full(view, CustomerPartnerRelationship::Reseller);
    customer.user_credentials = Some(UserCredentials {
        user_name: Some("admin".to_owned()),
        password: Some(password),
    });
    Reply::with_status(StatusCode::CREATED, format, customer).into_stored()
}

/// Checks `associatedPartnerId`: app+user only, a GUID, and an indirect reseller of the caller.
async fn associated_reseller(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<TenantId> {
    caller.require_user()?;
    let id = TenantId::parse(raw).map_err(|_| {
        ApiError::invalid_properties(vec![(
            "associatedPartnerId".into(),
            "must be a GUID".into(),
        )])
    })?;
    let links = state.store.partner_links(&caller.partner.tenant_id).await?;
    let linked = links
        .iter()
        .any(|l| l.direction == LinkDirection::OtherIsReseller && l.other.tenant_id == id);
    if !linked {
        return Err(ApiError::invalid_properties(vec![(
            "associatedPartnerId".into(),
            format!("{id} is not an indirect reseller of this partner"),
        )]));
    }
    Ok(id)
}

/// `GET /v1/customers/{id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<Customer>> {
    let view = related(&state, &caller, &id).await?;
    Ok(Reply::ok(
        format,
        view::full(&view, CustomerPartnerRelationship::Reseller),
    ))
}

/// `PATCH /v1/customers/{id}`: `relationshipToPartner: none` removes the caller's reseller
/// relationship, `allowDelegatedAccess: false` its delegated admin access.
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
    lease: Option<Extension<IdempotencyLease>>,
    WireBody(body): WireBody<Customer>,
) -> ApiResult<Response> {
    let lease = lease.map(|Extension(l)| l);
    caller.require_user()?;
    let removal = RelationshipRemoval {
        reseller: body.relationship_to_partner == Some(CustomerPartnerRelationship::None),
        delegated_access: body.allow_delegated_access == Some(false),
    };
    if !removal.reseller && !removal.delegated_access {
        return Err(ApiError::nothing_to_remove(
            "Nothing to remove: send relationshipToPartner \"none\" or allowDelegatedAccess false.",
        ));
    }
    let relationship = if removal.reseller {
        CustomerPartnerRelationship::None
    } else {
        CustomerPartnerRelationship::Reseller
    };
    let render =
        move |view: &CustomerView| Reply::ok(format, view::full(view, relationship)).into_stored();
    let completion = completion_for(lease.as_ref(), from_view(render));
    let view = state
        .store
        .remove_relationship(&caller.partner.tenant_id, &id, removal, completion)
        .await
        .map_err(|e| match e {
            StoreError::NoRelationship | StoreError::NothingToRemove => {
                ApiError::nothing_to_remove(
                    "The relationship between the partner and customer does not exist.",
                )
            }
            StoreError::RemovalByIndirectReseller => ApiError::nothing_to_remove(
                "An indirect reseller cannot remove its relationship with a customer; its indirect provider can.",
            ),
            other => customer_error(&id)(other),
        })?;
    Ok(respond(lease.as_ref(), render(&view)))
}

/// `DELETE /v1/customers/{id}`: sandbox partners only.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId<CustomerId>,
    lease: Option<Extension<IdempotencyLease>>,
) -> ApiResult<Response> {
    let lease = lease.map(|Extension(l)| l);
    if caller.partner.kind != PartnerKind::Sandbox {
        return Err(ApiError::delete_not_supported());
    }
    related(&state, &caller, &id).await?;
    let no_content = || StoredResponse {
        status: StatusCode::NO_CONTENT.as_u16(),
        headers: Vec::new(),
        body: Vec::new(),
    };
    let completion = completion_for(lease.as_ref(), move |_| no_content());
    if !state.store.delete_customer(&id, completion).await? {
        return Err(ApiError::customer_not_found(&id));
    }
    Ok(respond(lease.as_ref(), no_content()))
}

pub(crate) fn page_size(raw: Option<&str>) -> ApiResult<u32> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(MAX_PAGE);
    };
    let n: i64 = raw
        .parse()
        .map_err(|_| ApiError::malformed(format!("The size '{raw}' is not a number.")))?;
    match n {
        n if n < 0 => Err(ApiError::malformed(format!("The size {n} is negative."))),
        0 => Ok(MAX_PAGE),
        n => Ok(n.min(i64::from(MAX_PAGE)) as u32),
    }
}

fn store_filter(raw: &str) -> ApiResult<CustomerFilter> {
    let f = partnerd_wire::CustomerFilter::parse(raw).map_err(|e| ApiError::malformed(e.0))?;
    let tenant = |v: &str| {
        TenantId::parse(v)
            .map_err(|_| ApiError::malformed(format!("Invalid filter: '{v}' is not a tenant id.")))
    };
    Ok(match f.field {
        CustomerSearchField::CompanyName => CustomerFilter::CompanyNamePrefix(fold(&f.value)),
        CustomerSearchField::Domain => CustomerFilter::DomainPrefix(f.value.to_lowercase()),
        CustomerSearchField::IndirectReseller => {
            CustomerFilter::IndirectReseller(tenant(&f.value)?)
        }
        CustomerSearchField::IndirectCloudSolutionProvider => {
            CustomerFilter::IndirectProvider(tenant(&f.value)?)
        }
    })
}

fn list_uri(size: u32, seek: bool) -> String {
    if seek {
        format!("/customers?size={size}&seekOperation=Next")
    } else {
        format!("/customers?size={size}")
    }
}

/// `GET /v1/customers`: a page of the caller's customers, optionally filtered; with
/// `seekOperation=Next` and `MS-ContinuationToken`, the next page of a scan.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<Customer>>> {
    let params = paging::ListParams::read(query.as_deref());
    let partner = caller.partner.tenant_id.clone();
    let page = match params.seek.as_deref() {
        Some(seek) => {
            let token = paging::continuation_token(seek, &headers, " for customers")?;
            state.pages.open_token(token, &partner)?
        }
        None => PageState {
            partner,
            size: page_size(params.size.as_deref())?,
            filter: params.filter.as_deref().map(store_filter).transpose()?,
            after: 0,
        },
    };
    let query = CustomerQuery {
        filter: page.filter.clone(),
        after: Some(page.after),
        limit: page.size + 1,
    };
    let mut views = state
        .store
        .list_customers(&caller.partner.tenant_id, &query)
        .await?;
    let more = views.len() > page.size as usize;
    views.truncate(page.size as usize);
    let items = views.iter().map(view::sparse).collect();
    let mut collection =
        ResourceCollection::new(items, ResourceLinks::to_self(list_uri(page.size, false)));
    if let (true, Some(last)) = (more, views.last()) {
        let token = state.pages.seal(&PageState {
            after: last.seq,
            ..page.clone()
        });
        paging::continue_at(&mut collection, list_uri(page.size, true), token);
    }
    Ok(Reply::ok(format, collection))
}

/// The customer operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/v1/customers", "listCustomers", list)
            .summary("A page of the partner's customers, or a search by filter; seekOperation=Next with MS-ContinuationToken continues a scan.")
            .answers(200, Some(Body::CustomerPage))
            .query(&["size", "filter", "seekOperation"])
            .headers(&["MS-ContinuationToken"]),
        Route::post("/v1/customers", "createCustomer", create)
            .summary("Creates a customer (for an indirect reseller with associatedPartnerId).")
            .takes(Body::Customer)
            .answers(201, Some(Body::Customer))
            .headers(&["MS-RequestId"]),
        Route::get("/v1/customers/{id}", "getCustomer", get)
            .summary("A customer, as the partner sees it.")
            .answers(200, Some(Body::Customer)),
        Route::patch("/v1/customers/{id}", "patchCustomer", patch)
            .summary("Removes the reseller relationship (relationshipToPartner: none) or delegated access (allowDelegatedAccess: false).")
            .takes(Body::Customer)
            .answers(200, Some(Body::Customer))
            .headers(&["MS-RequestId"]),
        Route::delete("/v1/customers/{id}", "deleteCustomer", delete)
            .summary("Deletes a customer (sandbox partners only).")
            .answers(204, None)
            .headers(&["MS-RequestId"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_contract() {
        assert_eq!(page_size(None).unwrap(), 500);
        assert_eq!(page_size(Some("0")).unwrap(), 500);
        assert_eq!(page_size(Some("7")).unwrap(), 7);
        assert_eq!(page_size(Some("9000")).unwrap(), 500);
        assert!(page_size(Some("-1")).is_err());
        assert!(page_size(Some("ten")).is_err());
    }
}
