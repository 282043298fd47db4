//! A product's public page (`/p/{id}`), where marketplace listings send shoppers: what the
//! product is, its OCOP rating and certificates, its producer, where to buy it, and a pointer
//! to the stamp on each item for the batch-level record.

use askama::Template;

use super::scan_view::{CertLine, Photo};
use crate::i18n::{Lang, Texts};

#[derive(Template)]
#[template(path = "product.html")]
pub struct ProductPage {
    pub t: &'static Texts,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub asset_version: &'static str,
    pub product: String,
    pub product_en: Option<String>,
    pub description: Option<String>,
    pub photo: Option<Photo>,
    pub stars: Option<String>,
    pub ocop_line: Option<String>,
    pub producer: String,
    pub producer_address: String,
    pub certificates: Vec<CertLine>,
    /// (marketplace name, live URL).
    pub links: Vec<(String, String)>,
}

/// What the page needs, loaded by the service layer.
pub struct ProductFacts<'a> {
    pub product: &'a entity::product::Model,
    pub producer: &'a entity::organization::Model,
    pub certificates: &'a [crate::services::resolve::Certificate],
    pub photo: Option<&'a entity::blob::Model>,
    pub links: Vec<(String, String)>,
}

impl ProductPage {
    pub fn build(f: ProductFacts<'_>, lang: Lang) -> Self {
        let t = lang.t();
        let current = f
            .certificates
            .iter()
            .filter(|c| c.in_force)
            .map(|c| &c.model)
            .max_by_key(|c| (c.stars, c.decision_date));
        ProductPage {
            t,
            lang: lang.code(),
            other_lang: lang.other().code(),
            asset_version: super::scan_view::ASSET_VERSION,
            product: f.product.name.clone(),
            product_en: f.product.name_en.clone().filter(|_| lang == Lang::En),
            description: f.product.description.clone(),
            photo: f.photo.map(Photo::of),
            stars: current.map(|c| super::scan_view::stars(c.stars)),
            ocop_line: current.map(|c| super::scan_view::ocop_line(c, lang)),
            producer: f.producer.name.clone(),
            producer_address: f.producer.address.clone(),
            certificates: f
                .certificates
                .iter()
                .map(|c| super::scan_view::cert_line(c, lang))
                .collect(),
            links: f.links,
        }
    }
}
