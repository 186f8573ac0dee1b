//! Path normalisation, applied before routing.
//!
//! Partner Center clients vary in path casing and add trailing slashes, and `/v1.0/` is the
//! same version as `/v1/`. Every path is therefore lower-cased (ids are GUIDs and domains,
//! both case-insensitive), its doubled slashes collapsed, stripped of one trailing slash, and
//! `/v1.0/` becomes `/v1/`; the query string is left as sent.
//!
//! axum matches a route before any layer attached to the router runs, so this cannot be one
//! of those layers: [`crate::app::build_app`] wraps the whole router in it instead.

use axum::http::{Request, Uri};

/// The path as the client sent it, kept in the request's extensions when normalising changed
/// it: the few operations whose ids are case-sensitive (an agreement template's) read it.
#[derive(Debug, Clone)]
pub struct OriginalPath(pub String);

/// Rewrites the request's path in place.
pub fn normalise<B>(mut request: Request<B>) -> Request<B> {
    if let Some(uri) = normalised(request.uri()) {
        let original = OriginalPath(request.uri().path().to_owned());
        *request.uri_mut() = uri;
        request.extensions_mut().insert(original);
    }
    request
}

fn normalised(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    // Most requests need nothing: check before allocating.
    let needs_work = path.bytes().any(|b| b.is_ascii_uppercase())
        || path.contains("//")
        || (path.len() > 1 && path.ends_with('/'))
        || path == "/v1.0"
        || path.starts_with("/v1.0/");
    if !needs_work {
        return None;
    }
    let mut out = path.to_ascii_lowercase();
    while out.contains("//") {
        out = out.replace("//", "/");
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    if out == "/v1.0" || out.starts_with("/v1.0/") {
        out.replace_range(..5, "/v1");
    }
    if out == path {
        return None;
    }
    let rebuilt = match uri.query() {
        Some(q) => format!("{out}?{q}"),
        None => out,
    };
    rebuilt.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        let uri: Uri = s.parse().unwrap();
        normalised(&uri).map_or(s.to_owned(), |u| u.to_string())
    }

    #[test]
    fn paths_are_normalised() {
        assert_eq!(n("/V1/Customers/"), "/v1/customers");
        assert_eq!(n("/v1.0/customers?Size=2"), "/v1/customers?Size=2");
        assert_eq!(n("/v1.0"), "/v1");
        assert_eq!(n("/v1/customers"), "/v1/customers");
        assert_eq!(n("/"), "/");
        assert_eq!(n("/v10/customers"), "/v10/customers");
        assert_eq!(n("/t//v2.0/.well-known/x"), "/t/v2.0/.well-known/x");
    }
}
