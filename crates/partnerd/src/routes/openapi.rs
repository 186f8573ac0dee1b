//! The OpenAPI 3 document of the Partner Center routes and the control plane.
//!
//! It cannot drift from the code: the router and this document are built from the same
//! operation table ([`crate::app::operations`]), each entry of which holds an [`Operation`]
//! next to its handler, and every schema is generated from the Rust types that encode the
//! bodies. The token service follows Entra rather than Partner Center, is routed apart, and is
//! not described here. An insta snapshot pins the document; schemathesis checks real answers
//! against it.

use partnerd_wire::{
    ApiFault, Customer, CustomerBillingProfile, CustomerCompanyProfile, PartnerRelationship,
    ResourceCollection,
};
use schemars::gen::{SchemaGenerator, SchemaSettings};
use schemars::schema::Schema;
use serde_json::{json, Map, Value};

use crate::ops::faults::FaultRule;
use crate::ops::journal::JournalEntry;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A partner's bearer token from the token service.
    Partner,
    /// The control plane's admin token.
    Admin,
    /// Anyone.
    Open,
}

/// A body an operation takes or answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// A customer.
    Customer,
    /// A billing profile.
    BillingProfile,
    /// A company profile.
    CompanyProfile,
    /// A page of managed services.
    ManagedServicePage,
    /// A page of subscriptions.
    SubscriptionPage,
    /// A relationship request link.
    RelationshipRequest,
    /// Every recorded invitation.
    Invitations,
    /// An accepted invitation.
    Accepted,
    /// A page of entitlements.
    EntitlementPage,
    /// One subscription.
    Subscription,
    /// A subscription as the control plane takes it (with `partnerId`).
    SubscriptionInput,
    /// Every subscription of a customer, with its partner (control plane).
    SubscriptionRecords,
    /// A customer's qualifications (a bare array).
    Qualifications,
    /// One qualification.
    Qualification,
    /// A qualification request.
    QualificationRequest,
    /// One lower snake qualification string.
    QualificationValue,
    /// A review decision (control plane).
    Review,
    /// A partner's GCC validation codes (a bare array).
    ValidationCodes,
    /// One GCC validation code.
    ValidationCode,
    /// A customer's GCC validation link.
    GccValidation,
    /// A verified-domain request.
    VerifiedDomain,
    /// A domain.
    Domain,
    /// An account validation status.
    ValidationStatus,
    /// An account validation status as the control plane sets it.
    AccountStatus,
    /// An agreement confirmation.
    Agreement,
    /// A page of agreement confirmations.
    AgreementPage,
    /// A page of agreement templates.
    AgreementMetaDataPage,
    /// Links to an agreement document.
    AgreementDocument,
    /// `{"isSigned": …}`.
    DirectSignStatus,
    /// A page of partner requests.
    PartnerRequestPage,
    /// A page of principals without MFA.
    PrincipalPage,
    /// MFA adoption per day and application (a bare array).
    MfaAdoption,
    /// A self-serve policy.
    SelfServePolicy,
    /// A page of self-serve policies.
    SelfServePolicyPage,
    /// A page of service incidents grouped per workload.
    ServiceIncidentsPage,
    /// An incident as the control plane takes it.
    NewIncident,
    /// An incident with the tenants it touches (control plane).
    StoredIncident,
    /// Every incident with the tenants each touches (control plane).
    StoredIncidents,
    /// A JSON integer.
    Integer,
    /// A postal address.
    Address,
    /// A country's validation rules.
    CountryValidationRules,
    /// The answer of address validation.
    AddressValidation,
    /// An address-validation fixture.
    AddressFixture,
    /// Every address-validation fixture.
    AddressFixtures,
    /// A page of customers.
    CustomerPage,
    /// A page of partner relationships.
    RelationshipPage,
    /// A JSON boolean.
    Boolean,
    /// `{"status": …}`.
    Status,
    /// Prometheus text.
    Metrics,
    /// Journal entries.
    Journal,
    /// One fault rule.
    FaultRule,
    /// Every fault rule.
    FaultRules,
    /// `{"tenantId", "deletedCustomers"}`.
    Reset,
    /// A customer's user.
    CustomerUser,
    /// A page of a customer's users.
    CustomerUserPage,
    /// A collection of directory roles.
    DirectoryRolePage,
    /// A user holding a directory role.
    UserMember,
    /// A page of a role's members.
    UserMemberPage,
    /// Every partner with its apps, users and links (control plane).
    Partners,
    /// One partner with its apps, users and links (control plane).
    Partner,
    /// A partner's new credentials, answered once (control plane).
    Credentials,
    /// `{"user": …}`: what a minted token acts for (control plane).
    TokenRequest,
    /// A minted access token (control plane).
    Token,
    /// The active signing keys (control plane).
    SigningKeys,
    /// Requests per second and latency percentiles per route (control plane).
    RecentTraffic,
    /// This document.
    Document,
}

