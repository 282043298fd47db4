//! Indexes for the EPCIS simple event query at scale (bench/epcis_events.sh, 10 M events):
//! `(biz_step, id)` and `(biz_location, id)` for `EQ_bizStep` / `EQ_bizLocation` in id order
//! (with the id floor of a time bound), `record_time` for `GE_`/`LT_recordTime` windows; and the
//! `(public, id)` index dropped: nine events in ten are public, yet SQLite, without statistics,
//! took it as selective and walked it row by row through a time window's whole table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EpcisEvents {
    Table,
    Id,
    Public,
    BizStep,
    BizLocation,
    RecordTime,
}

const PUBLIC: &str = "epcis_events_public";

fn added() -> [(&'static str, Vec<EpcisEvents>); 3] {
    [
        (
            "epcis_events_step",
            vec![EpcisEvents::BizStep, EpcisEvents::Id],
        ),
        (
            "epcis_events_location",
            vec![EpcisEvents::BizLocation, EpcisEvents::Id],
        ),
        ("epcis_events_record_time", vec![EpcisEvents::RecordTime]),
    ]
}

fn index(name: &str, cols: Vec<EpcisEvents>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(EpcisEvents::Table);
    for c in cols {
        index.col(c);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(PUBLIC)
                    .table(EpcisEvents::Table)
                    .to_owned(),
            )
            .await?;
        for (name, cols) in added() {
            manager.create_index(index(name, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in added() {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(EpcisEvents::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(index(PUBLIC, vec![EpcisEvents::Public, EpcisEvents::Id]))
            .await
    }
}
