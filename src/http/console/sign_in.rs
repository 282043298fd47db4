//! Signing in and out.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::posted::Posted;
use super::shared::*;

pub(super) async fn sign_in_page(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    let lang = lang(&q, &headers);
    page(
        html(
            StatusCode::OK,
            SignInPage {
                c: Chrome::new(lang, String::new(), None),
                login: String::new(),
                error: None,
            },
        ),
        &q,
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Form(form): Form<SignInForm>,
) -> Response {
    let lang = lang(&q, &headers);
    let t = texts(lang);
    let again = |status: StatusCode, error: &'static str, login: String| {
        html(
            status,
            SignInPage {
                c: Chrome::new(lang, String::new(), None),
                login,
                error: Some(error),
            },
        )
    };
    // Before a session there is no token to check; SameSite cookies and the origin guard it.
    if !origin_ok(&headers) {
        return again(StatusCode::FORBIDDEN, t.bad_credentials, form.login);
    }
    let Ok(login) = Login::parse(&form.login) else {
        return again(StatusCode::UNAUTHORIZED, t.bad_credentials, form.login);
    };
    match accounts::start_session(&state.db, login, form.password, client).await {
        Ok(issued) => {
            let mut res = Redirect::to("/console").into_response();
            if let Some(c) = session_cookie(&state, &issued.secret, SESSION_HOURS * 3600) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            res
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            let mut res = again(StatusCode::TOO_MANY_REQUESTS, t.too_many, form.login);
            if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        Err(AppError::Unauthenticated { .. } | AppError::NotFound(_) | AppError::Validation(_)) => {
            again(StatusCode::UNAUTHORIZED, t.bad_credentials, form.login)
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    Posted { s, form: _ }: Posted<CsrfForm>,
) -> Response {
    if let Err(e) = accounts::end_session(&state.db, &s.who).await {
        return e.into_response();
    }
    let mut res = Redirect::to("/console/sign-in").into_response();
    if let Some(c) = session_cookie(&state, "", 0) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}
