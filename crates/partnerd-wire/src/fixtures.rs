//! Fully populated values of every wire type, for the tests of this crate.

use crate::*;

/// An address with every property set, each to a value naming it after `tag`.
pub(crate) fn full_address(tag: &str) -> Address {
    let s = |name: &str| Some(format!("{tag}-{name}"));
    Address {
        id: s("id"),
        country: Some("US".to_owned()),
        region: s("region"),
        city: s("city"),
        state: Some("WA".to_owned()),
        district: s("district"),
        address_line1: s("line1"),
        address_line2: s("line2"),
        address_line3: s("line3"),
        postal_code: Some("98052".to_owned()),
        first_name: s("first"),
        middle_name: s("middle"),
        last_name: s("last"),
        email_address: Some(format!("{tag}@contoso.example")),
        phone_number: Some("+1 425 555 0100".to_owned()),
    }
}

/// Links with `self`, `next` (with a continuation header) and `previous`.
pub(crate) fn full_links(base: &str) -> ResourceLinks {
    ResourceLinks {
        self_link: Some(Link::get(base)),
        next: Some(Link {
            uri: format!("{base}?size=2&seekOperation=Next"),
            method: "GET".into(),
            headers: vec![
                KeyValuePair {
                    key: "MS-ContinuationToken".into(),
                    value: "tok<&>\"'en".into(),
                },
                KeyValuePair {
                    key: "X-Other".into(),
                    value: "v".into(),
                },
            ],
        }),
        previous: Some(Link::get(format!("{base}?previous"))),
    }
}

/// A company profile with every property set.
pub(crate) fn full_company_profile() -> CustomerCompanyProfile {
    CustomerCompanyProfile {
        tenant_id: Some("8b4a6b6c-0f5e-4f3a-9d3e-5a1c2b3d4e5f".into()),
        domain: Some("contoso.onmicrosoft.com".into()),
        company_name: Some("Contoso & Sons <Ltd>".into()),
        address: Some(full_address("company")),
        email: Some("admin@contoso.example".into()),
        organization_registration_number: Some("123456789".into()),
        links: Some(full_links("/customers/8b4a/profiles/company")),
        attributes: Some(ResourceAttributes::of("CustomerCompanyProfile")),
    }
}

/// A billing profile with every property set.
pub(crate) fn full_billing_profile() -> CustomerBillingProfile {
    CustomerBillingProfile {
        id: Some("c6a3e1f2-1111-2222-3333-444455556666".into()),
        first_name: Some("Zoë".into()),
        last_name: Some("Ångström".into()),
        email: Some("billing@contoso.example".into()),
        culture: Some("en-US".into()),
        language: Some("en".into()),
        company_name: Some("Contoso".into()),
        default_address: Some(full_address("billing")),
        links: Some(ResourceLinks::to_self("/customers/8b4a/profiles/billing")),
        attributes: Some(ResourceAttributes::with_etag(
            "CustomerBillingProfile",
            "-4611686018427387904",
        )),
    }
}

/// A customer with every property set.
pub(crate) fn full_customer() -> Customer {
    Customer {
        id: Some("8b4a6b6c-0f5e-4f3a-9d3e-5a1c2b3d4e5f".into()),
        commerce_id: Some("commerce-1".into()),
        company_profile: Some(full_company_profile()),
        billing_profile: Some(full_billing_profile()),
        relationship_to_partner: Some(CustomerPartnerRelationship::MicrosoftSupport),
        allow_delegated_access: Some(false),
        user_credentials: Some(UserCredentials {
            user_name: Some("admin".into()),
            password: Some("p&ss<w>rd\"'1234567".into()),
        }),
        custom_domains: Some(vec![
            "contoso.onmicrosoft.com".into(),
            "contoso.example".into(),
        ]),
        associated_partner_id: Some("a1b2c3d4-0000-0000-0000-000000000001".into()),
        links: Some(full_links("/customers/8b4a")),
        attributes: Some(ResourceAttributes::of("Customer")),
    }
}

/// A page of two customers with a continuation token and a `next` link.
pub(crate) fn full_page() -> ResourceCollection<Customer> {
    let mut second = full_customer();
    second.id = Some("second".into());
    second.custom_domains = Some(vec!["only.onmicrosoft.com".into()]);
    let mut page = ResourceCollection::new(vec![full_customer(), second], full_links("/customers"));
    page.continuation_token = Some("opaque+token/with=chars&more".into());
    page
}

/// A partner relationship with every property set.
pub(crate) fn full_relationship() -> PartnerRelationship {
    PartnerRelationship {
        id: "a1b2c3d4-0000-0000-0000-000000000001".into(),
        name: Some("Fabrikam Reseller".into()),
        relationship_type: PartnerRelationshipType::IsIndirectResellerOf,
        state: Some("Active".into()),
        location: Some("US".into()),
        mpn_id: Some("1234567".into()),
        attributes: Some(ResourceAttributes::of("PartnerRelationship")),
    }
}

