//! Seek paging of a customer's users and of a role's members, as customers page: `size`
//! (1–500; absent or 0: 500), then `seekOperation=Next` with the `MS-ContinuationToken` header.
//! The token is signed with the same key as customer tokens and bound to its partner, its
//! customer and its list, and carries the query, so a continuation repeats it exactly.

use axum::http::HeaderMap;
use partnerd_store::{CustomerId, TenantId};
use partnerd_wire::{ResourceCollection, ResourceLinks, UserFilter};
use serde::{Deserialize, Serialize};

use crate::api::customers::page_size;
pub use crate::api::customers::paging::ListParams;
use crate::api::customers::paging::{continuation_token, continue_at};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What a list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortField {
    /// Creation order (the default).
    Created,
    /// Display name, ignoring case.
    DisplayName,
    /// Sign-in name, ignoring case.
    UserPrincipalName,
}

/// Where a scan stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    /// Which list: `users`, or `members` and a role id.
    #[serde(rename = "l")]
    pub list: String,
    /// The partner scanning.
    #[serde(rename = "p")]
    pub partner: TenantId,
    /// The customer.
    #[serde(rename = "c")]
    pub customer: String,
    /// Page size.
    #[serde(rename = "s")]
    pub size: u32,
    /// The filter.
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<UserFilter>,
    /// The order.
    #[serde(rename = "o")]
    pub order: SortField,
    /// Descending.
    #[serde(rename = "d", default)]
    pub descending: bool,
    /// The sort key and id of the last item returned.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub after: Option<(String, String)>,
}

/// The scan a request asks for: a continuation, or a first page of `list`.
pub fn scan(
    state: &AppState,
    headers: &HeaderMap,
    params: &ListParams,
    partner: &TenantId,
    customer: &CustomerId,
    list: &str,
    filters: bool,
) -> ApiResult<Scan> {
    if let Some(seek) = params.seek.as_deref().filter(|s| !s.trim().is_empty()) {
        let token = continuation_token(seek, headers, "")?;
        let scan: Scan = state.pages.open_any(token)?;
        if &scan.partner != partner {
            return Err(ApiError::malformed(
                "The continuation token belongs to another partner.",
            ));
        }
        if scan.customer != customer.as_str() || scan.list != list {
            return Err(ApiError::malformed(
                "The continuation token belongs to another list.",
            ));
        }
        return Ok(scan);
    }
    let filter = match params.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(_) if !filters => {
            return Err(ApiError::malformed(
                "Invalid filter: a role's members cannot be filtered.",
            ))
        }
        Some(raw) => Some(UserFilter::parse(raw).map_err(|e| ApiError::malformed(e.0))?),
        None => None,
    };
    let order = match params.sort_field.as_deref().map(str::trim) {
        None | Some("") => SortField::Created,
        Some(f) if f.eq_ignore_ascii_case("displayname") => SortField::DisplayName,
        Some(f) if f.eq_ignore_ascii_case("userprincipalname") => SortField::UserPrincipalName,
        Some(f) => {
            return Err(ApiError::malformed(format!(
                "The sortField '{f}' is not supported; use DisplayName or UserPrincipalName."
            )))
        }
    };
    let descending = match params.sort_direction.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(d) if d.eq_ignore_ascii_case("ascending") || d.eq_ignore_ascii_case("asc") => false,
        Some(d) if d.eq_ignore_ascii_case("descending") || d.eq_ignore_ascii_case("desc") => true,
        Some(d) => {
            return Err(ApiError::malformed(format!(
                "The sortDirection '{d}' is not supported; use Ascending or Descending."
            )))
        }
    };
    Ok(Scan {
        list: list.to_owned(),
        partner: partner.clone(),
        customer: customer.as_str().to_owned(),
        size: page_size(params.size.as_deref())?,
        filter,
        order,
        descending,
        after: None,
    })
}

/// One page of `items` (already filtered), ordered by `key` and id as the scan says, with
/// the next page's token and link when more follow.
pub fn page<T, U>(
    state: &AppState,
    scan: &Scan,
    mut items: Vec<T>,
    key: impl Fn(&T) -> (String, String),
    render: impl Fn(&T) -> U,
    uri: &str,
) -> ResourceCollection<U> {
    items.sort_by_key(&key);
    if scan.descending {
        items.reverse();
    }
    let after = |item: &T| match &scan.after {
        None => true,
        Some(last) if scan.descending => key(item) < *last,
        Some(last) => key(item) > *last,
    };
    let mut rest: Vec<T> = items.into_iter().filter(after).collect();
    let more = rest.len() > scan.size as usize;
    rest.truncate(scan.size as usize);
    let rendered = rest.iter().map(&render).collect();
    let mut collection = ResourceCollection::new(
        rendered,
        ResourceLinks::to_self(format!("{uri}?size={}", scan.size)),
    );
    if let (true, Some(last)) = (more, rest.last()) {
        let token = state.pages.seal_any(&Scan {
            after: Some(key(last)),
            ..scan.clone()
        });
        continue_at(
            &mut collection,
            format!("{uri}?size={}&seekOperation=Next", scan.size),
            token,
        );
    }
    collection
}