/// A documented operation.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// `get`, `post`, … (lower case, as OpenAPI writes them).
    pub method: &'static str,
    /// The path with `{param}` placeholders.
    pub path: &'static str,
    /// The operationId.
    pub id: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Who may call it.
    pub access: Access,
    /// The request body, if any.
    pub request: Option<Body>,
    /// The success status and its body (`None`: no body).
    pub success: (u16, Option<Body>),
    /// Query parameters (all optional strings).
    pub query: &'static [&'static str],
    /// Request headers the operation reads (all optional strings).
    pub headers: &'static [&'static str],
}

fn schema(gen: &mut SchemaGenerator, body: Body) -> Value {
    let s: Schema = match body {
        Body::Customer => gen.subschema_for::<Customer>(),
        Body::BillingProfile => gen.subschema_for::<CustomerBillingProfile>(),
        Body::CompanyProfile => gen.subschema_for::<CustomerCompanyProfile>(),
        Body::Address => gen.subschema_for::<partnerd_wire::Address>(),
        Body::RelationshipRequest => gen.subschema_for::<partnerd_wire::RelationshipRequest>(),
        Body::Invitations => gen.subschema_for::<Vec<crate::ops::invitations::Invitation>>(),
        Body::Accepted => {
            return json!({"type": "object", "required": ["invitationId", "partnerId", "customerId"],
                "properties": {"invitationId": {"type": "string"}, "partnerId": {"type": "string"},
                    "customerId": {"type": "string"}, "newRelationship": {"type": "boolean"}}})
        }
        Body::SubscriptionPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::Subscription>>()
        }
        Body::EntitlementPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::Entitlement>>()
        }
        Body::Subscription => gen.subschema_for::<partnerd_wire::Subscription>(),
        Body::SubscriptionInput => {
            let mut s = schema(gen, Body::Subscription);
            if let Some(props) = s.pointer_mut("/properties").and_then(Value::as_object_mut) {
                props.insert("partnerId".into(), json!({"type": "string", "description": "The owning partner; needed when several partners resell to the customer."}));
            }
            return s;
        }
        Body::SubscriptionRecords => {
            return json!({"type": "array", "items": {"type": "object", "required": ["partnerId", "subscription"],
                "properties": {"partnerId": {"type": "string"}, "subscription": schema(gen, Body::Subscription)}}})
        }
        Body::Qualifications => gen.subschema_for::<Vec<partnerd_wire::CustomerQualification>>(),
        Body::Qualification => gen.subschema_for::<partnerd_wire::CustomerQualification>(),
        Body::QualificationRequest => {
            gen.subschema_for::<partnerd_wire::CustomerQualificationRequest>()
        }
        Body::QualificationValue => gen.subschema_for::<partnerd_wire::Qualification>(),
        Body::Review => {
            return json!({"type": "object", "required": ["decision"], "properties": {
                "decision": {"type": "string", "enum": ["InReview", "Approved", "Denied"]},
                "reason": {"type": "string"}}})
        }
        Body::ValidationCodes => gen.subschema_for::<Vec<partnerd_wire::ValidationCode>>(),
        Body::ValidationCode => gen.subschema_for::<partnerd_wire::ValidationCode>(),
        Body::GccValidation => gen.subschema_for::<partnerd_wire::GccValidationRelationship>(),
        Body::VerifiedDomain => gen.subschema_for::<partnerd_wire::VerifiedDomain>(),
        Body::Domain => gen.subschema_for::<partnerd_wire::Domain>(),
        Body::ValidationStatus => gen.subschema_for::<partnerd_wire::ValidationStatus>(),
        Body::AccountStatus => {
            return json!({"type": "object", "required": ["status"], "properties": {
                "status": {"type": "string", "enum": ["Allowed", "UnderReview", "NotAllowed", "Unknown", "Not Ready"]}}})
        }
        Body::Agreement => gen.subschema_for::<partnerd_wire::Agreement>(),
        Body::AgreementPage => gen.subschema_for::<ResourceCollection<partnerd_wire::Agreement>>(),
        Body::AgreementMetaDataPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::AgreementMetaData>>()
        }
        Body::AgreementDocument => gen.subschema_for::<partnerd_wire::AgreementDocument>(),
        Body::DirectSignStatus => gen.subschema_for::<partnerd_wire::DirectSignStatus>(),
        Body::PartnerRequestPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::PartnerRequest>>()
        }
        Body::PrincipalPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::NonMfaCompliantPrincipal>>()
        }
        Body::MfaAdoption => {
            gen.subschema_for::<Vec<partnerd_wire::ApplicationMfaAdoptionStatus>>()
        }
        Body::SelfServePolicy => gen.subschema_for::<partnerd_wire::SelfServePolicy>(),
        Body::SelfServePolicyPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::SelfServePolicy>>()
        }
        Body::ServiceIncidentsPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::ServiceIncidents>>()
        }
        Body::NewIncident => gen.subschema_for::<crate::control::incidents::NewIncident>(),
        Body::StoredIncident => gen.subschema_for::<crate::api::incidents::StoredIncident>(),
        Body::StoredIncidents => gen.subschema_for::<Vec<crate::api::incidents::StoredIncident>>(),
        Body::Integer => gen.subschema_for::<u64>(),
        Body::ManagedServicePage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::ManagedService>>()
        }
        Body::CountryValidationRules => {
            gen.subschema_for::<partnerd_wire::CountryValidationRules>()
        }
        Body::AddressValidation => gen.subschema_for::<partnerd_wire::AddressValidationResponse>(),
        Body::AddressFixture => gen.subschema_for::<crate::ops::fixtures::AddressFixture>(),
        Body::AddressFixtures => gen.subschema_for::<Vec<crate::ops::fixtures::AddressFixture>>(),
        Body::CustomerPage => gen.subschema_for::<ResourceCollection<Customer>>(),
        Body::RelationshipPage => gen.subschema_for::<ResourceCollection<PartnerRelationship>>(),
        Body::Boolean => gen.subschema_for::<bool>(),
        Body::Journal => gen.subschema_for::<Vec<JournalEntry>>(),
        Body::FaultRule => gen.subschema_for::<FaultRule>(),
        Body::FaultRules => gen.subschema_for::<Vec<FaultRule>>(),
        Body::Status => {
            return json!({"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}})
        }
        Body::Reset => {
            return json!({"type": "object", "required": ["tenantId", "deletedCustomers"],
                "properties": {"tenantId": {"type": "string"}, "deletedCustomers": {"type": "integer", "minimum": 0}}})
        }
        Body::CustomerUser => gen.subschema_for::<partnerd_wire::CustomerUser>(),
        Body::CustomerUserPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::CustomerUser>>()
        }
        Body::DirectoryRolePage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::DirectoryRole>>()
        }
        Body::UserMember => gen.subschema_for::<partnerd_wire::UserMember>(),
        Body::UserMemberPage => {
            gen.subschema_for::<ResourceCollection<partnerd_wire::UserMember>>()
        }
        Body::Partners => gen.subschema_for::<Vec<crate::control::partners::PartnerDetails>>(),
        Body::Partner => gen.subschema_for::<crate::control::partners::PartnerDetails>(),
        Body::Credentials => gen.subschema_for::<crate::identity::ResetCredentials>(),
        Body::TokenRequest => {
            return json!({"type": "object", "properties": {"user": {"type": "boolean"}}})
        }
        Body::Token => gen.subschema_for::<crate::control::partners::MintedToken>(),
        Body::SigningKeys => gen.subschema_for::<Vec<crate::control::keys::KeySummary>>(),
        Body::RecentTraffic => gen.subschema_for::<crate::ops::recent::RecentTraffic>(),
        Body::Metrics => return json!({"type": "string"}),
        Body::Document => return json!({"type": "object"}),
    };
    serde_json::to_value(s).unwrap_or(Value::Null)
}

