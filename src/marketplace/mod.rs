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
mod market;
pub mod pack;

pub use listing::{Listing, ListingFacts, Package};
pub use market::{ExportPack, Marketplace, PackError, PackImage, PackItem, Problem};

use std::sync::LazyLock;

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
