//! The `blobs` table: one row per stored file and what it is attached to.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "blobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// `product_image`, `certificate_scan`, `diary_photo` or `print_file`.
    pub kind: String,
    /// The product, certification, batch or stamp run the file belongs to.
    pub subject_id: Uuid,
    /// The blob store key: lower-case hex SHA-256 of the stored bytes.
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Key of the JPEG thumbnail, for images.
    pub thumb_sha256: Option<String>,
    /// The uploaded file's name, as the client gave it.
    pub original_name: Option<String>,
    /// For print files: the format and options that produced it.
    pub variant: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// When the file was taken off its record (rows stay: the ledger recorded them).
    pub removed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
