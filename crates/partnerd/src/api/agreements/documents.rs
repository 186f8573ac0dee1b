//! `GET /v1/agreementtemplates/{templateId}/document?language=&country=` (app+user, public
//! cloud): links to the Microsoft Customer Agreement's document for a country and language.
//!
//! partnerd never serves Microsoft's text. Both links point at partnerd itself,
//! `/_partnerd/agreement-documents/{template}/{country}/{language}`, which answers a generated
//! placeholder: an HTML page to display, a Rich Text document (which Word opens) to download.
//! Each call mints new links, signed with HMAC-SHA256 under a key derived from the server's
//! stored secret (so every node of a shared database honours them) and valid five minutes, as
//! Partner Center's are.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use hmac::{Hmac, Mac};
use partnerd_wire::{AgreementDocument, ResourceAttributes};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{public_only, template, CUSTOMER_AGREEMENT};
use crate::api::markets::markets;
use crate::http::error::{ApiError, ApiResult};
use crate::http::origin::base_url;
use crate::http::params::Segment;
use crate::http::paths::OriginalPath;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::{Access, Body};
use crate::routes::Route;
use crate::state::AppState;

/// How long a minted link works.
pub const LINK_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// The key links are signed with: derived from the stored idempotency secret, so that it is
/// the same on every node and never stored twice.
fn link_key(state: &AppState) -> HmacSha256 {
    let mut derive =
        <HmacSha256 as Mac>::new_from_slice(&state.idempotency_secret).expect("HMAC takes any key");
    derive.update(b"partnerd agreement documents");
    let key = derive.finalize().into_bytes();
    <HmacSha256 as Mac>::new_from_slice(&key).expect("HMAC takes any key")
}

