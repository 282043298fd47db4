//! RFC 9264 linksets in GS1's form (GS1-Conformant Resolver standard; GS1's linkset JSON
//! schema, shipped in `tests/contract/gs1/` and checked in CI): one context object per
//! identified thing, most specific first — the stamp, its lot, its product — each with an
//! `itemDescription`, a single `defaultLink` carrying only `href` and `title`, and link
//! relations named by their full GS1 vocabulary URIs.

use serde_json::{Map, Value, json};

use crate::domain::Gtin;
use crate::services::resolve::{Lot, Resolved};
use crate::stamps::DigitalLink;
use crate::urls::url_under;

/// GS1's JSON-LD context for linksets: what `Link: rel="…json-ld#context"` and the resolver
/// description's `jsonLdContextLocation` point to.
pub const CONTEXT: &str = "https://ref.gs1.org/standards/resolver/linkset-context";

fn rel(name: &str) -> String {
    format!("https://gs1.org/voc/{name}")
}

/// One context object: its anchor, description and default link.
fn anchor(href: &str, description: String, default: &str, title: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("anchor".into(), json!(href));
    m.insert("itemDescription".into(), json!(description));
    m.insert(
        rel("defaultLink"),
        json!([{"href": default, "title": title}]),
    );
    m
}

/// Both language versions of a page.
fn in_languages(href: &str, vi: &str, en: &str) -> Value {
    let sep = if href.contains('?') { '&' } else { '?' };
    json!([
        {"href": format!("{href}{sep}lang=vi"), "title": vi, "type": "text/html", "hreflang": ["vi"]},
        {"href": format!("{href}{sep}lang=en"), "title": en, "type": "text/html", "hreflang": ["en"]}
    ])
}

/// The product's configured default link, else `own` (this service's page).
fn default_of<'a>(product: &'a entity::product::Model, own: &'a str) -> &'a str {
    product.default_link.as_deref().unwrap_or(own)
}

fn names(product: &entity::product::Model) -> (&str, &str) {
    (
        &product.name,
        product.name_en.as_deref().unwrap_or(&product.name),
    )
}

/// A stamp's linkset: the stamp (its page, JSON history, integrity proof), then its lot and
/// product when the product has a GTIN. `dl` is the stamp's identifiers as requested (with
/// any variant, 22).
pub fn item(r: &Resolved, dl: &DigitalLink, base: &url::Url) -> Value {
    let page = url_under(base, &dl.path());
    let (vi, en) = names(&r.lot.product);
    let mut item = anchor(
        &page,
        format!("{vi} · {} · {}", r.lot.batch.lot_code, r.serial.as_str()),
        default_of(&r.lot.product, &page),
        vi,
    );
    item.insert(rel("pip"), in_languages(&page, vi, en));
    item.insert(
        rel("traceability"),
        json!([{"href": page, "title": "Nhật ký sản xuất / production diary", "type": "application/json"}]),
    );
    item.insert(
        rel("certificationInfo"),
        json!([{
            "href": url_under(base, &format!("/api/v1/stamps/{}/proof", r.serial.as_str())),
            "title": "Bằng chứng toàn vẹn / integrity proof",
            "type": "application/json"
        }]),
    );
    let mut sets = vec![Value::Object(item)];
    sets.extend(lot_sets(&r.lot, dl.variant.as_deref(), base));
    json!({ "linkset": sets })
}

/// A lot's linkset: the lot, then its product.
pub fn lot(lot: &Lot, variant: Option<&str>, base: &url::Url) -> Value {
    json!({ "linkset": lot_sets(lot, variant, base) })
}

/// A product's linkset.
pub fn product(
    product: &entity::product::Model,
    live: &[(String, String)],
    variant: Option<&str>,
    base: &url::Url,
) -> Value {
    let sets = product
        .gtin
        .as_deref()
        .and_then(|g| Gtin::parse(g).ok())
        .map(|g| product_set(&g, product, live, variant, base));
    json!({ "linkset": sets.into_iter().collect::<Vec<_>>() })
}

fn lot_sets(lot: &Lot, variant: Option<&str>, base: &url::Url) -> Vec<Value> {
    let Some(gtin) = &lot.gtin else {
        return Vec::new();
    };
    let dl = DigitalLink {
        gtin: Some(gtin.clone()),
        variant: variant.map(str::to_owned),
        lot: lot.lot.clone(),
        serial: None,
    };
    let page = url_under(base, &dl.path());
    let (vi, en) = names(&lot.product);
    let default = default_of(&lot.product, &page);
    let mut set = anchor(&page, format!("{vi} · {}", lot.batch.lot_code), default, vi);
    set.insert(rel("pip"), in_languages(&page, vi, en));
    set.insert(
        rel("traceability"),
        json!([{"href": page, "title": "Nhật ký sản xuất / production diary", "type": "application/json"}]),
    );
    vec![
        Value::Object(set),
        product_set(gtin, &lot.product, &lot.links, variant, base),
    ]
}

fn product_set(
    gtin: &Gtin,
    product: &entity::product::Model,
    live: &[(String, String)],
    variant: Option<&str>,
    base: &url::Url,
) -> Value {
    let dl = DigitalLink {
        gtin: Some(gtin.clone()),
        variant: variant.map(str::to_owned),
        lot: None,
        serial: None,
    };
    let product_page = url_under(base, &format!("/p/{}", product.id));
    let (vi, en) = names(product);
    let mut set = anchor(
        &url_under(base, &dl.path()),
        vi.to_owned(),
        default_of(product, &product_page),
        vi,
    );
    set.insert(rel("pip"), in_languages(&product_page, vi, en));
    if !live.is_empty() {
        set.insert(
            rel("hasRetailers"),
            Value::Array(
                live.iter()
                    .map(|(name, url)| json!({"href": url, "title": name, "type": "text/html"}))
                    .collect(),
            ),
        );
    }
    Value::Object(set)
}
