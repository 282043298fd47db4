//! Files: uploads (`multipart/form-data`, one part named `file`) of product images,
//! certificate scans and diary photos; downloads with access checks; and `/media/{sha256}`,
//! the public images scan pages show, served through the app so that pages make no request to
//! another origin and phones can cache them for good (the name is the content's hash).

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::BytesMut;
use chrono::{DateTime, Utc};
use entity::blob;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::PathId;
use crate::auth::Principal;
use crate::error::{AppError, Code};
use crate::services::blobs::{BlobKind, Upload, media_path};
use crate::state::AppState;
use crate::storage::BlobKey;

/// How long a presigned download link stays valid.
const LINK_TTL: Duration = Duration::from_secs(300);

/// A stored file.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    pub id: Uuid,
    /// `product_image`, `certificate_scan`, `diary_photo` or `print_file`.
    pub kind: String,
    /// The product, certification, batch or stamp run it belongs to.
    pub subject_id: Uuid,
    /// SHA-256 of the stored bytes (after cleaning): refer to diary photos by it.
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub original_name: Option<String>,
    /// Download link (authenticated).
    pub url: String,
    /// Public link, for images shown on scan pages.
    pub public_url: Option<String>,
    /// Public link to a 480-pixel JPEG thumbnail.
    pub thumbnail_url: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub fn view(m: blob::Model) -> FileView {
    let public = matches!(m.kind.as_str(), "product_image" | "diary_photo");
    FileView {
        url: format!("/api/v1/files/{}/content", m.id),
        public_url: public.then(|| media_path(&m.sha256)),
        thumbnail_url: m.thumb_sha256.as_deref().filter(|_| public).map(media_path),
        id: m.id,
        kind: m.kind,
        subject_id: m.subject_id,
        sha256: m.sha256,
        content_type: m.content_type,
        size: m.size,
        width: m.width,
        height: m.height,
        original_name: m.original_name,
        created_by: m.created_by,
        created_at: m.created_at,
    }
}

/// The one file of a `multipart/form-data` upload, read up to the configured limit.
pub struct FileUpload(pub Upload);

impl FromRequest<AppState> for FileUpload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.settings.upload_limits.max_bytes;
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !is_multipart {
            return Err(AppError::UnsupportedMediaType {
                expected: "multipart/form-data (a part named `file`)",
            });
        }
        let malformed = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge { limit }
            } else {
                AppError::BadRequest {
                    code: Code::MalformedMultipart,
                    detail: format!("the multipart body cannot be read: {}", e.body_text()),
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
        let mut found: Option<Upload> = None;
        while let Some(mut field) = form.next_field().await.map_err(malformed)? {
            if field.name() != Some("file") {
                continue; // other form fields (a console's CSRF token) are not ours
            }
            if found.is_some() {
                return Err(AppError::BadRequest {
                    code: Code::OneFileOnly,
                    detail: "send exactly one part named `file`".into(),
                });
            }
            let content_type = field.content_type().map(str::to_owned);
            let file_name = field.file_name().map(str::to_owned);
            let mut bytes = BytesMut::new();
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                if bytes.len() + chunk.len() > limit {
                    return Err(AppError::PayloadTooLarge { limit });
                }
                bytes.extend_from_slice(&chunk);
            }
            found = Some(Upload {
                bytes: bytes.freeze(),
                content_type,
                file_name,
            });
        }
        found.map(FileUpload).ok_or(AppError::BadRequest {
            code: Code::MissingFile,
            detail: "the form has no part named `file`".into(),
        })
    }
}

async fn upload(
    state: AppState,
    who: Principal,
    kind: BlobKind,
    subject: Uuid,
    file: Upload,
) -> Result<(StatusCode, Json<FileView>), AppError> {
    let row = state.blobs.upload(&who, kind, subject, file).await?;
    if kind == BlobKind::ProductImage {
        state.product_changed(subject);
    }
    Ok((StatusCode::CREATED, Json(view(row))))
}

async fn list(
    state: AppState,
    who: Principal,
    kind: BlobKind,
    subject: Uuid,
) -> Result<Json<Vec<FileView>>, AppError> {
    let rows = state.blobs.list(&who, kind, subject).await?;
    Ok(Json(rows.into_iter().map(view).collect()))
}

/// Adds a photo to a product (JPEG, PNG or WebP). The image is re-encoded without its
/// metadata (phones record GPS positions) and thumbnailed; at most 10 per product.
/// An upload: a multipart form with one part named `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the form for the OpenAPI document; the handler reads the parts
pub struct FileForm {
    /// The file's bytes, with its media type in the part's `Content-Type`.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/products/{id}/images", operation_id = "add_product_image", tag = "files", params(("id" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", content = FileForm, description = "one part named `file`"),
    responses((status = 201, body = FileView), (status = 404), (status = 409, description = "too many images"), (status = 413), (status = 415), (status = 422, description = "empty, corrupt or too many pixels"), (status = 503, description = "file storage unavailable; nothing was stored")))]
pub async fn add_product_image(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    FileUpload(file): FileUpload,
) -> Result<(StatusCode, Json<FileView>), AppError> {
    upload(state, who, BlobKind::ProductImage, id, file).await
}

