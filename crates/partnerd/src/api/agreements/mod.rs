//! Microsoft Customer Agreement attestation, public cloud only (404/1000 under `--cloud usgov`
//! and `china`): the template catalogue (`GET /v1/agreements`), a customer's confirmations
//! (`GET`/`POST /v1/customers/{id}/agreements`), whether it signed directly
//! (`GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus`), and links to a
//! template's document (`GET /v1/agreementtemplates/{templateId}/document`), which partnerd
//! serves itself (see [`documents`]).

pub mod documents;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use partnerd_store::{CustomerId, CustomerRecord, RecordKind};
use partnerd_wire::{
    Agreement, AgreementMetaData, Contact, DirectSignStatus, ResourceAttributes,
    ResourceCollection, ResourceLinks,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::customers::related;
use crate::auth::cloud::Cloud;
use crate::clock::{iso_timestamp, parse_iso};
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::idempotency::{completion_for, respond, IdempotencyLease};
use crate::http::params::{query_param, PathId};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// The Microsoft Customer Agreement's type.
pub const CUSTOMER_AGREEMENT: &str = "MicrosoftCustomerAgreement";
/// The retired Microsoft Cloud Agreement's type.
pub const CLOUD_AGREEMENT: &str = "MicrosoftCloudAgreement";

/// One template of the catalogue.
pub struct Template {
    /// Its id.
    pub id: &'static str,
    /// Its type.
    pub kind: &'static str,
    /// Where its text is.
    pub link: &'static str,
    /// Whether it still takes confirmations.
    pub current: bool,
}

/// The catalogue Partner Center serves: the Customer Agreement, and the Cloud Agreement it
/// still lists but no longer accepts confirmations for.
pub const TEMPLATES: [Template; 2] = [
    Template {
        id: "117a77b0-9360-443b-8795-c6dedc750cf9",
        kind: CUSTOMER_AGREEMENT,
        link: "https://aka.ms/customeragreement",
        current: true,
    },
    Template {
        id: "998b88de-aa99-4388-a42c-1b3517d49490",
        kind: CLOUD_AGREEMENT,
        link: "https://docs.microsoft.com/en-us/partner-center/agreements",
        current: false,
    },
];

/// The template with this id, compared exactly (template ids are case-sensitive).
pub fn template(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

/// 404/1000 outside the public cloud, which alone has these operations.
fn public_only(state: &AppState) -> ApiResult<()> {
    crate::api::offered(state, &[Cloud::UsGov, Cloud::China])
}

/// The types an `agreementType` query asks for: absent means the Cloud Agreement (as Partner
/// Center keeps it for older clients), `*` every type, else one type in any casing.
fn types_asked(query: Option<&str>) -> ApiResult<Vec<&'static str>> {
    match query_param(query, "agreementType").as_deref() {
        None => Ok(vec![CLOUD_AGREEMENT]),
        Some("*") => Ok(vec![CUSTOMER_AGREEMENT, CLOUD_AGREEMENT]),
        Some(t) => [CUSTOMER_AGREEMENT, CLOUD_AGREEMENT]
            .into_iter()
            .find(|known| known.eq_ignore_ascii_case(t))
            .map(|known| vec![known])
            .ok_or_else(|| {
                ApiError::malformed(format!(
                    "The agreementType '{t}' is not known; use MicrosoftCustomerAgreement, MicrosoftCloudAgreement or *."
                ))
            }),
    }
}

/// `GET /v1/agreements[?agreementType=]` (app+user): the template catalogue.
pub async fn catalogue(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<AgreementMetaData>>> {
    public_only(&state)?;
    caller.require_user()?;
    let types = types_asked(query.as_deref())?;
    let items = TEMPLATES
        .iter()
        .filter(|t| types.contains(&t.kind))
        .map(|t| AgreementMetaData {
            template_id: t.id.to_owned(),
            agreement_type: t.kind.to_owned(),
            agreement_link: t.link.to_owned(),
            version_rank: 0,
            attributes: Some(ResourceAttributes::of("AgreementMetaData")),
        })
        .collect();
    Ok(Reply::ok(
        format,
        ResourceCollection::new(items, ResourceLinks::to_self("/agreements".to_owned())),
    ))
}

/// A confirmation as stored: the answer's agreement and when it was made, for ordering.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    agreement: Agreement,
    created_at: i64,
}

/// `GET /v1/customers/{id}/agreements[?agreementType=]` (app+user): the customer's
/// confirmations of the asked types, oldest first.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<Agreement>>> {
    public_only(&state)?;
    caller.require_user()?;
    let types = types_asked(query.as_deref())?;
    related(&state, &caller, &id).await?;
    let mut stored = state
        .store
        .customer_records(&id, RecordKind::Agreement)
        .await?
        .iter()
        .map(CustomerRecord::read::<Stored>)
        .collect::<Result<Vec<_>, _>>()?;
    stored.sort_by_key(|s| s.created_at);
    let items = stored
        .into_iter()
        .map(|s| s.agreement)
        .filter(|a| {
            a.agreement_type
                .as_deref()
                .is_some_and(|t| types.contains(&t))
        })
        .collect();
    let links = ResourceLinks::to_self(format!("/customers/{id}/agreements"));
    Ok(Reply::ok(format, ResourceCollection::new(items, links)))
}

