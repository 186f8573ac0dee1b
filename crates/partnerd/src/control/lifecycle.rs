//! The control plane's hand on a customer's life: subscriptions (partnerd sells nothing, so a
//! test puts them there), qualification reviews and qualifications a partner cannot ask for
//! (Nonprofit), the account validation status, a direct signature of the Customer Agreement,
//! and partners' GCC validation codes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use partnerd_store::{
    AccountStatusRecord, CustomerId, CustomerRecord, CustomerRole, PartnerRecord,
    QualificationRecord, RecordKind, StoreError, TenantId, ValidationCodeRecord,
};
use partnerd_wire::{Qualification, Subscription, VettingStatus};
use serde::{Deserialize, Serialize};

use crate::api::{qualifications, subscriptions, validation_codes, validation_status};
use crate::clock::iso_timestamp;
use crate::control::Admin;
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::{CustomerChild, PathId, Segment};
use crate::routes::openapi::{Access, Body};
use crate::routes::Route;
use crate::state::AppState;

/// The partner a path names: a tenant id or the partner's domain.
pub async fn find_partner(state: &AppState, tenant: &str) -> ApiResult<PartnerRecord> {
    let found = match TenantId::parse(tenant) {
        Ok(id) => state.store.partner(&id).await?,
        Err(_) => state.store.partner_by_domain(tenant).await?,
    };
    found.ok_or_else(|| ApiError::partner_not_found(tenant))
}

/// The partners that resell to a customer (404/60003 when there is no such customer).
async fn resellers(state: &AppState, id: &CustomerId) -> ApiResult<Vec<TenantId>> {
    let partners = state.store.customer_partners(id).await?;
    if partners.is_empty() {
        // Every customer has a partner; none means none exists (or it went meanwhile).
        return Err(ApiError::customer_not_found(id));
    }
    Ok(partners
        .into_iter()
        .filter(|(_, role)| *role == CustomerRole::Reseller)
        .map(|(p, _)| p.tenant_id)
        .collect())
}

/// A partner that resells to the customer, to own what the control plane puts there.
async fn a_reseller(state: &AppState, id: &CustomerId) -> ApiResult<TenantId> {
    resellers(state, id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::customer_not_found(id))
}

fn customer_error(id: &CustomerId) -> impl Fn(StoreError) -> ApiError + '_ {
    move |e| match e {
        StoreError::CustomerNotFound => ApiError::customer_not_found(id),
        other => other.into(),
    }
}

/// One subscription with its partner, as the control plane lists them.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionEntry {
    /// The partner that sold it.
    pub partner_id: String,
    /// The subscription.
    pub subscription: Subscription,
}