#[utoipa::path(get, path = "/api/v1/products/{id}/images", operation_id = "list_product_images", tag = "files", params(("id" = Uuid, Path)), responses((status = 200, body = Vec<FileView>), (status = 404)))]
pub async fn product_images(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<Vec<FileView>>, AppError> {
    list(state, who, BlobKind::ProductImage, id).await
}

/// Attaches a scan of the certificate (PDF, or a photo of it).
#[utoipa::path(post, path = "/api/v1/certifications/{id}/scans", operation_id = "add_certificate_scan", tag = "files", params(("id" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", content = FileForm, description = "one part named `file`"),
    responses((status = 201, body = FileView), (status = 404), (status = 413), (status = 415), (status = 422), (status = 503)))]
pub async fn add_certificate_scan(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    FileUpload(file): FileUpload,
) -> Result<(StatusCode, Json<FileView>), AppError> {
    upload(state, who, BlobKind::CertificateScan, id, file).await
}

#[utoipa::path(get, path = "/api/v1/certifications/{id}/scans", operation_id = "list_certificate_scans", tag = "files", params(("id" = Uuid, Path)), responses((status = 200, body = Vec<FileView>), (status = 404)))]
pub async fn certificate_scans(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<Vec<FileView>>, AppError> {
    list(state, who, BlobKind::CertificateScan, id).await
}

/// Uploads a photo for the batch's diary. Refer to it from an event by its `sha256` in
/// `details.photos`; the event's ledger entry then commits to the photo's exact bytes.
#[utoipa::path(post, path = "/api/v1/batches/{id}/photos", operation_id = "add_diary_photo", tag = "files", params(("id" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", content = FileForm, description = "one part named `file`"),
    responses((status = 201, body = FileView), (status = 404), (status = 413), (status = 415), (status = 422), (status = 503)))]
pub async fn add_diary_photo(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    FileUpload(file): FileUpload,
) -> Result<(StatusCode, Json<FileView>), AppError> {
    upload(state, who, BlobKind::DiaryPhoto, id, file).await
}

#[utoipa::path(get, path = "/api/v1/batches/{id}/photos", operation_id = "list_diary_photos", tag = "files", params(("id" = Uuid, Path)), responses((status = 200, body = Vec<FileView>), (status = 404)))]
pub async fn diary_photos(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<Vec<FileView>>, AppError> {
    list(state, who, BlobKind::DiaryPhoto, id).await
}

#[utoipa::path(get, path = "/api/v1/files/{id}", operation_id = "get_file", tag = "files", params(("id" = Uuid, Path)), responses((status = 200, body = FileView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<FileView>, AppError> {
    Ok(Json(view(state.blobs.get(&who, id).await?)))
}

/// Removes a product image or certificate scan.
#[utoipa::path(delete, path = "/api/v1/files/{id}", operation_id = "delete_file", tag = "files", params(("id" = Uuid, Path)), responses((status = 204), (status = 404), (status = 409, description = "diary photos and print files cannot be removed")))]
pub async fn remove(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<StatusCode, AppError> {
    let row = state.blobs.remove(&who, id).await?;
    if row.kind == BlobKind::ProductImage.as_str() {
        state.product_changed(row.subject_id);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The file's bytes: a redirect to a short-lived link straight to the bucket when the store
/// has one (S3), otherwise the bytes themselves.
#[utoipa::path(get, path = "/api/v1/files/{id}/content", operation_id = "get_file_content", tag = "files", params(("id" = Uuid, Path)), responses((status = 200), (status = 303, description = "to a presigned link, valid for 5 minutes"), (status = 404)))]
pub async fn content(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let row = state.blobs.get(&who, id).await?;
    let key = BlobKey::parse(&row.sha256)?;
    let name = row.original_name.clone();
    send(
        &state,
        &key,
        &row.content_type,
        name.as_deref(),
        "private, no-store",
    )
    .await
}

/// A stored object as a response: a redirect to the store's presigned URL when it has one,
/// otherwise streamed through the app.
pub async fn send(
    state: &AppState,
    key: &BlobKey,
    content_type: &str,
    file_name: Option<&str>,
    cache: &'static str,
) -> Result<Response, AppError> {
    if let Some(url) = state.blobs.store.url(key, LINK_TTL).await? {
        let mut res = Redirect::to(&url).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(res);
    }
    stream(state, key, content_type, file_name, cache).await
}

/// A stored object streamed through the app.
pub async fn stream(
    state: &AppState,
    key: &BlobKey,
    content_type: &str,
    file_name: Option<&str>,
    cache: &'static str,
) -> Result<Response, AppError> {
    let body = state.blobs.store.get(key).await?;
    let mut res = Response::new(Body::from_stream(body));
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(name) = file_name {
        let ascii: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && c != '"' && c != '\\' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}

/// A public image by its hash: product photos, diary photos and their thumbnails. Immutable,
/// so phones keep it; same-origin, so the scan page's CSP needs no other host.
pub async fn media(
    State(state): State<AppState>,
    axum::extract::Path(raw): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let key = BlobKey::parse(&raw).map_err(|_| AppError::NotFound("image"))?;
    let content_type = state
        .blobs
        .public_image(&key)
        .await?
        .ok_or(AppError::NotFound("image"))?;
    stream(
        &state,
        &key,
        &content_type,
        None,
        "public, max-age=31536000, immutable",
    )
    .await
}

/// The upload routes, with a body limit that fits the largest accepted file.
pub fn upload_routes(max_bytes: usize) -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(add_product_image, product_images))
        .routes(routes!(add_certificate_scan, certificate_scans))
        .routes(routes!(add_diary_photo, diary_photos))
        // Room for the multipart framing around the file.
        .layer(axum::extract::DefaultBodyLimit::max(
            max_bytes.saturating_add(64 * 1024),
        ))
}
