//! Redaction of journaled bodies: secret property values and anything shaped like a JWT
//! become `***` before a body is shown.
//!
//! The journal is readable over HTTP, and passwords or tokens in it would outlive the request;
//! this module is the one place that decides what counts as a secret.

/// What replaces a secret value.
const MASK: &str = "***";

/// Property names (compared case-insensitively) whose values are secrets.
const SECRET_NAMES: [&str; 11] = [
    "password",
    "client_secret",
    "clientSecret",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "code",
    "code_verifier",
    "device_code",
    "userPassword",
];

/// A body as text safe to keep: secret property values and anything shaped like a JWT are
/// replaced by `***`.
///
/// The format comes from the media type: `application/x-www-form-urlencoded` is treated as
/// form pairs (the key's last path segment, as in `userCredentials.password` or
/// `userCredentials[password]`, is the property name); `application/xml`/`text/xml` (and
/// `+xml`) as XML elements; everything else, including no media type, as JSON. JSON is
/// redacted lexically rather than parsed and re-serialized, so the journal shows the body as
/// sent (property order, case, whitespace) and malformed or truncated JSON is redacted too.
/// In JSON and XML a numeric `code` is kept: it is the error code of fault bodies, while
/// OAuth authorization codes are never bare numbers.
/// Bodies that are not UTF-8 become a short placeholder.
pub fn redact(content_type: Option<&str>, body: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(body) else {
        return format!("<{} bytes, not UTF-8>", body.len());
    };
    let essence = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let redacted = if essence == "application/x-www-form-urlencoded" {
        redact_form(text)
    } else if essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml") {
        redact_xml(text)
    } else {
        redact_json(text)
    };
    redact_jwts(&redacted)
}

fn is_secret(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Whether `value` of property `name` may stay: only a plain integer under `code`.
fn keep_value(name: &str, value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    name.eq_ignore_ascii_case("code")
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Form pairs: values of secret keys are masked; everything else is kept as sent.
fn redact_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, pair) in text.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let (raw_key, value) = match pair.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (pair, None),
        };
        let key: String = form_urlencoded::parse(raw_key.as_bytes())
            .next()
            .map(|(k, _)| k.into_owned())
            .unwrap_or_default();
        let name = key
            .trim_end_matches(']')
            .rsplit(['.', '['])
            .next()
            .unwrap_or_default();
        out.push_str(raw_key);
        if let Some(value) = value {
            out.push('=');
            // No numeric-code exception here: forms are OAuth requests, where `code` is
            // always the authorization code.
            if is_secret(name) {
                out.push_str(MASK);
            } else {
                out.push_str(value);
            }
        }
    }
    out
}

/// Byte index just past the JSON string starting at `start` (a `"`), or the end of the text
/// for an unterminated one.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Byte index just past the JSON value starting at `start`: a string, a balanced object or
/// array, or a bare literal. Tolerates malformed input by stopping at the end of the text.
fn value_end(b: &[u8], start: usize) -> usize {
    match b.get(start) {
        None => start,
        Some(b'"') => string_end(b, start),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = start;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = string_end(b, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            b.len()
        }
        Some(_) => {
            let mut i = start;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']') && !b[i].is_ascii_whitespace()
            {
                i += 1;
            }
            i
        }
    }
}

