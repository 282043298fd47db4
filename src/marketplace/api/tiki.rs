//! Tiki Open API (open.tiki.vn). Tiki does not list an item when it is pushed: a push is a
//! *product request* that Tiki reviews (documents, content, a bot) before it becomes a product,
//! and whose state is followed by its `track_id`:
//!
//! `queuing → processing → (drafted) → bot_/md_awaiting_approve → awaiting_approve →
//! approved | rejected | deleted`
//!
//! ("Create new product request" and "Tracking product request" in Tiki's product guide;
//! "Product API" reference.) The calls used:
//!
//! - `POST /integration/v2.1/requests` creates a request → `{track_id, state}`;
//! - `GET /integration/v2/tracking/{track_id}` → `{state, reason, …}`;
//! - `GET /integration/v2/requests/findBy?original_sku=` finds the requests for a seller SKU
//!   (reconciliation after a lost answer), `GET /integration/v2/requests/{id}` one of them;
//! - `PUT /integration/v2/products/updateSku` changes price, stock and active of an approved
//!   product, by our SKU, without a new review.
//!
//! A rejected request cannot be amended ("fix it then create a new one"), so an update of a
//! rejected item creates a new request. Calls carry the shop's OAuth 2.0 access token as a
//! Bearer token; on a 401 the token is renewed once at `POST /sc/oauth2/token` (HTTP Basic
//! with the app's client id and secret; `refresh_token` grant, or `client_credentials` for an
//! in-house app that has no refresh token) and the call repeated.
//!
//! The shop's `shop_id` is its Tiki seller warehouse id, which stock is counted in.

use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};

use super::{
    Account, ApiClient, ApiConfig, PushError, Pushed, Review, id_text, numeric_category, read,
};
use crate::marketplace::Listing;

pub struct Tiki;

const CREATE: &str = "/integration/v2.1/requests";
const TRACK: &str = "/integration/v2/tracking/";
const REQUESTS: &str = "/integration/v2/requests/";
const FIND_REQUESTS: &str = "/integration/v2/requests/findBy";
const UPDATE_SKU: &str = "/integration/v2/products/updateSku";
const TOKEN: &str = "/sc/oauth2/token";
/// An item whose review is not over cannot be changed; ask again after this long.
const UNDER_REVIEW: Duration = Duration::from_secs(600);
/// A reference that names a request by id (found by SKU), not by its track id.
const REQUEST_REF: &str = "request:";

/// Tiki answers errors as `{"errors": ["…"]}` with a 4xx; a 401 means the token.
fn outcome(status: u16, retry_after: Option<&str>, body: &str) -> Result<Value, PushError> {
    if !(200..300).contains(&status) {
        let reasons = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v.get("errors").cloned())
            .map(|e| e.to_string());
        return Err(PushError::from_status(
            status,
            retry_after,
            &format!("Tiki: {}", reasons.as_deref().unwrap_or(body)),
        ));
    }
    serde_json::from_str(body).map_err(|_| PushError::Retry {
        status: Some(status),
        after: None,
        detail: format!("Tiki answered without JSON: {}", clip(body)),
    })
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

