//! A customer's user accounts and the directory roles they hold.

use serde::{Deserialize, Serialize};

use crate::enums::{UserDomainType, UserState};
use crate::resource::{read_only, ResourceAttributes, ResourceLinks};

/// A user account in a customer's tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomerUser {
    /// Object id (set by the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Sign-in name, `name@domain` in one of the customer's domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Two-letter country code where the user's services are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    /// The on-premises identity a synchronised user is matched by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable_id: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The password to set (on create, reset or restore); never answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_profile: Option<PasswordProfile>,
    /// Last directory synchronisation (null: a cloud user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_directory_sync_time: Option<String>,
    /// `none`, `managed` or `federated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_domain_type: Option<UserDomainType>,
    /// `active`, or `inactive` once deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserState>,
    /// When the user was deleted (RFC 3339 UTC): the 30 days to restore it start then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_deletion_time: Option<String>,
    /// Links (read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub links: Option<ResourceLinks>,
    /// Attributes (`CustomerUser`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// A password to set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordProfile {
    /// The password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Whether the user must change it at the next sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_change_password: Option<bool>,
}

/// A directory role of a customer's tenant; `id` is Entra's role template id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRole {
    /// Display name (`Global Administrator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role template id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Attributes (`DirectoryRole`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// A user holding a directory role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserMember {
    /// The user's object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The user's sign-in name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// The role's template id (answered; ignored on input, the path names the role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    /// Attributes (`UserMember`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}
