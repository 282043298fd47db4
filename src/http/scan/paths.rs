//! Which path a request named and which one it should have: the part below the public base
//! URL, and a stamp's canonical path for this request.

use std::borrow::Cow;

use crate::services::resolve::Resolved;
use crate::stamps::DigitalLink;

/// The path below the public base URL's path, without a trailing slash.
pub(super) fn link_path<'a>(path: &'a str, base: &url::Url) -> &'a str {
    let prefix = base.path().trim_end_matches('/');
    path.strip_prefix(prefix)
        .unwrap_or(path)
        .trim_end_matches('/')
}

/// The identifiers a stamp is served under for this request: the stamp's own, with the
/// request's consumer product variant (22) kept — it qualifies the item and is not stored.
pub(super) fn expected_link(path: &str, r: &Resolved) -> DigitalLink {
    let variant = if path.contains("/22/") {
        DigitalLink::parse_path(path).ok().and_then(|l| l.variant)
    } else {
        None
    };
    DigitalLink {
        gtin: r.lot.gtin.clone(),
        variant,
        lot: r.lot.lot.clone(),
        serial: Some(r.serial.as_str().to_owned()),
    }
}

/// The canonical path of this request's stamp (its own path but for a variant).
pub(super) fn expected_path<'a>(path: &str, r: &'a Resolved) -> Cow<'a, str> {
    if path.contains("/22/") {
        Cow::Owned(expected_link(path, r).path())
    } else {
        Cow::Borrowed(&r.path)
    }
}