enum Method {
    Get(Vec<(&'static str, String)>),
    Post(Value),
    Put(Value),
}

async fn call(
    http: &reqwest::Client,
    config: &ApiConfig,
    token: &str,
    path: &str,
    method: Method,
) -> Result<Value, PushError> {
    let url = crate::urls::url_under(&config.base_url, path);
    let req = match method {
        Method::Get(query) => http.get(&url).query(&query),
        Method::Post(body) => http.post(&url).json(&body),
        Method::Put(body) => http.put(&url).json(&body),
    };
    let res = req
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| PushError::from_http(&e))?;
    let (status, retry_after, body) = read(res).await?;
    outcome(status, retry_after.as_deref(), &body)
}

/// New tokens for the shop (RFC 6749 §6, or §4.4 without a refresh token).
async fn renew(
    http: &reqwest::Client,
    config: &ApiConfig,
    account: &Account,
) -> Result<Account, PushError> {
    let form: Vec<(&str, &str)> = match &account.refresh_token {
        Some(r) => vec![("grant_type", "refresh_token"), ("refresh_token", r)],
        None => vec![("grant_type", "client_credentials")],
    };
    let res = http
        .post(crate::urls::url_under(&config.base_url, TOKEN))
        .basic_auth(&config.key, Some(config.secret.as_str()))
        .form(&form)
        .send()
        .await
        .map_err(|e| PushError::from_http(&e))?;
    let (status, retry_after, body) = read(res).await?;
    let v = outcome(status, retry_after.as_deref(), &body).map_err(|e| match e {
        PushError::Refused { status, detail } => PushError::Refused {
            status,
            detail: format!(
                "Tiki would not renew the shop's token ({detail}): connect the shop again"
            ),
        },
        retry => retry,
    })?;
    let access_token = v["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| PushError::Refused {
            status: Some(status),
            detail: "Tiki's token endpoint answered without an access_token".into(),
        })?;
    Ok(Account {
        shop_id: account.shop_id.clone(),
        access_token: access_token.to_owned(),
        refresh_token: v["refresh_token"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| account.refresh_token.clone()),
    })
}

/// Runs `f` with the shop's token; after a 401, renews the token once and runs it again.
/// Returns the renewed tokens, if any, for the outbox to store.
async fn authorized<T, F, Fut>(
    http: &reqwest::Client,
    config: &ApiConfig,
    account: &Account,
    f: F,
) -> Result<(T, Option<Account>), PushError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, PushError>>,
{
    match f(account.access_token.clone()).await {
        Err(e) if e.status() == Some(401) => {
            let renewed = renew(http, config, account).await?;
            let out = f(renewed.access_token.clone()).await?;
            Ok((out, Some(renewed)))
        }
        other => other.map(|v| (v, None)),
    }
}

/// Tiki shows the description as HTML: each paragraph of ours, escaped, in a `<p>`.
pub fn html(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let escaped = p
                .trim()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('\n', "<br>");
            format!("<p>{escaped}</p>")
        })
        .collect()
}

/// Stock in the shop's warehouse, as Tiki counts it.
fn warehouse(account: &Account, stock: i64) -> Value {
    let id = account
        .shop_id
        .trim()
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(account.shop_id.trim()));
    json!([{"warehouse_id": id, "qty_available": stock}])
}

/// The body of a product request for one listing (a simple product: one variant).
pub fn request_body(
    config: &ApiConfig,
    account: &Account,
    l: &Listing,
) -> Result<Value, PushError> {
    let category = numeric_category(l, "tiki")?;
    let urls: Vec<String> = l.images.iter().map(|i| config.image_url(i)).collect();
    let pkg = l.package.unwrap_or_default();
    // What every category asks for (origin, brand); the rest depends on the category.
    let mut attributes = json!({
        "origin": "Việt Nam",
        "brand_origin": "Việt Nam",
        "brand": "OEM",
        "product_weight_kg": pkg.weight_g / 1000.0,
        "product_length": pkg.length_cm,
        "product_width": pkg.width_cm,
        "product_height": pkg.height_cm,
    });
    if let Some(gtin) = &l.gtin {
        attributes["barcode"] = json!(gtin);
    }
    Ok(json!({
        "category_id": category,
        "name": l.title,
        "description": html(&l.description),
        "market_price": l.price_vnd,
        "attributes": attributes,
        "image": urls.first(),
        "images": urls.iter().skip(1).collect::<Vec<_>>(),
        "option_attributes": [],
        "variants": [{
            "sku": l.sku,
            "price": l.price_vnd,
            "market_price": l.price_vnd,
            "seller_warehouse": account.shop_id.trim(),
            "warehouse_quantities": warehouse(account, l.stock),
        }],
    }))
}

