//! Partner relationships: a customer's other partners, and the caller's indirect
//! providers and resellers.

use crate::path_param::Segment;
use axum::extract::{RawQuery, State};
use partnerd_store::{CustomerRole, LinkDirection, PartnerRecord};
use partnerd_wire::{
    PartnerRelationship, PartnerRelationshipType, ResourceAttributes, ResourceCollection,
    ResourceLinks,
};

use crate::auth::Caller;
use crate::customers::{related, tenant_guid};
use crate::error::{ApiError, ApiResult};
use crate::reply::{Format, Reply};
use crate::state::AppState;

fn item(partner: &PartnerRecord, kind: PartnerRelationshipType) -> PartnerRelationship {
    PartnerRelationship {
        id: partner.tenant_id.clone(),
        name: Some(partner.name.clone()),
        relationship_type: kind,
        state: Some("active".to_owned()),
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
    Segment(id): Segment,
) -> ApiResult<Reply<ResourceCollection<PartnerRelationship>>> {
    let id = tenant_guid(&id)?;
    caller.require_user()?;
    related(&state, &caller, &id).await?;
    let others = state.store.customer_partners(&id).await?;
    let items = others
        .iter()
        .filter(|(p, _)| p.tenant_id != caller.partner.tenant_id)
        .map(|(p, role)| {
            let kind = match role {
                CustomerRole::IndirectReseller => PartnerRelationshipType::IsIndirectResellerOf,
                CustomerRole::Reseller => {
                    PartnerRelationshipType::IsIndirectCloudSolutionProviderOf
                }
            };
            item(p, kind)
        })
        .collect();
    let links = ResourceLinks::to_self(format!("/customers/{id}/relationships"));
    Ok(Reply::ok(format, ResourceCollection::new(items, links)))
}

/// `GET /v1/relationships?relationship_type=…`: the caller's indirect resellers
/// (`is_indirect_reseller_of`) or providers (`is_indirect_cloud_solution_provider_of`);
/// both when no type is given. An optional `filter` selects by name prefix.
pub async fn of_partner(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<PartnerRelationship>>> {
    let mut wanted = None;
    let mut name_prefix = None;
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
            "filter" => name_prefix = Some(name_filter(&v)?),
            _ => {}
        }
    }
    let links = state.store.partner_links(&caller.partner.tenant_id).await?;
    let items = links
        .iter()
        .map(|l| {
            let kind = match l.direction {
                LinkDirection::OtherIsReseller => PartnerRelationshipType::IsIndirectResellerOf,
                LinkDirection::OtherIsProvider => {
                    PartnerRelationshipType::IsIndirectCloudSolutionProviderOf
                }
            };
            (l, kind)
        })
        .filter(|(_, kind)| wanted.is_none_or(|w| w == *kind))
        .filter(|(l, _)| {
            name_prefix
                .as_deref()
                .is_none_or(|p| l.other.name.to_lowercase().starts_with(p))
        })
        .map(|(l, kind)| item(&l.other, kind))
        .collect();
    Ok(Reply::ok(
        format,
        ResourceCollection::new(items, ResourceLinks::to_self("/relationships")),
    ))
}

/// `{"Field":"Name","Value":…,"Operator":"starts_with"}` → the lower-cased prefix.
fn name_filter(raw: &str) -> ApiResult<String> {
    let value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|_| ApiError::malformed("Invalid filter: it is not a JSON object."))?;
    let serde_json::Value::Object(map) = partnerd_wire::decode::normalise(value) else {
        return Err(ApiError::malformed(
            "Invalid filter: it is not a JSON object.",
        ));
    };
    let text = |k: &str| {
        map.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let operator: String = text("operator").chars().filter(|c| *c != '_').collect();
    if !text("field").eq_ignore_ascii_case("name") || !operator.eq_ignore_ascii_case("startswith") {
        return Err(ApiError::malformed(
            "Invalid filter: relationships can be filtered only by Name with starts_with.",
        ));
    }
    Ok(text("value").to_lowercase())
}
