//! The one application error type.
//!
//! Every failure a request can meet is an [`AppError`] with a [`Code`]: the stable snake_case
//! code clients match on, its HTTP status and its words in both languages; `http::problem`
//! renders it as RFC 9457 problem+json. This module knows nothing of axum so that services and
//! the CLI can use it too.

mod code;
mod field_path;

pub use code::Code;
pub use field_path::FieldPath;

use crate::domain::ParseError;

/// One rejected input field.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// JSON path of the field (`latitude`, `details.inputs[0].phi_days`) or query parameter.
    pub field: String,
    pub code: crate::domain::Reason,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, e: ParseError) -> Self {
        Self {
            field: field.into(),
            code: e.code,
            message: e.message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Well-formed request whose values break a rule (422).
    #[error("{} invalid field(s)", .0.len())]
    Validation(Vec<FieldProblem>),
    /// The request itself cannot be read: malformed JSON, bad query string (400).
    #[error("{detail}")]
    BadRequest { code: Code, detail: String },
    /// No or unusable credentials (401).
    #[error("{detail}")]
    Unauthenticated { code: Code, detail: String },
    /// Authenticated, but the role does not allow this (403).
    #[error("your role does not allow {0}")]
    Forbidden(&'static str),
    /// Absent, or belonging to an organization the caller cannot see (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with stored state: duplicates, status rules (409).
    #[error("{detail}")]
    Conflict { code: Code, detail: String },
    #[error("request body exceeds {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("expected a body of type {expected}")]
    UnsupportedMediaType { expected: &'static str },
    /// An uploaded file of a type this route does not take, or not what it claims (415).
    #[error("{detail}")]
    Unsupported { code: Code, detail: String },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The client sent too many requests; it may retry after `retry_after` seconds (429,
    /// with `Retry-After`).
    #[error("too many requests; try again in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    /// A dependency (the database) is unreachable; the client may retry (503).
    #[error("service temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A bug or an unexpected failure; details are logged, never sent (500).
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn validation(field: impl Into<String>, e: ParseError) -> Self {
        AppError::Validation(vec![FieldProblem::new(field, e)])
    }

    pub fn conflict(code: Code, detail: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }

    /// For commands and background tasks: the message, with the underlying cause of internal
    /// and availability errors kept (their `Display` alone is deliberately vague for HTTP).
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            AppError::Internal(e) | AppError::Unavailable(e) => e,
            // On a command line each field at fault is named, as the API names them.
            AppError::Validation(problems) => anyhow::anyhow!(
                "{}",
                problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => anyhow::anyhow!("{other}"),
        }
    }

    /// Stable machine-readable code for clients; its status is the response's.
    pub fn code(&self) -> Code {
        match self {
            AppError::Validation(_) => Code::ValidationFailed,
            AppError::BadRequest { code, .. }
            | AppError::Unauthenticated { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Unsupported { code, .. } => *code,
            AppError::Forbidden(_) => Code::Forbidden,
            AppError::NotFound(_) => Code::NotFound,
            AppError::PayloadTooLarge { .. } => Code::PayloadTooLarge,
            AppError::UnsupportedMediaType { .. } => Code::UnsupportedMediaType,
            AppError::MethodNotAllowed => Code::MethodNotAllowed,
            AppError::TooManyRequests { .. } => Code::RateLimited,
            AppError::Unavailable(_) => Code::Unavailable,
            AppError::Internal(_) => Code::InternalError,
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        use sea_orm::{DbErr, SqlErr};
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                return AppError::conflict(
                    Code::Duplicate,
                    "a record with the same unique value already exists",
                );
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return AppError::conflict(
                    Code::ReferenceMissing,
                    "a referenced record does not exist",
                );
            }
            _ => {}
        }
        match e {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => AppError::Unavailable(e.into()),
            other => AppError::Internal(other.into()),
        }
    }
}

/// Collects every field problem of one request so the client can fix them all at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldProblem>);

impl Problems {
    /// Records the problem, if any, and returns the value when it is valid.
    pub fn check<T>(&mut self, field: &str, r: Result<T, ParseError>) -> Option<T> {
        r.map_err(|e| self.0.push(FieldProblem::new(field, e))).ok()
    }

    /// Like [`check`](Self::check) for an optional input: `Some(None)` when absent.
    pub fn check_opt<I, T>(
        &mut self,
        field: &str,
        v: Option<I>,
        parse: impl FnOnce(I) -> Result<T, ParseError>,
    ) -> Option<Option<T>> {
        match v {
            None => Some(None),
            Some(v) => self.check(field, parse(v)).map(Some),
        }
    }

    pub fn push(&mut self, field: &str, e: ParseError) {
        self.0.push(FieldProblem::new(field, e));
    }

    /// The error to return once a required value turned out missing.
    pub fn into_error(self) -> AppError {
        AppError::Validation(self.0)
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}
