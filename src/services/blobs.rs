//! Stored files and what they belong to: uploads (checked and cleaned by [`crate::media`]
//! first), downloads with the same access rules as every other record, and the public images
//! a scan page shows.
//!
//! An upload stores its objects, then its row; if anything fails, the objects this upload
//! created are removed again, so a failed upload leaves neither a row nor an object. Objects
//! that already existed (the same bytes uploaded before) are left alone.

use std::sync::Arc;

use bytes::Bytes;
use entity::blob;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::{ledger, now};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::role::Action;
use crate::error::{AppError, Code};
use crate::media::{self, Accept, Rejected, UploadLimits};
use crate::storage::{BlobKey, BlobStore, StorageError};

/// What a stored file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    /// A product photo: public (shown on scan pages and sent to marketplaces).
    ProductImage,
    /// A scan of an OCOP certificate: private to the organization.
    CertificateScan,
    /// A photo attached to diary events: public once an event refers to it.
    DiaryPhoto,
    /// A generated label sheet or stamp list without PINs: private.
    PrintFile,
    /// A generated marketplace listing pack: private.
    ListingPack,
}

impl BlobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlobKind::ProductImage => "product_image",
            BlobKind::CertificateScan => "certificate_scan",
            BlobKind::DiaryPhoto => "diary_photo",
            BlobKind::PrintFile => "print_file",
            BlobKind::ListingPack => "listing_pack",
        }
    }

    /// Kinds anyone may fetch by hash: the pictures a scan page shows.
    const PUBLIC: [BlobKind; 2] = [BlobKind::ProductImage, BlobKind::DiaryPhoto];
}

pub use crate::storage::media_path;

/// Most photos one product can have (marketplaces take 8–9).
pub const MAX_PRODUCT_IMAGES: u64 = 10;

/// An uploaded file as it arrived.
pub struct Upload {
    pub bytes: Bytes,
    pub content_type: Option<String>,
    pub file_name: Option<String>,
}

/// The database, the store and the upload limits: what every function here needs.
#[derive(Clone)]
pub struct Blobs {
    pub db: Db,
    pub store: Arc<dyn BlobStore>,
    pub limits: UploadLimits,
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Unavailable(_) => AppError::Unavailable(e.into()),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<Rejected> for AppError {
    fn from(r: Rejected) -> Self {
        let detail = r.to_string();
        match r {
            Rejected::TooLarge { limit, .. } => AppError::PayloadTooLarge { limit },
            Rejected::Unsupported { .. } => AppError::Unsupported {
                code: Code::UnsupportedFileType,
                detail,
            },
            Rejected::Mislabelled { .. } => AppError::Unsupported {
                code: Code::ContentTypeMismatch,
                detail,
            },
            Rejected::Empty => {
                AppError::validation("file", ParseError::new(Reason::EmptyFile, detail))
            }
            Rejected::TooManyPixels { .. } => {
                AppError::validation("file", ParseError::new(Reason::TooManyPixels, detail))
            }
            Rejected::Corrupt(_) => {
                AppError::validation("file", ParseError::new(Reason::CorruptImage, detail))
            }
            Rejected::Inflates { .. } => {
                AppError::validation("file", ParseError::new(Reason::InflatesTooFar, detail))
            }
        }
    }
}

/// Objects stored by one upload, removed again unless the upload completes.
struct Staged<'a> {
    store: &'a dyn BlobStore,
    created: Vec<BlobKey>,
}

impl<'a> Staged<'a> {
    fn new(store: &'a dyn BlobStore) -> Self {
        Self {
            store,
            created: Vec::new(),
        }
    }

    /// A failed put leaves no object (the store's contract), so only what was created needs
    /// removing; bytes the store already had belong to earlier uploads and stay.
    async fn put(&mut self, bytes: Bytes, content_type: &str) -> Result<BlobKey, AppError> {
        let stored = self.store.put(bytes, content_type).await?;
        if stored.created {
            self.created.push(stored.key.clone());
        }
        Ok(stored.key)
    }

    /// Removes what this upload created (best effort; `storage check` reports leftovers).
    async fn roll_back(self) {
        for key in self.created {
            if let Err(e) = self.store.delete(&key).await {
                tracing::warn!(blob = %key, error = %e, "could not remove the object of a failed upload");
            }
        }
    }
}

impl Blobs {
    /// The organization that owns `subject`, after checking the caller may do `action` there.
    async fn owner(
        &self,
        who: &Principal,
        kind: BlobKind,
        subject: Uuid,
        action: Action,
    ) -> Result<Uuid, AppError> {
        let organization_id = self.subject_organization(kind, subject).await?;
        who.authorize(organization_id, action, subject_name(kind))?;
        Ok(organization_id)
    }

