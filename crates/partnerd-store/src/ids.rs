//! Typed ids: what the store keys on, parsed once at the edge and never confused with one
//! another or with free text.
//!
//! Tenant ids (partners' and customers') and object ids are GUIDs: [`TenantId::parse`] and its
//! siblings accept any casing and surrounding whitespace and keep the canonical form (lower
//! case, hyphenated), so every comparison further in is a plain string comparison. Values read
//! back from a backend were canonical when written and are taken as they are
//! ([`TenantId::from_stored`]); both backends bind and read them as text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A value that is not a GUID where one is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a GUID")]
pub struct NotAGuid;

/// The canonical form of a GUID (lower case, hyphenated), if `raw` is one.
pub fn canonical_guid(raw: &str) -> Option<String> {
    uuid::Uuid::parse_str(raw.trim())
        .ok()
        .map(|u| u.hyphenated().to_string())
}

macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses a GUID in any casing, keeping its canonical form.
            pub fn parse(raw: &str) -> Result<Self, NotAGuid> {
                canonical_guid(raw).map(Self).ok_or(NotAGuid)
            }

            /// A new random id.
            pub fn random() -> Self {
                Self(uuid::Uuid::new_v4().hyphenated().to_string())
            }

            /// An id as a backend returns it: it was canonical when it was written.
            pub fn from_stored(stored: String) -> Self {
                Self(stored)
            }

            /// The canonical text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The canonical text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = NotAGuid;

            fn from_str(s: &str) -> Result<Self, NotAGuid> {
                Self::parse(s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                String::column_result(value).map(Self)
            }
        }

        #[cfg(feature = "postgres")]
        impl tokio_postgres::types::ToSql for $name {
            fn to_sql(
                &self,
                ty: &tokio_postgres::types::Type,
                out: &mut tokio_postgres::types::private::BytesMut,
            ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
            {
                self.0.to_sql(ty, out)
            }

            fn accepts(ty: &tokio_postgres::types::Type) -> bool {
                <String as tokio_postgres::types::ToSql>::accepts(ty)
            }

            tokio_postgres::types::to_sql_checked!();
        }

        #[cfg(feature = "postgres")]
        impl<'a> tokio_postgres::types::FromSql<'a> for $name {
            fn from_sql(
                ty: &tokio_postgres::types::Type,
                raw: &'a [u8],
            ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
                String::from_sql(ty, raw).map(Self)
            }

            fn accepts(ty: &tokio_postgres::types::Type) -> bool {
                <String as tokio_postgres::types::FromSql>::accepts(ty)
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

guid_id!(
    /// A partner's tenant id.
    TenantId
);
guid_id!(
    /// A customer's tenant id.
    CustomerId
);
guid_id!(
    /// An app registration's client (application) id.
    ClientId
);
guid_id!(
    /// A user's object id.
    UserId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_kept_canonical() {
        let id = TenantId::parse(" 8B3E1F0A-7C2D-4E5F-9A1B-2C3D4E5F6A7B ").unwrap();
        assert_eq!(id.as_str(), "8b3e1f0a-7c2d-4e5f-9a1b-2c3d4e5f6a7b");
        assert_eq!(
            CustomerId::parse("8b3e1f0a7c2d4e5f9a1b2c3d4e5f6a7b").unwrap(),
            "8b3e1f0a-7c2d-4e5f-9a1b-2c3d4e5f6a7b"
        );
        assert_eq!(TenantId::parse("contoso"), Err(NotAGuid));
        assert_eq!(TenantId::parse(""), Err(NotAGuid));
        let random = ClientId::random();
        assert_eq!(ClientId::parse(&random).unwrap(), random);
    }
}
