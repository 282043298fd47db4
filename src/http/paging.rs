//! Pagination as every list of the API reads and answers it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ParseError;
use crate::domain::Reason;
use crate::error::AppError;
use crate::services::{DEFAULT_PAGE, MAX_PAGE, Page, PageRequest};

/// Pagination parameters shared by every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn page(&self) -> Result<PageRequest, AppError> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::validation(
                "limit",
                ParseError::new(
                    Reason::OutOfRange,
                    format!("must be between 1 and {MAX_PAGE}"),
                ),
            ));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(Uuid::try_parse(c).map_err(|_| {
                AppError::validation(
                    "cursor",
                    ParseError::new(Reason::Invalid, "not a cursor returned by this API"),
                )
            })?),
        };
        Ok(PageRequest { limit, after })
    }
}

/// A page of results; pass `next_cursor` as `cursor` to get the next one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> List<T> {
    pub fn from_page<M>(page: Page<M>, view: impl FnMut(M) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(view).collect(),
            next_cursor: page.next.map(|id| id.simple().to_string()),
        }
    }

    pub fn try_from_page<M>(
        page: Page<M>,
        view: impl FnMut(M) -> Result<T, AppError>,
    ) -> Result<Self, AppError> {
        Ok(Self {
            items: page.items.into_iter().map(view).collect::<Result<_, _>>()?,
            next_cursor: page.next.map(|id| id.simple().to_string()),
        })
    }
}
