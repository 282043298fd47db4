//! Extractors whose rejections are our problem documents, naming the offending field.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::{ParseError, Reason};
use crate::error::Code;
use crate::error::{AppError, FieldProblem};
use crate::services::accounts;
use crate::state::AppState;

/// JSON body: requires `Content-Type: application/json`; malformed JSON is a 400 with the
/// line and column; a well-formed body with wrong, missing or unknown fields is a 422 naming
/// the field by its JSON path.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json(req.headers())?;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge { limit: BODY_LIMIT }
            } else {
                AppError::BadRequest {
                    code: Code::BodyUnreadable,
                    detail: e.body_text(),
                }
            }
        })?;
        parse_json(&bytes).map(AppJson)
    }
}

/// `Content-Type: application/json` or any `application/…+json` (`ld+json`), else 415.
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), AppError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == "application"
                && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
        });
    if is_json {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType {
            expected: "application/json",
        })
    }
}

/// A JSON body larger than [`BODY_LIMIT`] allows: up to `limit` bytes, read whatever the
/// router's default limit (for documents such as EPCIS captures).
pub async fn large_json<T: DeserializeOwned>(req: Request, limit: usize) -> Result<T, AppError> {
    require_json(req.headers())?;
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge { limit })?;
    parse_json(&bytes)
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut *de);
    let err = match result {
        // One JSON value and nothing after it but whitespace.
        Ok(v) => {
            return match de.end() {
                Ok(()) => Ok(v),
                Err(e) => Err(AppError::BadRequest {
                    code: Code::MalformedJson,
                    detail: format!("the body holds more than one JSON value: {e}"),
                }),
            };
        }
        Err(err) => err,
    };
    let path = err.path().to_string();
    let inner = err.into_inner();
    use serde_json::error::Category;
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => Err(AppError::BadRequest {
            code: Code::MalformedJson,
            detail: format!("the body is not valid JSON: {inner}"),
        }),
        Category::Data => Err(AppError::Validation(vec![describe_data_error(
            &path,
            &inner.to_string(),
        )])),
    }
}

/// Turns serde's message into a field problem: unknown and missing fields are reported under
/// their own name; other errors under the path where they happened.
fn describe_data_error(path: &str, message: &str) -> FieldProblem {
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned();
    let quoted = message.split('`').nth(1).unwrap_or("").to_owned();
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    // For an unknown field the path already ends with its name; a missing one is reported at
    // its parent.
    let (field, code) = if message.starts_with("unknown field") {
        (
            if path == "." {
                quoted.clone()
            } else {
                path.to_owned()
            },
            Reason::UnknownField,
        )
    } else if message.starts_with("missing field") {
        (join(&quoted), Reason::MissingField)
    } else if message.starts_with("unknown variant") {
        (path.to_owned(), Reason::UnknownValue)
    } else if message.starts_with("invalid type") {
        (path.to_owned(), Reason::InvalidType)
    } else {
        (path.to_owned(), Reason::InvalidValue)
    };
    let field = if field == "." {
        "body".to_owned()
    } else {
        field
    };
    FieldProblem {
        field,
        code,
        message,
    }
}

/// Query string with errors naming the parameter. Unknown parameters are ignored, as web
/// links often carry tracking parameters.
pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(AppQuery)
            .map_err(|e| {
                let field = e.path().to_string();
                let message = e.into_inner().to_string();
                let field = if field == "." {
                    message.split('`').nth(1).unwrap_or("query").to_owned()
                } else {
                    field
                };
                AppError::validation(field, ParseError::new(Reason::Invalid, message))
            })
    }
}

/// A record id in the path. A malformed id cannot name any record: 404, like an absent one.
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::NotFound("record"))?;
        Uuid::parse_str(&raw)
            .map(PathId)
            .map_err(|_| AppError::NotFound("record"))
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let missing = || AppError::Unauthenticated {
            code: Code::MissingToken,
            detail: "send an API token as `Authorization: Bearer <token>`".into(),
        };
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(missing)?;
        let value = value.to_str().map_err(|_| missing())?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(missing)?;
        let principal = accounts::authenticate(&state.db, secret).await?;
        tracing::Span::current().record("token.id", tracing::field::display(principal.token_id));
        Ok(principal)
    }
}

/// A principal when the request sends a token, none when it sends no `Authorization`
/// header (public routes that show more to a member); a token sent and not valid is a 401.
impl axum::extract::OptionalFromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            <Principal as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    }
}

/// The client's address: the TCP peer, or the first `X-Forwarded-For` entry when the service
/// is configured to trust its proxy (`OCOP_TRUST_FORWARDED_FOR`). Only ever stored hashed.
pub struct ClientAddr(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .settings
            .trust_forwarded_for
            .then(|| parts.headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddr(
            forwarded
                .or(peer)
                .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])),
        ))
    }
}

/// Largest request body accepted by the JSON API.
pub const BODY_LIMIT: usize = 256 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Farm {
        name: String,
        latitude: Option<f64>,
        inner: Option<Inner>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn problem(body: &str) -> AppError {
        parse_json::<Farm>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn unknown_missing_and_mistyped_fields_are_named() {
        let AppError::Validation(p) = problem(r#"{"name":"a","lattitude":1}"#) else {
            panic!()
        };
        assert_eq!(
            (p[0].field.as_str(), p[0].code),
            ("lattitude", Reason::UnknownField)
        );
        let AppError::Validation(p) = problem(r#"{"latitude":1}"#) else {
            panic!()
        };
        assert_eq!(
            (p[0].field.as_str(), p[0].code),
            ("name", Reason::MissingField)
        );
        let AppError::Validation(p) = problem(r#"{"name":"a","latitude":"north"}"#) else {
            panic!()
        };
        assert_eq!(
            (p[0].field.as_str(), p[0].code),
            ("latitude", Reason::InvalidType)
        );
        let AppError::Validation(p) = problem(r#"{"name":"a","inner":{"count":-1}}"#) else {
            panic!()
        };
        assert_eq!(p[0].field, "inner.count");
        let AppError::Validation(p) = problem(r#"{"name":"a","inner":{"count":99999999999}}"#)
        else {
            panic!()
        };
        assert_eq!(p[0].field, "inner.count");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(
            problem(r#"{"name":"#),
            AppError::BadRequest {
                code: Code::MalformedJson,
                ..
            }
        ));
        assert!(matches!(
            problem("not json"),
            AppError::BadRequest {
                code: Code::MalformedJson,
                ..
            }
        ));
    }
}
