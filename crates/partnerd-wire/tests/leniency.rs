//! Property tests of input leniency: any casing of property names, any accepted spelling of
//! enums, explicit nulls, empty optional text and unknown properties decode to the same value,
//! and a property given twice in any casings is refused.

use partnerd_wire::{decode_json, Customer, CustomerBillingProfile, CustomerPartnerRelationship};
use proptest::prelude::*;
use serde_json::{json, Value};

fn canonical_customer() -> Value {
    json!({
        "id": "5b0e9f1a-6e31-4c5c-9b67-1f0e7a3c2d11",
        "companyProfile": {"domain": "contoso.onmicrosoft.com", "organizationRegistrationNumber": "123"},
        "billingProfile": {
            "firstName": "Ada", "lastName": "Lovelace", "email": "ada@contoso.com", "culture": "en-US",
            "language": "en", "companyName": "Contoso",
            "defaultAddress": {"country": "US", "city": "Redmond", "state": "WA", "addressLine1": "One Way",
                               "addressLine2": "Suite 1", "postalCode": "98052", "phoneNumber": "4255550100"},
            "attributes": {"etag": "-4242348048554929329", "objectType": "CustomerBillingProfile"}
        },
        "relationshipToPartner": "microsoft_support",
        "allowDelegatedAccess": false,
        "customDomains": ["contoso.onmicrosoft.com"],
        "associatedPartnerId": "7c1b6a7e-6a8d-4f35-9a54-6c3f1e3b0a22"
    })
}

/// A casing of `key`: 0 as is, 1 upper, 2 lower, 3 Pascal, else letters flipped by the bits.
fn recase(key: &str, mode: u32) -> String {
    match mode % 5 {
        0 => key.to_owned(),
        1 => key.to_ascii_uppercase(),
        2 => key.to_ascii_lowercase(),
        3 => {
            let mut c = key.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        }
        _ => key
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if (mode >> (i % 31)) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

fn recase_tree(v: &Value, modes: &[u32], i: &mut usize, noise: bool) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                *i += 1;
                out.insert(
                    recase(k, modes[*i % modes.len()]),
                    recase_tree(v, modes, i, noise),
                );
                if noise {
                    // Unknown properties and explicit nulls of unknown names are ignored.
                    out.insert(format!("unknownProperty{i}"), json!({"x": [1, 2]}));
                    out.insert(format!("alsoNull{i}"), Value::Null);
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => {
            Value::Array(a.iter().map(|v| recase_tree(v, modes, i, noise)).collect())
        }
        other => other.clone(),
    }
}

fn spellings(member: CustomerPartnerRelationship) -> Vec<Value> {
    let snake = member.as_str().to_owned();
    let camel: String = snake
        .split('_')
        .enumerate()
        .map(|(i, w)| {
            if i == 0 {
                w.to_owned()
            } else {
                w[..1].to_uppercase() + &w[1..]
            }
        })
        .collect();
    let pascal = camel[..1].to_uppercase() + &camel[1..];
    vec![
        json!(snake),
        json!(camel),
        json!(pascal),
        json!(snake.to_uppercase()),
        json!(member.ordinal()),
    ]
}

proptest! {
    #[test]
    fn any_property_casing_decodes_to_the_same_customer(modes in proptest::collection::vec(any::<u32>(), 1..40), noise in any::<bool>()) {
        let canonical = canonical_customer();
        let expected: Customer = serde_json::from_value(canonical.clone()).unwrap();
        let mut i = 0;
        let recased = recase_tree(&canonical, &modes, &mut i, noise);
        let decoded: Customer = decode_json(recased.to_string().as_bytes()).unwrap();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn any_enum_spelling_decodes_to_the_same_member(index in 0usize..6, spelling in 0usize..5) {
        let member = CustomerPartnerRelationship::ALL[index];
        let value = spellings(member)[spelling].clone();
        let body = json!({"RelationshipToPartner": value});
        let decoded: Customer = decode_json(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(decoded.relationship_to_partner, Some(member));
    }

    #[test]
    fn explicit_nulls_mean_not_given(fields in proptest::collection::vec(0usize..6, 0..6)) {
        let names = ["FirstName", "LastName", "Email", "Culture", "Language", "CompanyName"];
        let mut body = serde_json::Map::new();
        for f in &fields {
            body.insert(names[*f].to_owned(), Value::Null);
        }
        let decoded: CustomerBillingProfile = decode_json(Value::Object(body).to_string().as_bytes()).unwrap();
        prop_assert_eq!(decoded, CustomerBillingProfile::default());
    }

    #[test]
    fn empty_optional_text_means_not_given(fields in proptest::collection::vec(0usize..6, 0..6)) {
        let names = ["FirstName", "LastName", "Email", "Culture", "Language", "CompanyName"];
        let mut body = serde_json::Map::new();
        for f in &fields {
            body.insert(names[*f].to_owned(), json!(""));
        }
        body.insert("DefaultAddress".to_owned(), json!({"Region": "", "addressLine2": ""}));
        let decoded: CustomerBillingProfile = decode_json(Value::Object(body).to_string().as_bytes()).unwrap();
        let expected = CustomerBillingProfile {
            default_address: Some(Default::default()),
            ..Default::default()
        };
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn a_property_given_twice_in_any_casing_is_refused(index in 0usize..6, first in any::<u32>(), second in any::<u32>()) {
        let names = ["firstName", "lastName", "email", "language", "companyName", "id"];
        let name = names[index];
        let body = format!(
            r#"{{"billingProfile":{{"{}":"a","culture":"en-US","{}":"b"}}}}"#,
            recase(name, first),
            recase(name, second)
        );
        let err = decode_json::<Customer>(body.as_bytes()).unwrap_err();
        prop_assert_eq!(err.path, format!("billingProfile.{name}"));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_json::<Customer>(&bytes);
    }
}
