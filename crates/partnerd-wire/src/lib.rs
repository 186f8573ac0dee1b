//! The Partner Center customer-accounts resources as they travel on the wire.
//!
//! These types are shared by the partnerd server and its Rust SDK. Output is always camelCase
//! with nulls omitted and enums in lower snake case. Input is decoded leniently through
//! [`decode`]: property names in any casing, enums in any of the spellings real clients send,
//! explicit nulls and empty optional text read as "not given", unknown properties ignored, a
//! property given twice (in any casing) refused.
//!
//! XML ([`xml`]) and form ([`form`]) bodies are read into the same JSON tree first, so every
//! rule holds the same for every format; [`to_xml`] writes the XML shape of a response.

#![warn(missing_docs)]

pub mod agreement;
pub mod collection;
pub mod customer;
pub mod decode;
pub mod domain;
pub mod enums;
pub mod fault;
pub mod filter;
#[cfg(test)]
mod fixtures;
pub mod form;
pub mod managed;
pub mod names;
pub mod qualification;
pub mod relationship;
pub mod resource;
pub mod security;
mod strict;
pub mod subscription;
pub mod user;
pub mod validation;
pub mod xml;

pub use agreement::{Agreement, AgreementDocument, AgreementMetaData, Contact, DirectSignStatus};
pub use collection::ResourceCollection;
pub use customer::{
    Address, Customer, CustomerBillingProfile, CustomerCompanyProfile, UserCredentials,
};
pub use decode::{decode_json, decode_value, parse_json, DecodeError};
pub use domain::{Domain, DomainFederationSettings, VerifiedDomain};
pub use enums::{
    AuthenticationProtocol, CustomerPartnerRelationship, DomainAuthenticationType,
    DomainCapability, DomainStatus, DomainVerificationMethod, EducationSegment,
    PartnerRelationshipType, PromptLoginBehavior, Qualification, UserDomainType, UserState,
    VettingStatus,
};
pub use fault::ApiFault;
pub use filter::{
    CustomerFilter, CustomerSearchField, FilterError, RelationshipFilter, UserFilter,
};
pub use form::from_form;
pub use managed::{ManagedService, ManagedServiceLinks};
pub use qualification::{
    CustomerQualification, CustomerQualificationRequest, GccValidationRelationship, ValidationCode,
};
pub use relationship::{PartnerRelationship, RelationshipRequest};
pub use resource::{KeyValuePair, Link, ResourceAttributes, ResourceLinks};
pub use security::{
    ApplicationMfaAdoptionStatus, Grantor, IncidentMessage, NonMfaCompliantPrincipal,
    PartnerRequest, Permission, SelfServeEntity, SelfServePolicy, ServiceIncidentDetail,
    ServiceIncidents,
};
pub use subscription::{Entitlement, Subscription};
pub use user::{CustomerUser, DirectoryRole, PasswordProfile, UserMember};
pub use validation::{
    AddressValidationResponse, AddressValidationStatus, CountryValidationRules, ValidationStatus,
};
pub use xml::{from_xml, to_xml};