/// An id, or a reason Tiki gives as a string or a list of strings.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Array(a) if !a.is_empty() => Some(
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => id_text(other),
    }
}

/// The state and reason of a tracking answer, or of a request's (`reasons`).
fn review_of(v: &Value) -> Result<(String, Option<String>), PushError> {
    let state = v["state"].as_str().ok_or_else(|| {
        PushError::malformed(format!(
            "Tiki's tracking answered without a state: {}",
            clip(&v.to_string())
        ))
    })?;
    Ok((
        state.to_owned(),
        text(&v["reason"]).or_else(|| text(&v["reasons"])),
    ))
}

impl Tiki {
    async fn create(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        l: &Listing,
    ) -> Result<Pushed, PushError> {
        let body = request_body(config, account, l)?;
        let (v, renewed) = authorized(http, config, account, |token| {
            let body = body.clone();
            async move { call(http, config, &token, CREATE, Method::Post(body)).await }
        })
        .await?;
        let track_id = id_text(&v["track_id"]).ok_or_else(|| {
            PushError::malformed(format!(
                "Tiki answered without a track_id: {}",
                clip(&v.to_string())
            ))
        })?;
        Ok(Pushed {
            external_id: track_id,
            account: renewed,
            review: Some(v["state"].as_str().unwrap_or("queuing").to_owned()),
        })
    }
}

#[async_trait::async_trait]
impl ApiClient for Tiki {
    async fn push(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        l: &Listing,
        _images: &[Vec<u8>],
        _idempotency_key: &str,
    ) -> Result<Pushed, PushError> {
        self.create(http, config, account, l).await
    }

    async fn update(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        external_id: &str,
        l: &Listing,
        _images: &[Vec<u8>],
    ) -> Result<Pushed, PushError> {
        let Some(review) = self.review(http, config, account, external_id).await? else {
            return Err(PushError::malformed(
                "Tiki said nothing about the earlier request",
            ));
        };
        let account = review.account.clone().unwrap_or_else(|| account.clone());
        match Review::settles(&review.state) {
            // A rejected request cannot be amended: the new version is a new request.
            Some(false) => {
                let mut p = self.create(http, config, &account, l).await?;
                p.account = p.account.or(review.account);
                Ok(p)
            }
            Some(true) => {
                let body = json!({
                    "original_sku": l.sku,
                    "price": l.price_vnd,
                    "active": 1,
                    "seller_warehouse": account.shop_id.trim(),
                    "warehouse_quantities": warehouse(&account, l.stock),
                });
                let ((), renewed) = authorized(http, config, &account, |token| {
                    let body = body.clone();
                    async move {
                        call(http, config, &token, UPDATE_SKU, Method::Put(body))
                            .await
                            .map(drop)
                    }
                })
                .await?;
                Ok(Pushed {
                    external_id: external_id.to_owned(),
                    account: renewed.or(review.account),
                    review: Some(review.state),
                })
            }
            None => Err(PushError::Retry {
                status: None,
                after: Some(UNDER_REVIEW),
                detail: format!(
                    "Tiki is still reviewing the earlier request ({}); the update follows its decision",
                    review.state
                ),
            }),
        }
    }

    async fn find(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        sku: &str,
    ) -> Result<Option<String>, PushError> {
        let (v, _) = authorized(http, config, account, |token| async move {
            call(
                http,
                config,
                &token,
                FIND_REQUESTS,
                Method::Get(vec![("original_sku", sku.to_owned())]),
            )
            .await
        })
        .await?;
        let found = v["data"].as_array().and_then(|requests| {
            requests
                .iter()
                .filter(|r| {
                    r["state"]
                        .as_str()
                        .is_some_and(|s| Review::settles(s) != Some(false))
                })
                .find_map(|r| {
                    id_text(&r["track_id"]).or_else(|| {
                        id_text(&r["request_id"]).map(|id| format!("{REQUEST_REF}{id}"))
                    })
                })
        });
        Ok(found)
    }

