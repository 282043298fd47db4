//! URLs the service builds and logs: public links under a base that may carry a path, and
//! connection strings with their passwords hidden.

/// `path` (starting with `/`) under `base`, whether or not `base` ends with a slash: the
/// service's public links (`OCOP_PUBLIC_BASE_URL` may carry a path) and marketplace API URLs.
pub fn url_under(base: &url::Url, path: &str) -> String {
    format!("{}{path}", base.as_str().trim_end_matches('/'))
}

/// The URL with any password replaced, safe for logs.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_owned(),
    }
}
