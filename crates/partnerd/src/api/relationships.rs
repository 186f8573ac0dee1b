//! Partner relationships: a customer's other partners, and the caller's indirect
//! providers and resellers.
//!
//! Every `relationshipType` says what the CALLER is to the listed partner, as Microsoft
//! documents it: a provider lists its resellers as `is_indirect_cloud_solution_provider_of`
//! (the caller is their indirect provider), and a reseller lists its providers as
//! `is_indirect_reseller_of`. PowerShell's `Get-PartnerIndirectReseller` asks for exactly
//! `relationship_type=IsIndirectCloudSolutionProviderOf`.

use axum::extract::{RawQuery, State};
use partnerd_store::{CustomerId, CustomerRole, LinkDirection, PartnerRecord};
use partnerd_wire::{
    PartnerRelationship, PartnerRelationshipType, RelationshipFilter, ResourceAttributes,
    ResourceCollection, ResourceLinks,
};

use crate::api::customers::related;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::PathId;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

fn item(partner: &PartnerRecord, kind: PartnerRelationshipType) -> PartnerRelationship {
    PartnerRelationship {
        id: partner.tenant_id.to_string(),
        name: Some(partner.name.clone()),
        relationship_type: kind,
        state: Some("Active".to_owned()),
        location: None,
        mpn_id: Some(partner.mpn_id.clone()),
        attributes: Some(ResourceAttributes::of("PartnerRelationship")),
    }
}

/// `GET /v1/customers/{id}/relationships` (app+user only): the other partners of the
/// customer, each described relative to the caller (an indirect reseller of it, or its
/// indirect provider).
pub async fn of_customer(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<ResourceCollection<PartnerRelationship>>> {
    caller.require_user()?;
    related(&state, &caller, &id).await?;
    let others = state.store.customer_partners(&id).await?;
    let items = others
        .iter()
        .filter(|(p, _)| p.tenant_id != caller.partner.tenant_id)
        .map(|(p, role)| {
            // The listed partner resells the customer for the caller: the caller is its
            // indirect provider. The listed partner is the customer's provider: the caller is
            // its indirect reseller.
            let kind = match role {
                CustomerRole::IndirectReseller => {
                    PartnerRelationshipType::IsIndirectCloudSolutionProviderOf
                }
                CustomerRole::Reseller => PartnerRelationshipType::IsIndirectResellerOf,
            };
            item(p, kind)
        })
        .collect();
    let links = ResourceLinks::to_self(format!("/customers/{id}/relationships"));
    Ok(Reply::ok(format, ResourceCollection::new(items, links)))
}

/// `GET /v1/relationships?relationship_type=…`: the caller's indirect resellers
/// (`IsIndirectCloudSolutionProviderOf`: what the caller is to them) or its indirect
/// providers (`IsIndirectResellerOf`); both when no type is given. An optional `filter`
/// selects by name (`starts_with` or `substring`).
pub async fn of_partner(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<PartnerRelationship>>> {
    let mut wanted = None;
    let mut name = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.to_ascii_lowercase().as_str() {
            "relationship_type" | "relationshiptype" => {
                let kind = PartnerRelationshipType::parse(&v)
                    .filter(|k| *k != PartnerRelationshipType::None)
                    .ok_or_else(|| {
                        ApiError::malformed(format!(
                            "The relationship_type '{v}' is not valid; use is_indirect_reseller_of or is_indirect_cloud_solution_provider_of."
                        ))
                    })?;
                wanted = Some(kind);
            }
            "filter" => {
                name = Some(RelationshipFilter::parse(&v).map_err(|e| ApiError::malformed(e.0))?)
            }
            _ => {}
        }
    }
    let links = state.store.partner_links(&caller.partner.tenant_id).await?;
    let items = links
        .iter()
        .map(|l| {
            let kind = match l.direction {
                LinkDirection::OtherIsReseller => {
                    PartnerRelationshipType::IsIndirectCloudSolutionProviderOf
                }
                LinkDirection::OtherIsProvider => PartnerRelationshipType::IsIndirectResellerOf,
            };
            (l, kind)
        })
        .filter(|(_, kind)| wanted.is_none_or(|w| w == *kind))
        .filter(|(l, _)| name.as_ref().is_none_or(|f| f.admits(&l.other.name)))
        .map(|(l, kind)| item(&l.other, kind))
        .collect();
    Ok(Reply::ok(
        format,
        ResourceCollection::new(items, ResourceLinks::to_self("/relationships")),
    ))
}

/// The relationship operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "/v1/customers/{id}/relationships",
            "getCustomerRelationships",
            of_customer,
        )
        .summary("The customer's other partners, relative to the caller.")
        .answers(200, Some(Body::RelationshipPage)),
        Route::get("/v1/relationships", "getPartnerRelationships", of_partner)
            .summary("The partner's indirect resellers or providers.")
            .answers(200, Some(Body::RelationshipPage))
            .query(&["relationship_type", "filter"]),
    ]
}
