//! Shared application state: cheap to clone, handed to every handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::metrics::Metrics;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
}