/// A fault with data lines.
pub(crate) fn full_fault() -> ApiFault {
    ApiFault::new(
        27002,
        "Property has invalid data: <email> & more",
        vec![
            "property_name: billingProfile.email - not an e-mail address".into(),
            "correlation: 1".into(),
        ],
    )
}

/// An address-validation answer with every property set.
pub(crate) fn full_validation() -> crate::AddressValidationResponse {
    crate::AddressValidationResponse {
        original_address: full_address("original"),
        suggested_addresses: vec![full_address("first"), full_address("second")],
        status: crate::AddressValidationStatus::Multiple,
        validation_message: Some("Choose one.".into()),
    }
}

/// A federated verified domain with every property set.
pub(crate) fn full_verified_domain() -> crate::VerifiedDomain {
    use crate::enums::*;
    let s = || Some("x".to_owned());
    crate::VerifiedDomain {
        verified_domain_name: "x".into(),
        domain: crate::Domain {
            name: s(),
            capability: DomainCapability::Email,
            authentication_type: DomainAuthenticationType::Federated,
            status: DomainStatus::Verified,
            verification_method: DomainVerificationMethod::DnsRecord,
            is_default: Some(false),
            is_initial: Some(false),
            root_domain: s(),
        },
        domain_federation_settings: Some(crate::DomainFederationSettings {
            issuer_uri: "x".into(),
            log_off_uri: "x".into(),
            passive_log_on_uri: "x".into(),
            preferred_authentication_protocol: AuthenticationProtocol::WsFed,
            prompt_login_behavior: PromptLoginBehavior::NativeSupport,
            signing_certificate: "x".into(),
            active_log_on_uri: s(),
            metadata_exchange_uri: s(),
            next_signing_certificate: s(),
            open_id_connect_discovery_endpoint: s(),
            federation_brand_name: s(),
            default_interactive_authentication_method: s(),
            supports_mfa: Some(true),
        }),
    }
}

/// A qualification request with every property set.
pub(crate) fn full_qualification_request() -> crate::CustomerQualificationRequest {
    crate::CustomerQualificationRequest {
        qualification: crate::Qualification::Education,
        education_segment: Some(crate::EducationSegment::K12),
        validation_code: Some("x".into()),
        website: Some("x".into()),
    }
}

/// A subscription with every writable property set.
pub(crate) fn full_subscription() -> crate::Subscription {
    let s = || Some("x".to_owned());
    crate::Subscription {
        id: "x".into(),
        offer_id: s(),
        offer_name: s(),
        friendly_name: s(),
        quantity: Some(1),
        status: Some("active".into()),
        auto_renew_enabled: Some(true),
        billing_cycle: s(),
        creation_date: s(),
        commitment_end_date: s(),
        links: None,
        attributes: None,
    }
}

/// An agreement confirmation with every writable property set.
pub(crate) fn full_agreement() -> crate::Agreement {
    let s = || Some("x".to_owned());
    crate::Agreement {
        user_id: s(),
        primary_contact: Some(crate::Contact {
            first_name: s(),
            last_name: s(),
            email: s(),
            phone_number: s(),
        }),
        template_id: s(),
        date_agreed: s(),
        agreement_type: s(),
        agreement_link: s(),
        attributes: None,
    }
}

/// A customer's user with every property set.
pub(crate) fn full_user() -> crate::CustomerUser {
    let s = || Some("x".to_owned());
    crate::CustomerUser {
        id: s(),
        user_principal_name: s(),
        first_name: s(),
        last_name: s(),
        display_name: s(),
        usage_location: s(),
        immutable_id: s(),
        phone_number: s(),
        password_profile: Some(crate::PasswordProfile {
            password: s(),
            force_change_password: Some(true),
        }),
        last_directory_sync_time: s(),
        user_domain_type: Some(crate::UserDomainType::None),
        state: Some(crate::UserState::Active),
        soft_deletion_time: s(),
        links: None,
        attributes: None,
    }
}

/// A directory role's member with every property set.
pub(crate) fn full_user_member() -> crate::UserMember {
    let s = || Some("x".to_owned());
    crate::UserMember {
        id: s(),
        display_name: s(),
        user_principal_name: s(),
        role_id: s(),
        attributes: None,
    }
}

/// Every fully populated value above, serialized.
pub(crate) fn all_serialized() -> Vec<serde_json::Value> {
    let values = [
        serde_json::to_value(full_page()),
        serde_json::to_value(full_customer()),
        serde_json::to_value(full_relationship()),
        serde_json::to_value(full_fault()),
        serde_json::to_value(full_validation()),
        serde_json::to_value(full_verified_domain()),
        serde_json::to_value(full_qualification_request()),
        serde_json::to_value(full_subscription()),
        serde_json::to_value(full_agreement()),
        serde_json::to_value(full_user()),
        serde_json::to_value(full_user_member()),
    ];
    values
        .into_iter()
        .map(|v| v.expect("wire types serialize"))
        .collect()
}
