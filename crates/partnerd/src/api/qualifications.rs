//! A customer's qualifications: the current pair `GET`/`POST /v1/customers/{id}/qualifications`
//! (PascalCase values, asynchronous vetting) and the older synchronous pair
//! `GET`/`PUT /v1/customers/{id}/qualification` (one lower snake string), both over the same
//! stored records.
//!
//! Partners may ask for Education (a segment is required; Microsoft reviews it),
//! GovernmentCommunityCloud (a validation code is required and used up; approved at once) and
//! StateOwnedEntity (no review). Microsoft's manual review becomes a clock rule: an Education
//! qualification stays `InReview` for the server's review delay, then is `Approved`, or
//! `Denied` when its website's host contains `deny`; the control plane can decide a review at
//! any time instead (`POST /_partnerd/customers/{id}/qualifications/{qualification}/review`).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use partnerd_store::{CustomerId, CustomerRecord, QualificationRecord, RecordKind};
use partnerd_wire::{
    CustomerQualification, CustomerQualificationRequest, Qualification, VettingStatus,
};

use crate::api::customers::related;
use crate::clock::iso_timestamp;
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::idempotency::{completion_for, respond, IdempotencyLease};
use crate::http::params::{query_param, PathId};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// Why the review rule denies an Education qualification.
pub const DENIAL_REASON: &str = "Not an Education Customer";

/// A qualification as the review rule sees it at `now`: an undecided Education review older
/// than `delay` seconds is decided, `Denied` when the website's host contains `deny`,
/// otherwise `Approved`.
pub fn reviewed(record: &QualificationRecord, now: i64, delay: i64) -> QualificationRecord {
    let due = now >= record.created_at.saturating_add(delay);
    if record.decided || record.vetting_status != Some(VettingStatus::InReview) || !due {
        return record.clone();
    }
    let denied = record
        .website
        .as_deref()
        .map(website_host)
        .is_some_and(|host| host.contains("deny"));
    QualificationRecord {
        vetting_status: Some(if denied {
            VettingStatus::Denied
        } else {
            VettingStatus::Approved
        }),
        vetting_reason: denied.then(|| DENIAL_REASON.to_owned()),
        ..record.clone()
    }
}

