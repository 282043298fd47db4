//! The one layer that watches every request: its id, its span, its metrics and its error log.
//!
//! These were five layers: tower-http's request-id setter, trace layer and request-id
//! propagator, and two `from_fn` middlewares (error logging, metrics). Each added a future
//! around the next, two of them boxed, and every request paid for moving and polling that
//! nest: about a sixth of the scan page's CPU, measured (bench/RESULTS.md). Here it is one
//! service with one unboxed future, doing the same things in the same order:
//! - the request keeps an `x-request-id` it brought, or gets a new UUID, and the response
//!   carries it back;
//! - everything inside runs in a `request` span (method, path with secrets cut out, id, and an
//!   empty `token.id` that authentication fills in);
//! - every error response (it carries an [`ErrorReport`]) is logged once, and a server error's
//!   body gets the request id (it otherwise says only "internal error");
//! - requests are counted by method, route template and status, with their latency.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::BoxError;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tracing::Span;

use super::problem::{self, ErrorReport};
use crate::metrics::{MethodLabel, Metrics, RouteLabel};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct ObserveLayer {
    metrics: Arc<Metrics>,
}

impl ObserveLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

/// A fresh request id: a random UUID, as tower-http's `MakeRequestUuid` made them.
fn new_request_id() -> HeaderValue {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("-"))
}

impl<S, B> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response<B>, Error = Infallible>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ObserveFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let id = match req.headers().get(X_REQUEST_ID) {
            Some(id) => id.clone(),
            None => {
                let id = new_request_id();
                req.headers_mut().insert(X_REQUEST_ID, id.clone());
                id
            }
        };
        let span = tracing::info_span!(
            "request",
            http.method = %req.method(),
            http.path = %logged_path(req.uri().path()),
            request.id = %id.to_str().unwrap_or("-"),
            token.id = tracing::field::Empty,
        );
        let method = MethodLabel(req.method().clone());
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or(RouteLabel::Unmatched, |p| RouteLabel::Matched(p.clone()));
        let inner = {
            let _entered = span.enter();
            self.inner.call(req)
        };
        ObserveFuture {
            inner,
            seen: Some(Seen {
                span,
                id,
                method,
                route,
                start: Instant::now(),
                metrics: self.metrics.clone(),
            }),
        }
    }
}

/// What the future keeps to finish the request's record.
struct Seen {
    span: Span,
    id: HeaderValue,
    method: MethodLabel,
    route: RouteLabel,
    start: Instant,
    metrics: Arc<Metrics>,
}

pin_project! {
    pub struct ObserveFuture<F> {
        #[pin]
        inner: F,
        seen: Option<Seen>,
    }
}

impl<F, B> Future for ObserveFuture<F>
where
    F: Future<Output = Result<Response<B>, Infallible>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = {
            let _entered = this.seen.as_ref().map(|s| s.span.enter());
            ready!(this.inner.poll(cx))
        };
        // As axum's router would box the body after this layer anyway, it is boxed here.
        let Ok(res) = res;
        let mut res = res.map(Body::new);
        let Some(seen) = this.seen.take() else {
            return Poll::Ready(Ok(res));
        };
        let _entered = seen.span.enter();
        if let Some(report) = res.extensions().get::<ErrorReport>().cloned() {
            res = problem::log_error(res, report, seen.id.to_str().unwrap_or("-"));
        }
        res.headers_mut().insert(X_REQUEST_ID, seen.id.clone());
        let latency = seen.start.elapsed();
        seen.metrics
            .observe(seen.method, seen.route, res.status().as_u16(), latency);
        tracing::debug!(
            status = res.status().as_u16(),
            latency_ms = latency.as_secs_f64() * 1e3,
            "finished processing request"
        );
        Poll::Ready(Ok(res))
    }
}

/// A request path as logs may keep it: an invitation link's secret is cut off.
pub(crate) fn logged_path(path: &str) -> &str {
    const INVITATIONS: &str = "/console/invitations/";
    if path.starts_with(INVITATIONS) {
        INVITATIONS
    } else {
        path
    }
}