/// How far ahead of the clock a `dateAgreed` that names its zone may be (clients' clocks
/// drift).
const SKEW_SECS: i64 = 300;
/// How far ahead a `dateAgreed` without a zone may be: it is some zone's local time (the .NET
/// SDK and PowerShell send local time without an offset), and UTC+14 is the furthest ahead.
const LOCAL_SKEW_SECS: i64 = 14 * 3600 + SKEW_SECS;

/// The contact, checked: first and last name and email required, an email with an `@`, no
/// control characters.
fn contact(given: Option<&Contact>) -> ApiResult<Contact> {
    let mut violations = Vec::new();
    let empty = Contact::default();
    let c = given.unwrap_or(&empty);
    let mut field = |name: &str, value: &Option<String>, required: bool| -> Option<String> {
        let path = format!("primaryContact.{name}");
        match value.as_deref().map(str::trim) {
            None | Some("") if required => {
                violations.push((path, "required".to_owned()));
                None
            }
            None | Some("") => None,
            Some(v) if v.chars().any(char::is_control) || v.len() > 256 => {
                violations.push((
                    path,
                    "at most 256 characters, none of them control characters".to_owned(),
                ));
                None
            }
            Some(v) => Some(v.to_owned()),
        }
    };
    let first_name = field("firstName", &c.first_name, true);
    let last_name = field("lastName", &c.last_name, true);
    let email = field("email", &c.email, true);
    let phone_number = field("phoneNumber", &c.phone_number, false);
    if let Some(e) = &email {
        let ok = e
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !ok {
            violations.push((
                "primaryContact.email".to_owned(),
                "not an email address".to_owned(),
            ));
        }
    }
    if !violations.is_empty() {
        return Err(ApiError::invalid_properties(violations));
    }
    Ok(Contact {
        first_name,
        last_name,
        email,
        phone_number,
    })
}

