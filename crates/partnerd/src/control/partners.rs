//! Partners on the control plane: list and show them (ids and names, never a hash), replace a
//! partner's credentials, and mint a token as the partner, which the dashboard uses to call
//! the API the way an integration would.
//!
//! Secrets and passwords are stored only as hashes, so the reset is the one answer that holds
//! them, once. The CLI's `partner list|show` print the same [`PartnerDetails`].

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use partnerd_store::{LinkDirection, PartnerKind, PartnerRecord, Store, StoreResult};
use serde::{Deserialize, Serialize};

use super::lifecycle::find_partner;
use super::Admin;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::Segment;
use crate::identity::{reset_credentials, ResetCredentials};
use crate::routes::openapi::{Access, Body};
use crate::routes::Route;
use crate::state::AppState;

/// A partner as listed: who it is, without its apps and users.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerSummary {
    /// Tenant id.
    pub tenant_id: String,
    /// Display name.
    pub name: String,
    /// `sandbox` or `production`.
    #[schemars(with = "String")]
    pub kind: PartnerKind,
    /// Verified domain.
    pub domain: String,
    /// Most customers a sandbox partner may hold (0: no cap).
    pub customer_cap: u32,
}

impl From<PartnerRecord> for PartnerSummary {
    fn from(p: PartnerRecord) -> Self {
        Self {
            tenant_id: p.tenant_id.into_string(),
            name: p.name,
            kind: p.kind,
            domain: p.domain,
            customer_cap: p.customer_cap,
        }
    }
}

/// A partner with the ids of its apps and users and its indirect links; never a hash.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartnerDetails {
    /// Who it is.
    #[serde(flatten)]
    pub partner: PartnerSummary,
    /// Its MPN id.
    pub mpn_id: String,
    /// Its apps.
    pub apps: Vec<AppSummary>,
    /// Its users.
    pub users: Vec<UserSummary>,
    /// Partners this one is an indirect provider of.
    pub indirect_resellers: Vec<LinkSummary>,
    /// Partners that are indirect providers of this one.
    pub indirect_providers: Vec<LinkSummary>,
}

/// An app of a partner.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppSummary {
    /// Its client id.
    pub client_id: String,
    /// Its name.
    pub name: String,
}

/// A user of a partner.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    /// Its user principal name.
    pub user_name: String,
    /// Its object id.
    pub object_id: String,
    /// Whether it has registered for MFA.
    pub mfa: bool,
}

/// The other partner of an indirect link.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkSummary {
    /// Its tenant id.
    pub tenant_id: String,
    /// Its name.
    pub name: String,
    /// Its domain.
    pub domain: String,
}

impl PartnerDetails {
    /// Reads the partner's apps, users and links.
    pub async fn read(store: &dyn Store, partner: PartnerRecord) -> StoreResult<Self> {
        let apps = store
            .apps_of(&partner.tenant_id)
            .await?
            .into_iter()
            .map(|a| AppSummary {
                client_id: a.client_id.into_string(),
                name: a.name,
            })
            .collect();
        let users = store
            .users_of(&partner.tenant_id)
            .await?
            .into_iter()
            .map(|u| UserSummary {
                user_name: u.upn,
                object_id: u.object_id.into_string(),
                mfa: u.mfa,
            })
            .collect();
        let (mut indirect_resellers, mut indirect_providers) = (Vec::new(), Vec::new());
        for link in store.partner_links(&partner.tenant_id).await? {
            let other = LinkSummary {
                tenant_id: link.other.tenant_id.into_string(),
                name: link.other.name,
                domain: link.other.domain,
            };
            match link.direction {
                LinkDirection::OtherIsReseller => indirect_resellers.push(other),
                LinkDirection::OtherIsProvider => indirect_providers.push(other),
            }
        }
        Ok(Self {
            mpn_id: partner.mpn_id.clone(),
            partner: PartnerSummary::from(partner),
            apps,
            users,
            indirect_resellers,
            indirect_providers,
        })
    }
}

