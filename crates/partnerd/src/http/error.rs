//! The one error type of the API and the catalogue of its codes.
//!
//! Every failure a handler, extractor or middleware can produce becomes an [`ApiError`]; its
//! status and code come from the constructors below, which mirror the contract's table. The
//! body is the Partner Center fault shape; 5xx bodies never carry internals (those go to the
//! log) and get the correlation id in `data` from the wire layer.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use partnerd_store::{QualificationRefusal, StoreError};
use partnerd_wire::ApiFault;

use crate::http::reply::Format;

/// A failed request, ready to be rendered.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The body.
    pub fault: ApiFault,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u32>,
}

/// One invalid property: its path and what is wrong with it.
pub type Violation = (String, String);

impl ApiError {
    /// An error with a code and description and no data. Private: every code the service
    /// answers has a named constructor below, so the catalogue is this one file.
    fn new(status: StatusCode, code: i64, description: impl Into<String>) -> Self {
        Self {
            status,
            fault: ApiFault::new(code, description, Vec::new()),
            retry_after: None,
        }
    }

    /// Adds `data` entries.
    pub fn with_data(mut self, data: Vec<String>) -> Self {
        self.fault.data = data;
        self
    }

    /// 400/2000: a path id that must be a GUID is not one.
    pub fn not_a_guid() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 2000, "Tenant Id must be a GUID.")
    }

    /// 400/3000: nothing removable, or no relationship left to remove.
    pub fn nothing_to_remove(description: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 3000, description)
    }

    /// 400/27002: properties with invalid data.
    pub fn invalid_properties(violations: Vec<Violation>) -> Self {
        let data = violations
            .into_iter()
            .map(|(path, reason)| format!("property_name: {path} - {reason}"))
            .collect();
        Self::new(
            StatusCode::BAD_REQUEST,
            27002,
            "A property has invalid data.",
        )
        .with_data(data)
    }

    /// 400/800002: malformed input.
    pub fn malformed(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 800002, description)
    }

    /// 400/800018: the sandbox customer cap is reached.
    pub fn cap_reached(cap: u32) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            800018,
            format!(
                "The sandbox limit has been met: this partner may hold at most {cap} customers."
            ),
        )
    }

    /// 400/900127: customer deletion outside the sandbox.
    pub fn delete_not_supported() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            900127,
            "Deleting a customer is supported only for integration sandbox partners.",
        )
    }

    /// 401/800001: the token is missing or not acceptable.
    pub fn unauthorized(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 800001, description)
    }

    /// 401/900420: a token for the retired Azure AD Graph audience.
    pub fn retired_audience() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            900420,
            "Tokens with the audience https://graph.windows.net are no longer supported; request a token for https://api.partnercenter.microsoft.com.",
        )
    }

    /// 401/900421: an app+user token without multi-factor authentication.
    pub fn mfa_required() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            900421,
            "Multi-factor authentication is required: the token's amr claim does not contain mfa.",
        )
    }

    /// 403/2032: app-only credentials on an app+user operation.
    pub fn app_only_forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            2032,
            "Access denied: this operation cannot be accessed with application credentials; use app+user credentials.",
        )
    }

    /// 403/20002: the caller has no relationship with the customer.
    pub fn no_relationship() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            20002,
            "No relationship between caller and account.",
        )
    }

    /// 404/60003: no such customer.
    pub fn customer_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            60003,
            format!("Tenant {id} not found."),
        )
    }

    /// 404/1000: no such route.
    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            1000,
            "Not found: the requested resource does not exist.",
        )
    }

    /// 405/990007: the route exists but not for this method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            990007,
            "The requested method is not allowed on this resource.",
        )
    }

    /// 406/990005: no acceptable response media type.
    pub fn not_acceptable(accept: &str) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            990005,
            format!("None of the media types in Accept ({accept}) can be produced; use application/json or text/json."),
        )
    }

    /// 409/990001: the domain is taken.
    pub fn domain_taken(domain: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            990001,
            format!("The domain {domain} is already in use."),
        )
    }

    /// 400/2055: the ETag does not match, as Microsoft's error table pairs them (the .NET SDK
    /// would silently retry a 412).
    pub fn etag_mismatch() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 2055, "Etag is no longer valid.")
    }

    /// 400/990011: the partner still has active subscriptions on the customer, so its reseller
    /// relationship stays (Microsoft requires every subscription suspended first; the real
    /// code is not public). `data` lists the subscriptions.
    pub fn active_subscriptions(ids: Vec<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            990011,
            "The reseller relationship cannot be removed while the customer has active subscriptions: suspend them first.",
        )
        .with_data(ids.into_iter().map(|id| format!("subscription: {id}")).collect())
    }

    /// 409/990009: the customer already has the qualification, or one that excludes it.
    pub fn qualification_conflict(description: String) -> Self {
        Self::new(StatusCode::CONFLICT, 990009, description)
    }

    /// 400/990010: a GovernmentCommunityCloud qualification without a usable validation code.
    pub fn validation_code_refused(description: String) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 990010, description)
    }

    /// 403/990012: only domain-registrar partners add verified domains.
    pub fn not_a_registrar() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            990012,
            "Only partners that are domain registrars may add a verified domain to a customer.",
        )
    }

    /// 404/600074: the customer has no account validation status; the text is Partner
    /// Center's.
    pub fn account_status_not_found(customer: &str) -> Self {
        let mut e = Self::new(
            StatusCode::NOT_FOUND,
            600074,
            format!("Account Status for the customer, {customer} was not found."),
        );
        e.fault = e.fault.with_details("AccountStatusNotFound", false);
        e
    }

    /// 404/1000: a resource under a customer that does not exist (a subscription, a
    /// validation link, a qualification).
    pub fn not_found(description: String) -> Self {
        Self::new(StatusCode::NOT_FOUND, 1000, description)
    }

    /// 409/600061: the same partner-confirmed agreement (template and contact) exists, with
    /// the extra keys Partner Center adds to this error.
    pub fn agreement_exists() -> Self {
        let mut e = Self::new(
            StatusCode::CONFLICT,
            600061,
            "A partner confirmed agreement already exists with the same details.",
        );
        e.fault = e
            .fault
            .with_details("PartnerConfirmedAgreementAlreadyExists", false);
        e
    }

    /// 400/600002: `dateAgreed` is later than now.
    pub fn date_agreed_in_future() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            600002,
            "The date of agreement cannot be greater than the current date.",
        )
        .with_data(vec!["property_name: dateAgreed".to_owned()])
    }

    /// 400/990013: the retired Microsoft Cloud Agreement template takes no new confirmations
    /// (Partner Center's text; its code is not public).
    pub fn template_retired(template: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            990013,
            format!("The agreement template id {template} is no longer supported."),
        )
        .with_data(vec!["property_name: templateId".to_owned()])
    }

    /// 409/600041: a self-serve policy for this grantor and customer exists.
    pub fn policy_exists() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            600041,
            "A self-serve policy already exists for this grantor and entity.",
        )
    }

    /// 404/600039: no self-serve policy with this id.
    pub fn policy_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            600039,
            format!("Self-serve policy {id} not found."),
        )
    }

    /// 404/600040: the self-serve policy id is not `<grantor tenant>_<customer tenant>`, or
    /// not the one the body names.
    pub fn policy_id_invalid(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            600040,
            format!("The self-serve policy identifier {id} is incorrect."),
        )
    }

    /// 403/990014: an agreement-document link that expired or was altered.
    pub fn document_link_invalid() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            990014,
            "This document link expired or is not valid; ask for a new one.",
        )
    }

    /// 400/800091: a suspended subscription can only be reactivated, not otherwise changed.
    pub fn subscription_suspended() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            800091,
            "Cannot update a subscription with suspended status.",
        )
    }

    /// 415/990004: unsupported request media type.
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            990004,
            format!("The request media type {content_type} is not supported; send application/json or text/json."),
        )
    }

    /// 428/990003: a billing-profile update without any ETag.
    pub fn etag_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            990003,
            "An ETag is required: send If-Match or attributes.etag from the last GET.",
        )
    }

    /// 409/990001: a customer already holds the domain (store conflicts without the domain).
    pub fn domain_in_use() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            990001,
            "The domain is already in use.",
        )
    }

    /// 404/1000: the control plane has no invitation with this id.
    pub fn invitation_not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, 1000, format!("No invitation {id}."))
    }

    /// 404/600040: no market rules for this country code (`UK` rather than `GB`); the text
    /// is the one Partner Center answers with.
    pub fn no_country_rules(code: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            600040,
            format!("No validation rules were found for the country/region {code}"),
        )
    }

    /// 400/2007: the pre-2021 address validation's refusal (`--address-validation legacy`),
    /// whose description is the JSON text PowerShell 3.0.11 parses.
    pub fn legacy_address_invalid(description: String) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 2007, description)
    }

    /// 408/990008: the request body stalled past the body timeout.
    pub fn body_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            990008,
            "The request body was not received in time.",
        )
    }

    /// 409/990002: an `MS-RequestId` reused for a different request.
    pub fn request_id_reused() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            990002,
            "This MS-RequestId was already used for a different request.",
        )
    }

    /// 400/600049: the country requires an organization registration number.
    pub fn registration_number_required(country: &str) -> Self {
        Self::registration_number(
            600049,
            format!("An organization registration number is required for customers in {country}."),
        )
    }

    /// 400/600002: the country takes no organization registration number.
    pub fn registration_number_not_supported(country: &str) -> Self {
        Self::registration_number(
            600002,
            format!(
                "An organization registration number is not supported for customers in {country}."
            ),
        )
    }

    /// 400/600050: the organization registration number does not match `pattern`.
    pub fn registration_number_invalid(pattern: &str) -> Self {
        Self::registration_number(
            600050,
            format!("The organization registration number is not valid; it must match {pattern}."),
        )
    }

    fn registration_number(code: i64, description: String) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, description).with_data(vec![
            "property_name: companyProfile.organizationRegistrationNumber".to_owned(),
        ])
    }

    /// 400/600051: the country requires a phone number on the address at `path`.
    pub fn phone_required(country: &str, path: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            600051,
            format!("A phone number is required for customers in {country}."),
        )
        .with_data(vec![format!("property_name: {path}.phoneNumber")])
    }

    /// 404/1000: the control plane has no fault rule with this id.
    pub fn fault_rule_not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, 1000, format!("No fault rule {id}."))
    }

    /// 409/1000: the control plane will not retire the only active signing key.
    pub fn last_signing_key(kid: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            1000,
            format!("The key {kid} is the only active signing key; rotate first, then retire it."),
        )
    }

    /// 404/3000: no such user of the customer, or a deleted one (the code the .NET SDK's
    /// samples look for after a delete).
    pub fn user_not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, 3000, format!("User {id} not found."))
    }

    /// 409/990001: another user of the customer (active, or deleted and still restorable)
    /// holds the sign-in name.
    pub fn user_name_taken(upn: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            990001,
            format!("Another object with the same value for property userPrincipalName already exists: {upn}."),
        )
    }

    /// 404/1000: no directory role with this id.
    pub fn role_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            1000,
            format!("Directory role {id} not found."),
        )
    }

    /// 409/990001: the user already holds the role.
    pub fn already_member(user: &str, role: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            990001,
            format!("User {user} is already a member of directory role {role}."),
        )
    }

    /// 404/1000: the user does not hold the role.
    pub fn not_a_member(user: &str, role: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            1000,
            format!("User {user} is not a member of directory role {role}."),
        )
    }

    /// 404/60003: the control plane knows no such partner.
    pub fn partner_not_found(tenant: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            60003,
            format!("Partner {tenant} not found."),
        )
    }

    /// An injected fault: the status and code a fault rule names, with `Retry-After: 1` on
    /// 429 and 503 as a real throttle or outage would send.
    pub fn injected(status: StatusCode, code: i64, description: String) -> Self {
        let mut error = Self::new(status, code, description);
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            error.retry_after = Some(1);
        }
        error
    }

    /// 500/990000: an unexpected failure; `detail` goes to the log only.
    pub fn internal(detail: &str) -> Self {
        tracing::error!(detail, "unexpected failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            990000,
            "An unexpected error occurred. Quote the correlation id when reporting it.",
        )
    }

    /// 503/990006: the store is unavailable.
    pub fn unavailable(detail: &str) -> Self {
        tracing::warn!(detail, "store unavailable");
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            990006,
            "The service is temporarily unavailable. Retry after the interval in Retry-After.",
        );
        e.retry_after = Some(1);
        e
    }

    /// Renders the error in a response format.
    pub fn render(&self, format: Format) -> Response {
        let mut response = format.encode(self.status, &self.fault);
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl IntoResponse for ApiError {
    /// Rendered as JSON here; the wire layer re-renders it in the negotiated format and adds
    /// the correlation id to 5xx bodies, using the copy kept in the extensions.
    fn into_response(self) -> Response {
        let mut response = self.render(Format::Json);
        response.extensions_mut().insert(self);
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(detail) => Self::unavailable(&detail),
            StoreError::DomainTaken => Self::domain_in_use(),
            StoreError::CapReached(cap) => Self::cap_reached(cap),
            StoreError::EtagMismatch => Self::etag_mismatch(),
            StoreError::NoRelationship => Self::no_relationship(),
            StoreError::ActiveSubscriptions(ids) => Self::active_subscriptions(ids),
            StoreError::Qualification(QualificationRefusal::Conflict(d)) => {
                Self::qualification_conflict(d)
            }
            StoreError::Qualification(QualificationRefusal::Code(d)) => {
                Self::validation_code_refused(d)
            }
            other => Self::internal(&other.to_string()),
        }
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError;
        match e {
            AuthError::Invalid(description) => Self::unauthorized(description),
            AuthError::RetiredAudience => Self::retired_audience(),
            AuthError::MfaRequired => Self::mfa_required(),
            AuthError::Store(e) => e.into(),
        }
    }
}