/// JSON, lexically: every string followed by `:` is a property name; a secret one has its
/// value (whatever its type, except `null`) replaced by `"***"`, at any depth.
fn redact_json(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let end = string_end(b, i);
        let colon = skip_ws(b, end);
        if b.get(colon) != Some(&b':') {
            i = end;
            continue;
        }
        let raw = &text[i..end];
        // Unescape so `"pass\u0077ord"` is caught as well; fall back to the raw inside.
        let name: std::borrow::Cow<str> = serde_json::from_str::<String>(raw)
            .map(Into::into)
            .unwrap_or_else(|_| raw.trim_matches('"').into());
        let start = skip_ws(b, colon + 1);
        let stop = value_end(b, start);
        let value = &text[start..stop];
        if is_secret(&name) && value != "null" && !value.is_empty() && !keep_value(&name, value) {
            out.push_str(&text[copied..start]);
            out.push('"');
            out.push_str(MASK);
            out.push('"');
            copied = stop;
            i = stop;
        } else {
            i = start;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// XML, lexically: the text content of an element whose local name (namespace prefix
/// dropped) is a secret is replaced by `***`; a CDATA section counts as content.
fn redact_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        let Some(gt) = rest[lt..].find('>').map(|g| lt + g) else {
            break;
        };
        let tag = &rest[lt + 1..gt];
        out.push_str(&rest[..=gt]);
        rest = &rest[gt + 1..];
        if tag.starts_with(['/', '?', '!']) || tag.ends_with('/') {
            continue;
        }
        let qname = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("");
        let local = qname.rsplit(':').next().unwrap_or(qname);
        if !is_secret(local) {
            continue;
        }
        let content_end = if rest.starts_with("<![CDATA[") {
            rest.find("]]>").map_or(rest.len(), |e| e + 3)
        } else {
            rest.find('<').unwrap_or(rest.len())
        };
        let content = &rest[..content_end];
        if content.trim().is_empty() || keep_value(local, content.trim()) {
            continue;
        }
        out.push_str(MASK);
        rest = &rest[content_end..];
    }
    out.push_str(rest);
    out
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Replaces every JWT-shaped run — `eyJ…` followed by two more dot-separated base64url
/// segments (the last may be empty, as in unsigned tokens) — with `***`, wherever it occurs.
fn redact_jwts(text: &str) -> String {
    if !text.contains("eyJ") {
        return text.to_owned();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("eyJ") {
        let start = search + found;
        search = start + 3;
        if start > 0 && is_b64url(b[start - 1]) {
            continue;
        }
        // Three segments: two must be non-empty and end in a dot; the third may be empty.
        let mut i = start;
        let mut ok = true;
        for _ in 0..2 {
            let seg = i;
            while i < b.len() && is_b64url(b[i]) {
                i += 1;
            }
            if i == seg || b.get(i) != Some(&b'.') {
                ok = false;
                break;
            }
            i += 1;
        }
        if !ok {
            continue;
        }
        while i < b.len() && is_b64url(b[i]) {
            i += 1;
        }
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = i;
        search = i;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl-_x";

    #[test]
    fn json_secrets_are_masked_at_any_depth() {
        let body = br#"{"companyProfile":{"domain":"x.onmicrosoft.com"},
            "userCredentials":{"userName":"admin","Password":"S3cret!"},
            "items":[{"deep":{"CLIENTSECRET":"abc","n":1}}],"token":{"a":"b"},
            "userPassword":12345,"refresh_token":null}"#;
        let out = redact(Some("application/json; charset=utf-8"), body);
        assert!(!out.contains("S3cret!"), "{out}");
        assert!(!out.contains("abc"), "{out}");
        assert!(!out.contains("12345"), "{out}");
        assert!(out.contains(r#""Password":"***""#), "{out}");
        assert!(out.contains(r#""token":"***""#), "{out}");
        assert!(out.contains(r#""refresh_token":null"#), "{out}");
        assert!(out.contains(r#""userName":"admin""#), "{out}");
        // Still valid JSON, with the structure intact.
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["userCredentials"]["Password"], "***");
        assert_eq!(v["items"][0]["deep"]["n"], 1);
    }

    #[test]
    fn customer_user_credentials_password_is_masked() {
        let body = br#"{"billingProfile":{"email":"a@b.c"},"userCredentials":{"userName":"u","password":"hunter2"}}"#;
        // No Content-Type is read as JSON, as on the wire.
        let out = redact(None, body);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["userCredentials"]["password"], "***");
        assert_eq!(v["userCredentials"]["userName"], "u");
        assert_eq!(v["billingProfile"]["email"], "a@b.c");
    }

    #[test]
    fn json_edge_cases() {
        // Escaped property names, escaped quotes in values, malformed/truncated JSON.
        let out = redact(Some("text/json"), br#"{"pass\u0077ord":"a\"b","x":"pass"}"#);
        assert_eq!(out, r#"{"pass\u0077ord":"***","x":"pass"}"#);
        let out = redact(None, br#"{"code":"abc", "password" : "xyz"#);
        assert_eq!(out, r#"{"code":"***", "password" : "***""#);
        // A numeric error code in a fault body is kept.
        let fault = br#"{"code":800002,"description":"bad","data":[],"source":"PartnerFD"}"#;
        assert_eq!(redact(None, fault), std::str::from_utf8(fault).unwrap());
        // Plain values that merely equal a secret name are not touched.
        assert_eq!(
            redact(None, br#"["password","token"]"#),
            r#"["password","token"]"#
        );
    }

    #[test]
    fn form_secrets_are_masked() {
        let body = b"grant_type=password&username=u%40x.com&Password=p%26ss&client_id=c\
            &CLIENT_SECRET=s3&code=123&userCredentials.password=x&userCredentials%5Bpassword%5D=y\
            &resource=https%3A%2F%2Fapi.partnercenter.microsoft.com&flag";
        let out = redact(Some("application/x-www-form-urlencoded"), body);
        assert_eq!(
            out,
            "grant_type=password&username=u%40x.com&Password=***&client_id=c\
            &CLIENT_SECRET=***&code=***&userCredentials.password=***&userCredentials%5Bpassword%5D=***\
            &resource=https%3A%2F%2Fapi.partnercenter.microsoft.com&flag"
        );
    }

    #[test]
    fn xml_secrets_are_masked() {
        let body = br#"<?xml version="1.0"?><Customer xmlns:a="urn:x"><userCredentials><userName>u</userName><a:Password>hunter2</a:Password><password><![CDATA[p<w]]></password><password/></userCredentials><code>800002</code></Customer>"#;
        let out = redact(Some("application/xml"), body);
        assert_eq!(
            out,
            r#"<?xml version="1.0"?><Customer xmlns:a="urn:x"><userCredentials><userName>u</userName><a:Password>***</a:Password><password>***</password><password/></userCredentials><code>800002</code></Customer>"#
        );
    }

    #[test]
    fn jwts_are_masked_anywhere() {
        let body = format!(r#"{{"note":"Bearer {JWT} was used","assertion":"{JWT}"}}"#);
        let out = redact(Some("application/json"), body.as_bytes());
        assert_eq!(out, r#"{"note":"Bearer *** was used","assertion":"***"}"#);
        let form = format!("client_assertion={JWT}&x=1");
        assert_eq!(
            redact(Some("application/x-www-form-urlencoded"), form.as_bytes()),
            "client_assertion=***&x=1"
        );
        assert_eq!(redact(Some("text/plain"), b"eyJ.only"), "eyJ.only");
        assert_eq!(redact(None, b"xeyJa.b.c"), "xeyJa.b.c");
        assert_eq!(redact(None, b"eyJa.eyJb."), "***");
    }

    #[test]
    fn non_utf8_becomes_a_placeholder() {
        assert_eq!(
            redact(Some("application/json"), &[0xff, 0xfe, 0x00]),
            "<3 bytes, not UTF-8>"
        );
    }
}
