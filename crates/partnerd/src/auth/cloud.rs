//! The clouds partnerd can pose as: the audience its token service mints and its API accepts,
//! and the issuer of access tokens.

use std::fmt;

/// The application id of the "Microsoft Partner Center" resource app; accepted as audience in
/// every cloud.
pub const PARTNER_CENTER_APP_ID: &str = "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd";
/// The retired Azure AD Graph audience some old clients still request.
pub const RETIRED_GRAPH_RESOURCE: &str = "https://graph.windows.net";
/// The Partner Center API resource of the public and US Government clouds.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partnercenter.microsoft.com";

/// A national cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    /// The global cloud (login.microsoftonline.com).
    #[default]
    Public,
    /// Microsoft Cloud for US Government (login.microsoftonline.us).
    UsGov,
    /// Partner Center operated by 21Vianet (login.chinacloudapi.cn).
    China,
}

impl Cloud {
    /// Parses `public`, `usgov` or `china`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "public" => Some(Self::Public),
            "usgov" => Some(Self::UsGov),
            "china" => Some(Self::China),
            _ => None,
        }
    }

    /// The Partner Center API's resource URI: the audience of its tokens.
    pub fn resource(self) -> &'static str {
        match self {
            Self::Public | Self::UsGov => PARTNER_CENTER_RESOURCE,
            Self::China => "https://partner.partnercenterapi.microsoftonline.cn",
        }
    }

    /// The issuer of v1.0 access tokens for a tenant.
    pub fn issuer(self, tenant_id: &str) -> String {
        match self {
            Self::Public => format!("https://sts.windows.net/{tenant_id}/"),
            Self::UsGov => format!("https://login.microsoftonline.us/{tenant_id}/"),
            Self::China => format!("https://sts.chinacloudapi.cn/{tenant_id}/"),
        }
    }

    /// The name Entra's discovery documents give the cloud instance.
    pub fn instance_name(self) -> &'static str {
        match self {
            Self::Public => "microsoftonline.com",
            Self::UsGov => "microsoftonline.us",
            Self::China => "partner.microsoftonline.cn",
        }
    }

    /// Whether `aud` names this cloud's Partner Center API.
    pub fn is_api_audience(self, aud: &str) -> bool {
        let aud = aud.trim_end_matches('/');
        aud.eq_ignore_ascii_case(self.resource()) || aud.eq_ignore_ascii_case(PARTNER_CENTER_APP_ID)
    }

    /// The audience to mint for a requested resource, if it is one this cloud knows.
    pub fn audience_for(self, resource: &str) -> Option<&'static str> {
        let r = resource.trim_end_matches('/');
        if self.is_api_audience(r) {
            Some(self.resource())
        } else if is_retired_audience(r) {
            Some(RETIRED_GRAPH_RESOURCE)
        } else {
            None
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Public => "public",
            Self::UsGov => "usgov",
            Self::China => "china",
        })
    }
}

/// Whether `aud` is the retired Azure AD Graph audience.
pub fn is_retired_audience(aud: &str) -> bool {
    aud.trim_end_matches('/')
        .eq_ignore_ascii_case(RETIRED_GRAPH_RESOURCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clouds_have_their_own_names() {
        assert_eq!(Cloud::parse("USGov"), Some(Cloud::UsGov));
        assert!(
            Cloud::China.is_api_audience("https://partner.partnercenterapi.microsoftonline.cn/")
        );
        assert!(!Cloud::China.is_api_audience(PARTNER_CENTER_RESOURCE));
        assert!(Cloud::Public.is_api_audience(PARTNER_CENTER_APP_ID));
        assert_ne!(Cloud::Public.issuer("t"), Cloud::UsGov.issuer("t"));
        assert_eq!(
            Cloud::Public.audience_for("https://graph.windows.net/"),
            Some(RETIRED_GRAPH_RESOURCE)
        );
        assert_eq!(Cloud::Public.audience_for("https://example.com"), None);
    }
}
