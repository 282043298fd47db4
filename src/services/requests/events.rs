//! What a client sends to create or change events, and its parse into the service's input.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::batch::{EventDetails, EventKind};
use crate::domain::text;
use crate::error::{AppError, Problems};
use crate::services::events::NewEvent;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppendEvent {
    pub kind: EventKind,
    /// When it happened (RFC 3339); not in the future.
    pub occurred_at: DateTime<Utc>,
    #[serde(default)]
    pub details: EventDetails,
    /// Id of an earlier event of this batch that this one corrects.
    pub corrects: Option<Uuid>,
}

impl AppendEvent {
    pub fn parse(self) -> Result<NewEvent, AppError> {
        let mut p = Problems::default();
        if let Err((field, e)) = self.details.validate(self.kind) {
            p.push(&format!("details.{field}"), e);
        }
        let d = &self.details;
        if d.captured.is_some() {
            p.push(
                "details.captured",
                crate::domain::ParseError::new(
                    crate::domain::Reason::UnknownField,
                    "set by EPCIS capture (POST /epcis/capture) only",
                ),
            );
        }
        for (field, value, max) in [
            ("description", &d.description, 5000),
            ("unit", &d.unit, 32),
            ("location", &d.location, 200),
            ("reason", &d.reason, 1000),
        ] {
            if let Some(v) = value {
                p.check(&format!("details.{field}"), text::clean(v, 1, max));
            }
        }
        p.finish()?;
        Ok(NewEvent {
            kind: self.kind,
            occurred_at: self.occurred_at,
            details: self.details,
            corrects: self.corrects,
        })
    }
}
