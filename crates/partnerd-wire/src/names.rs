//! The property names of every wire type, in their canonical camelCase spelling.
//!
//! Input property names are matched case-insensitively by rewriting each one to its entry here
//! before typed decoding, so decoding errors name properties the way the documentation does.
//! A test in this module serializes fully populated values of every type and fails if any
//! property is missing from the list.

/// Every property name of the wire types.
pub const PROPERTY_NAMES: &[&str] = &[
    "id",
    "commerceId",
    "companyProfile",
    "billingProfile",
    "relationshipToPartner",
    "allowDelegatedAccess",
    "userCredentials",
    "customDomains",
    "associatedPartnerId",
    "links",
    "attributes",
    "tenantId",
    "domain",
    "companyName",
    "address",
    "email",
    "organizationRegistrationNumber",
    "firstName",
    "middleName",
    "lastName",
    "culture",
    "language",
    "defaultAddress",
    "country",
    "region",
    "city",
    "state",
    "district",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "postalCode",
    "emailAddress",
    "phoneNumber",
    "userName",
    "password",
    "etag",
    "objectType",
    "self",
    "next",
    "previous",
    "uri",
    "method",
    "headers",
    "key",
    "value",
    "totalCount",
    "items",
    "continuationToken",
    "code",
    "description",
    "data",
    "source",
    "name",
    "relationshipType",
    "location",
    "mpnId",
    "field",
    "operator",
    "originalAddress",
    "suggestedAddresses",
    "status",
    "validationMessage",
    // Subscriptions.
    "offerId",
    "offerName",
    "friendlyName",
    "quantity",
    "autoRenewEnabled",
    "billingCycle",
    "creationDate",
    "commitmentEndDate",
    // Qualifications and GCC validation codes.
    "qualification",
    "educationSegment",
    "validationCode",
    "website",
    "vettingStatus",
    "vettingReason",
    "vettingCreateDate",
    "partnerId",
    "customerId",
    "organizationName",
    "validationId",
    "maxCreates",
    "remainingCreates",
    // Verified domains.
    "verifiedDomainName",
    "domainFederationSettings",
    "capability",
    "authenticationType",
    "verificationMethod",
    "isDefault",
    "isInitial",
    "rootDomain",
    "issuerUri",
    "logOffUri",
    "passiveLogOnUri",
    "preferredAuthenticationProtocol",
    "promptLoginBehavior",
    "signingCertificate",
    "activeLogOnUri",
    "metadataExchangeUri",
    "nextSigningCertificate",
    "openIdConnectDiscoveryEndpoint",
    "federationBrandName",
    "defaultInteractiveAuthenticationMethod",
    "supportsMfa",
    // Agreements.
    "userId",
    "primaryContact",
    "templateId",
    "dateAgreed",
    "agreementLink",
    "agreementType",
    "versionRank",
    "displayUri",
    "downloadUri",
    "isSigned",
    // Security reports.
    "requestId",
    "correlationId",
    "operationName",
    "requestDateTime",
    "sourceIpAddress",
    "objectId",
    "applicationId",
    "mfaCompliant",
    "lastNonMfaCompliantRequestDateTime",
    "loginDate",
    "mfaCompliantRequestCount",
    "totalRequestCount",
    "applicationName",
    // Self-serve policies.
    "selfServeEntity",
    "selfServeEntityType",
    "grantor",
    "grantorType",
    "permissions",
    "resource",
    "action",
    // Service incidents.
    "messageType",
    "startTime",
    "endTime",
    "severity",
    "resolved",
    "workload",
    "affectedWorkloadNames",
    "impactedArea",
    "category",
    "actionType",
    "requiredBy",
    "messages",
    "publishedTime",
    "messageText",
    "incidents",
    "messageCenterMessages",
    // Fault details some errors carry.
    "message",
    "errorName",
    "isRetryable",
    "parameters",
    "errorMessageExtended",
    // Account validation status.
    "type",
    "lastUpdateDateTime",
    // A customer's users and directory roles.
    "userPrincipalName",
    "displayName",
    "usageLocation",
    "immutableId",
    "passwordProfile",
    "forceChangePassword",
    "lastDirectorySyncTime",
    "userDomainType",
    "softDeletionTime",
    "roleId",
];

/// Properties whose value is an array. The text formats need this list: XML reads one of these
/// elements as an array whatever its children (even one child, or none). Another known
/// property is never an array, and an unknown element is one only when it has two or more
/// same-named children that are not named after a property; so a known object holding a
/// property twice reads as that, not as an array.
pub const ARRAY_PROPERTIES: &[&str] = &[
    "items",
    "customDomains",
    "headers",
    "data",
    "suggestedAddresses",
];

/// Properties whose value is a boolean. XML and form bodies carry every value as text; the
/// text of one of these properties is read as a boolean (`true`/`false` in any casing, `1`/`0`).
pub const BOOLEAN_PROPERTIES: &[&str] = &[
    "allowDelegatedAccess",
    "autoRenewEnabled",
    "isDefault",
    "isInitial",
    "supportsMfa",
    "forceChangePassword",
];

