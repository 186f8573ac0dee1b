//! Continuation tokens of customer scans: opaque, signed, bound to partner and query; and
//! what every seek-paged list shares (customers, a customer's users, a role's members): its
//! query parameters, the continuation a request asks for, and the `next` link of a page.
//!
//! A token is `base64url(json state) . base64url(HMAC-SHA256)`. The HMAC key lives in the
//! store, so a token minted by one node continues on any other.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use partnerd_store::{CustomerFilter, KeyStore, StoreError, TenantId};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::http::error::{ApiError, ApiResult};

/// Query parameters of a seek-paged list, matched case-insensitively.
#[derive(Debug, Default)]
pub struct ListParams {
    /// `size`.
    pub size: Option<String>,
    /// `filter`.
    pub filter: Option<String>,
    /// `seekOperation`.
    pub seek: Option<String>,
    /// `sortField`.
    pub sort_field: Option<String>,
    /// `sortDirection`.
    pub sort_direction: Option<String>,
}

impl ListParams {
    /// Reads a raw query string.
    pub fn read(raw: Option<&str>) -> Self {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let slot = match k.to_ascii_lowercase().as_str() {
                "size" => &mut p.size,
                "filter" => &mut p.filter,
                "seekoperation" => &mut p.seek,
                "sortfield" => &mut p.sort_field,
                "sortdirection" => &mut p.sort_direction,
                _ => continue,
            };
            *slot = Some(v.into_owned());
        }
        p
    }
}

/// The `MS-ContinuationToken` a `seekOperation` asks to continue with: `Next` is the only
/// operation (400/800002 naming `what` lists otherwise), and it needs the header.
pub fn continuation_token<'h>(
    seek: &str,
    headers: &'h axum::http::HeaderMap,
    what: &str,
) -> ApiResult<&'h str> {
    if !seek.trim().eq_ignore_ascii_case("next") {
        return Err(ApiError::malformed(format!(
            "The seekOperation '{seek}' is not supported{what}; use Next."
        )));
    }
    headers
        .get("ms-continuationtoken")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            ApiError::malformed("seekOperation=Next needs the MS-ContinuationToken header.")
        })
}

/// Marks a page as having more after it: its `continuationToken`, and a `next` link to `uri`
/// carrying the token as the `MS-ContinuationToken` header.
pub fn continue_at<T>(page: &mut partnerd_wire::ResourceCollection<T>, uri: String, token: String) {
    page.links.next = Some(partnerd_wire::Link {
        uri,
        method: "GET".to_owned(),
        headers: vec![partnerd_wire::KeyValuePair {
            key: "MS-ContinuationToken".to_owned(),
            value: token.clone(),
        }],
    });
    page.continuation_token = Some(token);
}

/// Where a scan stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageState {
    /// The partner scanning.
    #[serde(rename = "p")]
    pub partner: TenantId,
    /// Page size.
    #[serde(rename = "s")]
    pub size: u32,
    /// The search, if any.
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<CustomerFilter>,
    /// The last position returned.
    #[serde(rename = "a")]
    pub after: i64,
}

/// Signs and checks continuation tokens.
pub struct PageSigner {
    key: Vec<u8>,
}

type HmacSha256 = Hmac<Sha256>;

impl PageSigner {
    /// Loads the shared paging key from the store, creating it on first use.
    pub async fn open(store: &dyn KeyStore) -> Result<Self, StoreError> {
        let mut candidate = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut candidate);
        Ok(Self {
            key: store.secret("paging", &candidate).await?,
        })
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC accepts any key length")
    }

    /// The token for a state.
    pub fn seal(&self, state: &PageState) -> String {
        self.seal_any(state)
    }

    /// The token for any scan's state (a user list's, a role's members).
    pub fn seal_any<T: Serialize>(&self, state: &T) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).unwrap_or_default());
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        format!(
            "{body}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    /// The state of a token [`Self::seal_any`] made; 400/800002 if tampered with or not one.
    pub fn open_any<T: serde::de::DeserializeOwned>(&self, token: &str) -> Result<T, ApiError> {
        let invalid = || ApiError::malformed("The continuation token is not valid.");
        let (body, sig) = token.trim().split_once('.').ok_or_else(invalid)?;
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| invalid())?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&sig).map_err(|_| invalid())?;
        URL_SAFE_NO_PAD
            .decode(body)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(invalid)
    }

    /// The state of a token presented by `partner`; 400/800002 if tampered or foreign.
    pub fn open_token(&self, token: &str, partner: &TenantId) -> Result<PageState, ApiError> {
        let state: PageState = self.open_any(token)?;
        if &state.partner != partner {
            return Err(ApiError::malformed(
                "The continuation token belongs to another partner.",
            ));
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> PageSigner {
        PageSigner {
            key: b"k".repeat(32),
        }
    }

    #[test]
    fn tokens_round_trip_and_resist_tampering() {
        let s = signer();
        let (p1, p2) = (TenantId::random(), TenantId::random());
        let state = PageState {
            partner: p1.clone(),
            size: 2,
            filter: Some(CustomerFilter::DomainPrefix("a".into())),
            after: 7,
        };
        let token = s.seal(&state);
        assert_eq!(s.open_token(&token, &p1).unwrap(), state);
        assert!(s.open_token(&token, &p2).is_err());
        let mut tampered = token.clone();
        tampered.insert(3, 'x');
        assert!(s.open_token(&tampered, &p1).is_err());
        assert!(s.open_token("garbage", &p1).is_err());
        let other = PageSigner {
            key: b"z".repeat(32),
        };
        assert!(other.open_token(&token, &p1).is_err());
    }
}
