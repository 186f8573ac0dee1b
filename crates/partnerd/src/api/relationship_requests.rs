//! `GET /v1/customers/relationshiprequests` (app+user): the link a partner sends a customer to
//! accept it as its reseller, in the admin portal's current form. partnerd records each
//! request as an invitation (`GET /_partnerd/invitations`) so that a test can play the
//! customer's admin accepting it (`POST /_partnerd/invitations/{id}/accept`). The US Government
//! cloud (`--cloud usgov`) has no such operation: 404/1000 there.

use axum::extract::{RawQuery, State};
use partnerd_store::TenantId;
use partnerd_wire::{RelationshipRequest, ResourceAttributes};

use crate::auth::cloud::Cloud;
use crate::http::error::{ApiError, ApiResult};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::ops::invitations::Invitation;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// The admin portal's invitation link for a partner.
fn url(partner: &TenantId) -> String {
    format!(
        "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId={partner}&msppId=0&DAP=false#/BillingAccounts/partner-invitation"
    )
}

/// `GET /v1/customers/relationshiprequests[?indirectResellerId=…&indirectCloudSolutionProviderId=…&dualRoleIndirectRelationship=…]`.
pub async fn request(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<RelationshipRequest>> {
    crate::api::offered(&state, &[Cloud::UsGov])?;
    caller.require_user()?;
    let mut reseller = None;
    let mut provider = None;
    let mut dual_role = false;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let tenant = |name: &str| {
            TenantId::parse(&v)
                .map(Some)
                .map_err(|_| ApiError::malformed(format!("The {name} '{v}' is not a tenant id.")))
        };
        match k.to_ascii_lowercase().as_str() {
            "indirectresellerid" => reseller = tenant("indirectResellerId")?,
            "indirectcloudsolutionproviderid" => {
                provider = tenant("indirectCloudSolutionProviderId")?
            }
            "dualroleindirectrelationship" => {
                dual_role = match v.to_ascii_lowercase().as_str() {
                    "true" | "1" => true,
                    "false" | "0" | "" => false,
                    _ => {
                        return Err(ApiError::malformed(format!(
                            "The dualRoleIndirectRelationship '{v}' is not true or false."
                        )))
                    }
                }
            }
            _ => {}
        }
    }
    let link = url(&caller.partner.tenant_id);
    state.ops.invitations.record(Invitation {
        id: uuid::Uuid::new_v4().to_string(),
        partner_id: caller.partner.tenant_id.to_string(),
        url: link.clone(),
        indirect_reseller_id: reseller.map(TenantId::into_string),
        indirect_cloud_solution_provider_id: provider.map(TenantId::into_string),
        dual_role_indirect_relationship: dual_role,
        created_at: state.clock.now_secs(),
    });
    Ok(Reply::ok(
        format,
        RelationshipRequest {
            url: link,
            attributes: Some(ResourceAttributes::of("RelationshipRequest")),
        },
    ))
}

/// The relationship-request operation.
pub fn routes() -> Vec<Route> {
    vec![Route::get(
        "/v1/customers/relationshiprequests",
        "getRelationshipRequest",
        request,
    )
    .summary("The link a customer's admin follows to accept the caller as its reseller. Not in the US Government cloud.")
    .answers(200, Some(Body::RelationshipRequest))
    .query(&[
        "indirectResellerId",
        "indirectCloudSolutionProviderId",
        "dualRoleIndirectRelationship",
    ])]
}