/// The host of a website as partners write it (`https://school.edu/x`, `school.edu`), lower
/// case.
fn website_host(website: &str) -> String {
    let rest = website.split_once("://").map_or(website, |(_, rest)| rest);
    rest.split(['/', '?', '#', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The wire form of a stored qualification.
pub fn wire(record: &QualificationRecord) -> CustomerQualification {
    CustomerQualification {
        qualification: record.qualification.pascal(),
        vetting_status: record.vetting_status.map(VettingStatus::pascal),
        vetting_reason: record.vetting_reason.clone(),
        vetting_create_date: record.dated.then(|| iso_timestamp(record.created_at)),
    }
}

/// The customer's qualifications as the review rule sees them now, oldest first.
pub async fn current(state: &AppState, id: &CustomerId) -> ApiResult<Vec<QualificationRecord>> {
    let now = state.clock.now_secs();
    let delay = state.settings.qualification_review_secs;
    let mut records = state
        .store
        .customer_records(id, RecordKind::Qualification)
        .await?
        .iter()
        .map(|r| r.read::<QualificationRecord>())
        .collect::<Result<Vec<_>, _>>()?;
    records.sort_by_key(|r| r.created_at);
    Ok(records.iter().map(|r| reviewed(r, now, delay)).collect())
}

/// `GET /v1/customers/{id}/qualifications`: a bare array, `[]` for an unqualified customer.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<Vec<CustomerQualification>>> {
    related(&state, &caller, &id).await?;
    let items = current(&state, &id).await?.iter().map(wire).collect();
    Ok(Reply::ok(format, items))
}

/// The record a partner's request makes, or why it is refused. `legacy` is the synchronous
/// PUT, which has no way to send an education segment.
fn new_record(
    request: &CustomerQualificationRequest,
    query_code: Option<String>,
    now: i64,
    legacy: bool,
) -> ApiResult<QualificationRecord> {
    let invalid = |path: &str, reason: &str| {
        ApiError::invalid_properties(vec![(path.to_owned(), reason.to_owned())])
    };
    let body_code = request
        .validation_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let mut record = QualificationRecord {
        qualification: request.qualification,
        vetting_status: None,
        vetting_reason: None,
        created_at: now,
        dated: false,
        education_segment: request.education_segment.map(|s| s.as_str().to_owned()),
        website: request.website.clone(),
        validation_id: None,
        decided: false,
    };
    match request.qualification {
        Qualification::None | Qualification::Nonprofit => {
            return Err(invalid(
                "qualification",
                "a partner may set Education, GovernmentCommunityCloud or StateOwnedEntity",
            ))
        }
        Qualification::Education => {
            if request.education_segment.is_none() && !legacy {
                return Err(invalid(
                    "educationSegment",
                    "required for Education: K12 or HigherEducation",
                ));
            }
            record.vetting_status = Some(VettingStatus::InReview);
            record.dated = true;
        }
        Qualification::GovernmentCommunityCloud => {
            let code = match (body_code, query_code) {
                (Some(a), Some(b)) if a != b => {
                    return Err(ApiError::validation_code_refused(format!(
                        "The validation code in the body ({a}) and in ?code= ({b}) differ."
                    )))
                }
                (Some(code), _) | (None, Some(code)) => code,
                (None, None) => {
                    return Err(ApiError::validation_code_refused(
                        "A GovernmentCommunityCloud qualification needs one of the partner's validation codes: validationCode in the body or ?code=.".to_owned(),
                    ))
                }
            };
            record.validation_id = Some(code);
            record.vetting_status = Some(VettingStatus::Approved);
            record.dated = true;
        }
        Qualification::StateOwnedEntity => {}
    }
    Ok(record)
}

/// Records the review rule's decisions that are due, so that the store's rules (which see
/// stored records only) count a qualification the rule denied as denied. Each is written by
/// compare-and-swap against what was read: a concurrent decision wins.
async fn settle(state: &AppState, id: &CustomerId) -> ApiResult<()> {
    let now = state.clock.now_secs();
    let delay = state.settings.qualification_review_secs;
    for record in state
        .store
        .customer_records(id, RecordKind::Qualification)
        .await?
    {
        let stored: QualificationRecord = record.read()?;
        let decided = reviewed(&stored, now, delay);
        if decided != stored {
            let settled = QualificationRecord {
                decided: true,
                ..decided
            };
            let updated = CustomerRecord::of(
                RecordKind::Qualification,
                settled.key(),
                record.partner_id.clone(),
                &settled,
            )?;
            state
                .store
                .put_customer_record(id, updated, Some(record.body))
                .await?;
        }
    }
    Ok(())
}

/// Checks and stores a partner's qualification request (app+user, related customer, the
/// request's rules, then the store's); the response is rendered from the new record.
/// `legacy` is the synchronous PUT.
async fn add(
    state: &AppState,
    caller: &Caller,
    id: &CustomerId,
    lease: Option<Extension<IdempotencyLease>>,
    request: (CustomerQualificationRequest, Option<String>, bool),
    render: impl Fn(&QualificationRecord) -> partnerd_store::StoredResponse + Send + 'static,
) -> ApiResult<Response> {
    caller.require_user()?;
    related(state, caller, id).await?;
    let (request, query, legacy) = request;
    let record = new_record(
        &request,
        query_param(query.as_deref(), "code"),
        state.clock.now_secs(),
        legacy,
    )?;
    settle(state, id).await?;
    let lease = lease.map(|Extension(l)| l);
    let response = render(&record);
    let stored = response.clone();
    let completion = completion_for(lease.as_ref(), move |_| stored);
    state
        .store
        .add_qualification(&caller.partner.tenant_id, id, record, completion)
        .await?;
    Ok(respond(lease.as_ref(), response))
}

/// `POST /v1/customers/{id}/qualifications[?code=]` (app+user): 201 with the new
/// qualification.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    lease: Option<Extension<IdempotencyLease>>,
    PathId(id): PathId<CustomerId>,
    RawQuery(query): RawQuery,
    WireBody(body): WireBody<CustomerQualificationRequest>,
) -> ApiResult<Response> {
    add(
        &state,
        &caller,
        &id,
        lease,
        (body, query, false),
        move |r| Reply::with_status(StatusCode::CREATED, format, wire(r)).into_stored(),
    )
    .await
}

/// The synchronous view: the newest qualification other than StateOwnedEntity that is not
/// denied, lower snake, else `none`.
fn legacy_value(records: &[QualificationRecord]) -> &'static str {
    records
        .iter()
        .rev()
        .find(|r| {
            r.qualification != Qualification::StateOwnedEntity
                && r.vetting_status != Some(VettingStatus::Denied)
        })
        .map_or("none", |r| r.qualification.as_str())
}

