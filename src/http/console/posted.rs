//! A console form POST, admitted only from a page of this site: the session ([`Signed`]), the
//! form's CSRF token checked against it and the `Origin` checked, then the form itself. A
//! handler that takes [`Posted`] or [`PostedFile`] cannot forget the check; one that changes
//! something and takes neither does not get a form at all.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::multipart::FormWithFile;
use super::shared::{Signed, forbidden};
use crate::error::{AppError, Code};
use crate::state::AppState;

/// A url-encoded form posted from a page of this site.
pub struct Posted<F> {
    pub s: Signed,
    pub form: F,
}

/// A multipart form (one with a file) posted from a page of this site.
pub struct PostedFile {
    pub s: Signed,
    pub body: FormWithFile,
}

#[derive(serde::Deserialize, Default)]
struct Token {
    csrf: Option<String>,
}

impl<F: DeserializeOwned + Send> FromRequest<AppState> for Posted<F> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let s = Signed::from_request_parts(&mut parts, state).await?;
        // Read as bytes through the extractor so the router's body limit applies.
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let token: Token = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if !s.posted_here(token.csrf.as_deref()) {
            return Err(forbidden());
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            AppError::BadRequest {
                code: Code::MalformedForm,
                detail: format!("the form cannot be read: {e}"),
            }
            .into_response()
        })?;
        Ok(Posted { s, form })
    }
}

impl FromRequest<AppState> for PostedFile {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let s = Signed::from_request_parts(&mut parts, state).await?;
        let body = FormWithFile::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !s.posted_here(body.get("csrf")) {
            return Err(forbidden());
        }
        Ok(PostedFile { s, body })
    }
}
