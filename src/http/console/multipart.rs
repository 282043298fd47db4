//! A console form sent as `multipart/form-data` because it carries a file (the diary's
//! photo): its text fields and at most one file, read within the upload limit.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use bytes::BytesMut;

use crate::error::{AppError, Code};
use crate::services::blobs::Upload;
use crate::state::AppState;

/// Longest text field accepted, in bytes: more than any console field holds.
const MAX_FIELD: usize = 64 * 1024;

pub struct FormWithFile {
    pub fields: HashMap<String, String>,
    /// The file part named `file_field`, when one was chosen (browsers send an empty part
    /// without a file name when none was).
    pub file: Option<Upload>,
}

impl FormWithFile {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

impl FromRequest<AppState> for FormWithFile {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let limit = state.settings.upload_limits.max_bytes;
        let malformed = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge { limit }
            } else {
                AppError::BadRequest {
                    code: Code::MalformedMultipart,
                    detail: format!("the form cannot be read: {}", e.body_text()),
                }
            }
        };
        let mut form =
            Multipart::from_request(req, state)
                .await
                .map_err(|e| AppError::BadRequest {
                    code: Code::MalformedMultipart,
                    detail: e.body_text(),
                })?;
        let mut fields = HashMap::new();
        let mut file = None;
        while let Some(mut field) = form.next_field().await.map_err(malformed)? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let cap = if file_name.is_some() {
                limit
            } else {
                MAX_FIELD
            };
            let mut bytes = BytesMut::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                if bytes.len() + chunk.len() > cap {
                    return Err(AppError::PayloadTooLarge { limit: cap });
                }
                bytes.extend_from_slice(&chunk);
            }
            match file_name {
                Some(_) if bytes.is_empty() => {}
                Some(_) if file.is_some() => {
                    return Err(AppError::BadRequest {
                        code: Code::OneFileOnly,
                        detail: "the form sends at most one file".into(),
                    });
                }
                Some(n) => {
                    file = Some(Upload {
                        bytes: bytes.freeze(),
                        content_type,
                        file_name: Some(n),
                    });
                }
                None => {
                    let text =
                        String::from_utf8(bytes.to_vec()).map_err(|_| AppError::BadRequest {
                            code: Code::MalformedMultipart,
                            detail: format!("the field `{name}` is not UTF-8 text"),
                        })?;
                    fields.insert(name, text);
                }
            }
        }
        Ok(Self { fields, file })
    }
}