/// The record key of a confirmation: its template and contact, so that the same confirmation
/// is stored once and a changed contact makes a new one.
fn key(template: &str, contact: &Contact) -> String {
    let mut h = Sha256::new();
    for part in [
        Some(template),
        contact.first_name.as_deref(),
        contact.last_name.as_deref(),
        contact
            .email
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        contact.phone_number.as_deref(),
    ] {
        h.update(part.unwrap_or_default().as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /v1/customers/{id}/agreements` (app+user): 201 with the confirmation. The type
/// follows the template, `userId` is the token's user, and the same template with the same
/// contact is 409/600061.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    lease: Option<Extension<IdempotencyLease>>,
    PathId(id): PathId<CustomerId>,
    WireBody(body): WireBody<Agreement>,
) -> ApiResult<Response> {
    public_only(&state)?;
    caller.require_user()?;
    related(&state, &caller, &id).await?;
    let template_id = body
        .template_id
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    let Some(template) = template(template_id) else {
        return Err(ApiError::invalid_properties(vec![(
            "templateId".to_owned(),
            if template_id.is_empty() {
                "required: a template id from GET /v1/agreements".to_owned()
            } else {
                format!("{template_id} is not an agreement template (ids are case-sensitive)")
            },
        )]));
    };
    if !template.current {
        return Err(ApiError::template_retired(template.id));
    }
    let contact = contact(body.primary_contact.as_ref())?;
    let date_text = body
        .date_agreed
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    let Some((agreed, zoned)) = parse_iso(date_text) else {
        return Err(ApiError::invalid_properties(vec![(
            "dateAgreed".to_owned(),
            "required: an ISO 8601 date and time".to_owned(),
        )]));
    };
    let now = state.clock.now_secs();
    let allowed = if zoned { SKEW_SECS } else { LOCAL_SKEW_SECS };
    if agreed > now + allowed {
        return Err(ApiError::date_agreed_in_future());
    }
    let user = caller.user.as_ref().map(|u| u.object_id.to_string());
    let agreement = Agreement {
        user_id: user,
        template_id: Some(template.id.to_owned()),
        // A zoned time is kept in UTC; a local one as given, as Partner Center echoes it.
        date_agreed: Some(if zoned {
            iso_timestamp(agreed)
        } else {
            date_text.to_owned()
        }),
        agreement_type: Some(template.kind.to_owned()),
        agreement_link: Some(template.link.to_owned()),
        attributes: Some(ResourceAttributes::of("Agreement")),
        primary_contact: Some(contact.clone()),
    };
    let record = CustomerRecord::of(
        RecordKind::Agreement,
        key(template.id, &contact),
        caller.partner.tenant_id.clone(),
        &Stored {
            agreement: agreement.clone(),
            created_at: now,
        },
    )?;
    let lease = lease.map(|Extension(l)| l);
    let response = Reply::with_status(StatusCode::CREATED, format, agreement).into_stored();
    let stored = response.clone();
    let completion = completion_for(lease.as_ref(), move |_| stored);
    if !state
        .store
        .insert_customer_record(&id, record, completion)
        .await?
    {
        return Err(ApiError::agreement_exists());
    }
    Ok(respond(lease.as_ref(), response))
}

/// `GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus` (app+user).
pub async fn direct_sign_status(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<DirectSignStatus>> {
    public_only(&state)?;
    caller.require_user()?;
    related(&state, &caller, &id).await?;
    Ok(Reply::ok(format, direct_signed(&state, &id).await?))
}

/// Whether the customer signed the Customer Agreement itself (false until the control plane
/// says so).
pub async fn direct_signed(state: &AppState, id: &CustomerId) -> ApiResult<DirectSignStatus> {
    let records = state
        .store
        .customer_records(id, RecordKind::DirectSign)
        .await?;
    Ok(match records.first() {
        Some(r) => r.read()?,
        None => DirectSignStatus { is_signed: false },
    })
}

/// The agreement operations.
pub fn routes() -> Vec<Route> {
    let mut routes = vec![
        Route::get("/v1/agreements", "getAgreementMetadata", catalogue)
            .summary("The agreement template catalogue (the Cloud Agreement when agreementType is absent, * for all). App+user; public cloud.")
            .answers(200, Some(Body::AgreementMetaDataPage))
            .query(&["agreementType"]),
        Route::get("/v1/customers/{id}/agreements", "getCustomerAgreements", list)
            .summary("The customer's agreement confirmations of a type (the Cloud Agreement when agreementType is absent, * for all). App+user; public cloud.")
            .answers(200, Some(Body::AgreementPage))
            .query(&["agreementType"]),
        Route::post("/v1/customers/{id}/agreements", "createCustomerAgreement", create)
            .summary("Confirms that the customer accepted an agreement. App+user; public cloud.")
            .takes(Body::Agreement)
            .answers(201, Some(Body::Agreement)),
        // Paths are matched lower-cased (see `http::paths`).
        Route::get(
            "/v1/customers/{id}/directsignedmicrosoftcustomeragreementstatus",
            "getDirectSignedCustomerAgreementStatus",
            direct_sign_status,
        )
        .summary("Whether the customer accepted the Microsoft Customer Agreement itself. App+user; public cloud.")
        .answers(200, Some(Body::DirectSignStatus)),
    ];
    routes.extend(documents::routes());
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_type_means_the_cloud_agreement() {
        assert_eq!(types_asked(None).unwrap(), [CLOUD_AGREEMENT]);
        assert_eq!(
            types_asked(Some("agreementType=*")).unwrap(),
            [CUSTOMER_AGREEMENT, CLOUD_AGREEMENT]
        );
        assert_eq!(
            types_asked(Some("AgreementType=microsoftcustomeragreement")).unwrap(),
            [CUSTOMER_AGREEMENT]
        );
        assert!(types_asked(Some("agreementType=Other")).is_err());
    }

    #[test]
    fn a_confirmation_is_keyed_by_template_and_contact() {
        let c = Contact {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@contoso.com".into()),
            phone_number: None,
        };
        let same = Contact {
            email: Some("ADA@contoso.com".into()),
            ..c.clone()
        };
        let other = Contact {
            phone_number: Some("1".into()),
            ..c.clone()
        };
        assert_eq!(key("t", &c), key("t", &same));
        assert_ne!(key("t", &c), key("t", &other));
        assert_ne!(key("t", &c), key("u", &c));
    }
}