/// `GET /v1/customers/{id}/qualification`: one JSON string (`"education"`).
pub async fn get_legacy(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<&'static str>> {
    related(&state, &caller, &id).await?;
    let records = current(&state, &id).await?;
    Ok(Reply::ok(format, legacy_value(&records)))
}

/// `PUT /v1/customers/{id}/qualification[?code=]` (app+user): the body is the qualification
/// alone (a string in any spelling, or the .NET ordinal); 200 with the value now held.
pub async fn put_legacy(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    lease: Option<Extension<IdempotencyLease>>,
    PathId(id): PathId<CustomerId>,
    RawQuery(query): RawQuery,
    WireBody(qualification): WireBody<Qualification>,
) -> ApiResult<Response> {
    let request = CustomerQualificationRequest {
        qualification,
        education_segment: None,
        validation_code: None,
        website: None,
    };
    add(
        &state,
        &caller,
        &id,
        lease,
        (request, query, true),
        move |r| Reply::ok(format, r.qualification.as_str()).into_stored(),
    )
    .await
}

/// The qualification operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "/v1/customers/{id}/qualifications",
            "getQualifications",
            list,
        )
        .summary("The customer's qualifications with their vetting status (a bare array).")
        .answers(200, Some(Body::Qualifications)),
        Route::post(
            "/v1/customers/{id}/qualifications",
            "createQualification",
            create,
        )
        .summary("Asks for a qualification: Education (reviewed), GovernmentCommunityCloud (needs a validation code) or StateOwnedEntity. App+user.")
        .takes(Body::QualificationRequest)
        .answers(201, Some(Body::Qualification))
        .query(&["code"]),
        Route::get(
            "/v1/customers/{id}/qualification",
            "getQualification",
            get_legacy,
        )
        .summary("The older synchronous view: one lower snake qualification, or none.")
        .answers(200, Some(Body::QualificationValue)),
        Route::put(
            "/v1/customers/{id}/qualification",
            "updateQualification",
            put_legacy,
        )
        .summary("The older synchronous update: the body is the qualification alone. App+user.")
        .takes(Body::QualificationValue)
        .answers(200, Some(Body::QualificationValue))
        .query(&["code"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn education(website: Option<&str>) -> QualificationRecord {
        QualificationRecord {
            qualification: Qualification::Education,
            vetting_status: Some(VettingStatus::InReview),
            vetting_reason: None,
            created_at: 100,
            dated: true,
            education_segment: Some("k12".into()),
            website: website.map(str::to_owned),
            validation_id: None,
            decided: false,
        }
    }

    #[test]
    fn the_review_rule_decides_after_the_delay() {
        let r = education(Some("https://school.edu/about"));
        assert_eq!(
            reviewed(&r, 109, 10).vetting_status,
            Some(VettingStatus::InReview)
        );
        assert_eq!(
            reviewed(&r, 110, 10).vetting_status,
            Some(VettingStatus::Approved)
        );
        let denied = reviewed(&education(Some("deny-school.example")), 100, 0);
        assert_eq!(denied.vetting_status, Some(VettingStatus::Denied));
        assert_eq!(denied.vetting_reason.as_deref(), Some(DENIAL_REASON));
        // Only the host counts.
        let path = reviewed(&education(Some("https://school.edu/deny")), 100, 0);
        assert_eq!(path.vetting_status, Some(VettingStatus::Approved));
    }

    #[test]
    fn a_decided_review_is_left_alone() {
        let mut r = education(Some("deny.example"));
        r.decided = true;
        assert_eq!(
            reviewed(&r, 1_000, 0).vetting_status,
            Some(VettingStatus::InReview)
        );
    }

    #[test]
    fn the_legacy_view_skips_denied_and_state_owned() {
        let mut denied = education(None);
        denied.vetting_status = Some(VettingStatus::Denied);
        let soe = QualificationRecord {
            qualification: Qualification::StateOwnedEntity,
            vetting_status: None,
            ..education(None)
        };
        assert_eq!(legacy_value(&[denied.clone(), soe.clone()]), "none");
        let gcc = QualificationRecord {
            qualification: Qualification::GovernmentCommunityCloud,
            ..education(None)
        };
        assert_eq!(
            legacy_value(&[denied, gcc, soe]),
            "government_community_cloud"
        );
    }
}
