//! The names a cloud's token service mints and its API accepts.

/// The Partner Center API's resource URI in the public cloud.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partnercenter.microsoft.com";
/// The application id of the "Microsoft Partner Center" resource app; accepted as audience.
pub const PARTNER_CENTER_APP_ID: &str = "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd";
/// The retired Azure AD Graph audience some old clients still request.
pub const RETIRED_GRAPH_RESOURCE: &str = "https://graph.windows.net";

/// Whether `aud` names the Partner Center API.
pub fn is_partner_center_audience(aud: &str) -> bool {
    let aud = aud.trim_end_matches('/');
    aud.eq_ignore_ascii_case(PARTNER_CENTER_RESOURCE)
        || aud.eq_ignore_ascii_case(PARTNER_CENTER_APP_ID)
}

/// Whether `aud` is the retired Azure AD Graph audience.
pub fn is_retired_audience(aud: &str) -> bool {
    aud.trim_end_matches('/')
        .eq_ignore_ascii_case(RETIRED_GRAPH_RESOURCE)
}

/// The issuer of access tokens for a tenant (v1 token format, which Partner Center accepts
/// from both the v1 and the v2 endpoints).
pub fn issuer(tenant_id: &str) -> String {
    format!("https://sts.windows.net/{tenant_id}/")
}