/// `GET /_partnerd/customers/{id}/subscriptions`: every partner's subscriptions.
pub async fn list_subscriptions(
    State(state): State<AppState>,
    _: Admin,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Json<Vec<SubscriptionEntry>>> {
    let records = state
        .store
        .customer_records(&id, RecordKind::Subscription)
        .await
        .map_err(customer_error(&id))?;
    let entries = records
        .iter()
        .map(|r| {
            Ok(SubscriptionEntry {
                partner_id: r.partner_id.to_string(),
                subscription: subscriptions::view(&id, r.read()?),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(entries))
}

/// `POST /_partnerd/customers/{id}/subscriptions`: puts a subscription on the customer. The
/// body is a subscription (every property optional: a new id, `active`, quantity 1, a
/// Microsoft 365 offer and today's date by default) with `partnerId` naming the partner that
/// sold it, which may be left out when one partner resells to the customer. 201 with the
/// subscription as the partner reads it.
pub async fn add_subscription(
    State(state): State<AppState>,
    _: Admin,
    PathId(id): PathId<CustomerId>,
    WireBody(mut body): WireBody<serde_json::Value>,
) -> ApiResult<Response> {
    let partner = body
        .as_object_mut()
        .and_then(|m| {
            let key = m
                .keys()
                .find(|k| k.eq_ignore_ascii_case("partnerId"))?
                .clone();
            m.remove(&key)
        })
        .and_then(|v| v.as_str().map(str::to_owned));
    if body.get("id").is_none() && body.get("Id").is_none() {
        if let Some(map) = body.as_object_mut() {
            map.insert("id".into(), uuid::Uuid::new_v4().to_string().into());
        }
    }
    let mut subscription: Subscription = partnerd_wire::decode_value(body)
        .map_err(|e| ApiError::malformed(format!("The subscription is invalid: {e}.")))?;
    let resellers = resellers(&state, &id).await?;
    let partner = match partner {
        Some(raw) => {
            let p = TenantId::parse(&raw).map_err(|_| ApiError::not_a_guid())?;
            if !resellers.contains(&p) {
                return Err(ApiError::malformed(format!(
                    "Partner {p} does not resell to customer {id}."
                )));
            }
            p
        }
        None => match resellers.as_slice() {
            [only] => only.clone(),
            _ => {
                return Err(ApiError::malformed(
                    "Several partners resell to this customer: name one as partnerId.",
                ))
            }
        },
    };
    let now = state.clock.now_secs();
    subscription.status = Some(
        subscription
            .status
            .take()
            .map_or_else(|| "active".to_owned(), |s| s.to_ascii_lowercase()),
    );
    subscription.quantity.get_or_insert(1);
    subscription
        .offer_name
        .get_or_insert_with(|| "Microsoft 365 Business Basic".to_owned());
    subscription
        .friendly_name
        .get_or_insert_with(|| "Microsoft 365 Business Basic".to_owned());
    subscription
        .creation_date
        .get_or_insert_with(|| iso_timestamp(now));
    subscription
        .billing_cycle
        .get_or_insert_with(|| "monthly".to_owned());
    subscription.auto_renew_enabled.get_or_insert(true);
    let record = subscriptions::record(partner, subscription)?;
    let written: Subscription = record.read()?;
    state
        .store
        .put_customer_record(&id, record, None)
        .await
        .map_err(customer_error(&id))?;
    Ok((StatusCode::CREATED, Json(subscriptions::view(&id, written))).into_response())
}

/// `DELETE /_partnerd/customers/{id}/subscriptions/{sub}`.
pub async fn remove_subscription(
    State(state): State<AppState>,
    _: Admin,
    CustomerChild(id, sub): CustomerChild,
) -> ApiResult<StatusCode> {
    let removed = state
        .store
        .delete_customer_record(&id, RecordKind::Subscription, &sub.to_ascii_lowercase())
        .await
        .map_err(customer_error(&id))?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "Subscription {sub} of customer {id} not found."
        )))
    }
}

