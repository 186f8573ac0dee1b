//! A customer's users as partnerd keeps them: one customer record
//! (`RecordKind::CustomerUser`, key `directory`) holding every user with its password hash and
//! directory roles.
//!
//! One record, so that every change is one compare-and-swap of the whole directory: two
//! requests can never both take a sign-in name, and a change that loses a race is simply run
//! again on what won. It is a customer record, so it goes with its customer (sandbox DELETE,
//! partner reset) on every backend, and export carries it. A test tenant's hundreds of users
//! make a record of tens of kilobytes.
//!
//! The admin user `POST /v1/customers` answers credentials for is in every directory from the
//! start: until the first change writes the record, reads answer it from the customer, under
//! an id derived from the customer's, so every node answers the same one.

use partnerd_store::{CustomerId, CustomerRecord, CustomerView, RecordKind, TenantId};
use partnerd_wire::{CustomerUser, ResourceAttributes, ResourceLinks, UserDomainType, UserState};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long a deleted user can be restored, in seconds.
pub const RESTORE_WINDOW_SECS: i64 = 30 * 24 * 3600;

/// The Global Administrator role's template id, which the customer's admin holds.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredUser {
    /// Object id.
    pub id: String,
    /// Sign-in name, as given.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: String,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Usage location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    /// Immutable id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable_id: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The argon2id hash of the password; `None` for the customer's admin, whose password
    /// is kept with the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// Whether the password must be changed at the next sign-in.
    #[serde(default)]
    pub force_change_password: bool,
    /// `active` or `inactive`.
    pub state: UserState,
    /// When it was deleted (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
    /// When it was made (Unix milliseconds): the list's order.
    pub created_ms: i64,
    /// The template ids of the directory roles it holds.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl StoredUser {
    /// Whether it was deleted more than 30 days ago: gone for good.
    pub fn purged(&self, now: i64) -> bool {
        self.deleted_at
            .is_some_and(|at| now >= at.saturating_add(RESTORE_WINDOW_SECS))
    }

    /// The user as answered (never its password).
    pub fn view(&self, customer: &CustomerId) -> CustomerUser {
        CustomerUser {
            id: Some(self.id.clone()),
            user_principal_name: Some(self.user_principal_name.clone()),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            display_name: Some(self.display_name.clone()),
            usage_location: self.usage_location.clone(),
            immutable_id: self.immutable_id.clone(),
            phone_number: self.phone_number.clone(),
            password_profile: None,
            last_directory_sync_time: None,
            user_domain_type: Some(UserDomainType::None),
            state: Some(self.state),
            soft_deletion_time: self.deleted_at.map(crate::clock::iso_timestamp),
            links: Some(ResourceLinks::to_self(format!(
                "/customers/{customer}/users/{}",
                self.id
            ))),
            attributes: Some(ResourceAttributes::of("CustomerUser")),
        }
    }
}

/// A GUID made from text: the same text, the same GUID, on every node.
fn derived_guid(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    // Version 8 (custom) and the RFC 4122 variant, so it reads as a GUID anywhere.
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

/// The object id of the customer's admin user.
pub fn admin_id(customer: &CustomerId) -> String {
    derived_guid(&format!("partnerd customer admin {customer}"))
}

/// The admin user `POST /v1/customers` made: `admin@` the customer's first domain, a Global
/// Administrator, first in creation order.
fn admin(view: &CustomerView) -> StoredUser {
    StoredUser {
        id: admin_id(&view.id),
        user_principal_name: format!("admin@{}", view.domain),
        display_name: "admin".to_owned(),
        first_name: None,
        last_name: None,
        usage_location: view
            .company
            .address
            .as_ref()
            .and_then(|a| a.country.clone()),
        immutable_id: None,
        phone_number: None,
        password_hash: None,
        force_change_password: false,
        state: UserState::Active,
        deleted_at: None,
        created_ms: 0,
        roles: vec![GLOBAL_ADMINISTRATOR.to_owned()],
    }
}

/// The key of the directory record.
const KEY: &str = "directory";

/// How many times a change is run again after losing a race before it gives up.
const ATTEMPTS: usize = 16;

/// The stored directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Directory {
    users: Vec<StoredUser>,
}

/// The directory as stored (its record, the compare-and-swap's expected value), or as it is
/// before anything was written: the admin alone.
async fn load(
    state: &AppState,
    view: &CustomerView,
) -> ApiResult<(Option<CustomerRecord>, Vec<StoredUser>)> {
    let record = state
        .store
        .customer_records(&view.id, RecordKind::CustomerUser)
        .await?
        .into_iter()
        .find(|r| r.key == KEY);
    let users = match &record {
        Some(r) => r.read::<Directory>()?.users,
        None => vec![admin(view)],
    };
    Ok((record, users))
}

