//! What every marketplace is: the [`Marketplace`] trait, the problems it finds in a listing,
//! and the pack it renders.

use super::Listing;
use crate::domain::ParseError;

/// One rule of a marketplace that a listing breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ListingProblem)]
pub struct Problem {
    /// The listing field at fault (`title`, `images[2]`, `package.weight_g`).
    pub field: String,
    pub code: crate::domain::Reason,
    pub message: String,
}

impl Problem {
    pub fn new(
        field: impl Into<String>,
        code: crate::domain::Reason,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code,
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
    fn render(&self, items: &[PackItem]) -> Result<ExportPack, PackError>;
    /// Checks a live product URL on this marketplace and returns its canonical form.
    fn live_url(&self, url: &str) -> Result<String, ParseError>;
    /// The seller-API client, when the marketplace has one (pushes go through the outbox).
    fn api(&self) -> Option<&'static dyn super::api::ApiClient>;
}

/// An image of a listing, as stored (already cleaned by `media`).
pub struct PackImage {
    pub bytes: Vec<u8>,
}

/// A listing that passed `check`, with its images' bytes in order.
pub struct PackItem {
    pub listing: Listing,
    pub images: Vec<PackImage>,
}

/// The rendered pack.
pub struct ExportPack {
    pub file_name: String,
    pub zip: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("image {index} of {sku} cannot be read: {message}")]
    Image {
        sku: String,
        index: usize,
        message: String,
    },
    #[error("writing the pack: {0}")]
    Write(String),
}