/// The signature of one link. Paths reach the router lower-cased, so the parts are signed in
/// lower case.
fn signature(state: &AppState, parts: &[&str; 6]) -> Vec<u8> {
    let mut mac = link_key(state);
    for part in parts {
        mac.update(part.to_ascii_lowercase().as_bytes());
        mac.update(&[0]);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The template id as the client wrote it: ids are case-sensitive, but the router sees the
/// path lower-cased.
fn template_as_sent(original: Option<&OriginalPath>, routed: &str) -> String {
    original
        .and_then(|OriginalPath(path)| {
            let lower = path.to_ascii_lowercase();
            let at = lower.find("/agreementtemplates/")? + "/agreementtemplates/".len();
            path.get(at..)?.split('/').next().map(str::to_owned)
        })
        .unwrap_or_else(|| routed.to_owned())
}

/// The languages a country's document is offered in: `en-US` everywhere, and the country's
/// own cultures.
fn languages(country: &str) -> Vec<String> {
    let mut out = vec!["en-US".to_owned()];
    if let Some(market) = markets().get(country) {
        for culture in &market.rules.supported_cultures_list {
            if !out.iter().any(|l| l.eq_ignore_ascii_case(culture)) {
                out.push(culture.clone());
            }
        }
    }
    out
}

/// `GET /v1/agreementtemplates/{templateId}/document[?language=&country=]`.
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    headers: HeaderMap,
    original: Option<Extension<OriginalPath>>,
    Segment(routed): Segment,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<AgreementDocument>> {
    public_only(&state)?;
    caller.require_user()?;
    let id = template_as_sent(original.as_ref().map(|Extension(o)| o), &routed);
    let Some(found) = template(&id) else {
        return Err(ApiError::not_found(format!(
            "No agreement template {id} (template ids are case-sensitive)."
        )));
    };
    if found.kind != CUSTOMER_AGREEMENT {
        return Err(ApiError::malformed(
            "Documents are offered for the Microsoft Customer Agreement only.",
        ));
    }
    let mut country = "US".to_owned();
    let mut language: Option<String> = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if k.eq_ignore_ascii_case("country") && !v.trim().is_empty() {
            country = v.trim().to_owned();
        } else if k.eq_ignore_ascii_case("language") && !v.trim().is_empty() {
            language = Some(v.trim().to_owned());
        }
    }
    // Country codes are case-sensitive, as documented: `us` is no country.
    if country != country.to_ascii_uppercase() || markets().get(&country).is_none() {
        return Err(ApiError::malformed(format!(
            "The country '{country}' is not one the agreement is offered in; codes are upper-case ISO 3166 (US)."
        )));
    }
    let offered = languages(&country);
    let language = language
        .and_then(|l| offered.iter().find(|o| o.eq_ignore_ascii_case(&l)).cloned())
        .unwrap_or_else(|| "en-US".to_owned());
    let base = base_url(&state, &headers);
    let exp = (state.clock.now_secs() + LINK_SECS).to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let link = |view: &str| {
        let sig = signature(&state, &[found.id, &country, &language, view, &exp, &nonce]);
        format!(
            "{base}/_partnerd/agreement-documents/{}/{country}/{language}?view={view}&exp={exp}&nonce={nonce}&sig={}",
            found.id,
            hex(&sig)
        )
    };
    Ok(Reply::ok(
        format,
        AgreementDocument {
            display_uri: link("display"),
            download_uri: link("download"),
            language: language.clone(),
            country: country.clone(),
            attributes: Some(ResourceAttributes::of("AgreementDocument")),
        },
    ))
}

/// `GET /_partnerd/agreement-documents/{template}/{country}/{language}?view=&exp=&nonce=&sig=`:
/// the placeholder a minted link leads to; 403/990014 once it expired or when it was altered.
pub async fn serve_document(
    State(state): State<AppState>,
    Path((template_id, country, language)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let mut view = String::new();
    let mut exp = String::new();
    let mut nonce = String::new();
    let mut sig = String::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "view" => view = v.into_owned(),
            "exp" => exp = v.into_owned(),
            "nonce" => nonce = v.into_owned(),
            "sig" => sig = v.into_owned(),
            _ => {}
        }
    }
    let expected = hex(&signature(
        &state,
        &[&template_id, &country, &language, &view, &exp, &nonce],
    ));
    let genuine = bool::from(
        expected
            .as_bytes()
            .ct_eq(sig.to_ascii_lowercase().as_bytes()),
    );
    let live = exp
        .parse::<i64>()
        .is_ok_and(|exp| state.clock.now_secs() <= exp);
    if !genuine || !live {
        return Err(ApiError::document_link_invalid());
    }
    let country = country.to_ascii_uppercase();
    let language = languages(&country)
        .into_iter()
        .find(|l| l.eq_ignore_ascii_case(&language))
        .unwrap_or(language);
    let title = format!("Microsoft Customer Agreement ({country}, {language})");
    let note = "This is partnerd's placeholder for the agreement template, not Microsoft's text. \
        The real document comes from Partner Center.";
    let mut response = if view == "download" {
        let rtf = format!("{{\\rtf1\\ansi\\deff0{{\\fonttbl{{\\f0 Calibri;}}}}\\f0\\fs28 {title}\\par\\fs22 {note}\\par Template {template_id}.\\par}}");
        let mut r = (StatusCode::OK, rtf).into_response();
        let file = format!("MicrosoftCustomerAgreement_{country}_{language}.rtf");
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/rtf"),
        );
        r
    } else {
        let html = format!(
            "<!doctype html><html lang=\"{language}\"><meta charset=\"utf-8\"><title>{title}</title>\
             <h1>{title}</h1><p>{note}</p><p>Template <code>{template_id}</code>.</p></html>"
        );
        let mut r = (StatusCode::OK, html).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The document operations.
pub fn routes() -> Vec<Route> {
    vec![
        // Paths are matched lower-cased (see `http::paths`): `agreementTemplates` matches too.
        Route::get(
            "/v1/agreementtemplates/{templateId}/document",
            "getAgreementDocument",
            document,
        )
        .summary("Links to the Microsoft Customer Agreement's document for a country (case-sensitive, default US) and language (default en-US), valid five minutes. App+user; public cloud.")
        .answers(200, Some(Body::AgreementDocument))
        .query(&["language", "country"]),
        Route::get(
            "/_partnerd/agreement-documents/{template}/{country}/{language}",
            "agreementDocumentPlaceholder",
            serve_document,
        )
        .summary("The placeholder document a minted link leads to (the signature in the link is the credential).")
        .access(Access::Open)
        .query(&["view", "exp", "nonce", "sig"]),
    ]
}
