//! Enumerations, written in lower snake case and read in any spelling real clients use.
//!
//! The .NET SDK writes `microsoft_support`, the Java SDK `microsoftSupport`, hand-written code
//! `MicrosoftSupport`, and some serializers the integer ordinal of the .NET enum. All of them
//! decode to the same value; output is always lower snake case.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Folds an enum spelling to the form every spelling of a member shares.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $ordinal:literal => $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every member, in ordinal order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The lower snake case spelling written on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// The ordinal of the member in the .NET SDK's enum.
            pub fn ordinal(self) -> i64 {
                match self { $($name::$variant => $ordinal,)+ }
            }

            /// Parses any accepted spelling (snake, camel, Pascal, any casing) or an ordinal.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                if let Ok(n) = s.parse::<i64>() {
                    return Self::from_ordinal(n);
                }
                let folded = fold(s);
                Self::ALL.iter().copied().find(|m| fold(m.as_str()) == folded)
            }

            /// The PascalCase spelling (`GovernmentCommunityCloud`), which the newer
            /// operations write.
            pub fn pascal(self) -> String {
                pascal_case(self.as_str())
            }

            /// The member with this .NET ordinal.
            pub fn from_ordinal(n: i64) -> Option<Self> {
                Self::ALL.iter().copied().find(|m| m.ordinal() == n)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(EnumVisitor::<$name>(std::marker::PhantomData))
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_owned()
            }

            fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
                schemars::schema::SchemaObject {
                    instance_type: Some(schemars::schema::InstanceType::String.into()),
                    enum_values: Some(vec![$(serde_json::Value::from($wire),)+]),
                    ..Default::default()
                }
                .into()
            }
        }

        impl LenientEnum for $name {
            const NAME: &'static str = stringify!($name);
            fn parse_str(s: &str) -> Option<Self> { Self::parse(s) }
            fn parse_ordinal(n: i64) -> Option<Self> { Self::from_ordinal(n) }
            fn expected() -> String {
                Self::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

/// `government_community_cloud` → `GovernmentCommunityCloud`.
fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

trait LenientEnum: Sized {
    const NAME: &'static str;
    fn parse_str(s: &str) -> Option<Self>;
    fn parse_ordinal(n: i64) -> Option<Self>;
    fn expected() -> String;
}

struct EnumVisitor<T>(std::marker::PhantomData<T>);

impl<T: LenientEnum> Visitor<'_> for EnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of {} (any casing) or its ordinal", T::expected())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::parse_str(v).ok_or_else(|| {
            E::custom(format!(
                "unknown {} value `{v}`, expected one of {}",
                T::NAME,
                T::expected()
            ))
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::parse_ordinal(v)
            .ok_or_else(|| E::custom(format!("{v} is not an ordinal of {}", T::NAME)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

wire_enum! {
    /// A partner's relationship to a customer (`relationshipToPartner`).
    CustomerPartnerRelationship {
        /// Not set; on input it means "no change".
        Unknown = 0 => "unknown",
        /// The partner resells to the customer.
        Reseller = 1 => "reseller",
        /// The partner advises the customer.
        Advisor = 2 => "advisor",
        /// The partner syndicates to the customer.
        Syndication = 3 => "syndication",
        /// A Microsoft support agent.
        MicrosoftSupport = 4 => "microsoft_support",
        /// No relationship; on a PATCH it removes the reseller relationship.
        None = 5 => "none",
    }
}

wire_enum! {
    /// How one partner relates to another (`relationshipType`).
    PartnerRelationshipType {
        /// No relationship.
        None = 0 => "none",
        /// The described partner is an indirect reseller of the caller.
        IsIndirectResellerOf = 1 => "is_indirect_reseller_of",
        /// The described partner is an indirect provider of the caller.
        IsIndirectCloudSolutionProviderOf = 2 => "is_indirect_cloud_solution_provider_of",
    }
}

wire_enum! {
    /// A customer's qualification: the kind of organisation it was vetted as.
    Qualification {
        /// No qualification.
        None = 0 => "none",
        /// An educational institution.
        Education = 1 => "education",
        /// A non-profit organisation.
        Nonprofit = 2 => "nonprofit",
        /// A US government community cloud customer.
        GovernmentCommunityCloud = 3 => "government_community_cloud",
        /// A state-owned entity.
        StateOwnedEntity = 4 => "state_owned_entity",
    }
}

wire_enum! {
    /// Where Microsoft's review of a qualification stands (`vettingStatus`).
    VettingStatus {
        /// Not reviewed yet.
        InReview = 0 => "in_review",
        /// Approved.
        Approved = 1 => "approved",
        /// Denied (with a `vettingReason`).
        Denied = 2 => "denied",
    }
}

wire_enum! {
    /// The segment of an education customer (`educationSegment`).
    EducationSegment {
        /// Primary and secondary schools.
        K12 = 0 => "k12",
        /// Universities and colleges.
        HigherEducation = 1 => "higher_education",
    }
}

wire_enum! {
    /// How a domain's users sign in (`authenticationType`).
    DomainAuthenticationType {
        /// Entra ID holds the passwords.
        Managed = 0 => "managed",
        /// A federation server signs users in.
        Federated = 1 => "federated",
    }
}

wire_enum! {
    /// What a domain is used for (`capability`).
    DomainCapability {
        /// Nothing.
        None = 0 => "none",
        /// Email.
        Email = 1 => "email",
        /// SharePoint.
        Sharepoint = 2 => "sharepoint",
        /// Skype for Business Online.
        OfficeCommunicationsOnline = 3 => "office_communications_online",
        /// SharePoint's default domain.
        SharepointDefault = 4 => "sharepoint_default",
        /// Full redelegation.
        FullRedelegation = 5 => "full_redelegation",
        /// SharePoint public sites.
        SharePointPublic = 6 => "share_point_public",
        /// Organisational id authentication.
        OrgIdAuthentication = 7 => "org_id_authentication",
        /// Yammer.
        Yammer = 8 => "yammer",
        /// Intune.
        Intune = 9 => "intune",
        /// Everything.
        All = 10 => "all",
    }
}

wire_enum! {
    /// Whether a domain is verified (`status`).
    DomainStatus {
        /// Not verified yet.
        Unverified = 0 => "unverified",
        /// Verified.
        Verified = 1 => "verified",
        /// Being removed.
        PendingDeletion = 2 => "pending_deletion",
    }
}

wire_enum! {
    /// How a domain was verified (`verificationMethod`).
    DomainVerificationMethod {
        /// Not at all.
        None = 0 => "none",
        /// A DNS record.
        DnsRecord = 1 => "dns_record",
        /// An email.
        Email = 2 => "email",
    }
}

wire_enum! {
    /// The protocol of a federated domain (`preferredAuthenticationProtocol`).
    AuthenticationProtocol {
        /// WS-Federation.
        WsFed = 0 => "ws_fed",
        /// SAML-P.
        Samlp = 1 => "samlp",
    }
}

wire_enum! {
    /// How a federated domain handles prompts for fresh sign-in (`promptLoginBehavior`).
    PromptLoginBehavior {
        /// Ask for a fresh password.
        TranslateToFreshPasswordAuth = 0 => "translate_to_fresh_password_auth",
        /// The federation server handles it.
        NativeSupport = 1 => "native_support",
        /// Not supported.
        Disabled = 2 => "disabled",
    }
}

wire_enum! {
    /// Whether a customer's user is active or deleted (`state`).
    UserState {
        /// Signs in.
        Active = 0 => "active",
        /// Deleted: restorable for 30 days, then purged.
        Inactive = 1 => "inactive",
    }
}

wire_enum! {
    /// The kind of domain a customer's user is in (`userDomainType`).
    UserDomainType {
        /// A cloud-only user.
        None = 0 => "none",
        /// A managed domain.
        Managed = 1 => "managed",
        /// A federated domain.
        Federated = 2 => "federated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_decodes_to_the_same_member() {
        for s in [
            "\"microsoft_support\"",
            "\"microsoftSupport\"",
            "\"MicrosoftSupport\"",
            "\"MICROSOFT_SUPPORT\"",
            "4",
        ] {
            let v: CustomerPartnerRelationship = serde_json::from_str(s).unwrap();
            assert_eq!(v, CustomerPartnerRelationship::MicrosoftSupport, "{s}");
        }
        assert_eq!(
            serde_json::to_string(&CustomerPartnerRelationship::MicrosoftSupport).unwrap(),
            "\"microsoft_support\""
        );
    }

    #[test]
    fn pascal_spellings_are_what_the_newer_operations_write() {
        assert_eq!(
            Qualification::GovernmentCommunityCloud.pascal(),
            "GovernmentCommunityCloud"
        );
        assert_eq!(VettingStatus::InReview.pascal(), "InReview");
        assert_eq!(EducationSegment::K12.pascal(), "K12");
        assert_eq!(
            Qualification::parse("GovernmentCommunityCloud"),
            Some(Qualification::GovernmentCommunityCloud)
        );
        assert_eq!(
            Qualification::parse("3"),
            Some(Qualification::GovernmentCommunityCloud)
        );
    }

    #[test]
    fn unknown_spellings_and_ordinals_are_errors() {
        assert!(serde_json::from_str::<CustomerPartnerRelationship>("\"banana\"").is_err());
        assert!(serde_json::from_str::<CustomerPartnerRelationship>("9").is_err());
        assert!(serde_json::from_str::<CustomerPartnerRelationship>("true").is_err());
    }
}