/// A review decision.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    /// `InReview`, `Approved` or `Denied`.
    pub decision: VettingStatus,
    /// Why (for a denial).
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /_partnerd/customers/{id}/qualifications/{qualification}/review`: decides
/// Microsoft's review of a qualification, overriding the review rule; 200 with the
/// qualification as partners now read it.
pub async fn review(
    State(state): State<AppState>,
    _: Admin,
    axum::extract::Path((raw_id, raw_qualification)): axum::extract::Path<(String, String)>,
    WireBody(review): WireBody<Review>,
) -> ApiResult<Response> {
    let id: CustomerId = raw_id.parse().map_err(|_| ApiError::not_a_guid())?;
    let qualification = Qualification::parse(&raw_qualification).ok_or_else(|| {
        ApiError::malformed(format!(
            "'{raw_qualification}' is not a qualification (Education, GovernmentCommunityCloud, StateOwnedEntity, Nonprofit)."
        ))
    })?;
    let records = state
        .store
        .customer_records(&id, RecordKind::Qualification)
        .await
        .map_err(customer_error(&id))?;
    let Some(record) = records.iter().find(|r| r.key == qualification.as_str()) else {
        return Err(ApiError::not_found(format!(
            "Customer {id} has no {} qualification.",
            qualification.pascal()
        )));
    };
    let mut stored: QualificationRecord = record.read()?;
    stored.vetting_status = Some(review.decision);
    stored.vetting_reason = match review.decision {
        VettingStatus::Denied => Some(
            review
                .reason
                .unwrap_or_else(|| qualifications::DENIAL_REASON.to_owned()),
        ),
        _ => review.reason,
    };
    stored.dated = true;
    stored.decided = true;
    let updated = CustomerRecord::of(
        RecordKind::Qualification,
        stored.key(),
        record.partner_id.clone(),
        &stored,
    )?;
    let swapped = state
        .store
        .put_customer_record(&id, updated, Some(record.body.clone()))
        .await
        .map_err(customer_error(&id))?;
    if !swapped {
        return Err(ApiError::qualification_conflict(
            "The qualification changed meanwhile; read it and decide again.".to_owned(),
        ));
    }
    Ok(Json(qualifications::wire(&stored)).into_response())
}

/// A qualification the control plane sets directly.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Granted {
    /// Any qualification, Nonprofit included.
    pub qualification: Qualification,
    /// The review's outcome; `Approved` by default.
    #[serde(default)]
    pub vetting_status: Option<VettingStatus>,
}

/// `POST /_partnerd/customers/{id}/qualifications`: gives the customer a qualification as
/// Microsoft would on its own (Nonprofit, which partners cannot ask for, or any other),
/// replacing one of the same kind; 201 with it.
pub async fn grant(
    State(state): State<AppState>,
    _: Admin,
    PathId(id): PathId<CustomerId>,
    WireBody(granted): WireBody<Granted>,
) -> ApiResult<Response> {
    if granted.qualification == Qualification::None {
        return Err(ApiError::malformed(
            "None is not a qualification to grant; delete the customer's qualifications instead.",
        ));
    }
    let partner = a_reseller(&state, &id).await?;
    let record = QualificationRecord {
        qualification: granted.qualification,
        vetting_status: Some(granted.vetting_status.unwrap_or(VettingStatus::Approved)),
        vetting_reason: None,
        created_at: state.clock.now_secs(),
        dated: true,
        education_segment: None,
        website: None,
        validation_id: None,
        decided: true,
    };
    let stored = CustomerRecord::of(RecordKind::Qualification, record.key(), partner, &record)?;
    state
        .store
        .put_customer_record(&id, stored, None)
        .await
        .map_err(customer_error(&id))?;
    Ok((StatusCode::CREATED, Json(qualifications::wire(&record))).into_response())
}

/// The status to set.
#[derive(Deserialize)]
pub struct StatusInput {
    /// `Allowed`, `UnderReview`, `NotAllowed`, `Unknown` or `Not Ready`, any casing.
    pub status: String,
}

/// `PUT /_partnerd/customers/{id}/validation-status {"status": …}`.
pub async fn set_account_status(
    State(state): State<AppState>,
    _: Admin,
    PathId(id): PathId<CustomerId>,
    WireBody(input): WireBody<StatusInput>,
) -> ApiResult<Response> {
    let status = validation_status::canonical_status(&input.status).ok_or_else(|| {
        ApiError::malformed(format!(
            "'{}' is not an account status; use one of {}.",
            input.status,
            validation_status::STATUSES.join(", ")
        ))
    })?;
    let partner = a_reseller(&state, &id).await?;
    let record = AccountStatusRecord {
        status: status.to_owned(),
        changed_at: state.clock.now_secs(),
    };
    let stored = CustomerRecord::of(RecordKind::AccountStatus, "account", partner, &record)?;
    state
        .store
        .put_customer_record(&id, stored, None)
        .await
        .map_err(customer_error(&id))?;
    Ok(Json(partnerd_wire::ValidationStatus {
        validation_type: "account".to_owned(),
        status: record.status,
        last_update_date_time: Some(iso_timestamp(record.changed_at)),
    })
    .into_response())
}

/// `DELETE /_partnerd/customers/{id}/validation-status`: the customer has no status again.
pub async fn clear_account_status(
    State(state): State<AppState>,
    _: Admin,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_customer_record(&id, RecordKind::AccountStatus, "account")
        .await
        .map_err(customer_error(&id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /_partnerd/customers/{id}/direct-sign [{"isSigned": false}]`: the customer accepted