/// `GET /_partnerd/partners`: every partner with its apps, users and links, oldest first.
pub async fn list(State(state): State<AppState>, _: Admin) -> ApiResult<Json<Vec<PartnerDetails>>> {
    let mut out = Vec::new();
    for partner in state.store.all_partners().await? {
        out.push(PartnerDetails::read(state.store.as_ref(), partner).await?);
    }
    Ok(Json(out))
}

/// `GET /_partnerd/partners/{tenant}` (a tenant id or the partner's domain).
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    Segment(tenant): Segment,
) -> ApiResult<Json<PartnerDetails>> {
    let partner = find_partner(&state, &tenant).await?;
    Ok(Json(
        PartnerDetails::read(state.store.as_ref(), partner).await?,
    ))
}

/// `POST /_partnerd/partners/{tenant}/credentials`: the partner's first app gets a new secret
/// and its first user a new password, answered once; the old ones stop working at once.
pub async fn reset_secret(
    State(state): State<AppState>,
    _: Admin,
    Segment(tenant): Segment,
) -> ApiResult<Json<ResetCredentials>> {
    let partner = find_partner(&state, &tenant).await?;
    let (app, user) = first_app_and_user(&state, &partner).await?;
    Ok(Json(
        reset_credentials(state.store.as_ref(), &app, &user).await?,
    ))
}

/// What a token request may say: whether the token acts for the partner's first user too.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenRequest {
    /// An app+user token (the default) or app-only (`false`).
    pub user: Option<bool>,
}

/// A token minted for a partner, in the token service's own field names.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MintedToken {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: i64,
}

/// `POST /_partnerd/partners/{tenant}/token`: an access token for the partner's first app
/// (and, unless `{"user": false}`, its first user), as the token service would issue one.
pub async fn token(
    State(state): State<AppState>,
    _: Admin,
    Segment(tenant): Segment,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let request: TokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TokenRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::malformed(format!("The token request is invalid: {e}.")))?
    };
    let partner = find_partner(&state, &tenant).await?;
    let (app, user) = first_app_and_user(&state, &partner).await?;
    let user = request.user.unwrap_or(true).then_some(&user);
    let (access_token, claims) = crate::auth::mint(
        state.clock.now_secs(),
        &state.keys,
        &state.settings,
        state.settings.cloud.resource(),
        &app,
        user,
    )
    .map_err(|e| ApiError::internal(&format!("No token could be signed: {e}.")))?;
    Ok(Json(MintedToken {
        access_token,
        token_type: "Bearer",
        expires_in: claims.exp - claims.iat,
    })
    .into_response())
}

async fn first_app_and_user(
    state: &AppState,
    partner: &PartnerRecord,
) -> ApiResult<(partnerd_store::AppRecord, partnerd_store::UserRecord)> {
    let (app, user) =
        crate::identity::first_app_and_user(state.store.as_ref(), &partner.tenant_id).await?;
    match (app, user) {
        (Some(app), Some(user)) => Ok((app, user)),
        _ => Err(ApiError::malformed(format!(
            "The partner {} has no app or no user to act as.",
            partner.tenant_id
        ))),
    }
}

/// The partner operations of the control plane.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/_partnerd/partners", "listPartners", list)
            .summary("Every partner with the ids of its apps and users and its indirect links (never a secret), oldest first.")
            .access(Access::Admin)
            .answers(200, Some(Body::Partners)),
        Route::get("/_partnerd/partners/{tenant}", "getPartner", show)
            .summary("One partner (by tenant id or domain) with the ids of its apps and users and its indirect links.")
            .access(Access::Admin)
            .answers(200, Some(Body::Partner)),
        Route::post(
            "/_partnerd/partners/{tenant}/credentials",
            "resetPartnerCredentials",
            reset_secret,
        )
        .summary("Gives the partner's app a new client secret and its user a new password, answered only now; the old ones stop working.")
        .access(Access::Admin)
        .answers(200, Some(Body::Credentials)),
        Route::post("/_partnerd/partners/{tenant}/token", "mintPartnerToken", token)
            .summary("An access token for the partner's app and user ({\"user\": false}: the app alone), as the token service issues.")
            .access(Access::Admin)
            .takes(Body::TokenRequest)
            .answers(200, Some(Body::Token)),
    ]
}
