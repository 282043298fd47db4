//! Marketplaces: one module per marketplace behind one [`Marketplace`] trait, chosen by id from
//! [`registry`].
//!
//! A [`Listing`] is what a marketplace gets for one product: title, description with the OCOP
//! stars, certificate and trace link, price, stock, weight and package, category, images. Each
//! adapter says what its seller centre refuses ([`Marketplace::check`]) and renders listings
//! into what the cooperative uploads ([`Marketplace::render`]): Postmart and Voso publish no
//! seller API, so their adapters make a listing pack (spreadsheet, resized images,
//! copy-ready descriptions) and later accept the live product URL
//! ([`Marketplace::live_url`]) for the scan page to link to.
//!
//! Pure code: no database, no HTTP server types.

pub mod api;
pub mod listing;
pub mod pack;

pub use listing::{Listing, ListingFacts, Package};
pub use pack::{ExportPack, PackImage, PackItem};

use std::sync::LazyLock;

use crate::domain::ParseError;

/// One rule of a marketplace that a listing breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ListingProblem)]
pub struct Problem {
    /// The listing field at fault (`title`, `images[2]`, `package.weight_g`).
    pub field: String,
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

pub trait Marketplace: Send + Sync {
    /// Stable id used in URLs, the database and the CLI (`postmart`).
    fn id(&self) -> &'static str;
    /// The name people know it by.
    fn name(&self) -> &'static str;
    /// The marketplace's category for an OCOP group (`food`…), from its mapping file.
    fn category(&self, ocop_group: &str) -> Option<String>;
    /// Every rule of this marketplace the listing breaks; empty when it can be listed.
    fn check(&self, listing: &Listing) -> Vec<Problem>;
    /// The files the cooperative uploads to the seller centre, for listings that passed
    /// `check`. CPU work (image resizing): call it off the async workers.
    fn render(&self, items: &[PackItem]) -> Result<ExportPack, pack::PackError>;
    /// Checks a live product URL on this marketplace and returns its canonical form.
    fn live_url(&self, url: &str) -> Result<String, ParseError>;
    /// The seller-API client, when the marketplace has one (pushes go through the outbox).
    fn api(&self) -> Option<&'static dyn api::ApiClient>;
}

/// Every marketplace this service knows, as `assets/marketplaces/<id>.toml` describes it
/// (categories, rules, live-URL pattern, pack columns), with its seller-API client if it has
/// one. The files are built in; one that does not parse leaves its marketplace out (and fails
/// the tests), it never stops the service.
pub fn registry() -> impl Iterator<Item = &'static dyn Marketplace> {
    type Shipped = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static dyn api::ApiClient>,
    );
    static ALL: LazyLock<Vec<pack::PackMarketplace>> = LazyLock::new(|| {
        let shipped: [Shipped; 5] = [
            (
                "postmart",
                "Postmart",
                include_str!("../../assets/marketplaces/postmart.toml"),
                None,
            ),
            (
                "voso",
                "Voso",
                include_str!("../../assets/marketplaces/voso.toml"),
                None,
            ),
            (
                "lazada",
                "Lazada",
                include_str!("../../assets/marketplaces/lazada.toml"),
                Some(&api::lazada::Lazada),
            ),
            (
                "shopee",
                "Shopee",
                include_str!("../../assets/marketplaces/shopee.toml"),
                Some(&api::shopee::Shopee),
            ),
            (
                "tiki",
                "Tiki",
                include_str!("../../assets/marketplaces/tiki.toml"),
                Some(&api::tiki::Tiki),
            ),
        ];
        shipped
            .into_iter()
            .filter_map(|(id, name, file, client)| {
                pack::PackMarketplace::load(id, name, file, client)
                    .map_err(|e| tracing::error!(marketplace = id, error = %e, "its assets/marketplaces file does not parse"))
                    .ok()
            })
            .collect()
    });
    ALL.iter().map(|m| m as &'static dyn Marketplace)
}

/// The marketplace with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Marketplace> {
    registry().find(|m| m.id() == id)
}

#[cfg(test)]
pub(crate) mod tests;