/// the Microsoft Customer Agreement itself (or, with `false`, no longer counts as having);
/// 200 with the status.
pub async fn direct_sign(
    State(state): State<AppState>,
    _: Admin,
    PathId(id): PathId<CustomerId>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let signed = if body.iter().all(u8::is_ascii_whitespace) {
        true
    } else {
        let status: partnerd_wire::DirectSignStatus =
            serde_json::from_slice(&body).map_err(|e| {
                ApiError::malformed(format!("Expected {{\"isSigned\": true|false}}: {e}."))
            })?;
        status.is_signed
    };
    let partner = a_reseller(&state, &id).await?;
    let status = partnerd_wire::DirectSignStatus { is_signed: signed };
    let record = CustomerRecord::of(RecordKind::DirectSign, "mca", partner, &status)?;
    state
        .store
        .put_customer_record(&id, record, None)
        .await
        .map_err(customer_error(&id))?;
    Ok(Json(status).into_response())
}

/// `GET /_partnerd/partners/{tenant}/validation-codes`.
pub async fn list_codes(
    State(state): State<AppState>,
    _: Admin,
    Segment(tenant): Segment,
) -> ApiResult<Json<Vec<partnerd_wire::ValidationCode>>> {
    let partner = find_partner(&state, &tenant).await?;
    let codes = state.store.validation_codes(&partner.tenant_id).await?;
    Ok(Json(
        codes
            .iter()
            .map(|c| validation_codes::wire(&partner.tenant_id, c))
            .collect(),
    ))
}

/// A code to add; everything optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeInput {
    /// The code; a new GUID by default.
    #[serde(default)]
    pub validation_id: Option<String>,
    /// The organisation it was issued to; the partner's name by default.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// How many customers it may qualify; 5 by default.
    #[serde(default)]
    pub max_creates: Option<u32>,
    /// How many it still may; `maxCreates` by default.
    #[serde(default)]
    pub remaining_creates: Option<u32>,
}

/// `POST /_partnerd/partners/{tenant}/validation-codes`: adds (or replaces) a code; 201.
pub async fn add_code(
    State(state): State<AppState>,
    _: Admin,
    Segment(tenant): Segment,
    WireBody(input): WireBody<CodeInput>,
) -> ApiResult<Response> {
    let partner = find_partner(&state, &tenant).await?;
    let max = input
        .max_creates
        .unwrap_or(crate::identity::SEEDED_CODE_CREATES);
    let remaining = input.remaining_creates.unwrap_or(max);
    if remaining > max {
        return Err(ApiError::malformed(
            "remainingCreates cannot exceed maxCreates.",
        ));
    }
    let validation_id = input
        .validation_id
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if validation_id.len() > 128 || validation_id.chars().any(char::is_control) {
        return Err(ApiError::malformed(
            "validationId must be at most 128 printable characters.",
        ));
    }
    let code = ValidationCodeRecord {
        validation_id,
        organization_name: input
            .organization_name
            .unwrap_or_else(|| partner.name.clone()),
        max_creates: max,
        remaining_creates: remaining,
        changed_at: state.clock.now_secs(),
    };
    state
        .store
        .put_validation_code(&partner.tenant_id, code.clone())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(validation_codes::wire(&partner.tenant_id, &code)),
    )
        .into_response())
}

