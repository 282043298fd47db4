//! Tokens obtained with a password expire, and password guessing is limited across nodes:
//!
//! - `api_tokens.expires_at`: set for console sessions (12 hours) and for tokens exchanged for
//!   a password (`OCOP_PASSWORD_TOKEN_DAYS`, 30 days by default); `NULL` for tokens an owner or
//!   the operator creates, which live until revoked. Live tokens of people are given the
//!   lifetime they would have had, counted from their creation.
//! - `sign_in_failures`: failed sign-ins per login and per client address in a fixed window,
//!   shared by the API and the console and by every app node.

use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    UserId,
    CreatedAt,
    RevokedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Key,
    Failures,
    WindowStart,
}

/// The console session's token name (`services::accounts::SESSION_NAME`).
const SESSION_NAME: &str = "console session";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInFailures::Table)
                    .col(string_len(SignInFailures::Key, 200).primary_key())
                    .col(integer(SignInFailures::Failures))
                    .col(timestamp_with_time_zone(SignInFailures::WindowStart))
                    .to_owned(),
            )
            .await?;
        // Live tokens of people: the lifetime they would have had. Written from Rust so
        // that the times are stored exactly as the application writes them on both databases.
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let select = Query::select()
            .columns([ApiTokens::Id, ApiTokens::Name, ApiTokens::CreatedAt])
            .from(ApiTokens::Table)
            .and_where(Expr::col(ApiTokens::UserId).is_not_null())
            .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
            .to_owned();
        for row in db.query_all(&select).await? {
            let id: uuid::Uuid = row.try_get("", "id")?;
            let name: String = row.try_get("", "name")?;
            let created: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
            let life = if name == SESSION_NAME {
                chrono::TimeDelta::hours(12)
            } else {
                chrono::TimeDelta::days(30)
            };
            let update = Query::update()
                .table(ApiTokens::Table)
                .value(ApiTokens::ExpiresAt, created + life)
                .and_where(Expr::col(ApiTokens::Id).eq(id))
                .to_owned();
            let (sql, values) = match backend {
                sea_orm::DatabaseBackend::Postgres => update.build(PostgresQueryBuilder),
                _ => update.build(SqliteQueryBuilder),
            };
            db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInFailures::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(ApiTokens::ExpiresAt)
                    .to_owned(),
            )
            .await
    }
}