/// Properties whose value is an integer. XML and form bodies carry every value as text; the
/// text of one of these properties is read as an integer when it is one.
pub const INTEGER_PROPERTIES: &[&str] = &["totalCount", "code", "quantity"];

/// Text properties that are optional wherever they occur (`Option<String>`, or defaulted, in
/// every wire type that has them). An empty string given for one of these means "not given",
/// as `null` does (PowerShell sends `Region = ""`). Text that some type requires (`id` of a
/// partner relationship, a link's `uri` and `method`, a header's `key` and `value`, a fault's
/// `description`) is not listed, and neither are enums, so their empty strings reach typed
/// decoding as they were sent. A test in this module checks the list against the wire types.
pub const OPTIONAL_TEXT_PROPERTIES: &[&str] = &[
    "commerceId",
    "associatedPartnerId",
    "tenantId",
    "domain",
    "companyName",
    "email",
    "organizationRegistrationNumber",
    "firstName",
    "middleName",
    "lastName",
    "culture",
    "language",
    "country",
    "region",
    "city",
    "state",
    "district",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "postalCode",
    "emailAddress",
    "phoneNumber",
    "userName",
    "password",
    "etag",
    "objectType",
    "continuationToken",
    "name",
    "location",
    "mpnId",
    "source",
    "validationMessage",
    "offerId",
    "offerName",
    "friendlyName",
    "billingCycle",
    "creationDate",
    "commitmentEndDate",
    "validationCode",
    "website",
    "rootDomain",
    "activeLogOnUri",
    "metadataExchangeUri",
    "nextSigningCertificate",
    "openIdConnectDiscoveryEndpoint",
    "federationBrandName",
    "defaultInteractiveAuthenticationMethod",
    "userId",
    "templateId",
    "dateAgreed",
    "agreementLink",
    "type",
    "userPrincipalName",
    "displayName",
    "usageLocation",
    "immutableId",
    "lastDirectorySyncTime",
    "softDeletionTime",
    "roleId",
];

/// Whether `name`, in any casing, is one of `list`.
pub fn is_one_of(list: &[&str], name: &str) -> bool {
    list.iter().any(|known| known.eq_ignore_ascii_case(name))
}

