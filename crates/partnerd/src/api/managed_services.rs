//! `GET /v1/customers/{id}/managedservices` (app+user): the customer's services the caller
//! administers through delegated admin rights. Nothing new is stored: the list is a fixed
//! catalogue of the services a Microsoft 365 tenant has, shown while the caller holds delegated
//! access and empty once it was removed (`PATCH {"allowDelegatedAccess": false}`). Each service
//! links into the admin portal in the customer's context, as Partner Center's links do. The
//! 21Vianet cloud (`--cloud china`) has no such operation: 404/1000 there.

use axum::extract::State;
use partnerd_store::CustomerId;
use partnerd_wire::{
    Link, ManagedService, ManagedServiceLinks, ResourceAttributes, ResourceCollection,
    ResourceLinks,
};

use crate::api::customers::related;
use crate::auth::cloud::Cloud;
use crate::http::error::ApiResult;
use crate::http::params::PathId;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// The services of a customer tenant: (id, name), all in the Office group.
const CATALOGUE: [(&str, &str); 5] = [
    ("Exchange", "Exchange"),
    ("SharePoint", "SharePoint"),
    ("MicrosoftCommunicationsOnline", "SkypeforBusiness"),
    ("MicrosoftTeams", "Teams"),
    ("Intune", "Intune"),
];

/// The admin portal's page for a service, entered in the customer's context.
fn portal(customer: &CustomerId, destination: &str) -> Link {
    Link::get(format!(
        "https://portal.office.com/Partner/BeginClientSession.aspx?CTID={customer}&CSDEST={destination}"
    ))
}

/// `GET /v1/customers/{id}/managedservices`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<ResourceCollection<ManagedService>>> {
    crate::api::offered(&state, &[Cloud::China])?;
    caller.require_user()?;
    let view = related(&state, &caller, &id).await?;
    let items = if view.delegated_access {
        CATALOGUE
            .iter()
            .map(|(service, name)| ManagedService {
                id: (*service).to_owned(),
                name: Some((*name).to_owned()),
                group_name: Some("Office".to_owned()),
                links: Some(ManagedServiceLinks {
                    admin_service: Some(portal(&id, service)),
                    service_health: Some(portal(&id, "ServiceStatus")),
                    service_ticket: Some(portal(&id, "Support")),
                }),
                attributes: Some(ResourceAttributes::of("ManagedService")),
            })
            .collect()
    } else {
        Vec::new()
    };
    let links = ResourceLinks::to_self(format!("/customers/{id}/managedservices"));
    Ok(Reply::ok(format, ResourceCollection::new(items, links)))
}

/// The managed-services operation.
pub fn routes() -> Vec<Route> {
    vec![Route::get(
        "/v1/customers/{id}/managedservices",
        "getManagedServices",
        list,
    )
    .summary("The customer's services the caller administers through delegated admin rights (none once delegated access is removed). Not in the 21Vianet cloud.")
    .answers(200, Some(Body::ManagedServicePage))]
}