/// Every user of the customer not yet purged, deleted ones included, in creation order.
pub async fn users(state: &AppState, view: &CustomerView) -> ApiResult<Vec<StoredUser>> {
    let now = state.clock.now_secs();
    let (_, mut users) = load(state, view).await?;
    users.retain(|u| !u.purged(now));
    users.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
    Ok(users)
}

/// The user with this object id, deleted or not (but not purged); 404/3000 when none.
pub async fn find(state: &AppState, view: &CustomerView, user_id: &str) -> ApiResult<StoredUser> {
    users(state, view)
        .await?
        .into_iter()
        .find(|u| u.id.eq_ignore_ascii_case(user_id))
        .ok_or_else(|| ApiError::user_not_found(user_id))
}

/// The active user with this object id; 404/3000 when none (deleted users included).
pub async fn find_active(
    state: &AppState,
    view: &CustomerView,
    user_id: &str,
) -> ApiResult<StoredUser> {
    let user = find(state, view, user_id).await?;
    if user.state == UserState::Active {
        Ok(user)
    } else {
        Err(ApiError::user_not_found(user_id))
    }
}

/// The position of the user with this id (not purged) in `users`; 404/3000 when none.
pub fn position(users: &[StoredUser], user_id: &str) -> ApiResult<usize> {
    users
        .iter()
        .position(|u| u.id.eq_ignore_ascii_case(user_id))
        .ok_or_else(|| ApiError::user_not_found(user_id))
}

/// 409/990001 when a user other than `user_id` (active, or deleted and still restorable)
/// holds the sign-in name, ignoring case.
pub fn name_free(users: &[StoredUser], upn: &str, user_id: &str) -> ApiResult<()> {
    if users
        .iter()
        .any(|u| u.id != user_id && u.user_principal_name.eq_ignore_ascii_case(upn))
    {
        Err(ApiError::user_name_taken(upn))
    } else {
        Ok(())
    }
}

/// Runs `change` on the customer's users (purged ones already gone) and writes the result
/// with a compare-and-swap, `partner` writing; a change that loses a race runs again on the
/// directory that won. What `change` refuses is answered as it refuses it, nothing written.
pub async fn change<T>(
    state: &AppState,
    view: &CustomerView,
    partner: &TenantId,
    change: impl Fn(&mut Vec<StoredUser>) -> ApiResult<T>,
) -> ApiResult<T> {
    for _ in 0..ATTEMPTS {
        let now = state.clock.now_secs();
        let (stored, mut users) = load(state, view).await?;
        users.retain(|u| !u.purged(now));
        let answer = change(&mut users)?;
        let record = CustomerRecord::of(
            RecordKind::CustomerUser,
            KEY,
            stored
                .as_ref()
                .map_or_else(|| partner.clone(), |r| r.partner_id.clone()),
            &Directory { users },
        )?;
        let written = match stored {
            Some(old) => {
                state
                    .store
                    .put_customer_record(&view.id, record, Some(old.body))
                    .await?
            }
            None => {
                state
                    .store
                    .insert_customer_record(&view.id, record, None)
                    .await?
            }
        };
        if written {
            return Ok(answer);
        }
    }
    Err(ApiError::unavailable(
        "The customer's users are changing too fast to write; try again.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admins_id_is_a_guid_fixed_by_the_customer() {
        let c = CustomerId::random();
        let id = admin_id(&c);
        assert_eq!(id, admin_id(&c));
        assert_ne!(id, admin_id(&CustomerId::random()));
        assert!(partnerd_store::canonical_guid(&id).is_some(), "{id}");
    }

    #[test]
    fn a_user_is_purged_thirty_days_after_its_deletion() {
        let mut u = StoredUser {
            id: "x".into(),
            user_principal_name: "a@b".into(),
            display_name: "a".into(),
            first_name: None,
            last_name: None,
            usage_location: None,
            immutable_id: None,
            phone_number: None,
            password_hash: None,
            force_change_password: false,
            state: UserState::Inactive,
            deleted_at: Some(1000),
            created_ms: 0,
            roles: Vec::new(),
        };
        assert!(!u.purged(1000 + RESTORE_WINDOW_SECS - 1));
        assert!(u.purged(1000 + RESTORE_WINDOW_SECS));
        u.deleted_at = None;
        assert!(!u.purged(i64::MAX));
    }
}
