//! Stored customers rendered as wire resources, from the viewing partner's side.

use partnerd_store::{BillingProfile, CustomerView};
use partnerd_wire::{
    Customer, CustomerBillingProfile, CustomerCompanyProfile, CustomerPartnerRelationship,
    ResourceAttributes, ResourceLinks,
};

/// The billing profile with its links and ETag.
pub fn billing_profile(view: &CustomerView) -> CustomerBillingProfile {
    billing_resource(&view.id, view.billing.clone(), view.etag)
}

/// A stored billing profile of customer `id` as a resource, with links and ETag.
pub fn billing_resource(id: &str, billing: BillingProfile, etag: i64) -> CustomerBillingProfile {
    CustomerBillingProfile {
        links: Some(ResourceLinks::to_self(format!(
            "/customers/{id}/profiles/billing"
        ))),
        attributes: Some(ResourceAttributes::with_etag(
            "CustomerBillingProfile",
            etag.to_string(),
        )),
        ..billing
    }
}

/// The company profile; `full` adds address and e-mail (get by id, company profile route).
pub fn company_profile(view: &CustomerView, full: bool) -> CustomerCompanyProfile {
    CustomerCompanyProfile {
        tenant_id: Some(view.id.to_string()),
        domain: Some(view.domain.clone()),
        company_name: view.company.company_name.clone(),
        address: if full {
            view.company.address.clone()
        } else {
            None
        },
        email: if full {
            view.company.email.clone()
        } else {
            None
        },
        organization_registration_number: if full {
            view.company.organization_registration_number.clone()
        } else {
            None
        },
        links: Some(ResourceLinks::to_self(format!(
            "/customers/{}/profiles/company",
            view.id
        ))),
        attributes: Some(ResourceAttributes::of("CustomerCompanyProfile")),
    }
}

/// The full customer, as get-by-id returns it.
pub fn full(view: &CustomerView, relationship: CustomerPartnerRelationship) -> Customer {
    Customer {
        id: Some(view.id.to_string()),
        commerce_id: Some(view.commerce_id.clone()),
        company_profile: Some(company_profile(view, true)),
        billing_profile: Some(billing_profile(view)),
        relationship_to_partner: Some(relationship),
        allow_delegated_access: Some(view.delegated_access),
        user_credentials: None,
        custom_domains: Some(view.custom_domains.clone()),
        associated_partner_id: view.associated_partner_id.as_ref().map(ToString::to_string),
        links: Some(ResourceLinks::to_self(format!("/customers/{}", view.id))),
        attributes: Some(ResourceAttributes::of("Customer")),
    }
}

/// The sparse customer of list results.
pub fn sparse(view: &CustomerView) -> Customer {
    Customer {
        id: Some(view.id.to_string()),
        company_profile: Some(company_profile(view, false)),
        relationship_to_partner: Some(CustomerPartnerRelationship::Reseller),
        links: Some(ResourceLinks::to_self(format!("/customers/{}", view.id))),
        attributes: Some(ResourceAttributes::of("Customer")),
        ..Customer::default()
    }
}
