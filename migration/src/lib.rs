//! Database schema migrations for ocop-trace.
//!
//! Backend-neutral (SQLite and PostgreSQL) sea-orm-migration builders, one change per file,
//! each with a `down`. Migrations are append-only: never edit one that has shipped, add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_organizations;
mod m20261124_000002_create_users;
mod m20261124_000003_create_memberships;
mod m20261124_000004_create_api_tokens;
mod m20261124_000005_create_farms;
mod m20261124_000006_create_growing_areas;
mod m20261124_000007_create_products;
mod m20261124_000008_create_ocop_certifications;
mod m20261124_000009_create_batches;
mod m20261124_000010_create_batch_events;
mod m20261124_000011_create_ledger;
mod m20261124_000012_create_stamps;
mod m20261124_000013_stamp_voids_and_pins;
mod m20261124_000014_create_scans;
mod m20261125_000015_create_blobs;
mod m20261125_000016_create_listings;
mod m20261125_000017_listing_reviews;
mod m20261126_000018_create_invitations;
mod m20261126_000019_cluster_scans;
mod m20261126_000020_outbox_jobs_by_listing;
mod m20261203_000021_pin_sheet_delivery;
mod m20261203_000022_token_expiry_and_sign_in_limits;
mod m20261203_000023_stamp_run_blocks;
mod m20261203_000024_create_idempotency_keys;
mod m20261203_000025_stamp_run_pin_root;
mod m20261203_000026_product_default_link;
mod m20261203_000027_invitation_consent;
mod m20261205_000028_create_scan_days;
mod m20261205_000029_ledger_public_form;
mod m20261205_000030_create_checkpoint_cosignatures;
mod m20261205_000031_create_epcis_events;
mod m20261205_000032_create_epcis_capture_jobs;
mod m20261205_000033_create_portal_pushes;
mod m20261205_000034_create_trace_codes;
mod m20261205_000035_epcis_query_indexes;
mod m20261205_000036_create_scan_alerts;
mod m20261206_000037_stamp_scans;
mod m20261207_000038_scan_tables_without_foreign_keys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_organizations::Migration),
            Box::new(m20261124_000002_create_users::Migration),
            Box::new(m20261124_000003_create_memberships::Migration),
            Box::new(m20261124_000004_create_api_tokens::Migration),
            Box::new(m20261124_000005_create_farms::Migration),
            Box::new(m20261124_000006_create_growing_areas::Migration),
            Box::new(m20261124_000007_create_products::Migration),
            Box::new(m20261124_000008_create_ocop_certifications::Migration),
            Box::new(m20261124_000009_create_batches::Migration),
            Box::new(m20261124_000010_create_batch_events::Migration),
            Box::new(m20261124_000011_create_ledger::Migration),
            Box::new(m20261124_000012_create_stamps::Migration),
            Box::new(m20261124_000013_stamp_voids_and_pins::Migration),
            Box::new(m20261124_000014_create_scans::Migration),
            Box::new(m20261125_000015_create_blobs::Migration),
            Box::new(m20261125_000016_create_listings::Migration),
            Box::new(m20261125_000017_listing_reviews::Migration),
            Box::new(m20261126_000018_create_invitations::Migration),
            Box::new(m20261126_000019_cluster_scans::Migration),
            Box::new(m20261126_000020_outbox_jobs_by_listing::Migration),
            Box::new(m20261203_000021_pin_sheet_delivery::Migration),
            Box::new(m20261203_000022_token_expiry_and_sign_in_limits::Migration),
            Box::new(m20261203_000023_stamp_run_blocks::Migration),
            Box::new(m20261203_000024_create_idempotency_keys::Migration),
            Box::new(m20261203_000025_stamp_run_pin_root::Migration),
            Box::new(m20261203_000026_product_default_link::Migration),
            Box::new(m20261203_000027_invitation_consent::Migration),
            Box::new(m20261205_000028_create_scan_days::Migration),
            Box::new(m20261205_000029_ledger_public_form::Migration),
            Box::new(m20261205_000030_create_checkpoint_cosignatures::Migration),
            Box::new(m20261205_000031_create_epcis_events::Migration),
            Box::new(m20261205_000032_create_epcis_capture_jobs::Migration),
            Box::new(m20261205_000033_create_portal_pushes::Migration),
            Box::new(m20261205_000034_create_trace_codes::Migration),
            Box::new(m20261205_000035_epcis_query_indexes::Migration),
            Box::new(m20261205_000036_create_scan_alerts::Migration),
            Box::new(m20261206_000037_stamp_scans::Migration),
            Box::new(m20261207_000038_scan_tables_without_foreign_keys::Migration),
        ]
    }
}

/// Shared column helpers so every table spells ids and timestamps the same way.
/// Migrations written as SQL, one list of statements per backend.
pub(crate) mod raw {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

    /// Runs `postgres` on PostgreSQL, `sqlite` otherwise, in order.
    pub async fn run(
        manager: &SchemaManager<'_>,
        sqlite: &[&str],
        postgres: &[&str],
    ) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DbBackend::Postgres => postgres,
            _ => sqlite,
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

pub(crate) mod cols {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::*;

    pub fn id<T: IntoIden>(name: T) -> ColumnDef {
        pk_uuid(name)
    }

    pub fn created_at() -> ColumnDef {
        timestamp_with_time_zone(Alias::new("created_at"))
    }

    pub fn updated_at() -> ColumnDef {
        timestamp_with_time_zone(Alias::new("updated_at"))
    }

    /// A foreign key column `col` on `from` referencing `to.id`; rows are never deleted in
    /// cascade, since the registry is append-mostly and history must not vanish silently.
    pub fn fk<F: IntoIden, C: IntoIden, T: IntoIden>(
        from: F,
        col: C,
        to: T,
    ) -> ForeignKeyCreateStatement {
        ForeignKey::create()
            .from(from, col)
            .to(to, Alias::new("id"))
            .on_delete(ForeignKeyAction::Restrict)
            .on_update(ForeignKeyAction::Restrict)
            .to_owned()
    }

    pub fn index<T: IntoTableRef, C: IntoIden>(
        name: &str,
        table: T,
        column: C,
    ) -> IndexCreateStatement {
        Index::create()
            .name(name)
            .table(table)
            .col(column)
            .to_owned()
    }
}