    /// Checks, cleans and stores an uploaded file attached to `subject`.
    pub async fn upload(
        &self,
        who: &Principal,
        kind: BlobKind,
        subject: Uuid,
        upload: Upload,
    ) -> Result<blob::Model, AppError> {
        let action = match kind {
            BlobKind::ProductImage | BlobKind::CertificateScan => Action::ManageRegistry,
            BlobKind::DiaryPhoto => Action::RecordDiary,
            BlobKind::PrintFile | BlobKind::ListingPack => Action::Read,
        };
        let organization_id = self.owner(who, kind, subject, action).await?;
        if kind == BlobKind::ProductImage {
            let count = self.list_query(kind, subject).count(self.db.read()).await?;
            if count >= MAX_PRODUCT_IMAGES {
                return Err(AppError::conflict(
                    Code::TooManyImages,
                    format!("a product has at most {MAX_PRODUCT_IMAGES} images; remove one first"),
                ));
            }
        }
        let accept = match kind {
            BlobKind::CertificateScan => Accept::ImageOrPdf,
            _ => Accept::Image,
        };
        let limits = self.limits;
        let declared = upload.content_type.clone();
        let data = upload.bytes;
        let clean =
            crate::heavy::run(move || media::clean(&data, declared.as_deref(), accept, limits))
                .await
                .ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("the image decoder panicked"))
                })??;

        // The same picture sent again for the same subject (a phone retrying an upload the
        // network cut, an offline diary entry sent twice) is the row already recorded: cleaning
        // is deterministic, so the same file gives the same bytes and key.
        let key = crate::storage::BlobKey::of(&clean.bytes).to_string();
        if let Some(row) = blob::Entity::find()
            .filter(blob::Column::Kind.eq(kind.as_str()))
            .filter(blob::Column::SubjectId.eq(subject))
            .filter(blob::Column::Sha256.eq(key))
            .filter(blob::Column::RemovedAt.is_null())
            .one(self.db.read())
            .await?
        {
            return Ok(row);
        }
        let mut staged = Staged::new(self.store.as_ref());
        let stored = self
            .store_clean(
                &mut staged,
                who,
                organization_id,
                kind,
                subject,
                clean,
                upload.file_name,
            )
            .await;
        match stored {
            Ok(row) => Ok(row),
            Err(e) => {
                staged.roll_back().await;
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn store_clean(
        &self,
        staged: &mut Staged<'_>,
        who: &Principal,
        organization_id: Uuid,
        kind: BlobKind,
        subject: Uuid,
        clean: media::Clean,
        file_name: Option<String>,
    ) -> Result<blob::Model, AppError> {
        let size = clean.bytes.len() as i64;
        let key = staged
            .put(Bytes::from(clean.bytes), clean.content_type)
            .await?;
        let thumb = match clean.thumbnail {
            Some(t) => Some(staged.put(Bytes::from(t), "image/jpeg").await?),
            None => None,
        };
        let row = blob::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization_id),
            kind: Set(kind.as_str().to_owned()),
            subject_id: Set(subject),
            sha256: Set(key.to_string()),
            content_type: Set(clean.content_type.to_owned()),
            size: Set(size),
            width: Set(clean.dimensions.map(|d| d.0 as i32)),
            height: Set(clean.dimensions.map(|d| d.1 as i32)),
            thumb_sha256: Set(thumb.map(|t| t.to_string())),
            original_name: Set(file_name.map(|n| clip_name(&n))),
            variant: Set(None),
            created_by: Set(who.name.clone()),
            created_at: Set(now()),
            removed_at: Set(None),
        };
        let txn = self.db.write_txn().await?;
        let row = row.insert(&txn).await?;
        ledger::append(&txn, "created", &row).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Stores a file the service made (a print file, a listing pack) and records it. With a
    /// `variant`, a second file for the same subject and variant is not recorded again (the
    /// unique index says so) and `None` is returned.
    #[allow(clippy::too_many_arguments)]
    pub async fn store_generated(
        &self,
        who: &Principal,
        organization_id: Uuid,
        kind: BlobKind,
        subject: Uuid,
        file_name: &str,
        content_type: &str,
        bytes: Bytes,
    ) -> Result<blob::Model, AppError> {
        self.record_generated(
            who,
            organization_id,
            kind,
            subject,
            file_name,
            content_type,
            bytes,
            None,
        )
        .await?
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("a file without variant was not recorded"))
        })
    }

    /// Like [`store_generated`](Self::store_generated), for one `variant` of the subject's
    /// files; `None` when that variant was recorded already.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_generated(
        &self,
        who: &Principal,
        organization_id: Uuid,
        kind: BlobKind,
        subject: Uuid,
        file_name: &str,
        content_type: &str,
        bytes: Bytes,
        variant: Option<String>,
    ) -> Result<Option<blob::Model>, AppError> {
        let size = bytes.len() as i64;
        let key = self.store.put(bytes, content_type).await?.key;
        let row = blob::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization_id),
            kind: Set(kind.as_str().to_owned()),
            subject_id: Set(subject),
            sha256: Set(key.to_string()),
            content_type: Set(content_type.to_owned()),
            size: Set(size),
            width: Set(None),
            height: Set(None),
            thumb_sha256: Set(None),
            original_name: Set(Some(clip_name(file_name))),
            variant: Set(variant),
            created_by: Set(who.name.clone()),
            created_at: Set(now()),
            removed_at: Set(None),
        };
        let txn = self.db.write_txn().await?;
        match row.insert(&txn).await {
            Ok(row) => {
                // The audit trail shows who made which file, when.
                ledger::append(&txn, "created", &row).await?;
                txn.commit().await?;
                Ok(Some(row))
            }
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn list_query(&self, kind: BlobKind, subject: Uuid) -> sea_orm::Select<blob::Entity> {
        blob::Entity::find()
            .filter(blob::Column::RemovedAt.is_null())
            .filter(blob::Column::SubjectId.eq(subject))
            .filter(blob::Column::Kind.eq(kind.as_str()))
    }

    /// The files of `kind` attached to `subject`, oldest first.
    pub async fn list(
        &self,
        who: &Principal,
        kind: BlobKind,
        subject: Uuid,
    ) -> Result<Vec<blob::Model>, AppError> {
        self.owner(who, kind, subject, Action::Read).await?;
        Ok(self
            .list_query(kind, subject)
            .order_by_asc(blob::Column::Id)
            .all(self.db.read())
            .await?)
    }

    async fn subject_organization(&self, kind: BlobKind, subject: Uuid) -> Result<Uuid, AppError> {
        use entity::{batch, ocop_certification, product, stamp_run};
        let conn = self.db.read();
        let org = match kind {
            BlobKind::ProductImage => product::Entity::find_by_id(subject)
                .one(conn)
                .await?
                .map(|r| r.organization_id),
            BlobKind::CertificateScan => ocop_certification::Entity::find_by_id(subject)
                .one(conn)
                .await?
                .map(|r| r.organization_id),
            BlobKind::DiaryPhoto => batch::Entity::find_by_id(subject)
                .one(conn)
                .await?
                .map(|r| r.organization_id),
            BlobKind::PrintFile => stamp_run::Entity::find_by_id(subject)
                .one(conn)
                .await?
                .map(|r| r.organization_id),
            BlobKind::ListingPack => entity::organization::Entity::find_by_id(subject)
                .one(conn)
                .await?
                .map(|r| r.id),
        };
        org.ok_or(AppError::NotFound(subject_name(kind)))
    }

    /// One file's row, if the caller may read it.
    /// A file that is not removed. A removed one is gone from the API like a deleted
    /// resource (404); its record stays in the ledger, where inspectors read it.
    pub async fn get(&self, who: &Principal, id: Uuid) -> Result<blob::Model, AppError> {
        let row = blob::Entity::find_by_id(id)
            .one(self.db.read())
            .await?
            .filter(|r| r.removed_at.is_none())
            .ok_or(AppError::NotFound("file"))?;
        who.authorize(row.organization_id, Action::Read, "file")?;
        Ok(row)
    }

    /// Takes a product image or certificate scan off its record (the row stays, marked
    /// removed, as the ledger recorded it). Diary photos are part of diary entries and print
    /// files are regenerated, so neither is removed this way. The object stays in the store:
    /// the ledger's history refers to it.
    pub async fn remove(&self, who: &Principal, id: Uuid) -> Result<blob::Model, AppError> {
        let row = self.get(who, id).await?;
        let removable = [BlobKind::ProductImage, BlobKind::CertificateScan]
            .iter()
            .any(|k| k.as_str() == row.kind);
        if !removable {
            return Err(AppError::conflict(
                Code::NotRemovable,
                "diary photos belong to the tamper-evident record and print files are regenerated; neither can be removed",
            ));
        }
        who.authorize(row.organization_id, Action::ManageRegistry, "file")?;
        let mut change: blob::ActiveModel = row.into();
        change.removed_at = Set(Some(now()));
        let txn = self.db.write_txn().await?;
        let row = change.update(&txn).await?;
        ledger::append(&txn, "removed", &row).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// The content type of a public image (a product photo or a diary photo, or the thumbnail
    /// of one), or `None` when no such image has that key.
    pub async fn public_image(&self, key: &BlobKey) -> Result<Option<String>, AppError> {
        let kinds = BlobKind::PUBLIC.map(BlobKind::as_str);
        let row = blob::Entity::find()
            .filter(blob::Column::RemovedAt.is_null())
            .filter(blob::Column::Kind.is_in(kinds))
            .filter(
                Condition::any()
                    .add(blob::Column::Sha256.eq(key.as_str()))
                    .add(blob::Column::ThumbSha256.eq(key.as_str())),
            )
            .one(self.db.read())
            .await?;
        Ok(row.map(|r| {
            if r.sha256 == key.as_str() {
                r.content_type
            } else {
                "image/jpeg".to_owned()
            }
        }))
    }
}

fn subject_name(kind: BlobKind) -> &'static str {
    match kind {
        BlobKind::ProductImage => "product",
        BlobKind::CertificateScan => "certification",
        BlobKind::DiaryPhoto => "batch",
        BlobKind::PrintFile => "stamp run",
        BlobKind::ListingPack => "organization",
    }
}

/// A file name fit to keep: no path, no control characters, at most 255 bytes.
fn clip_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut out = String::new();
    for c in base.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > 255 {
            break;
        }
        out.push(c);
    }
    out
}
