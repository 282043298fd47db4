//! The `stamp_runs` table: one issuance of stamps for a batch.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stamp_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub batch_id: Uuid,
    pub count: i64,
    /// Index in the batch of the run's first stamp.
    pub first_index: i64,
    /// The batch's chain head the run chained from (`hash[-1]`).
    pub prev_head: Vec<u8>,
    /// Hash of the run's last stamp: the batch's chain head after the run.
    pub last_hash: Vec<u8>,
    /// RFC 6962 root over the run's stamp hashes.
    pub root: Vec<u8>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// Whether every stamp of the run has a scratch PIN.
    pub with_pin: bool,
    /// When the PINs were shown, in the one print file that may show them.
    pub pins_released_at: Option<DateTimeUtc>,
    /// When the whole file showing the PINs was sent; until then the owner may try again
    /// within a short window after `pins_released_at`.
    pub pins_delivered_at: Option<DateTimeUtc>,
    /// How many print files showing the PINs were started.
    pub pins_attempts: i32,
    /// Roots of the run's blocks of 256 stamps, 32 bytes each (level 8 of its tree); `None`
    /// for a run issued before they were kept, until its first proof.
    pub block_roots: Option<Vec<u8>>,
    /// RFC 6962 root over the stamps' PIN hashes, in index order (runs with PINs issued since
    /// migration 25); in the run's ledger payload.
    pub pin_root: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
