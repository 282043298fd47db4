//! `epcis_events`: every recorded fact as an EPCIS 2.0 event (issue 19), kept as the JSON that
//! was hashed into its event ID, with the fields queries filter on. Filled from the ledger by
//! `services/epcis_index.rs`, which keeps its place in `epcis_index_state`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EpcisEvents {
    Table,
    Id,
    EventId,
    OrganizationId,
    BatchId,
    ProductId,
    Source,
    SourceId,
    Part,
    EventType,
    BizStep,
    EventTime,
    RecordTime,
    BizLocation,
    EpcClass,
    Public,
    CorrectedBy,
    CorrectedAt,
    Body,
}

#[derive(DeriveIden)]
enum EpcisIndexState {
    Table,
    Id,
    LedgerSize,
    Basis,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EpcisEvents::Table)
                    .col(uuid(EpcisEvents::Id).primary_key())
                    .col(string(EpcisEvents::EventId).unique_key())
                    .col(uuid(EpcisEvents::OrganizationId))
                    .col(uuid_null(EpcisEvents::BatchId))
                    .col(uuid_null(EpcisEvents::ProductId))
                    .col(string(EpcisEvents::Source))
                    .col(uuid(EpcisEvents::SourceId))
                    .col(big_integer(EpcisEvents::Part))
                    .col(string(EpcisEvents::EventType))
                    .col(string(EpcisEvents::BizStep))
                    .col(timestamp_with_time_zone(EpcisEvents::EventTime))
                    .col(timestamp_with_time_zone(EpcisEvents::RecordTime))
                    .col(string_null(EpcisEvents::BizLocation))
                    .col(string_null(EpcisEvents::EpcClass))
                    .col(boolean(EpcisEvents::Public))
                    .col(string_null(EpcisEvents::CorrectedBy))
                    .col(timestamp_with_time_zone_null(EpcisEvents::CorrectedAt))
                    .col(text(EpcisEvents::Body))
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, Vec<EpcisEvents>, bool); 7] = [
            (
                "epcis_events_source",
                vec![
                    EpcisEvents::Source,
                    EpcisEvents::SourceId,
                    EpcisEvents::Part,
                ],
                true,
            ),
            (
                "epcis_events_org",
                vec![EpcisEvents::OrganizationId, EpcisEvents::Id],
                false,
            ),
            (
                "epcis_events_public",
                vec![EpcisEvents::Public, EpcisEvents::Id],
                false,
            ),
            (
                "epcis_events_batch",
                vec![EpcisEvents::BatchId, EpcisEvents::Id],
                false,
            ),
            (
                "epcis_events_product",
                vec![EpcisEvents::ProductId, EpcisEvents::Id],
                false,
            ),
            (
                "epcis_events_class",
                vec![EpcisEvents::EpcClass, EpcisEvents::Id],
                false,
            ),
            ("epcis_events_time", vec![EpcisEvents::EventTime], false),
        ];
        for (name, cols, unique) in indexes {
            let mut index = Index::create();
            index.name(name).table(EpcisEvents::Table);
            for c in cols {
                index.col(c);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(EpcisIndexState::Table)
                    .col(integer(EpcisIndexState::Id).primary_key())
                    .col(big_integer(EpcisIndexState::LedgerSize))
                    .col(string(EpcisIndexState::Basis))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EpcisIndexState::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EpcisEvents::Table).to_owned())
            .await
    }
}