/// The canonical spelling of a property name given in any casing, if it is a known one.
pub fn canonical(name: &str) -> Option<&'static str> {
    PROPERTY_NAMES
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;
    use serde_json::Value;

    fn collect_keys(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    out.push(k.clone());
                    collect_keys(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
            _ => {}
        }
    }

    /// Every (property, value) pair anywhere in the tree.
    fn collect_pairs<'a>(v: &'a Value, out: &mut Vec<(&'a str, &'a Value)>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    out.push((k, v));
                    collect_pairs(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_pairs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn typed_property_lists_match_the_wire_types() {
        let values = crate::fixtures::all_serialized();
        let mut pairs = Vec::new();
        values.iter().for_each(|v| collect_pairs(v, &mut pairs));
        let lists = [
            (ARRAY_PROPERTIES, Value::is_array as fn(&Value) -> bool),
            (BOOLEAN_PROPERTIES, Value::is_boolean),
            (INTEGER_PROPERTIES, Value::is_i64),
        ];
        for (list, is_kind) in lists {
            for (k, v) in &pairs {
                assert_eq!(
                    is_kind(v),
                    is_one_of(list, k),
                    "{k} = {v}: listed in {list:?} iff it has that type"
                );
            }
            for name in list {
                assert_eq!(canonical(name), Some(*name), "{name} is not canonical");
                assert!(
                    pairs.iter().any(|(k, _)| k == name),
                    "{name} occurs in no wire type"
                );
            }
        }
    }

    /// Whether each of [`crate::fixtures::all_serialized`] decodes back into its own type.
    fn all_decode(values: &[Value]) -> bool {
        serde_json::from_value::<ResourceCollection<Customer>>(values[0].clone()).is_ok()
            && serde_json::from_value::<Customer>(values[1].clone()).is_ok()
            && serde_json::from_value::<PartnerRelationship>(values[2].clone()).is_ok()
            && serde_json::from_value::<ApiFault>(values[3].clone()).is_ok()
            && serde_json::from_value::<crate::AddressValidationResponse>(values[4].clone()).is_ok()
            && serde_json::from_value::<crate::VerifiedDomain>(values[5].clone()).is_ok()
            && serde_json::from_value::<crate::CustomerQualificationRequest>(values[6].clone())
                .is_ok()
            && serde_json::from_value::<crate::Subscription>(values[7].clone()).is_ok()
            && serde_json::from_value::<crate::Agreement>(values[8].clone()).is_ok()
            && serde_json::from_value::<crate::CustomerUser>(values[9].clone()).is_ok()
            && serde_json::from_value::<crate::UserMember>(values[10].clone()).is_ok()
    }

    /// The tree without its text properties named in `names`, at any depth.
    fn without(v: &Value, names: &[&str]) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, v)| !(v.is_string() && names.contains(&k.as_str())))
                    .map(|(k, v)| (k.clone(), without(v, names)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| without(v, names)).collect()),
            other => other.clone(),
        }
    }

    #[test]
    fn optional_text_properties_are_exactly_the_optional_ones() {
        // Enums are text on the wire but not text properties: an empty one is a bad member.
        const ENUMS: &[&str] = &[
            "relationshipToPartner",
            "relationshipType",
            "status",
            "capability",
            "authenticationType",
            "verificationMethod",
            "preferredAuthenticationProtocol",
            "promptLoginBehavior",
            "qualification",
            "educationSegment",
            "userDomainType",
        ];
        let values = crate::fixtures::all_serialized();
        assert!(all_decode(&values), "the fixtures decode");
        for name in OPTIONAL_TEXT_PROPERTIES {
            assert_eq!(canonical(name), Some(*name), "{name} is not canonical");
        }
        // Every listed property may be left out of every type that has it.
        let stripped: Vec<Value> = values
            .iter()
            .map(|v| without(v, OPTIONAL_TEXT_PROPERTIES))
            .collect();
        assert!(
            all_decode(&stripped),
            "a property in OPTIONAL_TEXT_PROPERTIES is required somewhere"
        );
        // Every other text property is required by some type, or an enum.
        let mut pairs = Vec::new();
        values.iter().for_each(|v| collect_pairs(v, &mut pairs));
        for (k, v) in pairs {
            if v.is_string() && !is_one_of(OPTIONAL_TEXT_PROPERTIES, k) && !is_one_of(ENUMS, k) {
                let stripped: Vec<Value> = values.iter().map(|v| without(v, &[k])).collect();
                assert!(
                    !all_decode(&stripped),
                    "{k} is optional text wherever it occurs: list it in OPTIONAL_TEXT_PROPERTIES"
                );
            }
        }
    }

    fn full_address() -> Address {
        let s = || Some("x".to_owned());
        Address {
            id: s(),
            country: s(),
            region: s(),
            city: s(),
            state: s(),
            district: s(),
            address_line1: s(),
            address_line2: s(),
            address_line3: s(),
            postal_code: s(),
            first_name: s(),
            middle_name: s(),
            last_name: s(),
            email_address: s(),
            phone_number: s(),
        }
    }

    #[test]
    fn every_serialized_property_is_listed() {
        let s = || Some("x".to_owned());
        let links = ResourceLinks {
            self_link: Some(Link::get("/a")),
            next: Some(Link {
                uri: "/b".into(),
                method: "GET".into(),
                headers: vec![KeyValuePair {
                    key: "k".into(),
                    value: "v".into(),
                }],
            }),
            previous: Some(Link::get("/c")),
        };
        let customer = Customer {
            id: s(),
            commerce_id: s(),
            company_profile: Some(CustomerCompanyProfile {
                tenant_id: s(),
                domain: s(),
                company_name: s(),
                address: Some(full_address()),
                email: s(),
                organization_registration_number: s(),
                links: Some(links.clone()),
                attributes: Some(ResourceAttributes::with_etag("T", "1")),
            }),
            billing_profile: Some(CustomerBillingProfile {
                id: s(),
                first_name: s(),
                last_name: s(),
                email: s(),
                culture: s(),
                language: s(),
                company_name: s(),
                default_address: Some(full_address()),
                links: Some(links.clone()),
                attributes: Some(ResourceAttributes::with_etag("T", "1")),
            }),
            relationship_to_partner: Some(CustomerPartnerRelationship::Reseller),
            allow_delegated_access: Some(true),
            user_credentials: Some(UserCredentials {
                user_name: s(),
                password: s(),
            }),
            custom_domains: Some(vec!["d".into()]),
            associated_partner_id: s(),
            links: Some(links.clone()),
            attributes: Some(ResourceAttributes::of("Customer")),
        };
        let mut page = ResourceCollection::new(vec![customer], links);
        page.continuation_token = s();
        let relationship = PartnerRelationship {
            id: "x".into(),
            name: s(),
            relationship_type: PartnerRelationshipType::IsIndirectResellerOf,
            state: s(),
            location: s(),
            mpn_id: s(),
            attributes: Some(ResourceAttributes::of("PartnerRelationship")),
        };
        let fault = ApiFault::new(1, "d", vec![]);
        let mut keys = Vec::new();
        let mut values = vec![
            serde_json::to_value(&page).unwrap(),
            serde_json::to_value(&relationship).unwrap(),
            serde_json::to_value(&fault).unwrap(),
        ];
        values.extend(crate::fixtures::all_serialized());
        for v in values {
            collect_keys(&v, &mut keys);
        }
        for k in keys {
            assert_eq!(
                canonical(&k),
                Some(k.as_str()),
                "{k} is not in PROPERTY_NAMES"
            );
        }
    }
}