/// `DELETE /_partnerd/partners/{tenant}/validation-codes/{code}`.
pub async fn remove_code(
    State(state): State<AppState>,
    _: Admin,
    axum::extract::Path((tenant, code)): axum::extract::Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let partner = find_partner(&state, &tenant).await?;
    // Paths reach the router lower-cased; codes are matched in any casing.
    let stored = state
        .store
        .validation_codes(&partner.tenant_id)
        .await?
        .into_iter()
        .find(|c| c.validation_id.eq_ignore_ascii_case(&code));
    let removed = match stored {
        Some(c) => {
            state
                .store
                .delete_validation_code(&partner.tenant_id, &c.validation_id)
                .await?
        }
        None => false,
    };
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "Partner {} has no validation code {code}.",
            partner.tenant_id
        )))
    }
}

/// The control plane's lifecycle operations.
pub fn routes() -> Vec<Route> {
    use Access::Admin;
    vec![
        Route::get(
            "/_partnerd/customers/{id}/subscriptions",
            "listCustomerSubscriptions",
            list_subscriptions,
        )
        .summary("Every partner's subscriptions on the customer.")
        .access(Admin)
        .answers(200, Some(Body::SubscriptionRecords)),
        Route::post(
            "/_partnerd/customers/{id}/subscriptions",
            "addCustomerSubscription",
            add_subscription,
        )
        .summary("Puts a subscription on the customer (partnerId names the selling partner when several resell to it).")
        .access(Admin)
        .takes(Body::SubscriptionInput)
        .answers(201, Some(Body::Subscription)),
        Route::delete(
            "/_partnerd/customers/{id}/subscriptions/{subscriptionId}",
            "removeCustomerSubscription",
            remove_subscription,
        )
        .summary("Removes a subscription.")
        .access(Admin)
        .answers(204, None),
        Route::post(
            "/_partnerd/customers/{id}/qualifications",
            "grantQualification",
            grant,
        )
        .summary("Gives the customer a qualification as Microsoft would (Nonprofit included).")
        .access(Admin)
        .takes(Body::Qualification)
        .answers(201, Some(Body::Qualification)),
        Route::post(
            "/_partnerd/customers/{id}/qualifications/{qualification}/review",
            "reviewQualification",
            review,
        )
        .summary("Decides the review of a qualification: InReview, Approved or Denied (with a reason).")
        .access(Admin)
        .takes(Body::Review)
        .answers(200, Some(Body::Qualification)),
        Route::put(
            "/_partnerd/customers/{id}/validation-status",
            "setValidationStatus",
            set_account_status,
        )
        .summary("Sets the customer's account validation status.")
        .access(Admin)
        .takes(Body::AccountStatus)
        .answers(200, Some(Body::ValidationStatus)),
        Route::delete(
            "/_partnerd/customers/{id}/validation-status",
            "clearValidationStatus",
            clear_account_status,
        )
        .summary("Removes the customer's account validation status (reads answer 404/600074).")
        .access(Admin)
        .answers(204, None),
        Route::post(
            "/_partnerd/customers/{id}/direct-sign",
            "setDirectSign",
            direct_sign,
        )
        .summary("The customer accepted the Microsoft Customer Agreement itself (body optional; {\"isSigned\": false} undoes it).")
        .access(Admin)
        .takes(Body::DirectSignStatus)
        .answers(200, Some(Body::DirectSignStatus)),
        Route::get(
            "/_partnerd/partners/{tenant}/validation-codes",
            "listValidationCodes",
            list_codes,
        )
        .summary("The partner's GCC validation codes.")
        .access(Admin)
        .answers(200, Some(Body::ValidationCodes)),
        Route::post(
            "/_partnerd/partners/{tenant}/validation-codes",
            "addValidationCode",
            add_code,
        )
        .summary("Adds or replaces a GCC validation code of the partner.")
        .access(Admin)
        .takes(Body::ValidationCode)
        .answers(201, Some(Body::ValidationCode)),
        Route::delete(
            "/_partnerd/partners/{tenant}/validation-codes/{code}",
            "removeValidationCode",
            remove_code,
        )
        .summary("Removes a GCC validation code.")
        .access(Admin)
        .answers(204, None),
    ]
}