fn media(body: Body) -> &'static str {
    match body {
        Body::Metrics => "application/openmetrics-text",
        _ => "application/json",
    }
}

fn params(op: &Operation) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = op.path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        let name = &rest[start + 1..end];
        out.push(
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
        );
        rest = &rest[end..];
    }
    for q in op.query {
        out.push(
            json!({"name": q, "in": "query", "required": false, "schema": {"type": "string"}}),
        );
    }
    for h in op.headers {
        out.push(
            json!({"name": h, "in": "header", "required": false, "schema": {"type": "string"}}),
        );
    }
    out
}

/// The document for these operations.
pub fn document(operations: &[Operation]) -> Value {
    let mut gen = SchemaSettings::openapi3().into_generator();
    let fault = serde_json::to_value(gen.subschema_for::<ApiFault>()).unwrap_or(Value::Null);
    let mut paths = Map::new();
    for op in operations {
        let mut operation = Map::new();
        operation.insert("operationId".into(), json!(op.id));
        operation.insert("summary".into(), json!(op.summary));
        let p = params(op);
        if !p.is_empty() {
            operation.insert("parameters".into(), Value::Array(p));
        }
        if let Some(body) = op.request {
            let s = schema(&mut gen, body);
            operation.insert(
                "requestBody".into(),
                json!({"required": true, "content": {media(body): {"schema": s}}}),
            );
        }
        let (status, body) = op.success;
        let success = match body {
            Some(b) => {
                let s = schema(&mut gen, b);
                json!({"description": "Success", "content": {media(b): {"schema": s}}})
            }
            None => json!({"description": "Success, no body"}),
        };
        let mut responses = Map::new();
        responses.insert(status.to_string(), success);
        if op.method == "head" {
            responses.insert("404".into(), json!({"description": "Not found, no body"}));
        }
        responses.insert(
            "default".into(),
            json!({"description": "A Partner Center error", "content": {"application/json": {"schema": fault.clone()}}}),
        );
        operation.insert("responses".into(), Value::Object(responses));
        match op.access {
            Access::Partner => {
                operation.insert("security".into(), json!([{"partner": []}]));
            }
            Access::Admin => {
                operation.insert("security".into(), json!([{"admin": []}]));
            }
            Access::Open => {
                operation.insert("security".into(), json!([]));
            }
        }
        let entry = paths
            .entry(op.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = entry {
            map.insert(op.method.to_owned(), Value::Object(operation));
        }
    }
    let definitions: Map<String, Value> = gen
        .definitions()
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "partnerd: Partner Center customer accounts",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A self-hosted, wire-compatible implementation of Partner Center's customer-accounts API, with partnerd's control plane."
        },
        "paths": Value::Object(paths),
        "components": {
            "schemas": Value::Object(definitions),
            "securitySchemes": {
                "partner": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "An access token from partnerd's token service (POST /{tenant}/oauth2/token)."},
                "admin": {"type": "http", "scheme": "bearer",
                    "description": "The control plane's admin token."}
            }
        }
    })
}