    async fn review(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        external_id: &str,
    ) -> Result<Option<Review>, PushError> {
        let path = match external_id.strip_prefix(REQUEST_REF) {
            Some(id) => format!("{REQUESTS}{id}"),
            None => format!("{TRACK}{external_id}"),
        };
        let (v, renewed) = authorized(http, config, account, |token| {
            let path = path.clone();
            async move { call(http, config, &token, &path, Method::Get(Vec::new())).await }
        })
        .await?;
        // A request by id answers `{data: [request]}`; tracking answers the request itself.
        let v = v["data"].get(0).cloned().unwrap_or(v);
        let (state, reason) = review_of(&v)?;
        Ok(Some(Review {
            state,
            reason,
            account: renewed,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_sorted_into_success_retry_and_refusal() {
        assert!(outcome(200, None, r#"{"track_id":"t","state":"queuing"}"#).is_ok());
        assert!(matches!(
            outcome(200, None, "<html>"),
            Err(PushError::Retry { .. })
        ));
        let refused = outcome(422, None, r#"{"errors":["Price is not valid"]}"#).unwrap_err();
        assert!(
            matches!(&refused, PushError::Refused { detail, .. } if detail.contains("Price is not valid")),
            "{refused:?}"
        );
        assert_eq!(outcome(401, None, "").unwrap_err().status(), Some(401));
        assert!(matches!(
            outcome(429, Some("3"), ""),
            Err(PushError::Retry { after: Some(d), .. }) if d.as_secs() == 3
        ));
        assert!(matches!(
            outcome(502, None, ""),
            Err(PushError::Retry { .. })
        ));
    }

    #[test]
    fn descriptions_become_escaped_paragraphs() {
        assert_eq!(
            html("Mật ong <nguyên chất> & thơm\nhũ 500 g\n\nOCOP 4 sao"),
            "<p>Mật ong &lt;nguyên chất&gt; &amp; thơm<br>hũ 500 g</p><p>OCOP 4 sao</p>"
        );
    }

    #[test]
    fn a_review_reads_tracking_and_request_answers() {
        let (state, reason) = review_of(&json!({
            "track_id": "c358", "state": "rejected", "reason": "Image does not match product name"
        }))
        .unwrap();
        assert_eq!(
            (state.as_str(), reason.as_deref()),
            ("rejected", Some("Image does not match product name"))
        );
        let (state, reason) =
            review_of(&json!({"request_id": "1115", "state": "approved", "reasons": null}))
                .unwrap();
        assert_eq!((state.as_str(), reason), ("approved", None));
        assert!(review_of(&json!({"track_id": "c358"})).is_err());
    }

    #[test]
    fn a_request_carries_category_images_warehouse_and_the_trace_link() {
        let config = ApiConfig {
            base_url: url::Url::parse("https://api.tiki.vn").unwrap(),
            key: "7590139168389961".into(),
            secret: "s".into(),
            public_base: url::Url::parse("https://trace.example.vn").unwrap(),
        };
        let account = Account {
            shop_id: "1034".into(),
            access_token: "t".into(),
            refresh_token: None,
        };
        let mut l = crate::marketplace::tests::listing();
        l.category = Some("4384".into());
        let body = request_body(&config, &account, &l).unwrap();
        assert_eq!(body["category_id"], 4384);
        assert_eq!(body["variants"][0]["sku"], "MO-500");
        assert_eq!(
            body["variants"][0]["warehouse_quantities"],
            json!([{"warehouse_id": 1034, "qty_available": 40}])
        );
        assert!(
            body["image"]
                .as_str()
                .unwrap()
                .starts_with("https://trace.example.vn/media/")
        );
        assert!(
            body["description"]
                .as_str()
                .unwrap()
                .contains("https://trace.example.vn/p/1")
        );
        l.category = None;
        assert!(matches!(
            request_body(&config, &account, &l),
            Err(PushError::Refused { .. })
        ));
    }
}
