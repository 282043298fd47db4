//! The `checkpoint_cosignatures` table: witnesses' C2SP cosignatures of the log's
//! checkpoints, one per checkpoint size and witness, each a signed-note signature line.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "checkpoint_cosignatures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub size: i64,
    /// The witness's key name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub witness: String,
    /// `— <name> <base64>` and its newline, appended to the checkpoint's note as is.
    #[sea_orm(column_type = "Text")]
    pub line: String,
    /// The cosignature's own timestamp (POSIX seconds).
    pub cosigned_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
