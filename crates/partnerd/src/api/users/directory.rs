//! A customer's users as partnerd keeps them: one record per user (`RecordKind::CustomerUser`,
//! keyed by object id) with its password hash and directory roles, and one record per
//! sign-in name (`RecordKind::UserName`) naming the user that holds it.
//!
//! Both are customer records, so they go with their customer (sandbox DELETE, partner reset)
//! on every backend, and every write is a compare-and-swap of one record. A name is taken by
//! inserting its record, which only one writer can do. A name record whose user no longer
//! holds the name (renamed, or purged 30 days after deletion) is stale: the next user to want
//! the name replaces it, again by compare-and-swap, so names are never deleted and a crash
//! between the two writes of a create or rename leaves nothing that blocks anyone.
//!
//! The admin user `POST /v1/customers` answers credentials for is materialised the first time
//! anything reads the customer's users, under an id derived from the customer's, so that
//! nodes racing to make it make the same one.

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

/// What a sign-in name's record says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NameHolder {
    user_id: String,
}

/// A user and the record it was read from (the compare-and-swap's expected value).
#[derive(Debug, Clone)]
pub struct Held {
    /// The record as read.
    pub record: CustomerRecord,
    /// Its user.
    pub user: StoredUser,
}

impl StoredUser {
    /// Whether it was deleted more than 30 days ago: gone for good.
    pub fn purged(&self, now: i64) -> bool {
        self.deleted_at
            .is_some_and(|at| now >= at.saturating_add(RESTORE_WINDOW_SECS))
    }

    /// Its record, written by `partner`.
    pub fn record(&self, partner: TenantId) -> ApiResult<CustomerRecord> {
        Ok(CustomerRecord::of(
            RecordKind::CustomerUser,
            self.id.clone(),
            partner,
            self,
        )?)
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
            soft_deletion_time: self.deleted_at.map(rfc3339),
            links: Some(ResourceLinks::to_self(format!(
                "/customers/{customer}/users/{}",
                self.id
            ))),
            attributes: Some(ResourceAttributes::of("CustomerUser")),
        }
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`.
pub fn rfc3339(secs: i64) -> String {
    crate::clock::entra_timestamp(secs).replacen(' ', "T", 1)
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

/// Every user of the customer not yet purged, in creation order (the admin made first if it
/// was never made).
pub async fn users(state: &AppState, view: &CustomerView) -> ApiResult<Vec<Held>> {
    let now = state.clock.now_secs();
    let mut records = state
        .store
        .customer_records(&view.id, RecordKind::CustomerUser)
        .await?;
    let admin_id = admin_id(&view.id);
    if !records.iter().any(|r| r.key == admin_id) {
        let admin = admin(view);
        // The customer's reseller writes it; a racing node may have made it first.
        let owner = view_owner(state, view).await?;
        let record = admin.record(owner.clone())?;
        // A user made under `admin@` meanwhile keeps the name; the admin is made all the same.
        match claim(state, view, &admin.user_principal_name, &admin.id, &owner).await {
            Err(e) if e.status != axum::http::StatusCode::CONFLICT => return Err(e),
            _ => {}
        }
        state
            .store
            .insert_customer_record(&view.id, record, None)
            .await?;
        records = state
            .store
            .customer_records(&view.id, RecordKind::CustomerUser)
            .await?;
    }
    let mut held = Vec::with_capacity(records.len());
    for record in records {
        let user: StoredUser = record.read()?;
        if !user.purged(now) {
            held.push(Held { record, user });
        }
    }
    held.sort_by(|a, b| (a.user.created_ms, &a.user.id).cmp(&(b.user.created_ms, &b.user.id)));
    Ok(held)
}

/// A partner that resells to the customer, to own what partnerd makes on its behalf.
async fn view_owner(state: &AppState, view: &CustomerView) -> ApiResult<TenantId> {
    Ok(state
        .store
        .customer_partners(&view.id)
        .await?
        .into_iter()
        .map(|(p, _)| p.tenant_id)
        .next()
        .unwrap_or_else(|| TenantId::from_stored(String::new())))
}

/// The user with this object id, deleted or not (but not purged); 404/3000 when none.
pub async fn find(state: &AppState, view: &CustomerView, user_id: &str) -> ApiResult<Held> {
    users(state, view)
        .await?
        .into_iter()
        .find(|h| h.user.id.eq_ignore_ascii_case(user_id))
        .ok_or_else(|| ApiError::user_not_found(user_id))
}

/// The active user with this object id; 404/3000 when none (deleted users included).
pub async fn find_active(state: &AppState, view: &CustomerView, user_id: &str) -> ApiResult<Held> {
    let held = find(state, view, user_id).await?;
    if held.user.state == UserState::Active {
        Ok(held)
    } else {
        Err(ApiError::user_not_found(user_id))
    }
}

/// Makes `user_id` the holder of the sign-in name `upn`; 409/990001 when another user (active,
/// or deleted and still restorable) holds it.
pub async fn claim(
    state: &AppState,
    view: &CustomerView,
    upn: &str,
    user_id: &str,
    partner: &TenantId,
) -> ApiResult<()> {
    let key = upn.to_lowercase();
    let mine = CustomerRecord::of(
        RecordKind::UserName,
        key.clone(),
        partner.clone(),
        &NameHolder {
            user_id: user_id.to_owned(),
        },
    )?;
    if state
        .store
        .insert_customer_record(&view.id, mine.clone(), None)
        .await?
    {
        return Ok(());
    }
    let names = state
        .store
        .customer_records(&view.id, RecordKind::UserName)
        .await?;
    let Some(current) = names.into_iter().find(|r| r.key == key) else {
        // Gone since the insert failed: names are never deleted, so this is a race with
        // nothing; try once more.
        return match state
            .store
            .insert_customer_record(&view.id, mine, None)
            .await?
        {
            true => Ok(()),
            false => Err(ApiError::user_name_taken(upn)),
        };
    };
    let holder: NameHolder = current.read()?;
    if holder.user_id == user_id {
        return Ok(());
    }
    let now = state.clock.now_secs();
    let records = state
        .store
        .customer_records(&view.id, RecordKind::CustomerUser)
        .await?;
    let still_held = records
        .iter()
        .filter(|r| r.key == holder.user_id)
        .filter_map(|r| r.read::<StoredUser>().ok())
        .any(|u| !u.purged(now) && u.user_principal_name.eq_ignore_ascii_case(upn));
    if still_held {
        return Err(ApiError::user_name_taken(upn));
    }
    // Stale: the holder was renamed or purged. Take it over, unless someone else just did.
    if state
        .store
        .put_customer_record(&view.id, mine, Some(current.body))
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::user_name_taken(upn))
    }
}

/// Writes a changed user over the one read; 409/990001 when it changed meanwhile (a
/// concurrent write won).
pub async fn replace(
    state: &AppState,
    customer: &CustomerId,
    held: Held,
    next: &StoredUser,
) -> ApiResult<()> {
    let record = next.record(held.record.partner_id.clone())?;
    if state
        .store
        .put_customer_record(customer, record, Some(held.record.body))
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::user_changed(&next.id))
    }
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
